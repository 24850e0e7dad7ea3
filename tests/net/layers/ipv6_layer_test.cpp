// The IPv6 layer over a recording link on explicit times: DAD of the
// link-local address, answering neighbour solicitations, echo, a DAD
// conflict, router discovery (solicitations, advertisements forming SLAAC
// addresses and routes, hostile ones), next hops, errors, the
// transports above it (delivery, UDP over IPv6, port unreachable), and
// fragments both ways.
#include <fata/net/ipv6.hpp>
#include <fata/net/udp.hpp>
#include <fata/net/wire/icmpv6.hpp>
#include <fata/net/wire/ipv6.hpp>
#include <fata/net/wire/udp.hpp>

#include <gtest/gtest.h>

#include <string>
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
  // The MLD report of the solicited-node group, then the probe.
  ASSERT_EQ(link.sent.size(), 2u);
  EXPECT_EQ(link.sent[0].to, multicast_mac(*ipv6_addr::parse("ff02::16")));
  auto p = ipv6_packet::parse(bytes(link.sent[1].packet.data(), link.sent[1].packet.size()));
  ASSERT_TRUE(p);
  const ipv6_addr ll = layer.addresses().addresses()[0].prefix.address;
  EXPECT_TRUE(ll.is_link_local());
  EXPECT_TRUE(p->source().is_any());
  EXPECT_EQ(p->destination(), solicited_node(ll));
  EXPECT_EQ(link.sent[1].to, multicast_mac(solicited_node(ll)));
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

// A router advertisement from `peer` with `options` (whole options, type
// and length bytes included).
std::vector<std::byte> advertisement(std::uint8_t cur_hop_limit, std::uint16_t lifetime, std::uint32_t reachable_ms,
                                     std::uint32_t retrans_ms, std::vector<std::byte> options) {
  std::vector<std::byte> ra(16);
  ra[0] = std::byte{icmpv6_type::router_advertisement};
  ra[4] = std::byte{cur_hop_limit};
  ra[6] = std::byte(lifetime >> 8);
  ra[7] = std::byte(lifetime);
  for (int i = 0; i < 4; ++i) {
    ra[8 + i] = std::byte(reachable_ms >> (24 - 8 * i));
    ra[12 + i] = std::byte(retrans_ms >> (24 - 8 * i));
  }
  for (std::byte b : options) ra.push_back(b);
  return ra;
}

std::vector<std::byte> source_link_option(mac_addr mac) {
  std::vector<std::byte> o{std::byte{1}, std::byte{1}};
  for (auto b : mac.octets) o.push_back(std::byte(b));
  return o;
}

std::vector<std::byte> prefix_option(std::string_view prefix, bool on_link, bool autonomous, std::uint32_t valid,
                                     std::uint32_t preferred) {
  const auto p = *ipv6_prefix::parse(prefix);
  std::vector<std::byte> o(32);
  o[0] = std::byte{3};
  o[1] = std::byte{4};
  o[2] = std::byte{p.length};
  o[3] = std::byte((on_link ? 0x80 : 0) | (autonomous ? 0x40 : 0));
  for (int i = 0; i < 4; ++i) {
    o[4 + i] = std::byte(valid >> (24 - 8 * i));
    o[8 + i] = std::byte(preferred >> (24 - 8 * i));
  }
  for (int i = 0; i < 16; ++i) o[16 + i] = std::byte(p.address.octets[i]);
  return o;
}

std::vector<std::byte> mtu_option(std::uint32_t mtu) {
  std::vector<std::byte> o(8);
  o[0] = std::byte{5};
  o[1] = std::byte{1};
  for (int i = 0; i < 4; ++i) o[4 + i] = std::byte(mtu >> (24 - 8 * i));
  return o;
}

std::vector<std::byte> join(std::initializer_list<std::vector<std::byte>> parts) {
  std::vector<std::byte> out;
  for (const auto& p : parts)
    for (std::byte b : p) out.push_back(b);
  return out;
}

const ipv6_addr all_nodes = *ipv6_addr::parse("ff02::1");
const ipv6_addr all_routers = *ipv6_addr::parse("ff02::2");

// The NDP message of a sent frame, with its IPv6 header's addresses.
struct sent_ndp {
  ipv6_addr source, destination;
  std::uint8_t type;
  std::optional<mac_addr> source_link;
  ipv6_addr target;
};
std::optional<sent_ndp> ndp_of(const recording_link::frame& f) {
  auto p = ipv6_packet::parse(bytes(f.packet.data(), f.packet.size()));
  if (!p || p->next_header() != ipv6_next::icmpv6) return std::nullopt;
  auto m = icmpv6_packet::parse(p->payload(), p->source(), p->destination());
  if (!m) return std::nullopt;
  auto n = ndp_message::parse(*m, p->hop_limit(), p->source(), p->destination());
  if (!n) return std::nullopt;
  sent_ndp out{p->source(), p->destination(), n->type(), n->link_address(ndp_option::source_link_address), {}};
  if (n->type() == icmpv6_type::neighbor_solicitation) out.target = n->target();
  return out;
}

TEST_F(ipv6_fixture, router_solicitations_follow_the_link_local_address_and_stop_at_an_advertisement) {
  boot();
  layer.poll(t0 + 1100ms);  // within a second of DAD's end
  ASSERT_EQ(layer.stats().tx_router_solicitations, 1u);
  auto rs = ndp_of(link.sent.back());
  ASSERT_TRUE(rs);
  EXPECT_EQ(rs->type, icmpv6_type::router_solicitation);
  EXPECT_EQ(rs->source, ll);
  EXPECT_EQ(rs->destination, all_routers);
  EXPECT_EQ(rs->source_link, our_mac);
  EXPECT_EQ(link.sent.back().to, multicast_mac(all_routers));
  layer.poll(t0 + 3s);
  EXPECT_EQ(layer.stats().tx_router_solicitations, 1u);  // four seconds apart
  layer.poll(t0 + 5200ms);
  EXPECT_EQ(layer.stats().tx_router_solicitations, 2u);
  feed(icmp_packet(peer, all_nodes, advertisement(64, 1800, 0, 0, source_link_option(peer_mac))), t0 + 6s);
  layer.poll(t0 + 60s);
  EXPECT_EQ(layer.stats().tx_router_solicitations, 2u);
  EXPECT_EQ(layer.stats().rx_router_advertisements, 1u);
}

