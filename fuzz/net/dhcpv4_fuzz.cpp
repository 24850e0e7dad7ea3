// Fuzz target: DHCPv4 messages, into the wire format and into a client in
// each state that takes replies. The input is one message; its xid and
// chaddr are set to the client's so that the checks past them are reached.
// The parser must never read out of bounds, and whatever the client binds
// must be a usable address with T1 <= T2 <= lease and bounded routes.
#include <fata/net/dhcpv4_client.hpp>
#include <fata/net/wire/dhcpv4.hpp>

#include <array>
#include <vector>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;

namespace {

constexpr mac_addr client_mac{{0x02, 0, 0, 0, 0, 0x10}};

struct checking_sink : dhcpv4_client_sink {
  std::uint32_t xid = 0;
  void send_dhcp(ipv4_addr, bytes m) override {
    auto p = dhcpv4_packet::parse(m);
    FUZZ_CHECK(p.has_value());
    xid = p->xid();
  }
  void send_probe(ipv4_addr) override {}
  void lease_bound(const dhcpv4_lease& l) override {
    FUZZ_CHECK(!l.address.address.is_any() && !l.address.address.is_broadcast());
    FUZZ_CHECK(l.address.length <= 32);
    FUZZ_CHECK(l.renew_after <= l.rebind_after && l.rebind_after <= l.lease_time);
    FUZZ_CHECK(l.route_count <= dhcpv4_lease::max_routes && l.dns_count <= dhcpv4_lease::max_dns);
  }
  void lease_lost() override {}
};

void walk(const dhcpv4_packet& p) {
  std::size_t seen = 0;
  p.for_each([&](const dhcpv4_packet::option& o) {
    FUZZ_CHECK(o.value.size() <= 255);
    ++seen;
    return true;
  });
  FUZZ_CHECK(seen <= p.raw().size());
  std::array<std::byte, 512> scratch;
  if (auto r = p.find_long(dhcp_option::classless_routes, mut_bytes(scratch.data(), scratch.size()))) {
    std::array<ipv4_route, 16> routes;
    auto n = parse_classless_routes(*r, routes);
    if (n) FUZZ_CHECK(*n <= routes.size());
  }
  (void)p.message_type();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const bytes in(data, size);
  if (auto p = dhcpv4_packet::parse(in)) walk(*p);

  std::vector<std::byte> m(in.begin(), in.end());
  // Each state that accepts replies: selecting, requesting, renewing.
  for (int stage = 0; stage < 3; ++stage) {
    dhcpv4_client_config cfg;
    cfg.mac = client_mac;
    cfg.seed = 1;
    cfg.probes = 0;
    dhcpv4_client client(cfg);
    checking_sink out;
    mono_time now = mono_from_ns(1'000'000'000);
    client.start(now, out);
    auto scripted = [&](dhcp_message_type type) {
      std::array<std::byte, 576> buf{};
      auto w = dhcpv4_writer::reply(mut_bytes(buf.data(), buf.size()), type, out.xid, client_mac);
      w.set_yiaddr(ipv4_addr(10, 0, 3, 100));
      w.add_address(dhcp_option::server_id, ipv4_addr(10, 0, 3, 1));
      w.add_u32(dhcp_option::lease_time, 120);
      auto len = w.finish();
      client.input(bytes(buf.data(), *len), now, out);
    };
    if (stage >= 1) scripted(dhcp_message_type::offer);
    if (stage >= 2) {
      scripted(dhcp_message_type::ack);
      now = client.poll_at();
      client.poll(now, out);  // T1: renewing
    }
    if (m.size() >= dhcpv4_packet::min_len) {
      mut_bytes w(m.data(), m.size());
      w.set_be32(dhcpv4_packet::field::xid, out.xid);
      for (std::size_t i = 0; i < 6; ++i) w.set_u8(dhcpv4_packet::field::chaddr + i, client_mac.octets[i]);
    }
    client.input(bytes(m.data(), m.size()), now, out);
    // The timers must move on from whatever state the message left.
    for (int i = 0; i < 8 && client.poll_at() != mono_never; ++i) {
      FUZZ_CHECK(client.poll_at() >= now);
      now = client.poll_at();
      client.poll(now, out);
    }
  }
  return 0;
}
