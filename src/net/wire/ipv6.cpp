#include <fata/net/wire/ipv6.hpp>

#include <fata/core/assert.hpp>

namespace fata::net::wire {

result<ipv6_packet, parse_error> ipv6_packet::parse(bytes data) {
  if (data.size() < header_len) return unexpected(parse_error::truncated);
  if ((data.u8(field::version_class_flow) >> 4) != 6) return unexpected(parse_error::malformed);
  const std::size_t payload = data.be16(field::payload_length);
  // No hop-by-hop header fits in 0 bytes: a jumbogram (RFC 2675).
  if (payload == 0 && data.u8(field::next_header) == ipv6_next::hop_by_hop)
    return unexpected(parse_error::unsupported);
  if (data.size() < header_len + payload) return unexpected(parse_error::truncated);
  return ipv6_packet(data);
}

ipv6_addr ipv6_packet::address_at(std::size_t off) const {
  ipv6_addr a;
  for (std::size_t i = 0; i < 16; ++i) a.octets[i] = _data.u8(off + i);
  return a;
}

fragment_header fragment_header::parse(bytes h) {
  fragment_header f;
  f.next_header = h.u8(0);
  const std::uint16_t offset_flags = h.be16(2);
  f.offset = static_cast<std::uint16_t>(offset_flags & 0xfff8);
  f.more = (offset_flags & 1) != 0;
  f.ident = h.be32(4);
  return f;
}

void fragment_header::emit(mut_bytes out) const {
  FATA_ASSERT(offset % 8 == 0);
  out.set_u8(0, next_header);
  out.set_u8(1, 0);
  out.set_be16(2, static_cast<std::uint16_t>(offset | (more ? 1 : 0)));
  out.set_be32(4, ident);
}

namespace {

using problem = ipv6_chain_problem;

problem make_problem(problem::kind k) { return problem{k}; }

problem parameter_problem(problem::kind k, std::uint8_t code, std::size_t pointer,
                          bool not_if_multicast = false) {
  problem p{k};
  p.send_icmp = true;
  p.not_if_multicast = not_if_multicast;
  p.icmp_code = code;
  p.pointer = static_cast<std::uint32_t>(pointer);
  return p;
}

constexpr std::uint8_t option_pad1 = 0;
constexpr std::uint8_t option_padn = 1;
constexpr std::uint8_t option_router_alert = 5;  // RFC 2711: MLD carries it

// The options of a hop-by-hop or destination options header whose bytes
// (type and length included) are `h`, at `base` from the IPv6 header.
std::optional<problem> check_options(bytes h, std::size_t base) {
  std::size_t i = 2;
  while (i < h.size()) {
    const std::uint8_t type = h.u8(i);
    if (type == option_pad1) {
      ++i;
      continue;
    }
    if (i + 2 > h.size() || i + 2 + h.u8(i + 1) > h.size()) return make_problem(problem::kind::truncated);
    const std::size_t len = h.u8(i + 1);
    if (type != option_padn && type != option_router_alert) {
      // RFC 8200 §4.2: the type's two high bits say what an unknown one means.
      switch (type >> 6) {
        case 0: break;
        case 1: return make_problem(problem::kind::unknown_option);
        case 2: return parameter_problem(problem::kind::unknown_option, 2, base + i);
        default: return parameter_problem(problem::kind::unknown_option, 2, base + i, true);
      }
    }
    i += 2 + len;
  }
  return std::nullopt;
}

}  // namespace

result<ipv6_chain, ipv6_chain_problem> walk_extension_headers(const ipv6_packet& p) {
  const bytes pl = p.payload();
  ipv6_chain chain;
  std::uint8_t next = p.next_header();
  std::size_t at = 0;
  std::uint32_t next_pointer = ipv6_packet::field::next_header;
  for (;;) {
    if (chain.headers > max_extension_headers || at > max_chain_len)
      return unexpected(make_problem(problem::kind::too_long));
    const std::size_t base = ipv6_packet::header_len + at;
    switch (next) {
      case ipv6_next::hop_by_hop:
        if (chain.headers != 0)
          return unexpected(parameter_problem(problem::kind::hop_by_hop_not_first, 1, next_pointer));
        [[fallthrough]];
      case ipv6_next::destination_options:
      case ipv6_next::routing: {
        if (at + 2 > pl.size()) return unexpected(make_problem(problem::kind::truncated));
        const std::size_t len = (std::size_t(pl.u8(at + 1)) + 1) * 8;
        if (at + len > pl.size()) return unexpected(make_problem(problem::kind::truncated));
        const bytes h = pl.sub(at, len);
        if (next == ipv6_next::routing) {
          // We forward for no routing type, so any with segments left is
          // unknown to us (RFC 8200 §4.4; type 0 is gone, RFC 5095).
          if (h.u8(3) != 0)
            return unexpected(parameter_problem(problem::kind::unknown_routing, 0, base + 2));
        } else if (auto bad = check_options(h, base)) {
          return unexpected(*bad);
        }
        next_pointer = static_cast<std::uint32_t>(base);
        next = h.u8(0);
        at += len;
        ++chain.headers;
        break;
      }
      case ipv6_next::fragment: {
        if (at + fragment_header::len > pl.size()) return unexpected(make_problem(problem::kind::truncated));
        chain.fragment = fragment_header::parse(pl.sub(at, fragment_header::len));
        chain.unfragmentable = at;
        chain.protocol = chain.fragment->next_header;
        chain.offset = at + fragment_header::len;
        chain.next_pointer = next_pointer;
        ++chain.headers;
        return chain;
      }
      default:
        chain.protocol = next;
        chain.offset = at;
        chain.next_pointer = next_pointer;
        return chain;
    }
  }
}

ipv6_repr ipv6_repr::parse(const ipv6_packet& p) {
  ipv6_repr r;
  r.source = p.source();
  r.destination = p.destination();
  r.next_header = p.next_header();
  r.hop_limit = p.hop_limit();
  r.traffic_class = p.traffic_class();
  r.flow_label = p.flow_label();
  r.payload_len = p.payload_len();
  return r;
}

void ipv6_repr::emit(mut_bytes out) const {
  using f = ipv6_packet::field;
  FATA_ASSERT(payload_len <= 0xffff && flow_label <= 0xfffff);
  out.set_be32(f::version_class_flow, 6u << 28 | std::uint32_t(traffic_class) << 20 | flow_label);
  out.set_be16(f::payload_length, static_cast<std::uint16_t>(payload_len));
  out.set_u8(f::next_header, next_header);
  out.set_u8(f::hop_limit, hop_limit);
  for (std::size_t i = 0; i < 16; ++i) {
    out.set_u8(f::source + i, source.octets[i]);
    out.set_u8(f::destination + i, destination.octets[i]);
  }
}

}  // namespace fata::net::wire
