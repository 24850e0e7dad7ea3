// The IPv4, ICMPv4 and UDP layers over a fake link that records packets,
// and the Ethernet link over a fake device: routing, fragmentation, receive
// policy, echo, port unreachable, UDP queues.
#include <fata/net/ethernet.hpp>
#include <fata/net/icmpv4.hpp>
#include <fata/net/ipv4.hpp>
#include <fata/net/udp.hpp>
#include <fata/net/wire/ethernet.hpp>
#include <fata/net/wire/icmpv4.hpp>
#include <fata/net/wire/ipv4.hpp>
#include <fata/net/wire/udp.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;

constexpr ipv4_addr own(10, 0, 0, 2);
constexpr ipv4_addr peer(10, 0, 0, 1);
constexpr ipv4_addr gateway(10, 0, 0, 254);
constexpr ipv4_addr far(192, 0, 2, 7);

using packet = std::vector<std::byte>;

packet concat(std::span<const bytes> parts) {
  packet p;
  for (bytes b : parts) p.insert(p.end(), b.begin(), b.end());
  return p;
}

struct fake_link : ipv4_link {
  std::size_t link_mtu = 1500;
  struct sent {
    ipv4_addr next_hop;
    packet data;
  };
  std::vector<sent> packets;
  result<void, ip_error> transmit(ipv4_addr next_hop, std::span<const bytes> parts) override {
    packets.push_back({next_hop, concat(parts)});
    return {};
  }
  std::size_t mtu() const override { return link_mtu; }
};

// An IPv4 packet from `src` to `dst`, as the wire would carry it.
packet ip_packet(ipv4_addr src, ipv4_addr dst, std::uint8_t proto, bytes payload,
                 std::uint16_t ident = 1, std::size_t offset = 0, bool more = false) {
  ipv4_repr h;
  h.source = src;
  h.destination = dst;
  h.protocol = proto;
  h.ident = ident;
  h.fragment_offset = static_cast<std::uint16_t>(offset);
  h.more_fragments = more;
  h.payload_len = payload.size();
  packet p(h.total_len());
  h.emit(mut_bytes(p.data(), p.size()));
  mut_bytes(p.data(), p.size()).copy_from(20, payload);
  return p;
}

packet icmp_echo(std::uint8_t type, std::uint16_t id, std::uint16_t seq, bytes data) {
  const icmpv4_repr r = icmpv4_repr::echo(type, id, seq, data);
  packet p(r.buffer_len());
  r.emit(mut_bytes(p.data(), p.size()));
  return p;
}

packet udp_datagram(ipv4_addr src, ipv4_addr dst, std::uint16_t sp, std::uint16_t dp,
                    std::string_view data) {
  const udp_repr r{port(sp), port(dp), bytes::of(data)};
  packet p(r.total_len());
  r.emit(mut_bytes(p.data(), p.size()), src, dst);
  return p;
}

bytes view(const packet& p) { return {p.data(), p.size()}; }

struct stack_fixture : ::testing::Test {
  mono_time t0 = mono_from_ns(2'000'000'000);
  fake_link link;
  ipv4_config cfg = [] {
    ipv4_config c;
    c.address = *ipv4_prefix::parse("10.0.0.2/24");
    c.gateway = gateway;
    return c;
  }();
  ipv4_layer ip{link, cfg};
  icmpv4_layer icmp{ip};
  udp_layer udp{ip, &icmp};
  stack_fixture() {
    ip.attach(ip_protocol::icmp, &icmp);
    ip.attach(ip_protocol::udp, &udp);
  }
  void deliver(const packet& p) { ip.input(view(p), t0); }
};

// --- IPv4 routing and sending -------------------------------------------------

TEST_F(stack_fixture, a_local_destination_is_sent_directly) {
  const bytes parts[1] = {bytes::of("payload")};
  ASSERT_TRUE(ip.send(ipv4_addr::any(), peer, 17, parts));
  ASSERT_EQ(link.packets.size(), 1u);
  EXPECT_EQ(link.packets[0].next_hop, peer);
  auto p = ipv4_packet::parse(view(link.packets[0].data));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->source(), own);
  EXPECT_EQ(p->destination(), peer);
  EXPECT_EQ(p->ttl(), 64);
  EXPECT_EQ(p->payload().chars(), "payload");
}

