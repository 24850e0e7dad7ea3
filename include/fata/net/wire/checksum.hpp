// The Internet checksum (RFC 1071), with the IPv4 pseudo-header used by
// UDP and TCP (RFC 768, RFC 9293 §3.1) and the IPv6 one (RFC 8200 §8.1).
//
// `checksum_accumulator` adds bytes in any number of pieces (an odd-length
// piece carries its last byte over correctly) and folds at the end; a
// received packet is valid when the folded sum over it (with its checksum
// field as sent) is 0xffff, i.e. `finish()` returns 0.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>

namespace fata::net::wire {

class checksum_accumulator {
 public:
  void add(bytes data) {
    const std::size_t n = data.size();
    if (n == 0) return;
    // The sum of the piece as if it began at an even offset of the stream;
    // a piece that begins at an odd offset contributes the same sum with its
    // bytes swapped (RFC 1071 §2(B)).
    const std::uint16_t s = sum_be16(data.u8_data(), n);
    _sum += _odd ? std::uint16_t(s << 8 | s >> 8) : s;
    _odd ^= (n & 1) != 0;
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
  // The IPv6 pseudo-header (RFC 8200 §8.1) of an upper-layer packet of
  // `length` bytes: for ICMPv6, UDP and TCP over IPv6.
  void add_pseudo_header(const ipv6_addr& source, const ipv6_addr& destination, std::uint8_t next_header,
                         std::uint32_t length) {
    add(bytes(reinterpret_cast<const std::byte*>(source.octets.data()), 16));
    add(bytes(reinterpret_cast<const std::byte*>(destination.octets.data()), 16));
    add_u32(length);
    add_u16(next_header);
  }
  // The pseudo-header of `source`'s family (both addresses are of one).
  void add_pseudo_header(const ip_addr& source, const ip_addr& destination, std::uint8_t protocol,
                         std::uint32_t length) {
    if (source.is_v4()) add_pseudo_header(source.v4(), destination.v4(), protocol, static_cast<std::uint16_t>(length));
    else add_pseudo_header(source.v6(), destination.v6(), protocol, length);
  }
  // The one's complement of the folded sum: the value to put in a checksum
  // field, or 0 when verifying a packet that is intact.
  std::uint16_t finish() const {
    std::uint64_t s = _sum;
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    return static_cast<std::uint16_t>(~s & 0xffff);
  }

 private:
  // The folded one's complement sum of big-endian 16-bit words over p[0, n)
  // (a last odd byte is the high byte of a word padded with zero). Words
  // are loaded in the machine's order, 32 bits at a time into a 64-bit sum
  // (2^16 = 1 mod 0xffff, so 32-bit words fold to the same 16-bit sum), and
  // the folded sum is swapped to big-endian at the end (RFC 1071 §2(B)):
  // the checksum costs a few adds per 8 bytes instead of per 2.
  static std::uint16_t sum_be16(const std::uint8_t* p, std::size_t n) {
    std::uint64_t a = 0, b = 0;
    for (; n >= 16; p += 16, n -= 16) {
      std::uint64_t x, y;
      std::memcpy(&x, p, 8);
      std::memcpy(&y, p + 8, 8);
      a += (x & 0xffffffff) + (x >> 32);
      b += (y & 0xffffffff) + (y >> 32);
    }
    a += b;
    if (n >= 8) {
      std::uint64_t x;
      std::memcpy(&x, p, 8);
      a += (x & 0xffffffff) + (x >> 32);
      p += 8;
      n -= 8;
    }
    if (n >= 4) {
      std::uint32_t x;
      std::memcpy(&x, p, 4);
      a += x;
      p += 4;
      n -= 4;
    }
    if (n >= 2) {
      std::uint16_t x;
      std::memcpy(&x, p, 2);
      a += x;
      p += 2;
      n -= 2;
    }
    if (n == 1) {
      std::uint16_t x = 0;
      std::memcpy(&x, p, 1);  // the byte in its place in a word of memory
      a += x;
    }
    while (a >> 16) a = (a & 0xffff) + (a >> 16);
    const auto s = static_cast<std::uint16_t>(a);
    if constexpr (std::endian::native == std::endian::little)
      return static_cast<std::uint16_t>(s << 8 | s >> 8);
    return s;
  }

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