TEST_F(ipv6_fixture, solicitations_end_after_three_without_an_answer) {
  boot();
  for (int s = 1; s < 30; ++s) layer.poll(t0 + std::chrono::seconds(s));
  EXPECT_EQ(layer.stats().tx_router_solicitations, 3u);
  EXPECT_EQ(layer.poll_at(), mono_never);
}

TEST_F(ipv6_fixture, an_advertisement_forms_a_slaac_address_and_routes_off_link_packets_through_its_router) {
  boot();
  const auto ra = advertisement(
      200, 1800, 30000, 1000,
      join({source_link_option(peer_mac), prefix_option("2001:db8:1::/64", true, true, 86400, 14400), mtu_option(1400)}));
  feed(icmp_packet(peer, all_nodes, ra), t0 + 2s);
  ASSERT_EQ(layer.routes().routers().size(), 1u);
  EXPECT_EQ(layer.routes().routers()[0].address, peer);
  EXPECT_EQ(layer.hop_limit(), 200);
  EXPECT_EQ(layer.routes().mtu(), 1400u);
  ASSERT_EQ(layer.addresses().addresses().size(), 2u);
  const ipv6_addr global = layer.addresses().addresses()[1].prefix.address;
  const ipv6_prefix advertised{*ipv6_addr::parse("2001:db8:1::"), 64};
  EXPECT_TRUE(advertised.contains(global));
  EXPECT_FALSE(layer.addresses().usable(global));  // DAD first
  layer.poll(t0 + 2s);
  auto probe = ndp_of(link.sent.back());
  ASSERT_TRUE(probe);
  EXPECT_TRUE(probe->source.is_any());
  EXPECT_EQ(probe->target, global);
  layer.poll(t0 + 3s);
  EXPECT_TRUE(layer.addresses().usable(global));

  // Off-link: to the router's link address, from the global address, at
  // the advertised hop limit.
  const std::byte data[4] = {};
  const bytes parts[1] = {bytes(data, 4)};
  ASSERT_TRUE(layer.send(*ipv6_addr::parse("2001:db8:99::1"), 17, parts, t0 + 4s));
  EXPECT_EQ(link.sent.back().to, peer_mac);
  auto out = ipv6_packet::parse(bytes(link.sent.back().packet.data(), link.sent.back().packet.size()));
  ASSERT_TRUE(out);
  EXPECT_EQ(out->source(), global);
  EXPECT_EQ(out->hop_limit(), 200);
  // On-link: resolved directly, by solicitation of its own group.
  ASSERT_TRUE(layer.send(*ipv6_addr::parse("2001:db8:1::7"), 17, parts, t0 + 4s));
  auto ns = ndp_of(link.sent.back());
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->type, icmpv6_type::neighbor_solicitation);
  EXPECT_EQ(ns->target, *ipv6_addr::parse("2001:db8:1::7"));
  // Over the advertised MTU: in fragments that fit it; over 65535 bytes
  // of payload: refused.
  std::vector<std::byte> big(1400 - 40 + 1);
  const bytes big_parts[1] = {bytes(big.data(), big.size())};
  const std::size_t before_big = link.sent.size();
  ASSERT_TRUE(layer.send(*ipv6_addr::parse("2001:db8:99::1"), 17, big_parts, t0 + 4s));
  ASSERT_EQ(link.sent.size(), before_big + 2);
  for (std::size_t i = before_big; i < link.sent.size(); ++i) EXPECT_LE(link.sent[i].packet.size(), 1400u);
  std::vector<std::byte> huge(65536);
  const bytes huge_parts[1] = {bytes(huge.data(), huge.size())};
  EXPECT_EQ(layer.send(*ipv6_addr::parse("2001:db8:99::1"), 17, huge_parts, t0 + 4s).error(), ip_error::too_big);

  // The router leaves (lifetime 0): off-link has no route; on-link still works.
  feed(icmp_packet(peer, all_nodes, advertisement(0, 0, 0, 0, {})), t0 + 5s);
  EXPECT_EQ(layer.send(*ipv6_addr::parse("2001:db8:99::1"), 17, parts, t0 + 5s).error(), ip_error::no_route);
  EXPECT_TRUE(layer.routes().on_link(*ipv6_addr::parse("2001:db8:1::7")));
}

TEST_F(ipv6_fixture, hostile_advertisements_are_dropped_or_bounded) {
  boot();
  const auto opts = join({prefix_option("2001:db8:1::/64", true, true, 86400, 14400)});
  // Forwarded by a router (hop limit below 255), or from a global source.
  feed(icmp_packet(peer, all_nodes, advertisement(64, 1800, 0, 0, opts), 254), t0 + 2s);
  const ipv6_addr global_source = *ipv6_addr::parse("2001:db8::1");
  auto from_global = icmp_packet(global_source, all_nodes, advertisement(64, 1800, 0, 0, opts));
  layer.input(bytes(from_global.data(), from_global.size()), peer_mac, t0 + 2s);
  // An option of length 0 (RFC 4861 §6.1.2: invalid).
  auto zero_option = advertisement(64, 1800, 0, 0, {std::byte{1}, std::byte{0}, std::byte{}, std::byte{},
                                                    std::byte{}, std::byte{}, std::byte{}, std::byte{}});
  feed(icmp_packet(peer, all_nodes, zero_option), t0 + 2s);
  EXPECT_EQ(layer.stats().rx_bad_ndp, 3u);
  EXPECT_EQ(layer.stats().rx_router_advertisements, 0u);
  EXPECT_TRUE(layer.routes().routers().empty());
  EXPECT_EQ(layer.addresses().addresses().size(), 1u);
  // A flood of prefixes and routers stays within the bounds.
  for (int i = 0; i < 100; ++i) {
    ipv6_addr router = peer;
    router.octets[14] = std::uint8_t(i);
    const std::string prefix = "2001:db8:" + std::to_string(i + 100) + "::/64";
    feed(icmp_packet(router, all_nodes, advertisement(64, 1800, 0, 0, prefix_option(prefix, true, true, 600, 600))),
         t0 + 3s);
  }
  EXPECT_EQ(layer.routes().routers().size(), router_list_config{}.max_routers);
  EXPECT_EQ(layer.routes().prefixes().size(), router_list_config{}.max_prefixes);
  EXPECT_LE(layer.addresses().addresses().size(), 8u);
}

