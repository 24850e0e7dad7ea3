#include <fata/net/wire/icmpv6.hpp>

#include <fata/core/assert.hpp>
#include <fata/net/wire/checksum.hpp>
#include <fata/net/wire/ipv6.hpp>

namespace fata::net::wire {

namespace {

std::uint16_t icmpv6_checksum(bytes message, const ipv6_addr& source, const ipv6_addr& destination) {
  checksum_accumulator acc;
  acc.add_pseudo_header(source, destination, ipv6_next::icmpv6, static_cast<std::uint32_t>(message.size()));
  acc.add(message);
  return acc.finish();
}

ipv6_addr address_at(bytes b, std::size_t off) {
  ipv6_addr a;
  for (std::size_t i = 0; i < 16; ++i) a.octets[i] = b.u8(off + i);
  return a;
}

void put_address(mut_bytes out, std::size_t off, const ipv6_addr& a) {
  for (std::size_t i = 0; i < 16; ++i) out.set_u8(off + i, a.octets[i]);
}

void put_link_option(mut_bytes out, std::size_t off, std::uint8_t type, const mac_addr& mac) {
  out.set_u8(off, type);
  out.set_u8(off + 1, 1);  // 8 bytes
  for (std::size_t i = 0; i < 6; ++i) out.set_u8(off + 2 + i, mac.octets[i]);
}

}  // namespace

result<icmpv6_packet, parse_error> icmpv6_packet::parse(bytes data, const ipv6_addr& source,
                                                        const ipv6_addr& destination) {
  // Every type has a 32-bit word after the checksum (RFC 4443 §2.1, RFC 4861 §4).
  if (data.size() < header_len) return unexpected(parse_error::truncated);
  if (icmpv6_checksum(data, source, destination) != 0) return unexpected(parse_error::bad_checksum);
  return icmpv6_packet(data);
}

void icmpv6_repr::emit(mut_bytes out, const ipv6_addr& source, const ipv6_addr& destination) const {
  FATA_ASSERT(out.size() >= buffer_len());
  out.set_u8(icmpv6_packet::field::type, type);
  out.set_u8(icmpv6_packet::field::code, code);
  out.set_be16(icmpv6_packet::field::checksum, 0);
  out.set_be32(icmpv6_packet::field::rest, rest_of_header);
  out.copy_from(icmpv6_packet::header_len, data);
  const mut_bytes message = out.first(buffer_len());
  message.set_be16(icmpv6_packet::field::checksum, icmpv6_checksum(message, source, destination));
}

result<ndp_message, parse_error> ndp_message::parse(const icmpv6_packet& m, std::uint8_t hop_limit,
                                                    const ipv6_addr& source, const ipv6_addr& destination) {
  const bytes d = m.raw();
  std::size_t fixed = 0;
  switch (m.type()) {
    case icmpv6_type::router_solicitation: fixed = 8; break;
    case icmpv6_type::router_advertisement: fixed = 16; break;
    case icmpv6_type::neighbor_solicitation:
    case icmpv6_type::neighbor_advertisement: fixed = 24; break;
    case icmpv6_type::redirect: fixed = 40; break;
    default: return unexpected(parse_error::unsupported);
  }
  // Off-link senders cannot set a hop limit of 255 (RFC 4861 §3.1).
  if (hop_limit != 255 || m.code() != 0) return unexpected(parse_error::malformed);
  if (d.size() < fixed) return unexpected(parse_error::truncated);
  bool has_source_link = false;
  for (std::size_t i = fixed; i < d.size();) {
    if (i + 2 > d.size()) return unexpected(parse_error::truncated);
    const std::size_t len = std::size_t(d.u8(i + 1)) * 8;
    if (len == 0) return unexpected(parse_error::malformed);  // §4.6: would never end
    if (i + len > d.size()) return unexpected(parse_error::truncated);
    if (d.u8(i) == ndp_option::source_link_address) has_source_link = true;
    i += len;
  }
  ndp_message n(d, fixed);
  switch (m.type()) {
    case icmpv6_type::router_solicitation:
      if (source.is_any() && has_source_link) return unexpected(parse_error::malformed);
      break;
    case icmpv6_type::router_advertisement:
      if (!source.is_link_local()) return unexpected(parse_error::malformed);
      break;
    case icmpv6_type::neighbor_solicitation:
      if (n.target().is_multicast()) return unexpected(parse_error::malformed);
      if (source.is_any() && (has_source_link || destination != solicited_node(n.target())))
        return unexpected(parse_error::malformed);
      break;
    case icmpv6_type::neighbor_advertisement:
      if (n.target().is_multicast()) return unexpected(parse_error::malformed);
      if (destination.is_multicast() && n.solicited_flag()) return unexpected(parse_error::malformed);
      break;
    case icmpv6_type::redirect:
      if (!source.is_link_local() || n.redirect_destination().is_multicast())
        return unexpected(parse_error::malformed);
      break;
  }
  return n;
}

ipv6_addr ndp_message::target() const { return address_at(_data, 8); }
ipv6_addr ndp_message::redirect_destination() const { return address_at(_data, 24); }

std::optional<bytes> ndp_message::find_option(std::uint8_t type) const {
  std::optional<bytes> found;
  for_each_option([&](const option& o) {
    if (o.type != type) return true;
    found = o.value;
    return false;
  });
  return found;
}

std::optional<mac_addr> ndp_message::link_address(std::uint8_t type) const {
  auto v = find_option(type);
  if (!v || v->size() != 6) return std::nullopt;
  mac_addr m;
  for (std::size_t i = 0; i < 6; ++i) m.octets[i] = v->u8(i);
  return m;
}

std::optional<std::uint32_t> ndp_message::mtu_option() const {
  auto v = find_option(ndp_option::mtu);
  if (!v || v->size() != 6) return std::nullopt;
  return v->be32(2);
}

std::optional<ndp_prefix_info> ndp_message::prefix_information(bytes v) {
  if (v.size() != 30 || v.u8(0) > 128) return std::nullopt;
  ndp_prefix_info p;
  p.prefix.length = v.u8(0);
  p.on_link = (v.u8(1) & 0x80) != 0;
  p.autonomous = (v.u8(1) & 0x40) != 0;
  p.valid_lifetime = v.be32(2);
  p.preferred_lifetime = v.be32(6);
  p.prefix.address = address_at(v, 14);
  return p;
}

std::size_t ndp_writer::neighbor_solicitation(mut_bytes out, const ipv6_addr& target,
                                              std::optional<mac_addr> mac) {
  out.first(24).fill(std::byte{0});
  out.set_u8(0, icmpv6_type::neighbor_solicitation);
  put_address(out, 8, target);
  if (!mac) return 24;
  put_link_option(out, 24, ndp_option::source_link_address, *mac);
  return 32;
}

std::size_t ndp_writer::neighbor_advertisement(mut_bytes out, const ipv6_addr& target, mac_addr mac,
                                               bool router, bool solicited, bool override_flag) {
  out.first(24).fill(std::byte{0});
  out.set_u8(0, icmpv6_type::neighbor_advertisement);
  out.set_u8(4, static_cast<std::uint8_t>((router ? 0x80 : 0) | (solicited ? 0x40 : 0) |
                                          (override_flag ? 0x20 : 0)));
  put_address(out, 8, target);
  put_link_option(out, 24, ndp_option::target_link_address, mac);
  return 32;
}

std::size_t ndp_writer::router_solicitation(mut_bytes out, std::optional<mac_addr> mac) {
  out.first(8).fill(std::byte{0});
  out.set_u8(0, icmpv6_type::router_solicitation);
  if (!mac) return 8;
  put_link_option(out, 8, ndp_option::source_link_address, *mac);
  return 16;
}

void ndp_writer::finish(mut_bytes out, std::size_t len, const ipv6_addr& source, const ipv6_addr& destination) {
  const mut_bytes message = out.first(len);
  message.set_be16(icmpv6_packet::field::checksum, 0);
  message.set_be16(icmpv6_packet::field::checksum, icmpv6_checksum(message, source, destination));
}

ipv6_addr solicited_node(const ipv6_addr& a) {
  ipv6_addr s;
  s.octets[0] = 0xff;
  s.octets[1] = 0x02;
  s.octets[11] = 0x01;
  s.octets[12] = 0xff;
  s.octets[13] = a.octets[13];
  s.octets[14] = a.octets[14];
  s.octets[15] = a.octets[15];
  return s;
}

mac_addr multicast_mac(const ipv6_addr& group) {
  return mac_addr{{0x33, 0x33, group.octets[12], group.octets[13], group.octets[14], group.octets[15]}};
}

}  // namespace fata::net::wire
