#include <fata/net/wire/ipv4.hpp>

#include <fata/net/wire/checksum.hpp>

namespace fata::net::wire {

result<ipv4_packet, parse_error> ipv4_packet::parse(bytes data) {
  if (data.size() < min_header_len) return unexpected(parse_error::truncated);
  const std::uint8_t version_ihl = data.u8(field::version_ihl);
  if ((version_ihl >> 4) != 4) return unexpected(parse_error::malformed);
  const std::size_t ihl = std::size_t(version_ihl & 0x0f) * 4;
  if (ihl < min_header_len) return unexpected(parse_error::malformed);
  if (data.size() < ihl) return unexpected(parse_error::truncated);
  const std::size_t total = data.be16(field::total_length);
  if (total < ihl) return unexpected(parse_error::malformed);
  if (data.size() < total) return unexpected(parse_error::truncated);
  // RFC 791 §3.1: the checksum covers the header, options included.
  if (internet_checksum(data.first(ihl)) != 0) return unexpected(parse_error::bad_checksum);
  // A fragment may not reach past the largest datagram (RFC 791 §3.2).
  const std::size_t offset = std::size_t(data.be16(field::flags_fragment) & 0x1fff) * 8;
  if (offset + (total - ihl) > max_total_len) return unexpected(parse_error::malformed);
  return ipv4_packet(data);
}

ipv4_repr ipv4_repr::parse(const ipv4_packet& p) {
  ipv4_repr r;
  r.source = p.source();
  r.destination = p.destination();
  r.protocol = p.protocol();
  r.ttl = p.ttl();
  r.tos = p.tos();
  r.ident = p.ident();
  r.dont_fragment = p.dont_fragment();
  r.more_fragments = p.more_fragments();
  r.fragment_offset = static_cast<std::uint16_t>(p.fragment_offset());
  r.payload_len = p.total_len() - p.header_len();
  return r;
}

void ipv4_repr::emit(mut_bytes out) const {
  using f = ipv4_packet::field;
  FATA_ASSERT(total_len() <= ipv4_packet::max_total_len && fragment_offset % 8 == 0);
  out.set_u8(f::version_ihl, 0x45);
  out.set_u8(f::tos, tos);
  out.set_be16(f::total_length, static_cast<std::uint16_t>(total_len()));
  out.set_be16(f::ident, ident);
  std::uint16_t flags = static_cast<std::uint16_t>(fragment_offset / 8);
  if (dont_fragment) flags |= ipv4_packet::flag_dont_fragment;
  if (more_fragments) flags |= ipv4_packet::flag_more_fragments;
  out.set_be16(f::flags_fragment, flags);
  out.set_u8(f::ttl, ttl);
  out.set_u8(f::protocol, protocol);
  out.set_be16(f::checksum, 0);
  out.set_be32(f::source, source.value);
  out.set_be32(f::destination, destination.value);
  out.set_be16(f::checksum, internet_checksum(out.first(ipv4_packet::min_header_len)));
}

}  // namespace fata::net::wire
