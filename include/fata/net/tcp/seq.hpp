// TCP sequence numbers: 32-bit values compared modulo 2^32 (RFC 9293
// §3.4, RFC 1982 serial arithmetic).
//
// `a < b` means "b is after a" when the two are less than 2^31 apart; the
// comparison is total only over such windows, which TCP guarantees for the
// numbers it compares (windows are at most 2^30 bytes with scaling). The
// distance `b - a` is the signed number of bytes from a to b. There is no
// conversion to or from a raw integer except through `value` and the
// explicit constructor, so a byte count cannot be mistaken for a sequence
// number across an API.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fata::net::tcp {

struct seq_number {
  std::uint32_t value = 0;

  constexpr seq_number() = default;
  constexpr explicit seq_number(std::uint32_t v) : value(v) {}

  friend constexpr seq_number operator+(seq_number s, std::size_t n) {
    return seq_number(s.value + static_cast<std::uint32_t>(n));
  }
  friend constexpr seq_number operator-(seq_number s, std::size_t n) {
    return seq_number(s.value - static_cast<std::uint32_t>(n));
  }
  constexpr seq_number& operator+=(std::size_t n) {
    value += static_cast<std::uint32_t>(n);
    return *this;
  }
  // The signed distance from b to a: how far a is after b.
  friend constexpr std::int32_t operator-(seq_number a, seq_number b) {
    return static_cast<std::int32_t>(a.value - b.value);
  }
  friend constexpr bool operator==(seq_number, seq_number) = default;
  friend constexpr bool operator<(seq_number a, seq_number b) { return (a - b) < 0; }
  friend constexpr bool operator>(seq_number a, seq_number b) { return (a - b) > 0; }
  friend constexpr bool operator<=(seq_number a, seq_number b) { return (a - b) <= 0; }
  friend constexpr bool operator>=(seq_number a, seq_number b) { return (a - b) >= 0; }
};

// The later of two sequence numbers.
constexpr seq_number seq_max(seq_number a, seq_number b) { return a < b ? b : a; }
constexpr seq_number seq_min(seq_number a, seq_number b) { return a < b ? a : b; }

// The non-negative byte count from `from` to `to`. Contract (unchecked
// here, callers compare first): from <= to.
constexpr std::size_t seq_distance(seq_number from, seq_number to) {
  return static_cast<std::uint32_t>(to.value - from.value);
}

// True if lo <= s < hi.
constexpr bool seq_in_range(seq_number s, seq_number lo, seq_number hi) {
  return lo <= s && s < hi;
}

}  // namespace fata::net::tcp