TEST(ipv6_layer, a_configured_address_and_gateway_work_without_advertisements) {
  recording_link link;
  auto cfg = config();
  cfg.accept_router_advertisements = false;
  cfg.address = *ipv6_prefix::parse("2001:db8:5::2/64");
  cfg.gateway = peer;
  ipv6_layer layer(link, cfg);
  layer.start(t0);
  layer.poll(t0);
  layer.poll(t0 + 1s);
  EXPECT_TRUE(layer.addresses().usable(*ipv6_addr::parse("2001:db8:5::2")));
  for (int s = 2; s < 20; ++s) layer.poll(t0 + std::chrono::seconds(s));
  EXPECT_EQ(layer.stats().tx_router_solicitations, 0u);
  // Advertisements are counted and ignored.
  const auto ra = advertisement(64, 1800, 0, 0, prefix_option("2001:db8:1::/64", true, true, 86400, 14400));
  auto p = icmp_packet(*ipv6_addr::parse("fe80::9"), all_nodes, ra);
  layer.input(bytes(p.data(), p.size()), peer_mac, t0 + 20s);
  EXPECT_EQ(layer.stats().rx_router_advertisements_ignored, 1u);
  EXPECT_EQ(layer.addresses().addresses().size(), 2u);
  // Off-link goes through the gateway, which is resolved first.
  const std::byte data[4] = {};
  const bytes parts[1] = {bytes(data, 4)};
  ASSERT_TRUE(layer.send(*ipv6_addr::parse("2001:db8:77::1"), 17, parts, t0 + 21s));
  auto ns = ndp_of(link.sent.back());
  ASSERT_TRUE(ns);
  EXPECT_EQ(ns->target, peer);
  EXPECT_EQ(ns->destination, solicited_node(peer));
}

TEST(ipv6_layer, echo_replies_past_the_token_bucket_are_counted_not_sent) {
  recording_link link;
  auto cfg = config();
  cfg.echo_per_second = 10;
  cfg.echo_burst = 3;
  cfg.accept_router_advertisements = false;
  ipv6_layer layer(link, cfg);
  layer.start(t0);
  layer.poll(t0);
  layer.poll(t0 + 1s);
  const ipv6_addr ll = *layer.link_local();
  // Known first, so that replies go out at once.
  auto ns = icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac));
  layer.input(bytes(ns.data(), ns.size()), peer_mac, t0 + 1s);
  for (int i = 0; i < 5; ++i) {
    std::vector<std::byte> echo(8);
    icmpv6_repr::echo(icmpv6_type::echo_request, 1, std::uint16_t(i), {}).emit(mut_bytes(echo.data(), echo.size()), peer,
                                                                                ll);
    std::vector<std::byte> p(48);
    ipv6_repr h{peer, ll, ipv6_next::icmpv6, 64, 0, 0, echo.size()};
    h.emit(mut_bytes(p.data(), p.size()));
    std::copy(echo.begin(), echo.end(), p.begin() + 40);
    layer.input(bytes(p.data(), p.size()), peer_mac, t0 + 2s);
  }
  EXPECT_EQ(layer.stats().tx_echo_replies, 3u);
  EXPECT_EQ(layer.stats().echo_rate_limited, 2u);
}

// A packet from `peer` to `destination` of next header `next` and `payload`.
std::vector<std::byte> raw_packet(const ipv6_addr& destination, std::uint8_t next, std::vector<std::byte> payload,
                                  const ipv6_addr& source = peer) {
  std::vector<std::byte> p(40 + payload.size());
  ipv6_repr h{source, destination, next, 64, 0, 0, payload.size()};
  h.emit(mut_bytes(p.data(), p.size()));
  std::copy(payload.begin(), payload.end(), p.begin() + 40);
  return p;
}

// A destination options header carrying one option of `type` (4 bytes of
// data), followed by no next header.
std::vector<std::byte> destination_options(std::uint8_t type) {
  return {std::byte{ipv6_next::none}, std::byte{0}, std::byte{type}, std::byte{4},
          std::byte{}, std::byte{}, std::byte{}, std::byte{}};
}

struct sent_error {
  ipv6_addr source, destination;
  std::uint8_t type, code;
  std::uint32_t pointer;
  std::vector<std::byte> quoted;
};
std::optional<sent_error> error_of(const recording_link::frame& f) {
  auto p = ipv6_packet::parse(bytes(f.packet.data(), f.packet.size()));
  if (!p || p->next_header() != ipv6_next::icmpv6) return std::nullopt;
  auto m = icmpv6_packet::parse(p->payload(), p->source(), p->destination());
  if (!m || m->type() >= 128) return std::nullopt;
  return sent_error{p->source(), p->destination(), m->type(), m->code(), m->pointer(),
                    std::vector<std::byte>(m->data().data(), m->data().data() + m->data().size())};
}

