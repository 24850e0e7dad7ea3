// The DHCPv4 server's state machine: messages built with the wire writer,
// and fata's own client (dhcpv4_client) talking to it through a scripted
// wire, both on explicit times.
#include <fata/net/dhcpv4_client.hpp>
#include <fata/net/dhcpv4_server.hpp>
#include <fata/net/wire/dhcpv4.hpp>

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;
namespace opt = fata::net::wire::dhcp_option;

constexpr ipv4_addr server_ip(10, 0, 3, 1);
constexpr mac_addr mac_a{{0x02, 0, 0, 0, 0, 0x0a}};
constexpr mac_addr mac_b{{0x02, 0, 0, 0, 0, 0x0b}};
constexpr mac_addr mac_c{{0x02, 0, 0, 0, 0, 0x0c}};
const mono_time t0 = mono_from_ns(1'000'000'000);
const wall_time w0 = wall_from_ns(1'800'000'000LL * 1'000'000'000LL);

dhcpv4_server_config config() {
  dhcpv4_server_config c;
  c.address = ipv4_prefix{server_ip, 24};
  c.pool_first = ipv4_addr(10, 0, 3, 100);
  c.pool_last = ipv4_addr(10, 0, 3, 102);
  c.router = server_ip;
  c.dns = {server_ip, ipv4_addr(10, 0, 3, 2)};
  c.domain = "fata.test";
  c.mtu = 1400;
  c.lease_time = 600s;
  return c;
}

struct message {
  std::array<std::byte, 576> buf{};
  std::size_t len = 0;
  bytes view() const { return bytes(buf.data(), len); }
};

// A client's message: type, MAC, options 50 and 54 when given, ciaddr.
message client_message(dhcp_message_type type, mac_addr mac, std::optional<ipv4_addr> requested = {},
                       std::optional<ipv4_addr> server = {}, ipv4_addr ciaddr = ipv4_addr::any(),
                       std::uint32_t xid = 0x1234) {
  message m;
  dhcpv4_writer w(mut_bytes(m.buf.data(), m.buf.size()), type, xid, mac);
  w.set_ciaddr(ciaddr);
  if (requested) w.add_address(opt::requested_address, *requested);
  if (server) w.add_address(opt::server_id, *server);
  m.len = *w.finish();
  return m;
}

TEST(dhcpv4_server_config, validate_names_what_is_wrong) {
  EXPECT_FALSE(validate(config()));
  auto c = config();
  c.pool_last = ipv4_addr(10, 0, 4, 1);
  EXPECT_EQ(validate(c), "the pool is not inside the server's subnet");
  c = config();
  std::swap(c.pool_first, c.pool_last);
  EXPECT_EQ(validate(c), "the pool ends before it starts");
  c = config();
  c.static_leases = {{mac_a, ipv4_addr(10, 0, 3, 50)}, {mac_a, ipv4_addr(10, 0, 3, 51)}};
  EXPECT_EQ(validate(c), "two static leases share a MAC or an address");
  c = config();
  c.domain = std::string(253, 'a');
  c.routes.assign(16, ipv4_route{ipv4_prefix{ipv4_addr(10, 1, 2, 3), 32}, server_ip});
  EXPECT_EQ(validate(c), "the options do not fit in a 576-byte reply");
}

TEST(dhcpv4_server, discover_gets_an_offer_with_every_configured_option) {
  auto cfg = config();
  cfg.routes = {{ipv4_prefix{ipv4_addr(10, 99, 0, 0), 16}, server_ip}};
  dhcpv4_server s(cfg);
  auto r = s.input(client_message(dhcp_message_type::discover, mac_a).view(), t0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, dhcp_message_type::offer);
  EXPECT_EQ(r->address, ipv4_addr(10, 0, 3, 100));
  EXPECT_EQ(r->destination, (sig::ipv4_endpoint{ipv4_addr::broadcast(), dhcp_client_port}));
  auto p = dhcpv4_packet::parse(r->message);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->op(), dhcpv4_packet::op_reply);
  EXPECT_EQ(p->xid(), 0x1234u);
  EXPECT_EQ(p->chaddr(), mac_a);
  EXPECT_EQ(p->yiaddr(), ipv4_addr(10, 0, 3, 100));
  EXPECT_EQ(p->find(opt::server_id)->be32(0), server_ip.value);
  EXPECT_EQ(p->find(opt::lease_time)->be32(0), 600u);
  EXPECT_EQ(p->find(opt::renewal_time)->be32(0), 300u);
  EXPECT_EQ(p->find(opt::rebinding_time)->be32(0), 525u);
  EXPECT_EQ(p->find(opt::subnet_mask)->be32(0), 0xffffff00u);
  EXPECT_EQ(p->find(opt::router)->be32(0), server_ip.value);
  EXPECT_EQ(p->find(opt::dns_servers)->size(), 8u);
  EXPECT_EQ(p->find(opt::domain_name)->chars(), "fata.test");
  EXPECT_EQ(p->find(opt::interface_mtu)->be16(0), 1400u);
  std::array<ipv4_route, 4> routes{};
  auto n = parse_classless_routes(*p->find(opt::classless_routes), routes);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 1u);
  EXPECT_EQ(routes[0], cfg.routes[0]);
  EXPECT_EQ(s.stats().tx_offer, 1u);
}

