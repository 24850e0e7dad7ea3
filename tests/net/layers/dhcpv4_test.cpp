// DHCPv4: the wire format (RFC 2131/2132, RFC 3396, RFC 3442) and the
// client's state machine, driven with explicit times and a scripted server.
#include <fata/net/dhcpv4_client.hpp>
#include <fata/net/wire/dhcpv4.hpp>

#include <gtest/gtest.h>

#include <array>
#include <initializer_list>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;
namespace opt = fata::net::wire::dhcp_option;

constexpr mac_addr client_mac{{0x02, 0, 0, 0, 0, 0x10}};
constexpr mac_addr other_mac{{0x02, 0, 0, 0, 0, 0x20}};
constexpr ipv4_addr server_ip(10, 0, 3, 1);
constexpr ipv4_addr other_server(10, 0, 3, 9);
constexpr ipv4_addr offered(10, 0, 3, 100);

std::vector<std::byte> bytes_of(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(std::byte(b));
  return out;
}

bytes view(const std::vector<std::byte>& v) { return bytes(v.data(), v.size()); }

// A bare BOOTP message with the cookie and `options` after it.
std::vector<std::byte> raw_message(std::initializer_list<int> options, std::uint8_t op = 2) {
  std::vector<std::byte> m(dhcpv4_packet::min_len);
  mut_bytes w(m.data(), m.size());
  w.set_u8(0, op);
  w.set_u8(1, 1);
  w.set_u8(2, 6);
  w.set_be32(dhcpv4_packet::field::cookie, dhcpv4_packet::magic_cookie);
  for (int b : options) m.push_back(std::byte(b));
  return m;
}

// ---- wire format ----

TEST(dhcpv4_wire, a_written_discover_parses_back_with_its_fields_and_options) {
  std::array<std::byte, 576> buf{};
  dhcpv4_writer w(mut_bytes(buf.data(), buf.size()), dhcp_message_type::discover, 0x12345678,
                  client_mac);
  w.set_flags(dhcpv4_packet::broadcast_flag);
  w.set_secs(7);
  w.add_address(opt::requested_address, offered);
  auto len = w.finish();
  ASSERT_TRUE(len);
  EXPECT_EQ(*len, 300u);  // padded to what BOOTP relays expect
  auto p = dhcpv4_packet::parse(bytes(buf.data(), *len));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->op(), dhcpv4_packet::op_request);
  EXPECT_EQ(p->xid(), 0x12345678u);
  EXPECT_EQ(p->secs(), 7);
  EXPECT_EQ(p->flags(), dhcpv4_packet::broadcast_flag);
  EXPECT_EQ(p->chaddr(), client_mac);
  EXPECT_EQ(p->message_type(), dhcp_message_type::discover);
  auto r = p->find(opt::requested_address);
  ASSERT_TRUE(r);
  EXPECT_EQ(ipv4_addr(r->be32(0)), offered);
  EXPECT_FALSE(p->find(opt::router));
}

TEST(dhcpv4_wire, an_option_that_does_not_fit_makes_finish_fail) {
  std::array<std::byte, 300> buf{};
  dhcpv4_writer w(mut_bytes(buf.data(), buf.size()), dhcp_message_type::discover, 1, client_mac);
  std::array<std::byte, 100> big{};
  w.add(opt::host_name, bytes(big.data(), big.size()));
  EXPECT_FALSE(w.finish());
}

TEST(dhcpv4_wire, short_messages_wrong_cookies_and_other_hardware_are_refused) {
  auto m = raw_message({opt::end});
  EXPECT_EQ(dhcpv4_packet::parse(view(m).first(239)).error(), parse_error::truncated);
  auto bad_cookie = m;
  bad_cookie[dhcpv4_packet::field::cookie] = std::byte{0};
  EXPECT_EQ(dhcpv4_packet::parse(view(bad_cookie)).error(), parse_error::malformed);
  auto token_ring = m;
  token_ring[1] = std::byte{6};
  EXPECT_EQ(dhcpv4_packet::parse(view(token_ring)).error(), parse_error::unsupported);
  auto bad_op = m;
  bad_op[0] = std::byte{3};
  EXPECT_EQ(dhcpv4_packet::parse(view(bad_op)).error(), parse_error::malformed);
}

