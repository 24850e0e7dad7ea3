// Private to the hosted devices and the crunch generator: the one rule for
// which entries of a host directory a key-value store contains.
//
// A key names the host path "ROOT/key". It is resolved with openat2's
// RESOLVE_BENEATH, so a symbolic link is followed only while the
// resolution stays inside ROOT (a relative link within the tree works; an
// absolute link, or one that climbs out through "..", does not), and
// procfs magic links are refused. What the path resolves to decides:
// a regular file is a value, a directory a dictionary, anything else
// (device, FIFO, socket, an escaping or dangling link) is absent. A key
// below a regular file is "below a value" (dictionary_expected); below
// anything absent it is absent.
//
// kv_dir (at run time) and fata-crunch (at build time) both use these
// functions, so the two stores see the same tree.
#pragma once

#include <cstdint>
#include <string_view>

#include <sys/types.h>

namespace fata::hosted::detail {

// Opens canonical key `key` ("" is ROOT itself) under `root_fd` with open
// flags `flags` (O_CLOEXEC is added). Returns a descriptor, or -errno.
int open_beneath(int root_fd, std::string_view key, int flags);

enum class host_kind : std::uint8_t { value, dictionary, absent, below_value, error };

struct host_entry {
  host_kind kind = host_kind::absent;
  std::uint64_t size = 0;          // values
  std::int64_t modified_ns = 0;    // st_mtim
  dev_t device = 0;
  ino_t inode = 0;
};

// Classifies `key` without opening it for reading.
host_entry stat_beneath(int root_fd, std::string_view key);

}  // namespace fata::hosted::detail
