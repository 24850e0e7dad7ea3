#include <fata/net/ipv4_reassembly.hpp>

#include <fata/net/wire/checksum.hpp>

namespace fata::net {

using wire::ipv4_packet;

std::optional<reassembled_datagram> ipv4_reassembler::input(const ipv4_packet& f, mono_time now) {
  fragment piece;
  piece.key = {f.source(), f.destination(), f.ident(), f.protocol()};
  piece.offset = f.fragment_offset();
  piece.more = f.more_fragments();
  piece.data = f.payload();
  if (piece.offset == 0) piece.header = f.header();
  auto whole = _core.input(piece, now);
  if (!whole) return std::nullopt;
  // The core keeps the total within 65535 (reassembly_config's default).
  const mut_bytes h = whole->packet.view().first(whole->header_len);
  h.set_be16(ipv4_packet::field::total_length, static_cast<std::uint16_t>(whole->packet.size()));
  const auto dont_fragment = static_cast<std::uint16_t>(bytes(h).be16(ipv4_packet::field::flags_fragment) &
                                                        ipv4_packet::flag_dont_fragment);
  h.set_be16(ipv4_packet::field::flags_fragment, dont_fragment);
  h.set_be16(ipv4_packet::field::checksum, 0);
  wire::checksum_accumulator sum;
  sum.add(h);
  h.set_be16(ipv4_packet::field::checksum, sum.finish());
  auto parsed = ipv4_packet::parse(whole->packet);
  if (!parsed) return std::nullopt;  // cannot happen: the first fragment's header parsed
  reassembled_datagram out{wire::ipv4_repr::parse(*parsed), std::move(*whole)};
  return out;
}

}  // namespace fata::net
