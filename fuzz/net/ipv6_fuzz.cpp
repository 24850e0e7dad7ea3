// Fuzz target: an IPv6 packet (no Ethernet header) into the wire views:
// the fixed header, the extension header walk, and for ICMPv6 the checksum
// and, for NDP types, RFC 4861's checks and the option walk. Nothing may
// read out of bounds; the walk's results must lie inside the packet, and
// any chain problem's pointer too.
#include <fata/net/wire/icmpv6.hpp>
#include <fata/net/wire/ipv6.hpp>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bytes in(reinterpret_cast<const std::byte*>(data), size);
  auto p = ipv6_packet::parse(in);
  if (!p) return 0;
  FUZZ_CHECK(p->raw().size() <= size);
  auto chain = walk_extension_headers(*p);
  if (!chain) {
    if (chain.error().send_icmp) FUZZ_CHECK(chain.error().pointer < p->raw().size());
    return 0;
  }
  FUZZ_CHECK(chain->offset <= p->payload_len());
  FUZZ_CHECK(chain->next_pointer < p->raw().size());
  FUZZ_CHECK(chain->headers <= max_extension_headers + 1);
  if (chain->fragment || chain->protocol != ipv6_next::icmpv6) return 0;
  const bytes body = p->payload().skip(chain->offset);
  // Checked as sent, and with the checksum set right so that the NDP
  // checks past it are reached too.
  std::array<std::byte, 2048> copy;
  if (body.size() < 8 || body.size() > copy.size()) return 0;
  mut_bytes fixed(copy.data(), body.size());
  fixed.copy_from(0, body);
  ndp_writer::finish(fixed, body.size(), p->source(), p->destination());
  for (bytes message : {body, bytes(fixed)}) {
    auto m = icmpv6_packet::parse(message, p->source(), p->destination());
    if (!m) continue;
    auto n = ndp_message::parse(*m, p->hop_limit(), p->source(), p->destination());
    if (!n) continue;
    std::size_t seen = 0;
    n->for_each_option([&](const ndp_message::option& o) {
      FUZZ_CHECK(o.value.size() + 2 <= message.size());
      if (o.type == ndp_option::prefix_information) (void)ndp_message::prefix_information(o.value);
      ++seen;
      return true;
    });
    FUZZ_CHECK(seen <= message.size() / 8);
    (void)n->link_address(ndp_option::source_link_address);
    (void)n->mtu_option();
  }
  return 0;
}
