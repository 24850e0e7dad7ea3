// Hex strings to bytes, for golden-byte tests.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace fata::net::tcp::testing {

inline std::vector<std::byte> from_hex(std::string_view hex) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  std::vector<std::byte> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(std::byte(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

}  // namespace fata::net::tcp::testing