TEST(dhcpv4_server, selecting_request_binds_and_acks_and_marks_the_database_changed) {
  dhcpv4_server s(config());
  ASSERT_TRUE(s.input(client_message(dhcp_message_type::discover, mac_a).view(), t0));
  EXPECT_FALSE(s.take_changed());  // an offer is not worth saving
  auto ack = s.input(
      client_message(dhcp_message_type::request, mac_a, ipv4_addr(10, 0, 3, 100), server_ip).view(), t0 + 1s);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, dhcp_message_type::ack);
  EXPECT_EQ(ack->address, ipv4_addr(10, 0, 3, 100));
  EXPECT_TRUE(s.take_changed());
  EXPECT_FALSE(s.take_changed());
  ASSERT_EQ(s.bindings().size(), 1u);
  EXPECT_EQ(s.bindings()[0].state, dhcpv4_server::binding_state::bound);
  EXPECT_EQ(s.bindings()[0].until, t0 + 601s);
}

TEST(dhcpv4_server, request_for_another_servers_offer_frees_ours_silently) {
  dhcpv4_server s(config());
  ASSERT_TRUE(s.input(client_message(dhcp_message_type::discover, mac_a).view(), t0));
  EXPECT_FALSE(s.input(client_message(dhcp_message_type::request, mac_a, ipv4_addr(10, 0, 3, 100),
                                      ipv4_addr(10, 0, 3, 9))
                           .view(),
                       t0));
  // mac_b may have the address now.
  auto r = s.input(client_message(dhcp_message_type::discover, mac_b).view(), t0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, ipv4_addr(10, 0, 3, 101));  // fresh ones first
  auto r2 = s.input(client_message(dhcp_message_type::discover, mac_c, ipv4_addr(10, 0, 3, 100)).view(), t0);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->address, ipv4_addr(10, 0, 3, 100));
}

TEST(dhcpv4_server, requested_address_is_honoured_when_free) {
  dhcpv4_server s(config());
  auto r = s.input(client_message(dhcp_message_type::discover, mac_a, ipv4_addr(10, 0, 3, 102)).view(), t0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, ipv4_addr(10, 0, 3, 102));
  // Outside the pool: the pool's first instead.
  auto r2 = s.input(client_message(dhcp_message_type::discover, mac_b, ipv4_addr(10, 0, 3, 200)).view(), t0);
  ASSERT_TRUE(r2);
  EXPECT_EQ(r2->address, ipv4_addr(10, 0, 3, 100));
  // The server's own address is never given.
  auto r3 = s.input(client_message(dhcp_message_type::discover, mac_c, server_ip).view(), t0);
  ASSERT_TRUE(r3);
  EXPECT_EQ(r3->address, ipv4_addr(10, 0, 3, 101));
}

