// The IPv6 layer's first steps (branch wip/ipv6-layer) over a recording
// link on explicit times: DAD of the link-local address, answering
// neighbour solicitations, echo, and a DAD conflict.
#include <fata/net/ipv6.hpp>
#include <fata/net/wire/icmpv6.hpp>
#include <fata/net/wire/ipv6.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;

const mono_time t0 = mono_from_ns(1'000'000'000);
constexpr mac_addr our_mac{{0x02, 0, 0, 0, 0, 0x2a}};
constexpr mac_addr peer_mac{{0x02, 0, 0, 0, 0, 0x01}};
const ipv6_addr peer = *ipv6_addr::parse("fe80::1");

struct recording_link : ipv6_link {
  struct frame {
    mac_addr to;
    std::vector<std::byte> packet;
  };
  std::vector<frame> sent;
  std::vector<mac_addr> groups;
  result<void, ip_error> transmit_ipv6(mac_addr to, std::span<const bytes> packet) override {
    frame f{to, {}};
    for (bytes b : packet) f.packet.insert(f.packet.end(), b.data(), b.data() + b.size());
    sent.push_back(std::move(f));
    return {};
  }
  void join(mac_addr g) override { groups.push_back(g); }
  mac_addr mac() const override { return our_mac; }
  std::size_t mtu() const override { return 1500; }
};

ipv6_config config() {
  ipv6_config c;
  for (int i = 0; i < 16; ++i) c.secret.push_back(std::byte(i));
  return c;
}

// A packet of `icmp` (checksummed here) from `source` to `destination`.
std::vector<std::byte> icmp_packet(const ipv6_addr& source, const ipv6_addr& destination, std::vector<std::byte> icmp,
                                   std::uint8_t hop_limit = 255) {
  ndp_writer::finish(mut_bytes(icmp.data(), icmp.size()), icmp.size(), source, destination);
  std::vector<std::byte> p(40 + icmp.size());
  ipv6_repr h;
  h.source = source;
  h.destination = destination;
  h.next_header = ipv6_next::icmpv6;
  h.hop_limit = hop_limit;
  h.payload_len = icmp.size();
  h.emit(mut_bytes(p.data(), p.size()));
  std::copy(icmp.begin(), icmp.end(), p.begin() + 40);
  return p;
}

std::vector<std::byte> solicitation_for(const ipv6_addr& target, std::optional<mac_addr> mac) {
  std::vector<std::byte> ns(32);
  ns.resize(ndp_writer::neighbor_solicitation(mut_bytes(ns.data(), ns.size()), target, mac));
  return ns;
}

struct ipv6_fixture : ::testing::Test {
  recording_link link;
  ipv6_layer layer{link, config()};
  ipv6_addr ll;
  void boot() {
    layer.start(t0);
    layer.poll(t0);
    ll = layer.addresses().addresses()[0].prefix.address;
    layer.poll(t0 + 1s);
    ASSERT_EQ(layer.link_local(), ll);
  }
  void feed(const std::vector<std::byte>& p, mono_time now) { layer.input(bytes(p.data(), p.size()), peer_mac, now); }
};

TEST_F(ipv6_fixture, dad_probes_the_link_local_address_from_the_unspecified_address) {
  layer.start(t0);
  layer.poll(t0);
  ASSERT_EQ(link.sent.size(), 1u);
  auto p = ipv6_packet::parse(bytes(link.sent[0].packet.data(), link.sent[0].packet.size()));
  ASSERT_TRUE(p);
  const ipv6_addr ll = layer.addresses().addresses()[0].prefix.address;
  EXPECT_TRUE(ll.is_link_local());
  EXPECT_TRUE(p->source().is_any());
  EXPECT_EQ(p->destination(), solicited_node(ll));
  EXPECT_EQ(link.sent[0].to, multicast_mac(solicited_node(ll)));
  auto m = icmpv6_packet::parse(p->payload(), p->source(), p->destination());
  ASSERT_TRUE(m);
  auto n = ndp_message::parse(*m, p->hop_limit(), p->source(), p->destination());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->target(), ll);
  EXPECT_FALSE(layer.link_local());  // tentative
  // Joined all-nodes and the solicited-node group before probing.
  EXPECT_NE(std::find(link.groups.begin(), link.groups.end(), multicast_mac(solicited_node(ll))), link.groups.end());
  layer.poll(t0 + 1s);
  EXPECT_EQ(layer.link_local(), ll);
}