TEST(dhcpv4_wire, an_option_running_past_the_message_is_truncated) {
  EXPECT_EQ(dhcpv4_packet::parse(view(raw_message({opt::message_type, 1, 5, opt::router, 8, 10, 0})))
                .error(),
            parse_error::truncated);
  // A code with no length byte at the very end.
  EXPECT_EQ(dhcpv4_packet::parse(view(raw_message({opt::message_type, 1, 5, opt::router}))).error(),
            parse_error::truncated);
  // Without END the options run to the end of the message (tolerated).
  const auto no_end = raw_message({opt::pad, opt::message_type, 1, 5});  // outlives the view
  auto p = dhcpv4_packet::parse(view(no_end));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->message_type(), dhcp_message_type::ack);
}

TEST(dhcpv4_wire, overload_carries_options_in_file_and_sname_in_that_order) {
  auto m = raw_message({opt::overload, 1, 3, opt::message_type, 1, 2, opt::end});
  // file: a router; sname: the lease time.
  const std::size_t f = dhcpv4_packet::field::file;
  const std::size_t s = dhcpv4_packet::field::sname;
  const int file_opts[] = {opt::router, 4, 10, 0, 3, 1, opt::end};
  const int sname_opts[] = {opt::lease_time, 4, 0, 0, 0, 120, opt::end};
  for (std::size_t i = 0; i < std::size(file_opts); ++i) m[f + i] = std::byte(file_opts[i]);
  for (std::size_t i = 0; i < std::size(sname_opts); ++i) m[s + i] = std::byte(sname_opts[i]);
  auto p = dhcpv4_packet::parse(view(m));
  ASSERT_TRUE(p);
  std::vector<std::uint8_t> codes;
  p->for_each([&](const dhcpv4_packet::option& o) {
    codes.push_back(o.code);
    return true;
  });
  EXPECT_EQ(codes, (std::vector<std::uint8_t>{opt::overload, opt::message_type, opt::router,
                                              opt::lease_time}));
  EXPECT_EQ(p->find(opt::lease_time)->be32(0), 120u);

  // An overload inside an overloaded area could point at itself: refused.
  auto nested = m;
  nested[f] = std::byte{opt::overload};
  nested[f + 1] = std::byte{1};
  nested[f + 2] = std::byte{1};
  EXPECT_EQ(dhcpv4_packet::parse(view(nested)).error(), parse_error::malformed);
  EXPECT_EQ(dhcpv4_packet::parse(view(raw_message({opt::overload, 1, 4}))).error(),
            parse_error::malformed);
  EXPECT_EQ(dhcpv4_packet::parse(view(raw_message({opt::overload, 1, 1, opt::overload, 1, 1}))).error(),
            parse_error::malformed);
  // Not overloaded: what lies in `file` is not options.
  auto plain = raw_message({opt::message_type, 1, 2, opt::end});
  plain[f] = std::byte{opt::router};
  plain[f + 1] = std::byte{200};
  ASSERT_TRUE(dhcpv4_packet::parse(view(plain)));
}

TEST(dhcpv4_wire, instances_of_one_option_are_concatenated_rfc3396) {
  auto m = raw_message({opt::dns_servers, 4, 10, 0, 0, 1, opt::message_type, 1, 5, opt::dns_servers,
                        4, 10, 0, 0, 2, opt::end});
  auto p = dhcpv4_packet::parse(view(m));
  ASSERT_TRUE(p);
  std::array<std::byte, 16> scratch{};
  auto v = p->find_long(opt::dns_servers, mut_bytes(scratch.data(), scratch.size()));
  ASSERT_TRUE(v);
  ASSERT_EQ(v->size(), 8u);
  EXPECT_EQ(ipv4_addr(v->be32(4)), ipv4_addr(10, 0, 0, 2));
  std::array<std::byte, 4> small{};
  EXPECT_FALSE(p->find_long(opt::dns_servers, mut_bytes(small.data(), small.size())));
  // One instance: the view itself, no copy needed.
  auto single = p->find_long(opt::message_type, mut_bytes(small.data(), 0));
  ASSERT_TRUE(single);
  EXPECT_EQ(single->u8(0), 5);
}

