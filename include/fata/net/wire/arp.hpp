// ARP packets for IPv4 over Ethernet (RFC 826).
//
// Only hardware type 1 (Ethernet, 6-byte addresses) with protocol type
// 0x0800 (IPv4, 4-byte addresses) is handled; any other combination parses
// as `unsupported`, an operation other than request or reply as
// `unsupported`, a buffer shorter than 28 bytes as `truncated` (Ethernet
// padding after the 28 bytes is ignored).
#pragma once

#include <cstddef>
#include <cstdint>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::wire {

enum class arp_operation : std::uint16_t { request = 1, reply = 2 };

class arp_packet {
 public:
  struct field {
    static constexpr std::size_t hardware_type = 0;
    static constexpr std::size_t protocol_type = 2;
    static constexpr std::size_t hardware_len = 4;
    static constexpr std::size_t protocol_len = 5;
    static constexpr std::size_t operation = 6;
    static constexpr std::size_t sender_mac = 8;
    static constexpr std::size_t sender_ip = 14;
    static constexpr std::size_t target_mac = 18;
    static constexpr std::size_t target_ip = 24;
  };
  static constexpr std::size_t packet_len = 28;

  static result<arp_packet, parse_error> parse(bytes data);

  arp_operation operation() const { return static_cast<arp_operation>(_data.be16(field::operation)); }
  mac_addr sender_mac() const { return mac_at(field::sender_mac); }
  ipv4_addr sender_ip() const { return ipv4_addr(_data.be32(field::sender_ip)); }
  mac_addr target_mac() const { return mac_at(field::target_mac); }
  ipv4_addr target_ip() const { return ipv4_addr(_data.be32(field::target_ip)); }

 private:
  explicit arp_packet(bytes data) : _data(data) {}
  mac_addr mac_at(std::size_t off) const {
    mac_addr m;
    for (std::size_t i = 0; i < 6; ++i) m.octets[i] = _data.u8(off + i);
    return m;
  }
  bytes _data;
};

struct arp_repr {
  arp_operation operation = arp_operation::request;
  mac_addr sender_mac;
  ipv4_addr sender_ip;
  mac_addr target_mac;
  ipv4_addr target_ip;

  static arp_repr parse(const arp_packet& p);
  std::size_t buffer_len() const { return arp_packet::packet_len; }
  // Writes the 28-byte packet at the start of `out`.
  void emit(mut_bytes out) const;
  friend bool operator==(const arp_repr&, const arp_repr&) = default;
};

}  // namespace fata::net::wire
