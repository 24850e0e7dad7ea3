// Key-value keys: the one normalisation every fata store applies.
//
// A key is a path of '/'-separated segments ("/css/site.css"); the leading
// '/' is optional and "" or "/" names the root dictionary. The canonical
// form drops the leading '/': "css/site.css", and "" for the root. Because
// a valid key differs from its canonical form only by that '/', the
// canonical form is a view into the caller's string: normalising never
// allocates.
//
// Rejected with sig::kv_error::invalid_key, by every store alike:
// - an empty segment ("a//b", a trailing '/' as in "a/"), "." or "..";
// - a NUL byte (host files cannot carry it);
// - a segment longer than max_segment_size or a key longer than
//   max_key_size (the limits of Linux file names, so that a host-directory
//   store and an in-memory store accept exactly the same keys).
#pragma once

#include <cstddef>
#include <string_view>

#include <fata/core/result.hpp>
#include <fata/sig/kv.hpp>

namespace fata::devices::kv {

inline constexpr std::size_t max_segment_size = 255;
inline constexpr std::size_t max_key_size = 4095;

// Checks `key` and returns its canonical form, a view into `key`.
result<std::string_view, sig::kv_error> normalize_key(std::string_view key);

// For a canonical key: everything before the last segment ("" for a
// top-level key and for the root).
std::string_view parent_of(std::string_view canonical);
// For a canonical key: the last segment ("" for the root).
std::string_view basename_of(std::string_view canonical);
// True if canonical key `inner` is `outer` or lies below it.
bool is_within(std::string_view outer, std::string_view inner);

// Walks the segments of a canonical key, first to last:
//   key_segments s(k); for (std::string_view seg; s.next(seg);) ...
class key_segments {
 public:
  explicit key_segments(std::string_view canonical) : _rest(canonical) {}
  // Sets `segment` to the next segment; false when there is none left.
  bool next(std::string_view& segment);
  // True when the segment last returned by next() was the final one.
  bool at_end() const { return _rest.empty(); }

 private:
  std::string_view _rest;
};

}  // namespace fata::devices::kv