TEST(dhcpv4_server, an_exhausted_pool_offers_nothing_until_an_offer_lapses) {
  auto cfg = config();
  cfg.pool_last = cfg.pool_first;
  dhcpv4_server s(cfg);
  ASSERT_TRUE(s.input(client_message(dhcp_message_type::discover, mac_a).view(), t0));
  EXPECT_FALSE(s.input(client_message(dhcp_message_type::discover, mac_b).view(), t0 + 10s));
  EXPECT_EQ(s.stats().pool_exhausted, 1u);
  // The offer is held for 30 s, then free for another client.
  auto r = s.input(client_message(dhcp_message_type::discover, mac_b).view(), t0 + 31s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, cfg.pool_first);
  // mac_a asking for its old offer now gets a NAK.
  auto nak = s.input(client_message(dhcp_message_type::request, mac_a, cfg.pool_first, server_ip).view(),
                     t0 + 32s);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, dhcp_message_type::nak);
  EXPECT_EQ(nak->destination.address, ipv4_addr::broadcast());
}

TEST(dhcpv4_server, static_leases_go_only_to_their_mac) {
  auto cfg = config();
  cfg.static_leases = {{mac_b, ipv4_addr(10, 0, 3, 100)}, {mac_c, ipv4_addr(10, 0, 3, 50)}};
  dhcpv4_server s(cfg);
  auto a = s.input(client_message(dhcp_message_type::discover, mac_a, ipv4_addr(10, 0, 3, 100)).view(), t0);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->address, ipv4_addr(10, 0, 3, 101));  // .100 is mac_b's
  auto b = s.input(client_message(dhcp_message_type::discover, mac_b).view(), t0);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->address, ipv4_addr(10, 0, 3, 100));
  auto c = s.input(client_message(dhcp_message_type::discover, mac_c).view(), t0);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->address, ipv4_addr(10, 0, 3, 50));  // outside the pool, still its own
  // mac_c asking for a pool address by INIT-REBOOT is sent back to its own.
  auto nak = s.input(client_message(dhcp_message_type::request, mac_c, ipv4_addr(10, 0, 3, 102)).view(), t0);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, dhcp_message_type::nak);
}

TEST(dhcpv4_server, init_reboot_and_renewal_are_granted_for_free_pool_addresses) {
  dhcpv4_server s(config());
  // A client that remembers 10.0.3.101 from before the server forgot it.
  auto ack = s.input(client_message(dhcp_message_type::request, mac_a, ipv4_addr(10, 0, 3, 101)).view(), t0);
  ASSERT_TRUE(ack);
  EXPECT_EQ(ack->type, dhcp_message_type::ack);
  EXPECT_EQ(ack->destination.address, ipv4_addr::broadcast());
  // Another client asking for it is refused.
  auto nak = s.input(client_message(dhcp_message_type::request, mac_b, ipv4_addr(10, 0, 3, 101)).view(), t0);
  ASSERT_TRUE(nak);
  EXPECT_EQ(nak->type, dhcp_message_type::nak);
  // Wrong network.
  auto wrong = s.input(client_message(dhcp_message_type::request, mac_b, ipv4_addr(192, 168, 1, 5)).view(), t0);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->type, dhcp_message_type::nak);
  // RENEWING: unicast from ciaddr, answered to it.
  auto renew = s.input(
      client_message(dhcp_message_type::request, mac_a, {}, {}, ipv4_addr(10, 0, 3, 101)).view(), t0 + 300s);
  ASSERT_TRUE(renew);
  EXPECT_EQ(renew->type, dhcp_message_type::ack);
  EXPECT_EQ(renew->destination, (sig::ipv4_endpoint{ipv4_addr(10, 0, 3, 101), dhcp_client_port}));
  EXPECT_EQ(s.bindings()[0].until, t0 + 900s);
}

