// Why a wire-format parser rejected a buffer.
//
// Shared by every protocol's wire format under fata::net::wire. A parser
// returns one of these instead of a view when the bytes cannot be read
// safely; the layer above counts the drop under the reason.
#pragma once

#include <cstdint>
#include <string_view>

namespace fata::net::wire {

enum class parse_error : std::uint8_t {
  truncated = 1,  // shorter than its header, or than a length field says
  malformed,      // a field holds a value the format forbids
  bad_checksum,   // the checksum does not match the bytes
  unsupported,    // well formed, but a variant this stack does not handle
};

constexpr std::string_view describe(parse_error e) noexcept {
  switch (e) {
    case parse_error::truncated: return "truncated";
    case parse_error::malformed: return "malformed";
    case parse_error::bad_checksum: return "bad checksum";
    case parse_error::unsupported: return "unsupported";
  }
  return "unknown parse error";
}

}  // namespace fata::net::wire
