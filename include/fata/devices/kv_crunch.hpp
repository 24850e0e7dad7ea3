// A read-only key-value store compiled into the image (MirageOS's crunch),
// modelling fata::sig::kv_ro.
//
// At build time, fata_crunch() (tools/crunch/fata_crunch.cmake) walks a
// host directory and generates a static library holding
// - the file bytes, embedded with the assembler's `.incbin`, and
// - a crunch_table: every value and dictionary with its name, size,
//   modification time and precomputed SHA-256 digest,
// and a header <fata/crunched/NAME.hpp> declaring `fata::crunched::NAME`.
//
//   #include <fata/crunched/htdocs.hpp>
//   fata::devices::kv_crunch site(fata::crunched::htdocs);
//   auto page = site.mapped("/index.html");   // zero-copy view of the bytes
//
// The table and the bytes are constant-initialised static data (read-only
// sections): nothing runs at start-up, so the same library works in a
// freestanding image. Lookups walk the tree by segment with a binary
// search among each dictionary's children; nothing allocates except the
// std::string / std::vector results the signature returns.
//
// Semantics: as every fata store (see kv_mem.hpp): dictionary_expected for
// a key below a value, not_found for a missing key, value_expected for
// value operations on a dictionary, out_of_bounds for a get_partial offset
// past the end. last_modified is the host file's (or directory's)
// modification time at build time. Which host entries the store contains
// is decided as by fata::hosted::kv_dir over the same directory (regular
// files and directories; symbolic links followed only while they stay
// inside the directory), so both stores agree on every key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/kv.hpp>

namespace fata::devices {

// One value or dictionary of a crunched tree. Written by the generator;
// the layout is an implementation detail of kv_crunch.
struct crunch_entry {
  std::string_view name;      // the last segment; "" for the root
  sig::kv_kind kind;
  std::uint32_t first_child;  // dictionaries: index of the first child
  std::uint32_t child_count;  // dictionaries: children, sorted by name, contiguous
  const std::byte* data;      // values: the bytes
  std::uint64_t size;         // values: their length
  std::int64_t modified_ns;   // wall time, nanoseconds since the epoch
  sig::kv_digest digest;
};

// A crunched tree: entries[0] is the root dictionary.
struct crunch_table {
  std::string_view name;
  const crunch_entry* entries;
  std::uint32_t count;
};

class kv_crunch {
 public:
  // A store over `table`, which is static data and outlives the store.
  explicit kv_crunch(const crunch_table& table);

  // sig::kv_ro
  task<result<std::optional<sig::kv_kind>, sig::kv_error>> exists(std::string_view key);
  task<result<std::string, sig::kv_error>> get(std::string_view key);
  task<result<std::string, sig::kv_error>> get_partial(std::string_view key, std::uint64_t offset,
                                                      std::size_t length);
  task<result<std::vector<sig::kv_entry>, sig::kv_error>> list(std::string_view key);
  task<result<wall_time, sig::kv_error>> last_modified(std::string_view key);
  task<result<sig::kv_digest, sig::kv_error>> digest(std::string_view key);
  task<result<std::uint64_t, sig::kv_error>> size(std::string_view key);

  // The bytes of a value, in place, valid for the life of the image: what
  // an HTTP server sends without copying. nullopt for a missing key, a
  // dictionary or an invalid key.
  std::optional<bytes> mapped(std::string_view key) const;
  // The entry a key names (its metadata: size, time, digest), or the
  // lookup error.
  result<const crunch_entry*, sig::kv_error> find(std::string_view key) const;

  const crunch_table& table() const { return *_table; }

 private:
  result<const crunch_entry*, sig::kv_error> find_value(std::string_view key) const;
  const crunch_table* _table;
};

static_assert(sig::kv_ro<kv_crunch>);

}  // namespace fata::devices