TEST_F(ipv6_fixture, an_unknown_next_header_gets_parameter_problem_code_1_quoting_the_packet) {
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);  // peer known
  const auto udp = raw_packet(ll, ipv6_next::udp, std::vector<std::byte>(12, std::byte{7}));
  const std::size_t before = link.sent.size();
  feed(udp, t0 + 3s);
  ASSERT_EQ(link.sent.size(), before + 1);
  EXPECT_EQ(link.sent.back().to, peer_mac);
  auto e = error_of(link.sent.back());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, icmpv6_type::parameter_problem);
  EXPECT_EQ(e->code, 1);
  EXPECT_EQ(e->pointer, 6u);  // the IPv6 header's Next Header byte
  EXPECT_EQ(e->source, ll);
  EXPECT_EQ(e->destination, peer);
  EXPECT_EQ(e->quoted, udp);
  EXPECT_EQ(layer.stats().tx_parameter_problems, 1u);
  // Next header 59 is nothing to deliver, not an error.
  feed(raw_packet(ll, ipv6_next::none, {}), t0 + 3s);
  EXPECT_EQ(layer.stats().rx_no_next_header, 1u);
  EXPECT_EQ(link.sent.size(), before + 1);
}

TEST_F(ipv6_fixture, no_error_about_multicast_or_to_the_unspecified_address_but_for_an_option_of_type_10) {
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);
  const std::size_t before = link.sent.size();
  feed(raw_packet(all_nodes, ipv6_next::udp, std::vector<std::byte>(8)), t0 + 3s);
  feed(raw_packet(ll, ipv6_next::udp, std::vector<std::byte>(8), ipv6_addr::any()), t0 + 3s);
  // 11xxxxxx: discard, report unless multicast.
  feed(raw_packet(all_nodes, ipv6_next::destination_options, destination_options(0xc0)), t0 + 3s);
  EXPECT_EQ(link.sent.size(), before);
  // 10xxxxxx: discard and report, multicast or not (RFC 4443 §2.4 (e.3)).
  feed(raw_packet(all_nodes, ipv6_next::destination_options, destination_options(0x80)), t0 + 3s);
  ASSERT_EQ(link.sent.size(), before + 1);
  auto e = error_of(link.sent.back());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 2);
  EXPECT_EQ(e->pointer, 42u);  // the option's type byte
  EXPECT_EQ(e->source, ll);    // not the group it was sent to
  feed(raw_packet(ll, ipv6_next::destination_options, destination_options(0xc0)), t0 + 3s);
  ASSERT_EQ(link.sent.size(), before + 2);
  EXPECT_EQ(error_of(link.sent.back())->code, 2);
  // Nor about an ICMPv6 error message (RFC 4443 §2.4 (e.1)).
  std::vector<std::byte> about_error = destination_options(0xc0);
  about_error[0] = std::byte{ipv6_next::icmpv6};
  about_error.push_back(std::byte{icmpv6_type::destination_unreachable});
  about_error.resize(about_error.size() + 7);
  feed(raw_packet(ll, ipv6_next::destination_options, about_error), t0 + 3s);
  EXPECT_EQ(link.sent.size(), before + 2);
}

TEST_F(ipv6_fixture, errors_quote_at_most_what_fits_1280_bytes_and_are_rate_limited) {
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);
  feed(raw_packet(ll, ipv6_next::udp, std::vector<std::byte>(1400)), t0 + 3s);
  auto e = error_of(link.sent.back());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->quoted.size(), 1280u - 40 - 8);
  for (int i = 0; i < 40; ++i) feed(raw_packet(ll, ipv6_next::tcp, std::vector<std::byte>(20)), t0 + 3s);
  EXPECT_EQ(layer.stats().tx_parameter_problems, ipv6_config{}.errors_burst);
  EXPECT_EQ(layer.stats().errors_rate_limited, 41u - ipv6_config{}.errors_burst);
}

}  // namespace

