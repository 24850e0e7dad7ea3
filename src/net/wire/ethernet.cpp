#include <fata/net/wire/ethernet.hpp>

namespace fata::net::wire {

result<ethernet_frame, parse_error> ethernet_frame::parse(bytes frame) {
  if (frame.size() < header_len) return unexpected(parse_error::truncated);
  std::size_t header = header_len;
  std::uint16_t type = frame.be16(field::ethertype);
  // IEEE 802.1Q / 802.1ad: a tag is the TPID we just read, then the TCI,
  // then the next type.
  for (std::size_t tags = 0; type == ethertype::vlan || type == ethertype::qinq; ++tags) {
    if (tags == max_tags) return unexpected(parse_error::unsupported);
    if (frame.size() < header + tag_len) return unexpected(parse_error::truncated);
    type = frame.be16(header + 2);
    header += tag_len;
  }
  // Values below 0x0600 are an IEEE 802.3 length, not a type.
  if (type < 0x0600) return unexpected(parse_error::unsupported);
  return ethernet_frame(frame, header);
}

ethernet_repr ethernet_repr::parse(const ethernet_frame& frame) {
  ethernet_repr r;
  r.destination = frame.destination();
  r.source = frame.source();
  r.ethertype = frame.ethertype();
  r.vlan_tci = frame.outer_tci();
  return r;
}

void ethernet_repr::emit(mut_bytes out) const {
  for (std::size_t i = 0; i < 6; ++i) {
    out.set_u8(ethernet_frame::field::destination + i, destination.octets[i]);
    out.set_u8(ethernet_frame::field::source + i, source.octets[i]);
  }
  if (vlan_tci) {
    out.set_be16(12, ethertype::vlan);
    out.set_be16(14, *vlan_tci);
    out.set_be16(16, ethertype);
  } else {
    out.set_be16(ethernet_frame::field::ethertype, ethertype);
  }
}

}  // namespace fata::net::wire