TEST(dhcpv4_wire, classless_routes_decode_as_rfc3442_encodes_them) {
  std::array<ipv4_route, 8> out{};
  // 0.0.0.0/0 via 10.0.3.1; 10.0.0.0/8 via 10.0.3.2; 10.17.0.0/16 on link;
  // 192.168.1.128/25 via 10.0.3.3 (host bits past the width dropped).
  const auto v = bytes_of({0, 10, 0, 3, 1, 8, 10, 10, 0, 3, 2, 16, 10, 17, 0, 0, 0, 0, 25, 192,
                           168, 1, 255, 10, 0, 3, 3});
  auto n = parse_classless_routes(view(v), out);
  ASSERT_TRUE(n);
  ASSERT_EQ(*n, 4u);
  EXPECT_EQ(out[0], (ipv4_route{ipv4_prefix{ipv4_addr::any(), 0}, ipv4_addr(10, 0, 3, 1)}));
  EXPECT_EQ(out[1], (ipv4_route{ipv4_prefix{ipv4_addr(10, 0, 0, 0), 8}, ipv4_addr(10, 0, 3, 2)}));
  EXPECT_EQ(out[2], (ipv4_route{ipv4_prefix{ipv4_addr(10, 17, 0, 0), 16}, ipv4_addr::any()}));
  EXPECT_EQ(out[3],
            (ipv4_route{ipv4_prefix{ipv4_addr(192, 168, 1, 128), 25}, ipv4_addr(10, 0, 3, 3)}));
  EXPECT_FALSE(parse_classless_routes(view(bytes_of({33, 1, 2, 3, 4, 5, 1, 2, 3, 4})), out));
  EXPECT_FALSE(parse_classless_routes(view(bytes_of({24, 10, 0, 3, 10, 0, 3})), out));
  std::array<ipv4_route, 1> one{};
  EXPECT_FALSE(parse_classless_routes(view(v), one));
}

// ---- the client ----

struct recorder : dhcpv4_client_sink {
  struct sent {
    ipv4_addr to;
    std::vector<std::byte> message;
  };
  std::vector<sent> messages;
  std::vector<ipv4_addr> probes;
  std::vector<dhcpv4_lease> bound;
  unsigned lost = 0;
  void send_dhcp(ipv4_addr to, bytes m) override {
    messages.push_back({to, std::vector<std::byte>(m.begin(), m.end())});
  }
  void send_probe(ipv4_addr a) override { probes.push_back(a); }
  void lease_bound(const dhcpv4_lease& l) override { bound.push_back(l); }
  void lease_lost() override { ++lost; }

  dhcpv4_packet last() const {
    auto p = dhcpv4_packet::parse(view(messages.back().message));
    EXPECT_TRUE(p);
    return *p;
  }
};

// What a server says, written with the library's own writer.
struct server_reply {
  dhcp_message_type type = dhcp_message_type::offer;
  ipv4_addr yiaddr = offered;
  std::optional<ipv4_addr> server = server_ip;
  std::optional<std::uint32_t> lease = 120;
  std::optional<std::uint32_t> t1 = {};
  std::optional<std::uint32_t> t2 = {};
  std::optional<std::uint32_t> mask = 0xffffff00u;
  std::optional<ipv4_addr> router = ipv4_addr(10, 0, 3, 1);
  std::vector<std::byte> routes = {};  // option 121 when not empty
  std::vector<std::pair<std::uint8_t, std::vector<std::byte>>> extra = {};
  mac_addr chaddr = client_mac;