namespace transports {

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;

// What a transport registered with the layer is handed.
struct recording_transport final : ip_input {
  std::vector<ip_meta> metas;
  std::vector<std::vector<std::byte>> payloads;
  void receive(const ip_meta& meta, bytes payload, mono_time) override {
    metas.push_back(meta);
    payloads.emplace_back(payload.data(), payload.data() + payload.size());
  }
};

TEST_F(ipv6_fixture, an_attached_transport_receives_its_packets_with_an_ipv6_meta) {
  recording_transport tcp;
  layer.attach(ipv6_next::tcp, &tcp);
  boot();
  const std::vector<std::byte> segment(20, std::byte{9});
  const std::size_t before = link.sent.size();
  feed(raw_packet(ll, ipv6_next::tcp, segment), t0 + 3s);
  ASSERT_EQ(tcp.metas.size(), 1u);
  EXPECT_EQ(tcp.metas[0].source, ip_addr(peer));
  EXPECT_EQ(tcp.metas[0].destination, ip_addr(ll));
  EXPECT_EQ(tcp.metas[0].protocol, ipv6_next::tcp);
  EXPECT_EQ(tcp.metas[0].ttl, 64);
  EXPECT_EQ(tcp.payloads[0], segment);
  EXPECT_EQ(link.sent.size(), before);  // no Parameter Problem now
  // Behind a destination options header, the same.
  std::vector<std::byte> behind = {std::byte{ipv6_next::tcp}, std::byte{0}, std::byte{1}, std::byte{4},
                                   std::byte{}, std::byte{}, std::byte{}, std::byte{}};
  for (std::byte b : segment) behind.push_back(b);
  feed(raw_packet(ll, ipv6_next::destination_options, behind), t0 + 3s);
  ASSERT_EQ(tcp.payloads.size(), 2u);
  EXPECT_EQ(tcp.payloads[1], segment);
  // Never to a group, from the unspecified address, or to a tentative
  // address: transports talk to one usable address of ours.
  feed(raw_packet(all_nodes, ipv6_next::tcp, segment), t0 + 3s);
  feed(raw_packet(ll, ipv6_next::tcp, segment, ipv6_addr::any()), t0 + 3s);
  EXPECT_EQ(tcp.metas.size(), 2u);
}

TEST_F(ipv6_fixture, udp_over_ipv6_delivers_and_answers_a_closed_port_with_port_unreachable) {
  struct v6_output final : ip_output {
    ipv6_layer* l;
    mono_time now{};
    result<void, ip_error> send(ip_addr source, ip_addr destination, std::uint8_t protocol,
                                std::span<const bytes> parts) override {
      return l->send_from(source.v6(), destination.v6(), protocol, parts, now);
    }
    ip_addr source_for(ip_addr d) const override { return l->source_for(d.v6()).value_or(ipv6_addr::any()); }
    std::size_t mtu_for(ip_addr d) const override { return l->mtu_for(d.v6()); }
  } out;
  out.l = &layer;
  udp_layer udp(out, &layer);
  layer.attach(ipv6_next::udp, &udp);
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);  // peer known
  auto bound = udp.bind(port(53));
  ASSERT_TRUE(bound);
  auto datagram = [&](std::uint16_t to_port, std::string_view text, bool zero_checksum = false) {
    std::vector<std::byte> d(8 + text.size());
    const udp_repr r{port(5353), port(to_port), bytes::of(text)};
    r.emit(mut_bytes(d.data(), d.size()), peer, ll);
    if (zero_checksum) d[6] = d[7] = std::byte{0};
    return raw_packet(ll, ipv6_next::udp, d);
  };
  feed(datagram(53, "query"), t0 + 3s);
  auto got = (*bound)->pop();
  ASSERT_TRUE(got);
  EXPECT_EQ(got->source, (sig::ip_endpoint{peer, port(5353)}));
  EXPECT_EQ(got->destination, (sig::ip_endpoint{ll, port(53)}));
  EXPECT_EQ(bytes(got->data).chars(), "query");
  // RFC 8200 §8.1: over IPv6 a zero checksum is no checksum, and dropped.
  feed(datagram(53, "query", true), t0 + 3s);
  EXPECT_FALSE((*bound)->pop());
  EXPECT_EQ(udp.stats().rx_bad_checksum, 1u);
  // A reply goes out over IPv6 with a checksum that verifies.
  out.now = t0 + 3s;
  const bytes reply[1] = {bytes::of(std::string_view("answer"))};
  ASSERT_TRUE(udp.send(port(53), sig::ip_endpoint{peer, port(5353)}, reply));
  {
    auto p = ipv6_packet::parse(bytes(link.sent.back().packet.data(), link.sent.back().packet.size()));
    ASSERT_TRUE(p);
    EXPECT_EQ(p->next_header(), ipv6_next::udp);
    auto u = udp_packet::parse(p->payload());
    ASSERT_TRUE(u);
    auto r = udp_repr::parse(*u, p->source(), p->destination());
    ASSERT_TRUE(r);
    EXPECT_EQ(r->payload.chars(), "answer");
  }
  // A closed port: Destination Unreachable code 4, quoting the datagram.
  const auto closed = datagram(54, "nobody");
  feed(closed, t0 + 4s);
  auto e = error_of(link.sent.back());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, icmpv6_type::destination_unreachable);
  EXPECT_EQ(e->code, icmpv6_unreachable::port);
  EXPECT_EQ(e->destination, peer);
  EXPECT_EQ(e->quoted, closed);
  EXPECT_EQ(layer.stats().tx_unreachables, 1u);
  EXPECT_EQ(udp.stats().rx_no_port, 1u);
}

}  // namespace transports

namespace fragments {

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;

// `packet` (a fixed header, then the fragmentable part) cut into
// fragments of `per` bytes of data (the last shorter).
std::vector<std::vector<std::byte>> fragments_of(const std::vector<std::byte>& packet, std::size_t per,
                                                 std::uint32_t ident) {
  const auto whole = *ipv6_packet::parse(bytes(packet.data(), packet.size()));
  const bytes data = whole.payload();
  std::vector<std::vector<std::byte>> out;
  for (std::size_t off = 0; off < data.size(); off += per) {
    const std::size_t n = std::min(per, data.size() - off);
    std::vector<std::byte> f(40 + 8 + n);
    ipv6_repr h = ipv6_repr::parse(whole);
    h.next_header = ipv6_next::fragment;
    h.payload_len = 8 + n;
    h.emit(mut_bytes(f.data(), f.size()));
    fragment_header{whole.next_header(), static_cast<std::uint16_t>(off), off + n < data.size(), ident}.emit(
        mut_bytes(f.data(), f.size()).skip(40));
    mut_bytes(f.data(), f.size()).copy_from(48, data.sub(off, n));
    out.push_back(std::move(f));
  }
  return out;
}

// An echo request from the peer to `to` with `n` bytes of data.
std::vector<std::byte> echo_request(const ipv6_addr& to, std::size_t n) {
  std::vector<std::byte> data(n);
  for (std::size_t i = 0; i < n; ++i) data[i] = std::byte(i * 7);
  std::vector<std::byte> echo(8 + n);
  icmpv6_repr::echo(icmpv6_type::echo_request, 7, 1, bytes(data.data(), n))
      .emit(mut_bytes(echo.data(), echo.size()), peer, to);
  return raw_packet(to, ipv6_next::icmpv6, echo);
}

// The fragments sent from `first` on, put back together by their offsets
// (checking that they tile the packet and share one Identification).
struct sent_packet {
  std::size_t fragments = 0;
  std::uint8_t next_header = 0;
  std::vector<std::byte> data;
};
sent_packet reassemble_sent(const recording_link& link, std::size_t first, std::size_t mtu) {
  sent_packet out;
  std::optional<std::uint32_t> ident;
  for (std::size_t i = first; i < link.sent.size(); ++i) {
    const auto& f = link.sent[i].packet;
    EXPECT_LE(f.size(), mtu);
    auto p = ipv6_packet::parse(bytes(f.data(), f.size()));
    if (!p || p->next_header() != ipv6_next::fragment) continue;
    const auto h = fragment_header::parse(p->payload());
    if (ident) {
      EXPECT_EQ(h.ident, *ident);
    }
    ident = h.ident;
    EXPECT_EQ(h.offset, out.data.size());
    const bytes d = p->payload().skip(8);
    if (h.more) {
      EXPECT_EQ(d.size() % 8, 0u);
    }
    out.data.insert(out.data.end(), d.data(), d.data() + d.size());
    out.next_header = h.next_header;
    ++out.fragments;
    if (!h.more) break;
  }
  return out;
}

TEST_F(ipv6_fixture, a_fragmented_echo_request_is_reassembled_and_answered_in_fragments) {
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);
  const auto request = echo_request(ll, 3000);
  auto pieces = fragments_of(request, 1232, 0x1234);
  ASSERT_EQ(pieces.size(), 3u);
  const std::size_t before = link.sent.size();
  // Out of order: the last first.
  feed(pieces[2], t0 + 3s);
  feed(pieces[0], t0 + 3s);
  EXPECT_EQ(link.sent.size(), before);
  feed(pieces[1], t0 + 3s);
  EXPECT_EQ(layer.stats().rx_fragments, 3u);
  EXPECT_EQ(layer.reassembler().stats().reassembled, 1u);
  EXPECT_EQ(layer.reassembler().bytes_held(), 0u);
  EXPECT_EQ(layer.stats().rx_echo_requests, 1u);
  const auto reply = reassemble_sent(link, before, 1500);
  EXPECT_EQ(reply.fragments, 3u);  // 3008 bytes in 1448-byte pieces
  EXPECT_EQ(reply.next_header, ipv6_next::icmpv6);
  auto m = icmpv6_packet::parse(bytes(reply.data.data(), reply.data.size()), ll, peer);
  ASSERT_TRUE(m);  // the checksum over the whole reply holds
  EXPECT_EQ(m->type(), icmpv6_type::echo_reply);
  const auto asked = *ipv6_packet::parse(bytes(request.data(), request.size()));
  EXPECT_EQ(m->data(), asked.payload().skip(8));
  EXPECT_EQ(layer.stats().tx_fragments, 3u);
}

