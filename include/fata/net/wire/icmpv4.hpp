// ICMPv4 messages (RFC 792, RFC 1191 for "fragmentation needed").
//
// `icmpv4_packet::parse` checks that the 8-byte header is present and that
// the checksum over the whole message is right. The four bytes after the
// checksum are read according to the type: identifier and sequence number
// of an echo, next-hop MTU of "fragmentation needed". For error messages
// (destination unreachable, time exceeded) `data()` is the quoted IPv4
// header and the first bytes of the datagram that caused the error;
// `icmpv4_repr` emits any message with its checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::wire {

namespace icmpv4_type {
inline constexpr std::uint8_t echo_reply = 0;
inline constexpr std::uint8_t destination_unreachable = 3;
inline constexpr std::uint8_t echo_request = 8;
inline constexpr std::uint8_t time_exceeded = 11;
inline constexpr std::uint8_t parameter_problem = 12;
}  // namespace icmpv4_type

namespace icmpv4_unreachable {
inline constexpr std::uint8_t net = 0;
inline constexpr std::uint8_t host = 1;
inline constexpr std::uint8_t protocol = 2;
inline constexpr std::uint8_t port = 3;
inline constexpr std::uint8_t fragmentation_needed = 4;
}  // namespace icmpv4_unreachable

class icmpv4_packet {
 public:
  struct field {
    static constexpr std::size_t type = 0;
    static constexpr std::size_t code = 1;
    static constexpr std::size_t checksum = 2;
    static constexpr std::size_t rest = 4;  // ident+seq, next-hop MTU, pointer...
  };
  static constexpr std::size_t header_len = 8;

  static result<icmpv4_packet, parse_error> parse(bytes data);

  std::uint8_t type() const { return _data.u8(field::type); }
  std::uint8_t code() const { return _data.u8(field::code); }
  std::uint16_t checksum() const { return _data.be16(field::checksum); }
  std::uint32_t rest_of_header() const { return _data.be32(field::rest); }
  std::uint16_t echo_ident() const { return _data.be16(field::rest); }
  std::uint16_t echo_sequence() const { return _data.be16(field::rest + 2); }
  std::uint16_t next_hop_mtu() const { return _data.be16(field::rest + 2); }
  bytes data() const { return _data.skip(header_len); }
  bytes raw() const { return _data; }

 private:
  explicit icmpv4_packet(bytes data) : _data(data) {}
  bytes _data;
};

struct icmpv4_repr {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;
  bytes data;  // borrowed

  static icmpv4_repr parse(const icmpv4_packet& p);
  static icmpv4_repr echo(std::uint8_t type, std::uint16_t ident, std::uint16_t sequence,
                          bytes data) {
    return {type, 0, std::uint32_t(ident) << 16 | sequence, data};
  }
  std::uint16_t echo_ident() const { return std::uint16_t(rest_of_header >> 16); }
  std::uint16_t echo_sequence() const { return std::uint16_t(rest_of_header); }

  // Bytes of the whole message (header and data).
  std::size_t buffer_len() const { return icmpv4_packet::header_len + data.size(); }
  // Writes the header and copies the data into `out`, checksum included.
  void emit(mut_bytes out) const;
  // Writes only the 8-byte header into `header`; the checksum covers
  // `data` as well, which the caller sends from where it lies.
  void emit_header(mut_bytes header) const;
  friend bool operator==(const icmpv4_repr& a, const icmpv4_repr& b) {
    return a.type == b.type && a.code == b.code && a.rest_of_header == b.rest_of_header &&
           a.data == b.data;
  }
};

}  // namespace fata::net::wire