  std::vector<std::byte> write(std::uint32_t xid) const {
    std::vector<std::byte> buf(576);
    auto w = dhcpv4_writer::reply(mut_bytes(buf.data(), buf.size()), type, xid, chaddr);
    w.set_yiaddr(yiaddr);
    if (server) w.add_address(opt::server_id, *server);
    if (lease) w.add_u32(opt::lease_time, *lease);
    if (t1) w.add_u32(opt::renewal_time, *t1);
    if (t2) w.add_u32(opt::rebinding_time, *t2);
    if (mask) w.add_u32(opt::subnet_mask, *mask);
    if (router) w.add_address(opt::router, *router);
    if (!routes.empty()) w.add(opt::classless_routes, view(routes));
    for (const auto& [code, value] : extra) w.add(code, view(value));
    auto len = w.finish();
    EXPECT_TRUE(len);
    buf.resize(*len);
    return buf;
  }
};

struct client_fixture : ::testing::Test {
  mono_time t0 = mono_from_ns(1'000'000'000);
  dhcpv4_client_config cfg = [] {
    dhcpv4_client_config c;
    c.mac = client_mac;
    c.seed = 42;
    c.host_name = "fata";
    return c;
  }();
  std::optional<dhcpv4_client> client;
  recorder out;

  void SetUp() override { client.emplace(cfg); }
  std::uint32_t xid() const { return out.last().xid(); }
  void reply(const server_reply& r, mono_time now) {
    const auto m = r.write(xid());
    client->input(view(m), now, out);
  }
  void poll_until(mono_time until) {
    while (client->poll_at() <= until) client->poll(client->poll_at(), out);
  }
  // DISCOVER, OFFER, REQUEST, ACK at t0 and the probes: bound at the end.
  mono_time acquire(server_reply ack = {.type = dhcp_message_type::ack}) {
    client->start(t0, out);
    reply({}, t0);
    ack.type = dhcp_message_type::ack;
    reply(ack, t0);
    const mono_time until = t0 + 10s;
    while (client->current() == dhcpv4_client::state::probing && client->poll_at() <= until)
      client->poll(client->poll_at(), out);
    EXPECT_EQ(client->current(), dhcpv4_client::state::bound);
    return client->stats().leases ? t0 + 10s : t0;
  }
};

TEST_F(client_fixture, discovers_requests_the_offer_probes_it_and_binds) {
  client->start(t0, out);
  ASSERT_EQ(out.messages.size(), 1u);
  EXPECT_EQ(out.messages[0].to, ipv4_addr::broadcast());
  auto d = out.last();
  EXPECT_EQ(d.message_type(), dhcp_message_type::discover);
  EXPECT_EQ(d.flags(), dhcpv4_packet::broadcast_flag);
  EXPECT_EQ(d.chaddr(), client_mac);
  EXPECT_EQ(d.find(opt::host_name)->chars(), "fata");
  auto id = d.find(opt::client_id);
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 7u);
  EXPECT_EQ(id->u8(0), 1);
  ASSERT_TRUE(d.find(opt::parameter_list));

  reply({}, t0 + 1s);
  ASSERT_EQ(out.messages.size(), 2u);
  auto r = out.last();
  EXPECT_EQ(r.message_type(), dhcp_message_type::request);
  EXPECT_EQ(r.xid(), d.xid());
  EXPECT_EQ(ipv4_addr(r.find(opt::requested_address)->be32(0)), offered);
  EXPECT_EQ(ipv4_addr(r.find(opt::server_id)->be32(0)), server_ip);
  EXPECT_TRUE(r.ciaddr().is_any());
  EXPECT_EQ(client->current(), dhcpv4_client::state::requesting);

