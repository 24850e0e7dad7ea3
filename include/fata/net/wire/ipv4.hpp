// IPv4 packets (RFC 791).
//
// `ipv4_packet::parse` checks, once: version 4; a header length of at least
// 20 bytes that fits the buffer; a total length that covers the header and
// fits the buffer (bytes after it, such as Ethernet padding, are ignored);
// the header checksum (RFC 1071); and that the fragment ends within the
// 65535 bytes an IPv4 datagram can hold (the "ping of death"). Options are
// not interpreted: they are skipped, and `options()` shows their bytes.
// `ipv4_repr` emits a 20-byte header without options, with its checksum.
#pragma once

#include <cstddef>
#include <cstdint>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::wire {

class ipv4_packet {
 public:
  struct field {
    static constexpr std::size_t version_ihl = 0;
    static constexpr std::size_t tos = 1;
    static constexpr std::size_t total_length = 2;
    static constexpr std::size_t ident = 4;
    static constexpr std::size_t flags_fragment = 6;
    static constexpr std::size_t ttl = 8;
    static constexpr std::size_t protocol = 9;
    static constexpr std::size_t checksum = 10;
    static constexpr std::size_t source = 12;
    static constexpr std::size_t destination = 16;
  };
  static constexpr std::size_t min_header_len = 20;
  static constexpr std::size_t max_total_len = 65535;
  static constexpr std::uint16_t flag_dont_fragment = 0x4000;
  static constexpr std::uint16_t flag_more_fragments = 0x2000;

  static result<ipv4_packet, parse_error> parse(bytes data);

  std::size_t header_len() const { return std::size_t(_data.u8(field::version_ihl) & 0x0f) * 4; }
  std::uint8_t tos() const { return _data.u8(field::tos); }
  std::size_t total_len() const { return _data.be16(field::total_length); }
  std::uint16_t ident() const { return _data.be16(field::ident); }
  bool dont_fragment() const { return _data.be16(field::flags_fragment) & flag_dont_fragment; }
  bool more_fragments() const { return _data.be16(field::flags_fragment) & flag_more_fragments; }
  // The fragment's offset in the original datagram, in bytes.
  std::size_t fragment_offset() const {
    return std::size_t(_data.be16(field::flags_fragment) & 0x1fff) * 8;
  }
  bool is_fragment() const { return more_fragments() || fragment_offset() != 0; }
  std::uint8_t ttl() const { return _data.u8(field::ttl); }
  std::uint8_t protocol() const { return _data.u8(field::protocol); }
  std::uint16_t checksum() const { return _data.be16(field::checksum); }
  ipv4_addr source() const { return ipv4_addr(_data.be32(field::source)); }
  ipv4_addr destination() const { return ipv4_addr(_data.be32(field::destination)); }
  bytes options() const { return _data.sub(min_header_len, header_len() - min_header_len); }
  bytes header() const { return _data.first(header_len()); }
  bytes payload() const { return _data.sub(header_len(), total_len() - header_len()); }
  // The packet's bytes up to its total length.
  bytes raw() const { return _data.first(total_len()); }

 private:
  explicit ipv4_packet(bytes data) : _data(data) {}
  bytes _data;
};

struct ipv4_repr {
  ipv4_addr source;
  ipv4_addr destination;
  std::uint8_t protocol = 0;
  std::uint8_t ttl = 64;
  std::uint8_t tos = 0;
  std::uint16_t ident = 0;
  bool dont_fragment = false;
  bool more_fragments = false;
  std::uint16_t fragment_offset = 0;  // bytes; a multiple of 8
  std::size_t payload_len = 0;

  static ipv4_repr parse(const ipv4_packet& p);
  // Header bytes emit() writes (20: no options).
  std::size_t buffer_len() const { return ipv4_packet::min_header_len; }
  std::size_t total_len() const { return buffer_len() + payload_len; }
  // Writes the header, checksum included, at the start of `out`.
  // Contract: total_len() <= 65535 and fragment_offset % 8 == 0.
  void emit(mut_bytes out) const;
  friend bool operator==(const ipv4_repr&, const ipv4_repr&) = default;
};

}  // namespace fata::net::wire