TEST(dhcpv4_server, a_declined_address_is_quarantined_then_offered_again) {
  auto cfg = config();
  cfg.pool_last = cfg.pool_first;
  dhcpv4_server s(cfg);
  ASSERT_TRUE(s.input(client_message(dhcp_message_type::discover, mac_a).view(), t0));
  ASSERT_TRUE(s.input(client_message(dhcp_message_type::request, mac_a, cfg.pool_first, server_ip).view(), t0));
  EXPECT_FALSE(s.input(client_message(dhcp_message_type::decline, mac_a, cfg.pool_first, server_ip).view(), t0));
  EXPECT_EQ(s.stats().declined, 1u);
  EXPECT_FALSE(s.input(client_message(dhcp_message_type::discover, mac_a).view(), t0 + 1s));
  EXPECT_FALSE(s.input(client_message(dhcp_message_type::discover, mac_b).view(), t0 + 9min));
  auto r = s.input(client_message(dhcp_message_type::discover, mac_b).view(), t0 + 11min);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, cfg.pool_first);
}

TEST(dhcpv4_server, released_address_goes_back_to_its_client_first) {
  dhcpv4_server s(config());
  ASSERT_TRUE(s.input(client_message(dhcp_message_type::discover, mac_a).view(), t0));
  ASSERT_TRUE(s.input(
      client_message(dhcp_message_type::request, mac_a, ipv4_addr(10, 0, 3, 100), server_ip).view(), t0));
  (void)s.take_changed();
  // A RELEASE for an address the client does not hold changes nothing.
  EXPECT_FALSE(s.input(
      client_message(dhcp_message_type::release, mac_a, {}, server_ip, ipv4_addr(10, 0, 3, 101)).view(), t0));
  EXPECT_FALSE(s.take_changed());
  EXPECT_FALSE(s.input(
      client_message(dhcp_message_type::release, mac_a, {}, server_ip, ipv4_addr(10, 0, 3, 100)).view(), t0));
  EXPECT_TRUE(s.take_changed());
  EXPECT_EQ(s.stats().rx_release, 2u);
  EXPECT_EQ(s.stats().rx_ignored, 1u);
  auto again = s.input(client_message(dhcp_message_type::discover, mac_a).view(), t0 + 1s);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->address, ipv4_addr(10, 0, 3, 100));
}

TEST(dhcpv4_server, the_pool_is_reused_from_the_address_free_longest) {
  auto cfg = config();  // three addresses
  cfg.lease_time = 60s;
  dhcpv4_server s(cfg);
  const mac_addr macs[] = {mac_a, mac_b, mac_c};
  for (int i = 0; i < 3; ++i) {
    const mono_time at = t0 + std::chrono::seconds(i);
    auto o = s.input(client_message(dhcp_message_type::discover, macs[i]).view(), at);
    ASSERT_TRUE(o);
    ASSERT_TRUE(s.input(client_message(dhcp_message_type::request, macs[i], o->address, server_ip).view(), at));
  }
  constexpr mac_addr mac_d{{0x02, 0, 0, 0, 0, 0x0d}};
  EXPECT_FALSE(s.input(client_message(dhcp_message_type::discover, mac_d).view(), t0 + 59s));
  auto r = s.input(client_message(dhcp_message_type::discover, mac_d).view(), t0 + 65s);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->address, ipv4_addr(10, 0, 3, 100));  // mac_a's, expired first
  EXPECT_EQ(s.bindings().size(), 3u);              // bounded by the pool
}

TEST(dhcpv4_server, inform_gets_options_without_a_lease) {
  dhcpv4_server s(config());
  auto r = s.input(client_message(dhcp_message_type::inform, mac_a, {}, {}, ipv4_addr(10, 0, 3, 7)).view(), t0);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, dhcp_message_type::ack);
  auto p = dhcpv4_packet::parse(r->message);
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->yiaddr().is_any());
  EXPECT_FALSE(p->find(opt::lease_time));
  EXPECT_TRUE(p->find(opt::dns_servers));
  EXPECT_EQ(r->destination.address, ipv4_addr(10, 0, 3, 7));
  EXPECT_TRUE(s.bindings().empty());
}

