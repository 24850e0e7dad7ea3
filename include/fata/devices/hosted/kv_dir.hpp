// A read-only key-value store over a host directory (hosted target only),
// modelling fata::sig::kv_ro: what `generic_kv_ro("htdocs")` is on hosted,
// where kv_crunch is used in VM images.
//
//   auto site = fata::hosted::kv_dir::open("htdocs");
//   auto page = co_await site->get("/index.html");
//
// Confinement: a key can only reach inside the directory. Keys cannot
// contain "." or ".." segments (fata/devices/kv/key.hpp), and every path is
// resolved by the kernel with openat2(RESOLVE_BENEATH): a symbolic link is
// followed only while it stays inside the directory; an absolute link or
// one that climbs out is treated as absent (not_found, and not listed),
// as are devices, FIFOs and sockets. Regular files are values and
// directories dictionaries.
//
// Files are read on demand with the host's synchronous calls (the task
// does not suspend): get_partial reads only the requested range, size and
// last_modified only stat, digest streams the file through SHA-256 in
// fixed-size chunks. Results reflect the directory at the time of the call.
//
// Semantics are those of every fata store (see kv_mem.hpp). last_modified
// is the entry's st_mtime (nanoseconds); a dictionary's digest follows
// fata/devices/kv/digest.hpp over its members (a directory link cycle is left out
// of the digest, as fata-crunch leaves it out of the tree). Host failures
// (permission denied, I/O errors, a file that shrinks while read) are
// kv_error::io.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/kv.hpp>

namespace fata::hosted {

class kv_dir {
 public:
  // Opens the directory `path` (not_found if it does not exist,
  // dictionary_expected if it is not a directory, io otherwise).
  static result<kv_dir, sig::kv_error> open(std::string_view path);

  kv_dir(kv_dir&& other) noexcept;
  kv_dir& operator=(kv_dir&& other) noexcept;
  kv_dir(const kv_dir&) = delete;
  kv_dir& operator=(const kv_dir&) = delete;
  ~kv_dir();

  // sig::kv_ro
  task<result<std::optional<sig::kv_kind>, sig::kv_error>> exists(std::string_view key);
  task<result<std::string, sig::kv_error>> get(std::string_view key);
  task<result<std::string, sig::kv_error>> get_partial(std::string_view key, std::uint64_t offset,
                                                      std::size_t length);
  task<result<std::vector<sig::kv_entry>, sig::kv_error>> list(std::string_view key);
  task<result<wall_time, sig::kv_error>> last_modified(std::string_view key);
  task<result<sig::kv_digest, sig::kv_error>> digest(std::string_view key);
  task<result<std::uint64_t, sig::kv_error>> size(std::string_view key);

  // The same operations without a coroutine.
  result<std::optional<sig::kv_kind>, sig::kv_error> exists_now(std::string_view key) const;
  result<std::string, sig::kv_error> get_partial_now(std::string_view key, std::uint64_t offset,
                                                     std::size_t length) const;
  result<std::vector<sig::kv_entry>, sig::kv_error> list_now(std::string_view key) const;
  result<wall_time, sig::kv_error> last_modified_now(std::string_view key) const;
  result<sig::kv_digest, sig::kv_error> digest_now(std::string_view key) const;
  result<std::uint64_t, sig::kv_error> size_now(std::string_view key) const;

 private:
  explicit kv_dir(int root_fd) : _root_fd(root_fd) {}
  int _root_fd = -1;
};

static_assert(sig::kv_ro<kv_dir>);

}  // namespace fata::hosted
