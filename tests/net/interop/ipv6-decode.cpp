// Reads Ethernet frames as hex, one a line, and prints for each IPv6 one
// what fata's wire views make of it, in the form ipv6-frames compares with
// scapy's reading of the same frames:
//   src=ADDR dst=ADDR hlim=N proto=N off=N [frag=OFF/MORE/ID]
//   [icmp=TYPE/CODE [target=ADDR] [lla=MAC]]
// or `bad=WHY` when a view refuses the frame.
#include <fata/core/fmt.hpp>
#include <fata/net/wire/icmpv6.hpp>
#include <fata/net/wire/ipv6.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

using namespace fata;
using namespace fata::net::wire;

namespace {

std::string decode(bytes frame) {
  if (frame.size() < 14 || frame.be16(12) != 0x86dd) return "";
  auto p = ipv6_packet::parse(frame.skip(14));
  if (!p) return format("bad={}", p.error());
  std::string out = format("src={} dst={} hlim={}", p->source(), p->destination(), p->hop_limit());
  auto chain = walk_extension_headers(*p);
  if (!chain) return out + " bad=chain";
  out += format(" proto={} off={}", chain->protocol, chain->offset);
  if (chain->fragment) {
    const auto& f = *chain->fragment;
    out += format(" frag={}/{}/{}", f.offset, f.more ? 1 : 0, f.ident);
    if (f.offset != 0 || chain->protocol != ipv6_next::icmpv6) return out;
    // The first fragment: its ICMPv6 header is there, its checksum is
    // over the whole datagram.
    const bytes m = p->payload().skip(chain->offset);
    if (m.size() >= 4) out += format(" icmp={}/{}", m.u8(0), m.u8(1));
    return out;
  }
  if (chain->protocol != ipv6_next::icmpv6) return out;
  auto m = icmpv6_packet::parse(p->payload().skip(chain->offset), p->source(), p->destination());
  if (!m) return out + format(" bad={}", m.error());
  out += format(" icmp={}/{}", m->type(), m->code());
  if (m->type() < icmpv6_type::router_solicitation || m->type() > icmpv6_type::redirect) return out;
  auto n = ndp_message::parse(*m, p->hop_limit(), p->source(), p->destination());
  if (!n) return out + format(" bad={}", n.error());
  if (m->type() != icmpv6_type::router_solicitation && m->type() != icmpv6_type::router_advertisement)
    out += format(" target={}", n->target());
  auto lla = n->link_address(m->type() == icmpv6_type::neighbor_advertisement ? ndp_option::target_link_address
                                                                               : ndp_option::source_link_address);
  if (lla) out += format(" lla={}", *lla);
  return out;
}

}  // namespace

int main() {
  std::string line;
  while (std::getline(std::cin, line)) {
    std::vector<std::byte> frame;
    for (std::size_t i = 0; i + 1 < line.size(); i += 2)
      frame.push_back(std::byte(std::stoi(line.substr(i, 2), nullptr, 16)));
    const std::string d = decode(bytes(frame.data(), frame.size()));
    if (!d.empty()) std::printf("%s\n", d.c_str());
  }
  return 0;
}