TEST(dhcpv4_server, bad_messages_are_dropped_and_counted) {
  dhcpv4_server s(config());
  std::array<std::byte, 100> shorty{};
  EXPECT_FALSE(s.input(bytes(shorty.data(), shorty.size()), t0));
  EXPECT_EQ(s.stats().rx_malformed, 1u);
  // A reply (op 2) sent to the server's port.
  message m;
  auto w = dhcpv4_writer::reply(mut_bytes(m.buf.data(), m.buf.size()), dhcp_message_type::offer, 1, mac_a);
  m.len = *w.finish();
  EXPECT_FALSE(s.input(m.view(), t0));
  EXPECT_EQ(s.stats().rx_ignored, 1u);
  // Option 50 of three bytes.
  message bad;
  dhcpv4_writer wb(mut_bytes(bad.buf.data(), bad.buf.size()), dhcp_message_type::discover, 1, mac_a);
  const std::byte three[3] = {};
  wb.add(opt::requested_address, bytes(three, 3));
  bad.len = *wb.finish();
  EXPECT_FALSE(s.input(bad.view(), t0));
  EXPECT_EQ(s.stats().rx_malformed, 2u);
  // Through a relay.
  message relayed;
  dhcpv4_writer wr(mut_bytes(relayed.buf.data(), relayed.buf.size()), dhcp_message_type::discover, 1, mac_a);
  wr.set_giaddr(ipv4_addr(10, 9, 9, 9));
  relayed.len = *wr.finish();
  EXPECT_FALSE(s.input(relayed.view(), t0));
  EXPECT_EQ(s.stats().rx_relayed, 1u);
  // A multicast chaddr is nobody's.
  EXPECT_FALSE(s.input(client_message(dhcp_message_type::discover, mac_addr::broadcast()).view(), t0));
  EXPECT_TRUE(s.bindings().empty());
}

TEST(dhcpv4_server, leases_survive_a_restart_through_the_database) {
  auto cfg = config();
  cfg.static_leases = {{mac_c, ipv4_addr(10, 0, 3, 50)}};
  dhcpv4_server s(cfg);
  for (const mac_addr& m : {mac_a, mac_b}) {
    auto o = s.input(client_message(dhcp_message_type::discover, m).view(), t0);
    ASSERT_TRUE(s.input(client_message(dhcp_message_type::request, m, o->address, server_ip).view(), t0));
  }
  const std::string db = s.save(t0 + 100s, w0);
  EXPECT_EQ(db, "02:00:00:00:00:0a 10.0.3.100 1800000501\n"
                "02:00:00:00:00:0b 10.0.3.101 1800000501\n");
  // The server comes back 200 s later on the wall clock, with a fresh
  // monotonic clock, and a line of junk in the store.
  dhcpv4_server again(cfg);
  const mono_time t1 = mono_from_ns(5'000'000'000);
  EXPECT_EQ(again.load(db + "junk\n02:00:00:00:00:0c 10.0.3.101 1800000600\n", t1, w0 + 200s), 2u);
  EXPECT_EQ(again.stats().db_bad_lines, 2u);  // junk, and a second holder of .101
  ASSERT_EQ(again.bindings().size(), 2u);
  EXPECT_EQ(again.bindings()[0].until, t1 + 301s);
  // mac_b still has its address; a new client gets the next fresh one.
  auto b = again.input(client_message(dhcp_message_type::discover, mac_b).view(), t1);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->address, ipv4_addr(10, 0, 3, 101));
  constexpr mac_addr mac_d{{0x02, 0, 0, 0, 0, 0x0d}};
  auto d = again.input(client_message(dhcp_message_type::discover, mac_d).view(), t1);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->address, ipv4_addr(10, 0, 3, 102));
  // An expiry further than nanoseconds reach is held as 68 years, not
  // overflowed (a fuzz finding).
  dhcpv4_server far(cfg);
  EXPECT_EQ(far.load("02:00:00:00:00:0a 10.0.3.100 99999999999999\n", t1, w0), 1u);
  EXPECT_EQ(far.bindings()[0].until, t1 + std::chrono::seconds(1LL << 31));
  // Leases that ran out while the server was down are not restored.
  dhcpv4_server late(cfg);
  EXPECT_EQ(late.load(db, t1, w0 + 1000s), 0u);
  EXPECT_EQ(late.stats().db_bad_lines, 0u);
}

