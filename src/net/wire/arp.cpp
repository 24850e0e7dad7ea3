#include <fata/net/wire/arp.hpp>

namespace fata::net::wire {

result<arp_packet, parse_error> arp_packet::parse(bytes data) {
  if (data.size() < packet_len) return unexpected(parse_error::truncated);
  // RFC 826: hardware type 1 (Ethernet), protocol type 0x0800 (IPv4), with
  // their address lengths.
  if (data.be16(field::hardware_type) != 1 || data.be16(field::protocol_type) != 0x0800 ||
      data.u8(field::hardware_len) != 6 || data.u8(field::protocol_len) != 4)
    return unexpected(parse_error::unsupported);
  const std::uint16_t op = data.be16(field::operation);
  if (op != 1 && op != 2) return unexpected(parse_error::unsupported);
  return arp_packet(data.first(packet_len));
}

arp_repr arp_repr::parse(const arp_packet& p) {
  return {p.operation(), p.sender_mac(), p.sender_ip(), p.target_mac(), p.target_ip()};
}

void arp_repr::emit(mut_bytes out) const {
  using f = arp_packet::field;
  out.set_be16(f::hardware_type, 1);
  out.set_be16(f::protocol_type, 0x0800);
  out.set_u8(f::hardware_len, 6);
  out.set_u8(f::protocol_len, 4);
  out.set_be16(f::operation, static_cast<std::uint16_t>(operation));
  for (std::size_t i = 0; i < 6; ++i) {
    out.set_u8(f::sender_mac + i, sender_mac.octets[i]);
    out.set_u8(f::target_mac + i, target_mac.octets[i]);
  }
  out.set_be32(f::sender_ip, sender_ip.value);
  out.set_be32(f::target_ip, target_ip.value);
}

}  // namespace fata::net::wire
