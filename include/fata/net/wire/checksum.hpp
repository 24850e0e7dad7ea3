// The Internet checksum (RFC 1071), with the IPv4 pseudo-header used by
// UDP and TCP (RFC 768, RFC 9293 §3.1).
//
// `checksum_accumulator` adds bytes in any number of pieces (an odd-length
// piece carries its last byte over correctly) and folds at the end; a
// received packet is valid when the folded sum over it (with its checksum
// field as sent) is 0xffff, i.e. `finish()` returns 0.
#pragma once

#include <cstddef>
#include <cstdint>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>

namespace fata::net::wire {

class checksum_accumulator {
 public:
  void add(bytes data) {
    const std::uint8_t* p = data.u8_data();
    std::size_t n = data.size();
    if (n == 0) return;
    if (_odd) {
      _sum += p[0];
      ++p;
      --n;
      _odd = false;
    }
    // Sum 16-bit big-endian words in 64 bits; folding happens at the end.
    while (n >= 8) {
      _sum += (std::uint64_t(p[0]) << 8 | p[1]) + (std::uint64_t(p[2]) << 8 | p[3]) +
              (std::uint64_t(p[4]) << 8 | p[5]) + (std::uint64_t(p[6]) << 8 | p[7]);
      p += 8;
      n -= 8;
    }
    while (n >= 2) {
      _sum += std::uint64_t(p[0]) << 8 | p[1];
      p += 2;
      n -= 2;
    }
    if (n == 1) {
      _sum += std::uint64_t(p[0]) << 8;
      _odd = true;
    }
  }
  void add_u16(std::uint16_t v) { _sum += v; }
  void add_u32(std::uint32_t v) { _sum += (v >> 16) + (v & 0xffff); }
  // The IPv4 pseudo-header of a transport segment of `length` bytes.
  void add_pseudo_header(ipv4_addr source, ipv4_addr destination, std::uint8_t protocol,
                         std::uint16_t length) {
    add_u32(source.value);
    add_u32(destination.value);
    add_u16(protocol);
    add_u16(length);
  }
  // The one's complement of the folded sum: the value to put in a checksum
  // field, or 0 when verifying a packet that is intact.
  std::uint16_t finish() const {
    std::uint64_t s = _sum;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(~s & 0xffff);
  }

 private:
  std::uint64_t _sum = 0;
  bool _odd = false;
};

// The checksum of one contiguous buffer.
inline std::uint16_t internet_checksum(bytes data) {
  checksum_accumulator acc;
  acc.add(data);
  return acc.finish();
}

}  // namespace fata::net::wire