// ---- fata's client against fata's server ----

struct wire_between : dhcpv4_client_sink {
  dhcpv4_server* server;
  dhcpv4_client* client = nullptr;
  mono_time now{};
  std::optional<dhcpv4_lease> bound;
  int lost = 0;
  bool server_up = true;
  std::vector<std::vector<std::byte>> to_client;

  explicit wire_between(dhcpv4_server& s) : server(&s) {}
  void send_dhcp(ipv4_addr, bytes message) override {
    if (!server_up) return;
    if (auto r = server->input(message, now))
      to_client.emplace_back(r->message.data(), r->message.data() + r->message.size());
  }
  void send_probe(ipv4_addr) override {}
  void lease_bound(const dhcpv4_lease& l) override { bound = l; }
  void lease_lost() override {
    bound.reset();
    ++lost;
  }
  // Delivers the server's replies and runs the client's timers up to `until`.
  void run_until(mono_time until) {
    for (;;) {
      while (!to_client.empty()) {
        auto m = std::move(to_client.front());
        to_client.erase(to_client.begin());
        client->input(bytes(m.data(), m.size()), now, *this);
      }
      const mono_time next = client->poll_at();
      if (next > until) break;
      now = std::max(now, next);
      client->poll(now, *this);
    }
    now = until;
  }
};

TEST(dhcpv4_server, fatas_client_leases_renews_and_rebinds_after_a_server_restart) {
  auto cfg = config();  // 600 s leases: T1 300 s, T2 525 s
  dhcpv4_server server(cfg);
  wire_between net(server);
  dhcpv4_client_config cc;
  cc.mac = mac_a;
  cc.seed = 7;
  cc.probes = 0;
  dhcpv4_client client(cc);
  net.client = &client;
  net.now = t0;
  client.start(t0, net);
  net.run_until(t0 + 1s);
  ASSERT_TRUE(net.bound);
  EXPECT_EQ(net.bound->address, (ipv4_prefix{ipv4_addr(10, 0, 3, 100), 24}));
  EXPECT_EQ(net.bound->gateway, server_ip);
  EXPECT_EQ(net.bound->dns_count, 2u);
  EXPECT_EQ(net.bound->domain, "fata.test");
  EXPECT_EQ(net.bound->mtu, 1400);
  // Renewed at T1.
  net.run_until(t0 + 400s);
  EXPECT_EQ(client.stats().renewals, 1u);
  EXPECT_EQ(server.stats().tx_ack, 2u);
  // The server goes down before the next T1 (about 600 s) and comes back
  // from its database after T2 (about 825 s): the client's renewals go
  // unanswered, then it rebinds (broadcast, no server id) onto the same
  // address before the lease (about 900 s) runs out.
  const mono_time saved_at = net.now;
  const std::string db = server.save(saved_at, w0);
  net.server_up = false;
  net.run_until(t0 + 830s);
  EXPECT_EQ(client.current(), dhcpv4_client::state::rebinding);
  dhcpv4_server restarted(cfg);
  ASSERT_EQ(restarted.load(db, net.now, w0 + (net.now - saved_at)), 1u);
  net.server = &restarted;
  net.server_up = true;
  net.run_until(t0 + 1000s);
  EXPECT_EQ(net.lost, 0);
  ASSERT_TRUE(net.bound);
  EXPECT_EQ(net.bound->address.address, ipv4_addr(10, 0, 3, 100));
  EXPECT_EQ(client.stats().renewals, 2u);
  EXPECT_EQ(restarted.stats().tx_ack, 1u);
  EXPECT_EQ(client.stats().tx_discover, 1u);  // never started over
}

}  // namespace