TEST_F(ipv6_fixture, a_fragmented_datagram_reaches_its_transport_whole_and_an_atomic_fragment_at_once) {
  transports::recording_transport udp;
  layer.attach(ipv6_next::udp, &udp);
  boot();
  std::vector<std::byte> datagram(2000);
  for (std::size_t i = 0; i < datagram.size(); ++i) datagram[i] = std::byte(i);
  for (const auto& f : fragments_of(raw_packet(ll, ipv6_next::udp, datagram), 1448, 77)) feed(f, t0 + 3s);
  ASSERT_EQ(udp.payloads.size(), 1u);
  EXPECT_EQ(udp.payloads[0], datagram);
  EXPECT_EQ(udp.metas[0].protocol, ipv6_next::udp);
  EXPECT_EQ(udp.metas[0].source, ip_addr(peer));
  // RFC 6946: offset 0, no more fragments.
  const auto atomic = fragments_of(raw_packet(ll, ipv6_next::udp, {std::byte{1}, std::byte{2}}), 1448, 78);
  ASSERT_EQ(atomic.size(), 1u);
  feed(atomic[0], t0 + 3s);
  ASSERT_EQ(udp.payloads.size(), 2u);
  EXPECT_EQ(udp.payloads[1], (std::vector<std::byte>{std::byte{1}, std::byte{2}}));
  EXPECT_EQ(layer.stats().rx_atomic_fragments, 1u);
  // A second Fragment header inside a reassembled packet: dropped.
  const auto inner = fragments_of(raw_packet(ll, ipv6_next::udp, datagram), 1448, 79);
  std::vector<std::byte> nested_payload(inner[0].begin() + 40, inner[0].end());
  for (const auto& f : fragments_of(raw_packet(ll, ipv6_next::fragment, nested_payload), 800, 80)) feed(f, t0 + 3s);
  EXPECT_EQ(layer.stats().rx_nested_fragments, 1u);
  EXPECT_EQ(udp.payloads.size(), 2u);
}

TEST_F(ipv6_fixture, overlapping_fragments_drop_the_packet_and_unfinished_ones_time_out) {
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);
  const auto request = echo_request(ll, 2000);
  auto pieces = fragments_of(request, 1000, 5);
  auto overlapping = fragments_of(request, 1008, 5);
  const std::size_t before = link.sent.size();
  feed(pieces[0], t0 + 3s);
  feed(overlapping[1], t0 + 3s);  // 1008..2016: overlaps the second piece to come
  feed(pieces[1], t0 + 3s);
  feed(pieces[2], t0 + 3s);
  EXPECT_EQ(layer.reassembler().stats().overlaps, 1u);
  EXPECT_EQ(layer.stats().rx_echo_requests, 0u);
  EXPECT_EQ(link.sent.size(), before);
  // What is left of the packet goes after 60 s (RFC 8200 §4.5), not before.
  feed(fragments_of(request, 1000, 6)[0], t0 + 4s);
  layer.poll(t0 + 63s);
  EXPECT_EQ(layer.reassembler().datagrams(), 1u);
  EXPECT_LE(layer.poll_at(), t0 + 64s);
  layer.poll(t0 + 64s);
  EXPECT_EQ(layer.reassembler().datagrams(), 0u);
  EXPECT_EQ(layer.reassembler().bytes_held(), 0u);
  EXPECT_GE(layer.reassembler().stats().timed_out, 1u);
}