TEST_F(stack_fixture, a_remote_destination_goes_through_the_gateway) {
  const bytes parts[1] = {bytes::of("x")};
  ASSERT_TRUE(ip.send(ipv4_addr::any(), far, 17, parts));
  EXPECT_EQ(link.packets.at(0).next_hop, gateway);
  EXPECT_EQ(ipv4_packet::parse(view(link.packets[0].data))->destination(), far);
}

TEST_F(stack_fixture, without_a_gateway_a_remote_destination_has_no_route) {
  ipv4_config c = cfg;
  c.gateway = ipv4_addr::any();
  ipv4_layer alone(link, c);
  const bytes parts[1] = {bytes::of("x")};
  auto r = alone.send(ipv4_addr::any(), far, 17, parts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ip_error::no_route);
  EXPECT_EQ(alone.stats().tx_no_route, 1u);
}

TEST_F(stack_fixture, the_longest_matching_route_beats_the_gateway_and_an_on_link_route_sends_direct) {
  // What a DHCP lease's option 121 configures (a /32 host on a GCE-like
  // network reaching its router on-link).
  const ipv4_route routes[] = {
      {ipv4_prefix{ipv4_addr(192, 168, 0, 0), 16}, ipv4_addr(10, 0, 0, 7)},
      {ipv4_prefix{ipv4_addr(192, 168, 5, 0), 24}, ipv4_addr(10, 0, 0, 8)},
      {ipv4_prefix{ipv4_addr(172, 16, 0, 1), 32}, ipv4_addr::any()},
  };
  ip.configure(*ipv4_prefix::parse("10.0.0.2/32"), gateway, routes);
  const bytes parts[1] = {bytes::of("x")};
  ASSERT_TRUE(ip.send(ipv4_addr::any(), ipv4_addr(192, 168, 5, 9), 17, parts));
  ASSERT_TRUE(ip.send(ipv4_addr::any(), ipv4_addr(192, 168, 6, 9), 17, parts));
  ASSERT_TRUE(ip.send(ipv4_addr::any(), ipv4_addr(172, 16, 0, 1), 17, parts));
  ASSERT_TRUE(ip.send(ipv4_addr::any(), far, 17, parts));
  ASSERT_EQ(link.packets.size(), 4u);
  EXPECT_EQ(link.packets[0].next_hop, ipv4_addr(10, 0, 0, 8));
  EXPECT_EQ(link.packets[1].next_hop, ipv4_addr(10, 0, 0, 7));
  EXPECT_EQ(link.packets[2].next_hop, ipv4_addr(172, 16, 0, 1));
  EXPECT_EQ(link.packets[3].next_hop, gateway);
  EXPECT_EQ(ipv4_packet::parse(view(link.packets[0].data))->source(), own);
}

TEST_F(stack_fixture, unconfigured_it_sends_broadcasts_from_0_0_0_0_and_takes_only_broadcasts) {
  // A DHCP client's state before its lease.
  ip.configure(ipv4_prefix{ipv4_addr::any(), 0}, ipv4_addr::any(), {});
  const bytes parts[1] = {bytes::of("discover")};
  ASSERT_TRUE(ip.send(ipv4_addr::any(), ipv4_addr::broadcast(), 17, parts));
  auto p = ipv4_packet::parse(view(link.packets.at(0).data));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->source().is_any());
  EXPECT_EQ(link.packets[0].next_hop, ipv4_addr::broadcast());
  EXPECT_FALSE(ip.send(ipv4_addr::any(), peer, 17, parts));
  auto e = udp.bind(port(68));
  ASSERT_TRUE(e);
  deliver(ip_packet(peer, own, 17, view(udp_datagram(peer, own, 67, 68, "unicast"))));
  deliver(ip_packet(peer, ipv4_addr::broadcast(), 17,
                    view(udp_datagram(peer, ipv4_addr::broadcast(), 67, 68, "offer"))));
  ASSERT_EQ((*e)->queued(), 1u);
  EXPECT_EQ(bytes((*e)->pop()->data.view()).chars(), "offer");
  EXPECT_EQ(ip.stats().rx_not_for_us, 1u);
}

