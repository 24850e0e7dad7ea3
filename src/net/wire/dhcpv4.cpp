#include <fata/net/wire/dhcpv4.hpp>

#include <algorithm>

#include <fata/core/assert.hpp>

namespace fata::net::wire {

std::string_view describe(dhcp_message_type t) noexcept {
  switch (t) {
    case dhcp_message_type::discover: return "DHCPDISCOVER";
    case dhcp_message_type::offer: return "DHCPOFFER";
    case dhcp_message_type::request: return "DHCPREQUEST";
    case dhcp_message_type::decline: return "DHCPDECLINE";
    case dhcp_message_type::ack: return "DHCPACK";
    case dhcp_message_type::nak: return "DHCPNAK";
    case dhcp_message_type::release: return "DHCPRELEASE";
    case dhcp_message_type::inform: return "DHCPINFORM";
  }
  return "DHCP?";
}

namespace {

// Walks one option area: every option must lie inside it. Reports the
// overload option's value if the area holds one.
result<void, parse_error> check_area(bytes area, bool may_overload, std::uint8_t& overload) {
  std::size_t i = 0;
  while (i < area.size()) {
    const std::uint8_t code = area.u8(i);
    if (code == dhcp_option::end) return {};
    if (code == dhcp_option::pad) {
      ++i;
      continue;
    }
    if (i + 1 >= area.size()) return unexpected(parse_error::truncated);
    const std::size_t len = area.u8(i + 1);
    if (i + 2 + len > area.size()) return unexpected(parse_error::truncated);
    if (code == dhcp_option::overload) {
      // Only the options field may overload, once, with 1, 2 or 3.
      if (!may_overload || overload != 0 || len != 1) return unexpected(parse_error::malformed);
      overload = area.u8(i + 2);
      if (overload < 1 || overload > 3) return unexpected(parse_error::malformed);
    }
    i += 2 + len;
  }
  return {};  // no END: the area ends with the buffer (tolerated, as Linux's clients do)
}

}  // namespace

result<dhcpv4_packet, parse_error> dhcpv4_packet::parse(bytes data) {
  if (data.size() < min_len) return unexpected(parse_error::truncated);
  const std::uint8_t op = data.u8(field::op);
  if (op != op_request && op != op_reply) return unexpected(parse_error::malformed);
  if (data.u8(field::htype) != 1 || data.u8(field::hlen) != 6)
    return unexpected(parse_error::unsupported);
  if (data.be32(field::cookie) != magic_cookie) return unexpected(parse_error::malformed);
  std::uint8_t overload = 0;
  if (auto r = check_area(data.skip(field::options), true, overload); !r)
    return unexpected(r.error());
  std::uint8_t nested = 0;
  if (overload & 1)
    if (auto r = check_area(data.sub(field::file, file_len), false, nested); !r)
      return unexpected(r.error());
  if (overload & 2)
    if (auto r = check_area(data.sub(field::sname, sname_len), false, nested); !r)
      return unexpected(r.error());
  return dhcpv4_packet(data, overload);
}

mac_addr dhcpv4_packet::chaddr() const {
  mac_addr m;
  for (std::size_t i = 0; i < 6; ++i) m.octets[i] = _data.u8(field::chaddr + i);
  return m;
}

bytes dhcpv4_packet::area(unsigned which) const {
  switch (which) {
    case 0: return _data.skip(field::options);
    case 1: return (_overload & 1) ? _data.sub(field::file, file_len) : bytes{};
    default: return (_overload & 2) ? _data.sub(field::sname, sname_len) : bytes{};
  }
}

std::optional<bytes> dhcpv4_packet::find(std::uint8_t code) const {
  std::optional<bytes> found;
  for_each([&](const option& o) {
    if (o.code != code) return true;
    found = o.value;
    return false;
  });
  return found;
}

std::optional<bytes> dhcpv4_packet::find_long(std::uint8_t code, mut_bytes scratch) const {
  std::size_t instances = 0;
  std::size_t total = 0;
  std::optional<bytes> first;
  for_each([&](const option& o) {
    if (o.code != code) return true;
    if (instances++ == 0) first = o.value;
    total += o.value.size();
    return true;
  });
  if (instances <= 1) return first;
  if (total > scratch.size()) return std::nullopt;
  std::size_t at = 0;
  for_each([&](const option& o) {
    if (o.code != code) return true;
    scratch.copy_from(at, o.value);
    at += o.value.size();
    return true;
  });
  return bytes(scratch.first(total));
}

std::optional<dhcp_message_type> dhcpv4_packet::message_type() const {
  auto v = find(dhcp_option::message_type);
  if (!v || v->size() != 1) return std::nullopt;
  const std::uint8_t t = v->u8(0);
  if (t < 1 || t > 8) return std::nullopt;
  return static_cast<dhcp_message_type>(t);
}

result<std::size_t, parse_error> parse_classless_routes(bytes value, std::span<ipv4_route> out) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < value.size()) {
    const std::uint8_t width = value.u8(i);
    if (width > 32) return unexpected(parse_error::malformed);
    const std::size_t significant = (width + 7u) / 8u;
    if (i + 1 + significant + 4 > value.size()) return unexpected(parse_error::malformed);
    if (count == out.size()) return unexpected(parse_error::malformed);
    std::uint32_t dest = 0;
    for (std::size_t k = 0; k < significant; ++k)
      dest |= std::uint32_t(value.u8(i + 1 + k)) << (24 - 8 * k);
    ipv4_prefix p{ipv4_addr(dest), width};
    // Bits past the width are meaningless on the wire; keep the network.
    p.address = p.network();
    out[count++] = ipv4_route{p, ipv4_addr(value.be32(i + 1 + significant))};
    i += 1 + significant + 4;
  }
  return count;
}

