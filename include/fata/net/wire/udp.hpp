// UDP datagrams (RFC 768) over IPv4 and IPv6.
//
// `udp_packet::parse` checks the 8-byte header and that the length field
// covers the header and fits the buffer (bytes past it are ignored).
// `udp_repr::parse` verifies the checksum with the pseudo-header of the
// addresses' family; over IPv4 a zero checksum means "not computed" and is
// accepted (RFC 768), over IPv6 it is an error (RFC 8200 §8.1). Emitting
// computes the checksum, sending 0xffff for a computed zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::wire {

class udp_packet {
 public:
  struct field {
    static constexpr std::size_t source_port = 0;
    static constexpr std::size_t destination_port = 2;
    static constexpr std::size_t length = 4;
    static constexpr std::size_t checksum = 6;
  };
  static constexpr std::size_t header_len = 8;

  static result<udp_packet, parse_error> parse(bytes data);

  port source_port() const { return port(_data.be16(field::source_port)); }
  port destination_port() const { return port(_data.be16(field::destination_port)); }
  std::size_t length() const { return _data.be16(field::length); }
  std::uint16_t checksum() const { return _data.be16(field::checksum); }
  bytes payload() const { return _data.sub(header_len, length() - header_len); }
  bytes raw() const { return _data.first(length()); }
  // True if the checksum matches the pseudo-header and the datagram, or
  // is absent (0) over IPv4; over IPv6 it is mandatory (RFC 8200 §8.1).
  bool checksum_valid(const ip_addr& source, const ip_addr& destination) const;

 private:
  explicit udp_packet(bytes data) : _data(data) {}
  bytes _data;
};

struct udp_repr {
  port source_port;
  port destination_port;
  bytes payload;  // borrowed

  // Validates the checksum against the pseudo-header of (source,
  // destination): parse_error::bad_checksum if it does not match.
  static result<udp_repr, parse_error> parse(const udp_packet& p, const ip_addr& source,
                                             const ip_addr& destination);
  // Header bytes (8).
  std::size_t buffer_len() const { return udp_packet::header_len; }
  std::size_t total_len() const { return udp_packet::header_len + payload.size(); }
  // Writes the header and copies the payload into `out` (total_len()
  // bytes), checksum included. Contract: total_len() <= 65535.
  void emit(mut_bytes out, const ip_addr& source, const ip_addr& destination) const;
  // Writes only the 8-byte header for a payload made of `parts` (which the
  // caller sends from where they lie); `payload` is ignored.
  void emit_header(mut_bytes header, const ip_addr& source, const ip_addr& destination,
                   std::span<const bytes> parts) const;
  friend bool operator==(const udp_repr& a, const udp_repr& b) {
    return a.source_port == b.source_port && a.destination_port == b.destination_port &&
           a.payload == b.payload;
  }
};

}  // namespace fata::net::wire