TEST_F(stack_fixture, a_large_datagram_is_fragmented_in_multiples_of_8_and_reassembles) {
  std::string data(4008, '\0');
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = char(i * 13);
  // Split across parts so fragments slice across part boundaries.
  const bytes parts[3] = {bytes::of(std::string_view(data).substr(0, 100)),
                          bytes::of(std::string_view(data).substr(100, 2900)),
                          bytes::of(std::string_view(data).substr(3000))};
  ASSERT_TRUE(ip.send(ipv4_addr::any(), peer, 17, parts));
  ASSERT_EQ(link.packets.size(), 3u);
  ipv4_reassembler r;
  std::optional<reassembled_datagram> whole;
  std::uint16_t ident = 0;
  for (std::size_t i = 0; i < link.packets.size(); ++i) {
    auto p = ipv4_packet::parse(view(link.packets[i].data));
    ASSERT_TRUE(p);
    EXPECT_LE(p->total_len(), 1500u);
    if (i + 1 < link.packets.size()) {
      EXPECT_EQ(p->payload().size() % 8, 0u);
      EXPECT_TRUE(p->more_fragments());
    } else {
      EXPECT_FALSE(p->more_fragments());
    }
    if (i == 0) ident = p->ident();
    EXPECT_EQ(p->ident(), ident);
    whole = r.input(*p, t0);
  }
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->payload().chars(), data);
  EXPECT_EQ(ip.stats().tx_fragments, 3u);
}

TEST_F(stack_fixture, a_datagram_over_65535_bytes_is_too_big) {
  const std::string data(65516, 'x');
  const bytes parts[1] = {bytes::of(data)};
  auto r = ip.send(ipv4_addr::any(), peer, 17, parts);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ip_error::too_big);
}

// --- IPv4 receive policy --------------------------------------------------------

TEST_F(stack_fixture, packets_for_other_hosts_are_dropped_and_counted) {
  deliver(ip_packet(peer, ipv4_addr(10, 0, 0, 3), 17, bytes::of("x")));
  EXPECT_EQ(ip.stats().rx_not_for_us, 1u);
  EXPECT_EQ(ip.stats().rx_delivered, 0u);
}

TEST_F(stack_fixture, bogus_sources_are_dropped_and_counted) {
  deliver(ip_packet(ipv4_addr::broadcast(), own, 17, bytes::of("x")));
  deliver(ip_packet(ipv4_addr(224, 0, 0, 1), own, 17, bytes::of("x")));
  deliver(ip_packet(own, own, 17, bytes::of("x")));
  EXPECT_EQ(ip.stats().rx_bad_source, 3u);
}

TEST_F(stack_fixture, malformed_packets_are_dropped_by_reason) {
  packet p = ip_packet(peer, own, 17, bytes::of("abc"));
  packet bad = p;
  bad[10] ^= std::byte{0xff};
  ip.input(view(bad), t0);
  ip.input(view(p).first(10), t0);
  packet v6 = p;
  v6[0] = std::byte{0x65};
  ip.input(view(v6), t0);
  EXPECT_EQ(ip.stats().rx_bad_checksum, 1u);
  EXPECT_EQ(ip.stats().rx_truncated, 1u);
  EXPECT_EQ(ip.stats().rx_malformed, 1u);
}

TEST_F(stack_fixture, an_unknown_protocol_is_counted) {
  deliver(ip_packet(peer, own, 99, bytes::of("x")));
  EXPECT_EQ(ip.stats().rx_unknown_protocol, 1u);
}

// --- ICMP ------------------------------------------------------------------------