  server_reply ack{.type = dhcp_message_type::ack};
  ack.extra.push_back({opt::dns_servers, {std::byte{10}, std::byte{0}, std::byte{3}, std::byte{1}}});
  ack.extra.push_back({opt::domain_name, {std::byte{'l'}, std::byte{'a'}, std::byte{'n'}, std::byte{0}}});
  ack.extra.push_back({opt::interface_mtu, {std::byte{0x05}, std::byte{0xdc}}});
  reply(ack, t0 + 1s);
  EXPECT_EQ(client->current(), dhcpv4_client::state::probing);
  EXPECT_TRUE(out.bound.empty());
  // RFC 5227: a wait of at most 1 s, three probes 1-2 s apart, then 2 s.
  const mono_time first = client->poll_at();
  EXPECT_LE(first, t0 + 2s);
  mono_time previous = first;
  for (int i = 0; i < 3; ++i) {
    const mono_time at = client->poll_at();
    if (i > 0) {
      EXPECT_GE(at - previous, duration(1s));
      EXPECT_LE(at - previous, duration(2s));
    }
    previous = at;
    client->poll(at, out);
    ASSERT_EQ(out.probes.size(), std::size_t(i + 1));
    EXPECT_EQ(out.probes.back(), offered);
  }
  EXPECT_TRUE(out.bound.empty());
  EXPECT_EQ(client->poll_at() - previous, duration(2s));
  client->poll(client->poll_at(), out);
  ASSERT_EQ(out.bound.size(), 1u);
  EXPECT_EQ(client->current(), dhcpv4_client::state::bound);
  const dhcpv4_lease& l = out.bound[0];
  EXPECT_EQ(l.address, (ipv4_prefix{offered, 24}));
  EXPECT_EQ(l.server, server_ip);
  EXPECT_EQ(l.gateway, ipv4_addr(10, 0, 3, 1));
  ASSERT_EQ(l.dns_count, 1u);
  EXPECT_EQ(l.dns[0], ipv4_addr(10, 0, 3, 1));
  EXPECT_EQ(l.domain, "lan");  // the trailing NUL some servers send is dropped
  EXPECT_EQ(l.mtu, 1500);
  // Times from the first REQUEST (t0 + 1 s); T1 and T2 by default 1/2, 7/8.
  EXPECT_EQ(l.start, t0 + 1s);
  EXPECT_EQ(l.renew_at(), t0 + 61s);
  EXPECT_EQ(l.rebind_at(), t0 + 1s + 105s);
  EXPECT_EQ(l.expires_at(), t0 + 121s);
  EXPECT_EQ(client->poll_at(), t0 + 61s);
}

TEST_F(client_fixture, retransmits_discover_after_4_s_doubling_to_64_s_each_within_a_second) {
  client->start(t0, out);
  duration expected = 4s;
  mono_time last = t0;
  for (int i = 0; i < 8; ++i) {
    const mono_time at = client->poll_at();
    EXPECT_GE(at - last, expected - 1s) << i;
    EXPECT_LE(at - last, expected + 1s) << i;
    client->poll(at, out);
    EXPECT_EQ(out.messages.size(), std::size_t(i + 2));
    EXPECT_EQ(out.last().message_type(), dhcp_message_type::discover);
    // secs counts from the start of the acquisition.
    EXPECT_EQ(out.last().secs(),
              std::chrono::duration_cast<std::chrono::seconds>(at - t0).count());
    last = at;
    expected = std::min(expected * 2, duration(64s));
  }
}

TEST_F(client_fixture, an_unanswered_request_gives_up_and_discovers_again) {
  client->start(t0, out);
  reply({}, t0);
  const std::uint32_t first_xid = xid();
  for (unsigned i = 1; i < cfg.request_attempts; ++i) {
    client->poll(client->poll_at(), out);
    EXPECT_EQ(out.last().message_type(), dhcp_message_type::request);
  }
  client->poll(client->poll_at(), out);
  EXPECT_EQ(out.last().message_type(), dhcp_message_type::discover);
  EXPECT_NE(xid(), first_xid);
  EXPECT_EQ(client->current(), dhcpv4_client::state::selecting);
}

