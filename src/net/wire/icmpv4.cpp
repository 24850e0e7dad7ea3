#include <fata/net/wire/icmpv4.hpp>

#include <fata/net/wire/checksum.hpp>

namespace fata::net::wire {

result<icmpv4_packet, parse_error> icmpv4_packet::parse(bytes data) {
  if (data.size() < header_len) return unexpected(parse_error::truncated);
  // RFC 792: the checksum covers the whole ICMP message.
  if (internet_checksum(data) != 0) return unexpected(parse_error::bad_checksum);
  return icmpv4_packet(data);
}

icmpv4_repr icmpv4_repr::parse(const icmpv4_packet& p) {
  return {p.type(), p.code(), p.rest_of_header(), p.data()};
}

void icmpv4_repr::emit_header(mut_bytes header) const {
  using f = icmpv4_packet::field;
  header.set_u8(f::type, type);
  header.set_u8(f::code, code);
  header.set_be16(f::checksum, 0);
  header.set_be32(f::rest, rest_of_header);
  checksum_accumulator acc;
  acc.add(header.first(icmpv4_packet::header_len));
  acc.add(data);
  header.set_be16(f::checksum, acc.finish());
}

void icmpv4_repr::emit(mut_bytes out) const {
  FATA_ASSERT(out.size() >= buffer_len());
  out.copy_from(icmpv4_packet::header_len, data);
  emit_header(out);
}

}  // namespace fata::net::wire