TEST_F(stack_fixture, an_echo_request_gets_an_echo_reply_with_the_same_data) {
  deliver(ip_packet(peer, own, 1, view(icmp_echo(8, 0x1234, 7, bytes::of("fata!")))));
  ASSERT_EQ(link.packets.size(), 1u);
  auto p = ipv4_packet::parse(view(link.packets[0].data));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->destination(), peer);
  EXPECT_EQ(p->source(), own);
  auto m = icmpv4_packet::parse(p->payload());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), icmpv4_type::echo_reply);
  EXPECT_EQ(m->echo_ident(), 0x1234);
  EXPECT_EQ(m->echo_sequence(), 7);
  EXPECT_EQ(m->data().chars(), "fata!");
}

TEST_F(stack_fixture, a_fragmented_4000_byte_ping_gets_a_fragmented_reply) {
  std::string data(4000, 'p');
  const packet echo = icmp_echo(8, 1, 1, bytes::of(data));
  // Fragment the request as Linux would at MTU 1500.
  for (std::size_t off = 0; off < echo.size(); off += 1480) {
    const std::size_t n = std::min<std::size_t>(1480, echo.size() - off);
    deliver(ip_packet(peer, own, 1, view(echo).sub(off, n), 77, off, off + n < echo.size()));
  }
  ASSERT_EQ(link.packets.size(), 3u);
  ipv4_reassembler r;
  std::optional<reassembled_datagram> whole;
  for (auto& s : link.packets) whole = r.input(*ipv4_packet::parse(view(s.data)), t0);
  ASSERT_TRUE(whole);
  auto m = icmpv4_packet::parse(whole->payload());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), icmpv4_type::echo_reply);
  EXPECT_EQ(m->data().chars(), data);
}

TEST_F(stack_fixture, a_broadcast_echo_request_is_ignored) {
  deliver(ip_packet(peer, ipv4_addr(10, 0, 0, 255), 1, view(icmp_echo(8, 1, 1, bytes::of("x")))));
  EXPECT_TRUE(link.packets.empty());
  EXPECT_EQ(icmp.stats().rx_broadcast_echo, 1u);
}

TEST_F(stack_fixture, echo_replies_are_rate_limited) {
  icmpv4_config c;
  c.echo_per_second = 10;
  c.echo_burst = 5;
  icmpv4_layer limited(ip, c);
  ip.attach(ip_protocol::icmp, &limited);
  const packet echo = ip_packet(peer, own, 1, view(icmp_echo(8, 1, 1, bytes::of("x"))));
  for (int i = 0; i < 20; ++i) ip.input(view(echo), t0);
  EXPECT_EQ(link.packets.size(), 5u);
  EXPECT_EQ(limited.stats().rate_limited, 15u);
  ip.input(view(echo), t0 + 1s);  // 10 tokens later
  EXPECT_EQ(link.packets.size(), 6u);
}

TEST_F(stack_fixture, an_icmp_message_with_a_bad_checksum_is_counted) {
  packet echo = icmp_echo(8, 1, 1, bytes::of("x"));
  echo[2] ^= std::byte{1};
  deliver(ip_packet(peer, own, 1, view(echo)));
  EXPECT_TRUE(link.packets.empty());
  EXPECT_EQ(icmp.stats().rx_bad_checksum, 1u);
}

// --- UDP -------------------------------------------------------------------------

TEST_F(stack_fixture, a_datagram_for_a_bound_port_is_queued_with_its_source) {
  auto e = udp.bind(port(7));
  ASSERT_TRUE(e);
  int woken = 0;
  (*e)->on_ready = [](void* c) { ++*static_cast<int*>(c); };
  (*e)->ready_context = &woken;
  deliver(ip_packet(peer, own, 17, view(udp_datagram(peer, own, 5000, 7, "hello"))));
  EXPECT_EQ(woken, 1);
  auto d = (*e)->pop();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->source, (sig::ipv4_endpoint{peer, port(5000)}));
  EXPECT_EQ(d->destination, (sig::ipv4_endpoint{own, port(7)}));
  EXPECT_EQ(bytes(d->data).chars(), "hello");
}