std::optional<std::size_t> encode_classless_routes(std::span<const ipv4_route> routes, mut_bytes out) {
  std::size_t at = 0;
  for (const ipv4_route& r : routes) {
    const std::size_t significant = (r.destination.length + 7u) / 8u;
    if (at + 1 + significant + 4 > out.size()) return std::nullopt;
    out.set_u8(at, r.destination.length);
    const std::uint32_t dest = r.destination.network().value;
    for (std::size_t k = 0; k < significant; ++k)
      out.set_u8(at + 1 + k, static_cast<std::uint8_t>(dest >> (24 - 8 * k)));
    out.set_be32(at + 1 + significant, r.router.value);
    at += 1 + significant + 4;
  }
  return at;
}

dhcpv4_writer::dhcpv4_writer(mut_bytes out, std::uint8_t op, dhcp_message_type type,
                             std::uint32_t xid, mac_addr client)
    : _out(out) {
  FATA_ASSERT(out.size() >= min_message_len);
  using f = dhcpv4_packet::field;
  out.first(f::options).fill(std::byte{0});
  out.set_u8(f::op, op);
  out.set_u8(f::htype, 1);
  out.set_u8(f::hlen, 6);
  out.set_be32(f::xid, xid);
  for (std::size_t i = 0; i < 6; ++i) out.set_u8(f::chaddr + i, client.octets[i]);
  out.set_be32(f::cookie, dhcpv4_packet::magic_cookie);
  add_u8(dhcp_option::message_type, static_cast<std::uint8_t>(type));
}

dhcpv4_writer::dhcpv4_writer(mut_bytes out, dhcp_message_type type, std::uint32_t xid,
                             mac_addr client)
    : dhcpv4_writer(out, dhcpv4_packet::op_request, type, xid, client) {}

dhcpv4_writer dhcpv4_writer::reply(mut_bytes out, dhcp_message_type type, std::uint32_t xid,
                                   mac_addr client) {
  return dhcpv4_writer(out, dhcpv4_packet::op_reply, type, xid, client);
}

void dhcpv4_writer::add(std::uint8_t code, bytes value) {
  // One byte stays for END.
  if (value.size() > 255 || _at + 2 + value.size() + 1 > _out.size()) {
    _overflow = true;
    return;
  }
  _out.set_u8(_at, code);
  _out.set_u8(_at + 1, static_cast<std::uint8_t>(value.size()));
  _out.copy_from(_at + 2, value);
  _at += 2 + value.size();
}

void dhcpv4_writer::add_u8(std::uint8_t code, std::uint8_t v) {
  const std::byte b[1] = {std::byte{v}};
  add(code, bytes(b, 1));
}

void dhcpv4_writer::add_u16(std::uint8_t code, std::uint16_t v) {
  std::byte b[2];
  mut_bytes(b, 2).set_be16(0, v);
  add(code, bytes(b, 2));
}

void dhcpv4_writer::add_u32(std::uint8_t code, std::uint32_t v) {
  std::byte b[4];
  mut_bytes(b, 4).set_be32(0, v);
  add(code, bytes(b, 4));
}

result<std::size_t, parse_error> dhcpv4_writer::finish() {
  if (_overflow) return unexpected(parse_error::truncated);
  _out.set_u8(_at++, dhcp_option::end);
  const std::size_t len = std::max(_at, min_message_len);
  if (len > _at) _out.sub(_at, len - _at).fill(std::byte{0});
  return len;
}

}  // namespace fata::net::wire