TEST_F(ipv6_fixture, bad_fragments_get_the_parameter_problems_linux_sends) {
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);
  const auto request = echo_request(ll, 2000);
  // A non-last fragment of 13 bytes: code 0 at the payload length.
  auto odd = fragments_of(request, 1000, 9)[0];
  odd.resize(40 + 8 + 13);
  mut_bytes(odd.data(), odd.size()).set_be16(4, 8 + 13);
  feed(odd, t0 + 3s);
  auto e = error_of(link.sent.back());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->type, icmpv6_type::parameter_problem);
  EXPECT_EQ(e->code, 0);
  EXPECT_EQ(e->pointer, 4u);
  // One that ends past 65535: code 0 at its Fragment Offset.
  auto far = fragments_of(request, 1000, 10)[2];
  mut_bytes(far.data(), far.size()).set_be16(42, static_cast<std::uint16_t>(65528));
  feed(far, t0 + 3s);
  e = error_of(link.sent.back());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 0);
  EXPECT_EQ(e->pointer, 42u);
  // A first fragment that stops inside the ICMPv6 header (RFC 7112):
  // code 3, pointer 0, and nothing held.
  std::vector<std::byte> opts = {std::byte{ipv6_next::icmpv6}, std::byte{0}, std::byte{1}, std::byte{4},
                                 std::byte{}, std::byte{}, std::byte{}, std::byte{}};
  const auto echo = *ipv6_packet::parse(bytes(request.data(), request.size()));
  for (std::byte b : echo.payload()) opts.push_back(b);
  const auto chained = fragments_of(raw_packet(ll, ipv6_next::destination_options, opts), 8, 11);
  feed(chained[0], t0 + 3s);
  e = error_of(link.sent.back());
  ASSERT_TRUE(e);
  EXPECT_EQ(e->code, 3);
  EXPECT_EQ(e->pointer, 0u);
  EXPECT_EQ(layer.stats().rx_bad_fragments, 2u);
  EXPECT_EQ(layer.stats().rx_incomplete_first_fragment, 1u);
  EXPECT_EQ(layer.reassembler().datagrams(), 0u);
}

}  // namespace fragments

namespace packet_too_big {

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;

// What a transport is told of path MTU changes.
struct mtu_recorder final : ip_input {
  std::vector<std::pair<ip_meta, std::size_t>> reduced;
  std::vector<std::vector<std::byte>> quoted;
  void receive(const ip_meta&, bytes, mono_time) override {}
  void path_mtu_reduced(const ip_meta& q, bytes payload, std::size_t mtu, mono_time) override {
    reduced.emplace_back(q, mtu);
    quoted.emplace_back(payload.begin(), payload.end());
  }
};

// A Packet Too Big from a router on the path, quoting `invoking`.
std::vector<std::byte> too_big(const ipv6_addr& to, std::uint32_t mtu, const std::vector<std::byte>& invoking) {
  const ipv6_addr router = *ipv6_addr::parse("fe80::99");
  std::vector<std::byte> icmp(8 + std::min<std::size_t>(invoking.size(), 1232));
  icmpv6_repr{icmpv6_type::packet_too_big, 0, mtu, bytes(invoking.data(), icmp.size() - 8)}
      .emit(mut_bytes(icmp.data(), icmp.size()), router, to);
  std::vector<std::byte> p(40 + icmp.size());
  ipv6_repr h{router, to, ipv6_next::icmpv6, 64, 0, 0, icmp.size()};
  h.emit(mut_bytes(p.data(), p.size()));
  std::copy(icmp.begin(), icmp.end(), p.begin() + 40);
  return p;
}

TEST_F(ipv6_fixture, a_packet_too_big_about_our_packet_lowers_the_path_mtu_and_tells_its_transport) {
  mtu_recorder udp;
  layer.attach(ipv6_next::udp, &udp);
  boot();
  feed(icmp_packet(peer, solicited_node(ll), solicitation_for(ll, peer_mac)), t0 + 2s);
  EXPECT_EQ(layer.mtu_for(peer), 1460u);
  // A datagram of ours, and the router's answer about it.
  std::vector<std::byte> datagram(1400, std::byte{5});
  datagram[0] = std::byte{0x9c};  // source port 40000
  datagram[1] = std::byte{0x40};
  const bytes parts[1] = {bytes(datagram.data(), datagram.size())};
  ASSERT_TRUE(layer.send(peer, ipv6_next::udp, parts, t0 + 3s));
  const auto sent = link.sent.back().packet;
  feed(too_big(ll, 1300, sent), t0 + 3s);
  EXPECT_EQ(layer.stats().rx_packet_too_big, 1u);
  EXPECT_EQ(layer.mtu_for(peer), 1300u - 40);
  ASSERT_EQ(udp.reduced.size(), 1u);
  EXPECT_EQ(udp.reduced[0].first.source, ip_addr(ll));
  EXPECT_EQ(udp.reduced[0].first.destination, ip_addr(peer));
  EXPECT_EQ(udp.reduced[0].second, 1260u);
  EXPECT_EQ(udp.quoted[0], std::vector<std::byte>(datagram.begin(), datagram.begin() + 1232 - 40));
  // What follows leaves in fragments that fit the path.
  const std::size_t before = link.sent.size();
  ASSERT_TRUE(layer.send(peer, ipv6_next::udp, parts, t0 + 3s));
  ASSERT_EQ(link.sent.size(), before + 2);
  for (std::size_t i = before; i < link.sent.size(); ++i) EXPECT_LE(link.sent[i].packet.size(), 1300u);
  // Below 1280 counts as 1280; one about a packet not ours, or one too
  // short to name its source, changes nothing.
  feed(too_big(ll, 600, sent), t0 + 4s);
  EXPECT_EQ(layer.mtu_for(peer), 1280u - 40);
  auto forged = sent;
  forged[8 + 15] = std::byte{0x77};  // another source
  feed(too_big(ll, 1280, forged), t0 + 4s);
  feed(too_big(ll, 1280, std::vector<std::byte>(sent.begin(), sent.begin() + 30)), t0 + 4s);
  EXPECT_EQ(layer.stats().rx_packet_too_big_ignored, 2u);
  EXPECT_EQ(udp.reduced.size(), 2u);
  // Ten minutes on, the link's MTU again (RFC 8201 §4).
  EXPECT_LE(layer.poll_at(), t0 + 4s + std::chrono::minutes(10));
  layer.poll(t0 + 4s + std::chrono::minutes(10));
  EXPECT_EQ(layer.mtu_for(peer), 1460u);
}

}  // namespace packet_too_big