TEST_F(ipv6_fixture, a_solicitation_for_our_address_gets_a_solicited_overriding_advertisement) {
  boot();
  const std::size_t before = link.sent.size();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);
  ASSERT_EQ(link.sent.size(), before + 1);
  const auto& f = link.sent.back();
  EXPECT_EQ(f.to, peer_mac);
  auto p = ipv6_packet::parse(bytes(f.packet.data(), f.packet.size()));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->source(), ll);
  EXPECT_EQ(p->destination(), peer);
  auto m = icmpv6_packet::parse(p->payload(), p->source(), p->destination());
  ASSERT_TRUE(m);
  auto n = ndp_message::parse(*m, p->hop_limit(), p->source(), p->destination());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->target(), ll);
  EXPECT_TRUE(n->solicited_flag());
  EXPECT_TRUE(n->override_flag());
  EXPECT_EQ(n->link_address(ndp_option::target_link_address), our_mac);
  // The asker is now a STALE neighbour.
  EXPECT_EQ(layer.neighbors().state_of(peer), neighbor_cache::state::stale);
}

TEST_F(ipv6_fixture, echo_is_answered_to_a_known_neighbour) {
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);
  std::vector<std::byte> echo(8 + 5);
  const std::byte data[5] = {std::byte{'h'}, std::byte{'e'}, std::byte{'l'}, std::byte{'l'}, std::byte{'o'}};
  icmpv6_repr::echo(icmpv6_type::echo_request, 7, 1, bytes(data, 5)).emit(mut_bytes(echo.data(), echo.size()), peer, ll);
  std::vector<std::byte> p(40 + echo.size());
  ipv6_repr h{peer, ll, ipv6_next::icmpv6, 64, 0, 0, echo.size()};
  h.emit(mut_bytes(p.data(), p.size()));
  std::copy(echo.begin(), echo.end(), p.begin() + 40);
  feed(p, t0 + 3s);
  const auto& f = link.sent.back();
  EXPECT_EQ(f.to, peer_mac);
  auto r = ipv6_packet::parse(bytes(f.packet.data(), f.packet.size()));
  ASSERT_TRUE(r);
  auto m = icmpv6_packet::parse(r->payload(), r->source(), r->destination());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), icmpv6_type::echo_reply);
  EXPECT_EQ(m->echo_ident(), 7);
  EXPECT_EQ(m->data().chars(), "hello");
  EXPECT_EQ(layer.stats().tx_echo_replies, 1u);
}

TEST_F(ipv6_fixture, another_hosts_dad_for_our_tentative_address_makes_us_take_the_next) {
  layer.start(t0);
  layer.poll(t0);
  const ipv6_addr first = layer.addresses().addresses()[0].prefix.address;
  feed(icmp_packet(ipv6_addr::any(), solicited_node(first), solicitation_for(first, std::nullopt)), t0 + 100ms);
  EXPECT_EQ(layer.stats().dad_conflicts, 1u);
  const ipv6_addr second = layer.addresses().addresses()[0].prefix.address;
  EXPECT_NE(second, first);
  layer.poll(t0 + 100ms);  // the new address's probe
  layer.poll(t0 + 1100ms);
  EXPECT_EQ(layer.link_local(), second);
}

TEST_F(ipv6_fixture, ndp_from_off_link_and_bad_checksums_are_dropped_and_counted) {
  boot();
  const std::size_t before = link.sent.size();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac), 64), t0 + 2s);
  EXPECT_EQ(layer.stats().rx_bad_ndp, 1u);
  auto bad = icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac));
  bad.back() ^= std::byte{1};
  feed(bad, t0 + 2s);
  EXPECT_EQ(layer.stats().rx_icmp_bad_checksum, 1u);
  // Not for us.
  feed(icmp_packet(peer, *ipv6_addr::parse("fe80::77"), solicitation_for(ll, peer_mac)), t0 + 2s);
  EXPECT_EQ(layer.stats().rx_not_for_us, 1u);
  EXPECT_EQ(link.sent.size(), before);
}

}  // namespace