TEST_F(stack_fixture, a_datagram_for_a_closed_port_gets_port_unreachable_quoting_it) {
  const packet dgram = ip_packet(peer, own, 17, view(udp_datagram(peer, own, 5000, 9, "knock")));
  deliver(dgram);
  EXPECT_EQ(udp.stats().rx_no_port, 1u);
  ASSERT_EQ(link.packets.size(), 1u);
  auto p = ipv4_packet::parse(view(link.packets[0].data));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->destination(), peer);
  auto m = icmpv4_packet::parse(p->payload());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), icmpv4_type::destination_unreachable);
  EXPECT_EQ(m->code(), icmpv4_unreachable::port);
  // The quote: the original header and its UDP datagram.
  EXPECT_EQ(m->data(), view(dgram));
}

TEST_F(stack_fixture, no_port_unreachable_is_sent_for_a_broadcast_datagram) {
  deliver(ip_packet(peer, ipv4_addr::broadcast(), 17,
                    view(udp_datagram(peer, ipv4_addr::broadcast(), 68, 67, "dhcp"))));
  EXPECT_EQ(udp.stats().rx_no_port, 1u);
  EXPECT_TRUE(link.packets.empty());
}

TEST_F(stack_fixture, a_datagram_with_a_bad_checksum_is_dropped) {
  packet d = udp_datagram(peer, own, 5000, 7, "hello");
  d.back() = std::byte{'X'};
  auto e = udp.bind(port(7));
  deliver(ip_packet(peer, own, 17, view(d)));
  EXPECT_EQ(udp.stats().rx_bad_checksum, 1u);
  EXPECT_TRUE((*e)->empty());
}

TEST_F(stack_fixture, an_endpoint_queue_is_bounded) {
  auto e = udp.bind(port(7));
  const packet d = ip_packet(peer, own, 17, view(udp_datagram(peer, own, 5000, 7, "x")));
  for (int i = 0; i < 100; ++i) deliver(d);
  EXPECT_EQ((*e)->queued(), udp_config{}.max_queued);
  EXPECT_EQ(udp.stats().rx_queue_full, 100 - udp_config{}.max_queued);
}

TEST_F(stack_fixture, binding_a_taken_port_fails_and_port_0_is_ephemeral) {
  auto a = udp.bind(port(53));
  ASSERT_TRUE(a);
  auto b = udp.bind(port(53));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), sig::stack_error::address_in_use);
  auto c = udp.bind(port(0));
  ASSERT_TRUE(c);
  EXPECT_GE((*c)->local_port().value, 49152);
  udp.unbind(*a);
  EXPECT_TRUE(udp.bind(port(53)));
}

TEST_F(stack_fixture, sending_a_datagram_computes_a_checksum_the_receiver_accepts) {
  const bytes parts[2] = {bytes::of("split "), bytes::of("payload")};
  ASSERT_TRUE(udp.send(port(1000), {peer, port(2000)}, parts));
  auto p = ipv4_packet::parse(view(link.packets.at(0).data));
  ASSERT_TRUE(p);
  auto u = udp_packet::parse(p->payload());
  ASSERT_TRUE(u);
  auto r = udp_repr::parse(*u, own, peer);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->payload.chars(), "split payload");
  EXPECT_EQ(r->source_port, port(1000));
}

// --- Ethernet link ---------------------------------------------------------------

struct fake_device : frame_sink {
  std::vector<packet> frames;
  result<void, sig::net_error> send_frame(std::span<const bytes> parts) override {
    frames.push_back(concat(parts));
    return {};
  }
};

constexpr mac_addr own_mac{{0x02, 0, 0, 0, 0, 0x02}};
constexpr mac_addr peer_mac{{0x02, 0, 0, 0, 0, 0x01}};

