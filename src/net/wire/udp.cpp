#include <fata/net/wire/udp.hpp>

#include <fata/net/transport.hpp>
#include <fata/net/wire/checksum.hpp>

namespace fata::net::wire {

result<udp_packet, parse_error> udp_packet::parse(bytes data) {
  if (data.size() < header_len) return unexpected(parse_error::truncated);
  const std::size_t length = data.be16(field::length);
  if (length < header_len) return unexpected(parse_error::malformed);
  if (data.size() < length) return unexpected(parse_error::truncated);
  return udp_packet(data);
}

bool udp_packet::checksum_valid(const ip_addr& source, const ip_addr& destination) const {
  // RFC 768: not computed by the sender; RFC 8200 §8.1: IPv6 has no such.
  if (checksum() == 0) return source.is_v4();
  checksum_accumulator acc;
  acc.add_pseudo_header(source, destination, ip_protocol::udp, static_cast<std::uint32_t>(length()));
  acc.add(raw());
  return acc.finish() == 0;
}

result<udp_repr, parse_error> udp_repr::parse(const udp_packet& p, const ip_addr& source,
                                              const ip_addr& destination) {
  if (!p.checksum_valid(source, destination)) return unexpected(parse_error::bad_checksum);
  return udp_repr{p.source_port(), p.destination_port(), p.payload()};
}

void udp_repr::emit_header(mut_bytes header, const ip_addr& source, const ip_addr& destination,
                           std::span<const bytes> parts) const {
  using f = udp_packet::field;
  std::size_t length = udp_packet::header_len;
  for (bytes part : parts) length += part.size();
  FATA_ASSERT(length <= 65535);
  header.set_be16(f::source_port, source_port.value);
  header.set_be16(f::destination_port, destination_port.value);
  header.set_be16(f::length, static_cast<std::uint16_t>(length));
  header.set_be16(f::checksum, 0);
  checksum_accumulator acc;
  acc.add_pseudo_header(source, destination, ip_protocol::udp, static_cast<std::uint32_t>(length));
  acc.add(header.first(udp_packet::header_len));
  for (bytes part : parts) acc.add(part);
  const std::uint16_t sum = acc.finish();
  // RFC 768: a computed zero is sent as all ones; zero means "none".
  header.set_be16(f::checksum, sum == 0 ? 0xffff : sum);
}

void udp_repr::emit(mut_bytes out, const ip_addr& source, const ip_addr& destination) const {
  FATA_ASSERT(out.size() >= total_len());
  out.copy_from(udp_packet::header_len, payload);
  const bytes parts[1] = {payload};
  emit_header(out, source, destination, parts);
}

}  // namespace fata::net::wire
