// Field values that HTTP servers and clients interpret (RFC 9110): dates,
// byte ranges, entity tags, content codings, media types, and the
// percent-encoding of paths. Pure functions; nothing allocates except
// percent_decode's output string.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <fata/core/time.hpp>

namespace fata::http {

// --- Dates (RFC 9110 §5.6.7) ----------------------------------------------

inline constexpr std::size_t http_date_size = 29;
// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT", written into `out` (at
// least http_date_size bytes); sub-second parts are dropped.
std::string_view format_http_date(wall_time t, std::span<char> out);
// Any of the three HTTP-date forms (IMF-fixdate, RFC 850, asctime), as
// recipients must accept; nullopt if malformed.
std::optional<wall_time> parse_http_date(std::string_view text);

// --- Byte ranges (RFC 9110 §14) -------------------------------------------

struct byte_range {
  std::uint64_t first = 0;  // inclusive
  std::uint64_t last = 0;   // inclusive
  std::uint64_t length() const { return last - first + 1; }
  friend bool operator==(const byte_range&, const byte_range&) = default;
};

struct range_request {
  enum class outcome : std::uint8_t {
    full,           // no usable Range: send the whole representation (200)
    partial,        // send `ranges` (206)
    unsatisfiable,  // no range overlaps the representation (416)
  };
  static constexpr std::size_t max_ranges = 8;
  outcome what = outcome::full;
  std::array<byte_range, max_ranges> ranges{};
  std::size_t count = 0;
};

// Interprets a Range field value for a representation of `size` bytes.
// Ranges are clipped to the representation, sorted, and overlapping or
// adjacent ones merged (§14.1.2 allows it, and it defuses requests for many
// overlapping ranges). A unit other than bytes, bad syntax, or more than
// max_ranges ranges give `full`: the field is ignored, as §14.2 permits.
range_request parse_range(std::string_view value, std::uint64_t size);

// --- Entity tags (RFC 9110 §8.8.3, §13.1) ---------------------------------

// True if `list` (an If-Match or If-None-Match value: "*" or a list of
// entity-tags) matches `etag` (a complete entity-tag, e.g. "\"abc\"").
// Weak comparison ignores the W/ prefix on both sides; strong comparison
// matches only when both are strong and identical.
bool etag_matches(std::string_view list, std::string_view etag, bool weak);

// --- Content codings (RFC 9110 §12.5.3) -----------------------------------

// True if an Accept-Encoding value accepts `coding` (q > 0 for it, or for
// "*" when it is not listed).
bool accepts_encoding(std::string_view accept_encoding, std::string_view coding);

// --- Media types ------------------------------------------------------------

// The Content-Type for a path, by its extension (".html" -> "text/html;
// charset=utf-8"); application/octet-stream when unknown.
std::string_view content_type_for(std::string_view path);

// --- Paths ------------------------------------------------------------------

// Decodes %XX escapes of a path into `out`. False for a malformed escape or
// an encoded NUL or '/', which could otherwise smuggle a segment boundary.
bool percent_decode(std::string_view in, std::string& out);

}  // namespace fata::http