TEST_F(client_fixture, an_address_claimed_during_the_probes_is_declined_and_tried_again_after_10_s) {
  client->start(t0, out);
  reply({}, t0);
  reply({.type = dhcp_message_type::ack}, t0);
  client->poll(client->poll_at(), out);  // first probe
  ASSERT_EQ(out.probes.size(), 1u);
  const mono_time conflict_at = t0 + 1500ms;
  client->address_conflict(ipv4_addr(10, 0, 3, 7), conflict_at, out);  // not ours: ignored
  EXPECT_EQ(client->current(), dhcpv4_client::state::probing);
  client->address_conflict(offered, conflict_at, out);
  auto d = out.last();
  EXPECT_EQ(d.message_type(), dhcp_message_type::decline);
  EXPECT_EQ(out.messages.back().to, ipv4_addr::broadcast());
  EXPECT_EQ(ipv4_addr(d.find(opt::requested_address)->be32(0)), offered);
  EXPECT_EQ(ipv4_addr(d.find(opt::server_id)->be32(0)), server_ip);
  EXPECT_TRUE(out.bound.empty());
  EXPECT_EQ(client->stats().conflicts, 1u);
  EXPECT_EQ(client->current(), dhcpv4_client::state::init);
  EXPECT_EQ(client->poll_at(), conflict_at + 10s);
  client->poll(conflict_at + 10s, out);
  EXPECT_EQ(out.last().message_type(), dhcp_message_type::discover);
}

TEST_F(client_fixture, renews_by_unicast_at_t1_rebinds_by_broadcast_at_t2_and_expires) {
  cfg.probes = 0;
  client.emplace(cfg);
  acquire();
  const dhcpv4_lease l = out.bound.back();
  const std::size_t before = out.messages.size();
  client->poll(l.renew_at(), out);
  EXPECT_EQ(client->current(), dhcpv4_client::state::renewing);
  ASSERT_EQ(out.messages.size(), before + 1);
  EXPECT_EQ(out.messages.back().to, server_ip);
  auto r = out.last();
  EXPECT_EQ(r.message_type(), dhcp_message_type::request);
  EXPECT_EQ(r.ciaddr(), offered);
  EXPECT_FALSE(r.find(opt::requested_address));
  EXPECT_FALSE(r.find(opt::server_id));
  // Retries at half the time left to T2 (T2 - T1 = 45 s), down to a
  // floor of 12 s (a tenth of this 120 s lease), never past T2: 22.5 s,
  // then 12 s, then T2.
  EXPECT_EQ(client->poll_at(), l.renew_at() + 22500ms);
  client->poll(client->poll_at(), out);
  EXPECT_EQ(client->poll_at(), l.renew_at() + 34500ms);
  client->poll(client->poll_at(), out);
  EXPECT_EQ(client->poll_at(), l.rebind_at());
  EXPECT_EQ(out.messages.size(), before + 3);
  EXPECT_EQ(out.messages.back().to, server_ip);
  client->poll(l.rebind_at(), out);
  EXPECT_EQ(client->current(), dhcpv4_client::state::rebinding);
  EXPECT_EQ(out.messages.back().to, ipv4_addr::broadcast());
  EXPECT_EQ(out.last().ciaddr(), offered);
  // 15 s to expiry: one more broadcast after the 12 s floor.
  EXPECT_EQ(client->poll_at(), l.rebind_at() + 12s);
  client->poll(client->poll_at(), out);
  EXPECT_EQ(out.messages.back().to, ipv4_addr::broadcast());
  EXPECT_EQ(client->poll_at(), l.expires_at());
  EXPECT_EQ(out.lost, 0u);
  client->poll(l.expires_at(), out);
  EXPECT_EQ(out.lost, 1u);
  EXPECT_EQ(client->stats().expiries, 1u);
  EXPECT_EQ(client->current(), dhcpv4_client::state::selecting);
  EXPECT_EQ(out.last().message_type(), dhcp_message_type::discover);
  EXPECT_FALSE(client->lease());
}

