// Signatures: key-value stores (MirageOS's Mirage_kv.RO and RW).
//
// Keys are paths of '/'-separated segments ("/css/site.css"; the leading
// '/' is optional and "" or "/" is the root). A segment may not be empty,
// "." or "..": such a key is `kv_error::invalid_key`. A key names either a
// value (bytes) or a dictionary (a folder of keys). Values are binary
// strings. Every operation may suspend.
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>

namespace fata::sig {

enum class kv_error : std::uint8_t {
  not_found = 1,         // no such key
  dictionary_expected,   // the key (or a parent) is a value, not a dictionary
  value_expected,        // the key is a dictionary, not a value
  invalid_key,           // malformed key
  out_of_bounds,         // offset beyond the value's end
  already_present,       // rename onto an existing key / allocate over one
  no_space,              // the store is full
  read_only,             // write to a read-only store
  io,                    // the backing storage failed
  cancelled,
  no_memory,  // an allocation failed (a buffer, or a task frame of the call)
};

constexpr std::string_view describe(kv_error e) noexcept {
  switch (e) {
    case kv_error::not_found: return "key not found";
    case kv_error::dictionary_expected: return "dictionary expected";
    case kv_error::value_expected: return "value expected";
    case kv_error::invalid_key: return "invalid key";
    case kv_error::out_of_bounds: return "offset out of bounds";
    case kv_error::already_present: return "key already present";
    case kv_error::no_space: return "no space left in store";
    case kv_error::read_only: return "store is read-only";
    case kv_error::io: return "storage I/O error";
    case kv_error::cancelled: return "cancelled";
    case kv_error::no_memory: return "out of memory";
  }
  return "unknown key-value error";
}

enum class kv_kind : std::uint8_t { value, dictionary };

struct kv_entry {
  std::string name;  // the last segment only
  kv_kind kind;
  friend bool operator==(const kv_entry&, const kv_entry&) = default;
};

// A SHA-256 digest of a value (of a dictionary: of its listing and its
// members' digests).
using kv_digest = std::array<std::uint8_t, 32>;

template <class K>
concept kv_ro = requires(K& k, std::string_view key, std::uint64_t offset, std::size_t length) {
  // What the key names, or nullopt if nothing.
  { k.exists(key) } -> std::same_as<task<result<std::optional<kv_kind>, kv_error>>>;
  // The whole value.
  { k.get(key) } -> std::same_as<task<result<std::string, kv_error>>>;
  // Up to `length` bytes from `offset` (fewer at the end of the value;
  // out_of_bounds if offset > size).
  { k.get_partial(key, offset, length) } -> std::same_as<task<result<std::string, kv_error>>>;
  // The entries of a dictionary, sorted by name.
  { k.list(key) } -> std::same_as<task<result<std::vector<kv_entry>, kv_error>>>;
  { k.last_modified(key) } -> std::same_as<task<result<wall_time, kv_error>>>;
  { k.digest(key) } -> std::same_as<task<result<kv_digest, kv_error>>>;
  // The size of a value in bytes.
  { k.size(key) } -> std::same_as<task<result<std::uint64_t, kv_error>>>;
};

// One change in a batch.
struct kv_op {
  enum class kind : std::uint8_t { set, remove, rename } what;
  std::string key;
  std::string value;  // set: the new value; rename: the destination key
};

template <class K>
concept kv_rw = kv_ro<K> &&
    requires(K& k, std::string_view key, std::string_view value, std::uint64_t offset,
             std::span<const kv_op> ops) {
  // Creates or replaces a value (and any missing parent dictionaries).
  { k.set(key, value) } -> std::same_as<task<result<void, kv_error>>>;
  // Writes `value` at `offset` inside an existing value, growing it if the
  // write goes past its end (offset beyond the end is out_of_bounds).
  { k.set_partial(key, offset, value) } -> std::same_as<task<result<void, kv_error>>>;
  // Removes a value or a whole dictionary.
  { k.remove(key) } -> std::same_as<task<result<void, kv_error>>>;
  // Moves a value or dictionary; the destination is replaced if it is a value.
  { k.rename(key, key) } -> std::same_as<task<result<void, kv_error>>>;
  // Creates a zero-filled value of `offset` bytes; already_present if it exists.
  { k.allocate(key, offset) } -> std::same_as<task<result<void, kv_error>>>;
  // Applies all changes or none.
  { k.batch(ops) } -> std::same_as<task<result<void, kv_error>>>;
};

}  // namespace fata::sig