namespace mld {

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;

const ipv6_addr all_mld_routers = *ipv6_addr::parse("ff02::16");

struct mld_report {
  ipv6_addr source;
  std::vector<std::pair<std::uint8_t, ipv6_addr>> records;  // type, group
};
// The MLDv2 report in `f`, checked as RFC 3810 §5.2 has it sent.
std::optional<mld_report> report_of(const recording_link::frame& f) {
  auto p = ipv6_packet::parse(bytes(f.packet.data(), f.packet.size()));
  if (!p || p->destination() != all_mld_routers || p->hop_limit() != 1) return std::nullopt;
  if (p->next_header() != ipv6_next::hop_by_hop || p->payload().size() < 8) return std::nullopt;
  const bytes hbh = p->payload();
  // Next header ICMPv6, a Router Alert (type 5, length 2) of value 0 (MLD).
  if (hbh.u8(0) != ipv6_next::icmpv6 || hbh.u8(2) != 5 || hbh.u8(3) != 2 || hbh.be16(4) != 0) return std::nullopt;
  auto m = icmpv6_packet::parse(hbh.skip(8), p->source(), p->destination());
  if (!m || m->type() != icmpv6_type::mldv2_report) return std::nullopt;
  mld_report r{p->source(), {}};
  const std::size_t count = m->rest_of_header() & 0xffff;
  for (std::size_t i = 0; i < count; ++i) {
    const bytes rec = m->data().sub(i * 20, 20);
    ipv6_addr g;
    for (std::size_t j = 0; j < 16; ++j) g.octets[j] = rec.u8(4 + j);
    r.records.emplace_back(rec.u8(0), g);
  }
  return r;
}

std::vector<mld_report> reports_in(const recording_link& link, std::size_t from = 0) {
  std::vector<mld_report> out;
  for (std::size_t i = from; i < link.sent.size(); ++i)
    if (auto r = report_of(link.sent[i])) out.push_back(*r);
  return out;
}

// An MLD query from `source` for `group` (:: for all) with a maximum
// response delay of `max_ms`, as a v2 query (28 bytes).
std::vector<std::byte> query(const ipv6_addr& source, const ipv6_addr& group, std::uint16_t max_ms,
                             std::uint8_t hop_limit = 1) {
  std::vector<std::byte> body(20);
  for (std::size_t i = 0; i < 16; ++i) body[i] = std::byte{group.octets[i]};
  const ipv6_addr to = group.is_any() ? all_nodes : group;
  std::vector<std::byte> icmp(8 + body.size());
  icmpv6_repr{icmpv6_type::mld_query, 0, std::uint32_t(max_ms) << 16, bytes(body.data(), body.size())}
      .emit(mut_bytes(icmp.data(), icmp.size()), source, to);
  std::vector<std::byte> p(40 + icmp.size());
  ipv6_repr{source, to, ipv6_next::icmpv6, hop_limit, 0, 0, icmp.size()}.emit(mut_bytes(p.data(), p.size()));
  std::copy(icmp.begin(), icmp.end(), p.begin() + 40);
  return p;
}

TEST_F(ipv6_fixture, joining_a_group_reports_it_twice_and_a_query_is_answered_within_its_delay) {
  boot();
  const ipv6_addr group = solicited_node(ll);
  // The first report at once, from :: (the address was tentative).
  auto reports = reports_in(link);
  ASSERT_GE(reports.size(), 1u);
  EXPECT_TRUE(reports[0].source.is_any());
  ASSERT_EQ(reports[0].records.size(), 1u);
  EXPECT_EQ(reports[0].records[0].first, 4);  // CHANGE_TO_EXCLUDE_MODE: joined
  EXPECT_EQ(reports[0].records[0].second, group);
  // The second within a second (RFC 3810 §9.11), and no more.
  for (int ms = 0; ms <= 2000; ms += 10) layer.poll(t0 + 1s + std::chrono::milliseconds(ms));
  reports = reports_in(link);
  EXPECT_EQ(reports.size(), 2u);
  EXPECT_EQ(layer.stats().tx_mld_reports, 2u);
  // A general query from a router: one report of every group (never
  // all-nodes) within the 500 ms asked, from the link-local address.
  const std::size_t before = link.sent.size();
  feed(query(*ipv6_addr::parse("fe80::99"), ipv6_addr::any(), 500), t0 + 5s);
  for (int ms = 0; ms <= 500; ms += 10) layer.poll(t0 + 5s + std::chrono::milliseconds(ms));
  reports = reports_in(link, before);
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].source, ll);
  ASSERT_EQ(reports[0].records.size(), 1u);
  EXPECT_EQ(reports[0].records[0].first, 2);  // MODE_IS_EXCLUDE: a member
  EXPECT_EQ(reports[0].records[0].second, group);
  // Ignored: a query from off-link, one with a hop limit other than 1, one
  // for a group we are not in.
  feed(query(*ipv6_addr::parse("2001:db8::1"), ipv6_addr::any(), 500), t0 + 6s);
  feed(query(*ipv6_addr::parse("fe80::99"), ipv6_addr::any(), 500, 64), t0 + 6s);
  feed(query(*ipv6_addr::parse("fe80::99"), *ipv6_addr::parse("ff02::1:ff00:1234"), 500), t0 + 6s);
  for (int ms = 0; ms <= 1000; ms += 10) layer.poll(t0 + 6s + std::chrono::milliseconds(ms));
  EXPECT_EQ(reports_in(link, before).size(), 1u);
  EXPECT_EQ(layer.stats().rx_mld_queries, 3u);  // the other group's never reached us
  EXPECT_EQ(layer.stats().rx_mld_queries_ignored, 2u);
}

TEST_F(ipv6_fixture, without_mld_nothing_is_reported) {
  ipv6_config c = config();
  c.mld = false;
  ipv6_layer quiet{link, c};
  quiet.start(t0);
  for (int ms = 0; ms <= 3000; ms += 100) quiet.poll(t0 + std::chrono::milliseconds(ms));
  const auto q = query(*ipv6_addr::parse("fe80::99"), ipv6_addr::any(), 100);
  quiet.input(bytes(q.data(), q.size()), peer_mac, t0 + 4s);
  quiet.poll(t0 + 5s);
  EXPECT_TRUE(reports_in(link).empty());
}

}  // namespace mld