TEST_F(client_fixture, an_ack_while_renewing_extends_the_lease_from_the_request) {
  cfg.probes = 0;
  client.emplace(cfg);
  acquire();
  const dhcpv4_lease l = out.bound.back();
  const mono_time renew = l.renew_at();
  client->poll(renew, out);
  reply({.type = dhcp_message_type::ack, .lease = 600}, renew + 2s);
  EXPECT_EQ(client->current(), dhcpv4_client::state::bound);
  ASSERT_EQ(out.bound.size(), 2u);
  EXPECT_EQ(out.lost, 0u);
  EXPECT_EQ(out.bound.back().start, renew);
  EXPECT_EQ(out.bound.back().expires_at(), renew + 600s);
  EXPECT_EQ(client->poll_at(), renew + 300s);
  EXPECT_EQ(client->stats().renewals, 1u);
  EXPECT_EQ(client->stats().leases, 1u);  // the same address, longer
}

TEST_F(client_fixture, an_ack_for_another_address_on_renewal_loses_the_old_one_first) {
  cfg.probes = 0;
  client.emplace(cfg);
  acquire();
  client->poll(out.bound.back().renew_at(), out);
  reply({.type = dhcp_message_type::ack, .yiaddr = ipv4_addr(10, 0, 3, 101)}, t0 + 70s);
  EXPECT_EQ(out.lost, 1u);
  ASSERT_EQ(out.bound.size(), 2u);
  EXPECT_EQ(out.bound.back().address.address, ipv4_addr(10, 0, 3, 101));
}

TEST_F(client_fixture, a_nak_restarts_after_a_back_off_that_doubles_while_naks_repeat) {
  client->start(t0, out);
  mono_time now = t0;
  duration expected = 1s;
  for (int i = 0; i < 4; ++i) {
    reply({}, now);
    reply({.type = dhcp_message_type::nak, .lease = std::nullopt}, now);
    EXPECT_EQ(client->current(), dhcpv4_client::state::init);
    EXPECT_EQ(client->poll_at(), now + expected);
    now = client->poll_at();
    client->poll(now, out);
    EXPECT_EQ(out.last().message_type(), dhcp_message_type::discover);
    expected *= 2;
  }
  EXPECT_EQ(client->stats().rx_nak, 4u);
}

TEST_F(client_fixture, a_nak_while_renewing_loses_the_lease) {
  cfg.probes = 0;
  client.emplace(cfg);
  acquire();
  client->poll(out.bound.back().renew_at(), out);
  reply({.type = dhcp_message_type::nak, .lease = std::nullopt}, t0 + 70s);
  EXPECT_EQ(out.lost, 1u);
  EXPECT_FALSE(client->lease());
  EXPECT_EQ(client->current(), dhcpv4_client::state::init);
}

TEST_F(client_fixture, replies_for_another_transaction_client_or_server_are_ignored) {
  client->start(t0, out);
  const std::uint32_t x = xid();
  auto send = [&](const server_reply& r, std::uint32_t id) {
    const auto m = r.write(id);
    client->input(view(m), t0, out);
  };
  send({}, x + 1);
  send({.chaddr = other_mac}, x);
  send({.type = dhcp_message_type::ack}, x);  // no ACK before an offer
  send({.yiaddr = ipv4_addr::broadcast()}, x);
  send({.yiaddr = ipv4_addr(127, 0, 0, 1)}, x);
  send({.server = std::nullopt}, x);
  send({.lease = std::nullopt}, x);
  EXPECT_EQ(client->current(), dhcpv4_client::state::selecting);
  EXPECT_EQ(client->stats().rx_ignored, 7u);
  EXPECT_EQ(out.messages.size(), 1u);
  send({}, x);
  ASSERT_EQ(client->current(), dhcpv4_client::state::requesting);
  // Another server's ACK or NAK is not an answer to our REQUEST.
  send({.type = dhcp_message_type::ack, .server = other_server}, x);
  send({.type = dhcp_message_type::nak, .server = other_server, .lease = std::nullopt}, x);
  send({.type = dhcp_message_type::ack, .yiaddr = ipv4_addr(10, 0, 3, 55)}, x);
  EXPECT_EQ(client->current(), dhcpv4_client::state::requesting);
  EXPECT_EQ(client->stats().rx_ignored, 10u);
}