mono_time fixed_time(void*) { return mono_from_ns(1'000'000'000); }

packet frame(mac_addr dst, mac_addr src, std::uint16_t type, bytes payload,
             std::optional<std::uint16_t> tci = std::nullopt) {
  const ethernet_repr e{dst, src, type, tci};
  packet f(e.buffer_len() + payload.size());
  e.emit(mut_bytes(f.data(), f.size()));
  mut_bytes(f.data(), f.size()).copy_from(e.buffer_len(), payload);
  return f;
}

struct link_fixture : ::testing::Test {
  fake_device dev;
  ethernet_link link{own_mac, 1500, dev, clock_ref{&fixed_time, nullptr}};
  mono_time now = mono_from_ns(1'000'000'000);
  link_fixture() { link.set_address(own); }
};

TEST_F(link_fixture, setting_the_address_announces_it) {
  ASSERT_EQ(dev.frames.size(), 1u);
  auto f = ethernet_frame::parse(view(dev.frames[0]));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->destination(), mac_addr::broadcast());
  EXPECT_EQ(f->ethertype(), ethertype::arp);
}

TEST_F(link_fixture, an_ipv4_frame_for_us_yields_its_packet) {
  const packet f = frame(own_mac, peer_mac, ethertype::ipv4, bytes::of("ip!"));
  auto p = link.input(view(f), now);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->chars(), "ip!");
  EXPECT_TRUE(link.input(view(frame(mac_addr::broadcast(), peer_mac, ethertype::ipv4,
                                    bytes::of("b"))), now));
  EXPECT_TRUE(link.input(view(frame(own_mac, peer_mac, ethertype::ipv4, bytes::of("t"), 0x2000)),
                         now));  // priority tag, VLAN 0
}

TEST_F(link_fixture, frames_not_for_us_are_dropped_by_reason) {
  const mac_addr other{{0x02, 0, 0, 0, 0, 0x99}};
  EXPECT_FALSE(link.input(view(frame(other, peer_mac, ethertype::ipv4, bytes::of("x"))), now));
  EXPECT_FALSE(link.input(view(frame(own_mac, peer_mac, ethertype::ipv4, bytes::of("x"), 100)), now));
  EXPECT_FALSE(link.input(view(frame(own_mac, peer_mac, ethertype::ipv6, bytes::of("x"))), now));
  EXPECT_FALSE(link.input(view(frame(own_mac, peer_mac, ethertype::ipv4, bytes::of(""))).first(9), now));
  EXPECT_EQ(link.stats().rx_not_for_us, 1u);
  EXPECT_EQ(link.stats().rx_other_vlan, 1u);
  EXPECT_EQ(link.stats().rx_unsupported, 1u);
  EXPECT_EQ(link.stats().rx_truncated, 1u);
}

TEST_F(link_fixture, transmit_resolves_the_next_hop_then_sends_the_waiting_packet) {
  dev.frames.clear();
  const bytes parts[1] = {bytes::of("queued ip packet")};
  ASSERT_TRUE(link.transmit(peer, parts));
  ASSERT_EQ(dev.frames.size(), 1u);  // the ARP request
  EXPECT_EQ(ethernet_frame::parse(view(dev.frames[0]))->ethertype(), ethertype::arp);
  const arp_repr reply{arp_operation::reply, peer_mac, peer, own_mac, own};
  packet a(28);
  reply.emit(mut_bytes(a.data(), a.size()));
  EXPECT_FALSE(link.input(view(frame(own_mac, peer_mac, ethertype::arp, view(a))), now));
  ASSERT_EQ(dev.frames.size(), 2u);
  auto f = ethernet_frame::parse(view(dev.frames[1]));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->destination(), peer_mac);
  EXPECT_EQ(f->ethertype(), ethertype::ipv4);
  EXPECT_EQ(f->payload().chars(), "queued ip packet");
  // Now resolved: straight out.
  ASSERT_TRUE(link.transmit(peer, parts));
  EXPECT_EQ(dev.frames.size(), 3u);
}

TEST_F(link_fixture, an_arp_request_for_us_is_answered) {
  dev.frames.clear();
  const arp_repr req{arp_operation::request, peer_mac, peer, mac_addr{}, own};
  packet a(28);
  req.emit(mut_bytes(a.data(), a.size()));
  (void)link.input(view(frame(mac_addr::broadcast(), peer_mac, ethertype::arp, view(a))), now);
  ASSERT_EQ(dev.frames.size(), 1u);
  auto f = ethernet_frame::parse(view(dev.frames[0]));
  EXPECT_EQ(f->destination(), peer_mac);
  auto r = arp_packet::parse(f->payload());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->operation(), arp_operation::reply);
  EXPECT_EQ(r->sender_mac(), own_mac);
}

}  // namespace