TEST_F(client_fixture, known_options_of_a_wrong_size_drop_the_message) {
  client->start(t0, out);
  server_reply bad;
  bad.extra.push_back({opt::lease_time, {std::byte{1}, std::byte{2}}});
  reply(bad, t0);
  server_reply holes;
  holes.mask = 0xff00ff00u;  // not contiguous
  reply(holes, t0);
  const std::vector<std::byte> garbage(100, std::byte{0xff});
  client->input(view(garbage), t0, out);
  EXPECT_EQ(client->stats().rx_malformed, 3u);
  EXPECT_EQ(client->current(), dhcpv4_client::state::selecting);
}

TEST_F(client_fixture, classless_routes_replace_the_router_and_a_malformed_set_is_ignored) {
  cfg.probes = 0;
  client.emplace(cfg);
  server_reply ack{.type = dhcp_message_type::ack};
  // RFC 3442 §7 / GCE: a /32 address, its router on-link by a host route,
  // the default route through it.
  ack.mask = 0xffffffffu;
  ack.router = ipv4_addr(10, 0, 3, 250);  // ignored beside option 121
  ack.routes = bytes_of({32, 10, 0, 3, 1, 0, 0, 0, 0, 0, 10, 0, 3, 1});
  acquire(ack);
  const dhcpv4_lease& l = out.bound.back();
  EXPECT_EQ(l.address, (ipv4_prefix{offered, 32}));
  ASSERT_EQ(l.route_count, 2u);
  EXPECT_EQ(l.routes[0], (ipv4_route{ipv4_prefix{ipv4_addr(10, 0, 3, 1), 32}, ipv4_addr::any()}));
  EXPECT_EQ(l.gateway, ipv4_addr(10, 0, 3, 1));

  client.emplace(cfg);
  out = recorder{};
  server_reply broken{.type = dhcp_message_type::ack};
  broken.routes = bytes_of({40, 1, 2, 3, 4, 5});
  acquire(broken);
  EXPECT_EQ(client->stats().bad_routes, 1u);
  EXPECT_EQ(out.bound.back().route_count, 0u);
  EXPECT_EQ(out.bound.back().gateway, ipv4_addr(10, 0, 3, 1));  // the router option then
}

TEST_F(client_fixture, lease_times_are_made_consistent_and_short_leases_lengthened) {
  cfg.probes = 0;
  client.emplace(cfg);
  acquire({.lease = 2, .t1 = 50, .t2 = 40});
  const dhcpv4_lease& l = out.bound.back();
  EXPECT_EQ(l.lease_time, cfg.min_lease);
  EXPECT_LE(l.renew_after, l.rebind_after);
  EXPECT_LE(l.rebind_after, l.lease_time);
  EXPECT_GT(l.renew_after, duration::zero());

  client.emplace(cfg);
  out = recorder{};
  acquire({.lease = 0xffffffffu});
  EXPECT_EQ(out.bound.back().lease_time, duration::max());
  EXPECT_EQ(client->poll_at(), mono_never);

  // Infinite, but with a T2 (found by the fuzzer): T1 may not pass it.
  client.emplace(cfg);
  out = recorder{};
  acquire({.lease = 0xffffffffu, .t2 = 105});
  EXPECT_EQ(out.bound.back().rebind_after, duration(105s));
  EXPECT_LE(out.bound.back().renew_after, out.bound.back().rebind_after);
}

TEST_F(client_fixture, release_sends_a_unicast_release_and_stops) {
  cfg.probes = 0;
  client.emplace(cfg);
  acquire();
  client->release(t0 + 20s, out);
  EXPECT_EQ(out.messages.back().to, server_ip);
  auto r = out.last();
  EXPECT_EQ(r.message_type(), dhcp_message_type::release);
  EXPECT_EQ(r.ciaddr(), offered);
  EXPECT_EQ(ipv4_addr(r.find(opt::server_id)->be32(0)), server_ip);
  EXPECT_EQ(out.lost, 1u);
  EXPECT_EQ(client->current(), dhcpv4_client::state::stopped);
  EXPECT_EQ(client->poll_at(), mono_never);
}

}  // namespace
