// The direct stack over the simulated switch, on a virtual clock: ARP
// resolution, UDP and ICMP end to end, fault injection, replay by seed,
// and bounded memory under faults. (TCP properties live with TCP.)
#include <fata/net/direct.hpp>
#include <fata/net/sim/network.hpp>
#include <fata/net/wire/ethernet.hpp>
#include <fata/net/wire/icmpv4.hpp>
#include <fata/net/wire/ipv4.hpp>

#include <fata/core/join.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using sim::network;
using stack = direct_stack<sim::port>;

host_config config_for(std::string_view address) {
  host_config c;
  c.ip.address = *ipv4_prefix::parse(address);
  return c;
}

struct sim_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
};

struct udp_run {
  int sent = 0;
  int echoed = 0;
  int timeouts = 0;
  static udp_run refused() { return {}; }
};

task<void> echo_server(stack::udp_socket* s, int count) {
  std::byte buf[2048];
  for (int i = 0; i < count; ++i) {
    auto d = co_await s->receive_from(mut_bytes(buf, sizeof buf));
    if (!d) co_return;
    (void)co_await s->send_to(d->source, bytes(buf, d->size));
  }
}

task<udp_run> udp_ping_pong(network* net, int count) {
  auto a = stack::open(net->add_port(), config_for("10.0.0.1/24"));
  auto b = stack::open(net->add_port(), config_for("10.0.0.2/24"));
  if (!a || !b) co_return udp_run{};
  auto server = b->udp_bind(port(7));
  auto client = a->udp_bind(port(0));
  if (!server || !client) co_return udp_run{};
  task_group g;
  g.spawn(echo_server(&*server, 1000000));
  udp_run run;
  std::byte buf[2048];
  for (int i = 0; i < count; ++i) {
    const std::string msg = "datagram " + std::to_string(i);
    auto sent = co_await client->send_to({ipv4_addr(10, 0, 0, 2), port(7)}, bytes::of(msg));
    if (sent) ++run.sent;
    auto got = co_await with_timeout(200ms, client->receive_from(mut_bytes(buf, sizeof buf)));
    if (!got) {
      ++run.timeouts;
      continue;
    }
    if (*got && bytes(buf, (*got)->size).chars() == msg) ++run.echoed;
  }
  g.cancel();
  co_await g.join();
  co_return run;
}

TEST_F(sim_fixture, udp_round_trips_between_two_stacks_after_arp) {
  network net(1);
  auto r = loop.run(udp_ping_pong(&net, 50));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sent, 50);
  EXPECT_EQ(r->echoed, 50);
  EXPECT_EQ(net.in_flight(), 0u);
}

TEST_F(sim_fixture, udp_under_loss_loses_some_and_recovers_arp) {
  sim::faults f;
  f.loss = 0.2;
  network net(7, f);
  auto r = loop.run(udp_ping_pong(&net, 200));
  ASSERT_TRUE(r);
  EXPECT_GT(r->echoed, 80);
  EXPECT_LT(r->echoed, 200);
  EXPECT_EQ(r->echoed + r->timeouts, 200);
  EXPECT_GT(net.stats().lost, 0u);
}

TEST_F(sim_fixture, the_same_seed_replays_the_same_run) {
  sim::faults f;
  f.loss = 0.1;
  f.duplicate = 0.05;
  f.reorder = 0.1;
  f.corrupt = 0.02;
  f.jitter = 300us;
  network n1(42, f);
  auto r1 = loop.run(udp_ping_pong(&n1, 100));
  virtual_backend clock2;
  fata::loop loop2{clock2};
  network n2(42, f);
  auto r2 = loop2.run(udp_ping_pong(&n2, 100));
  ASSERT_TRUE(r1 && r2);
  EXPECT_EQ(r1->echoed, r2->echoed);
  EXPECT_EQ(n1.stats().lost, n2.stats().lost);
  EXPECT_EQ(n1.stats().corrupted, n2.stats().corrupted);
  EXPECT_EQ(n1.stats().delivered, n2.stats().delivered);
  EXPECT_EQ(clock.now() - mono_from_ns(1'000'000'000), clock2.now() - mono_from_ns(1'000'000'000));
}

TEST_F(sim_fixture, corrupted_frames_are_dropped_by_checksums_never_delivered_wrong) {
  sim::faults f;
  f.corrupt = 0.3;
  network net(3, f);
  auto r = loop.run(udp_ping_pong(&net, 200));
  ASSERT_TRUE(r);
  // Every echo that came back is exactly what was sent (checked inside);
  // some were lost to corruption.
  EXPECT_GT(net.stats().corrupted, 0u);
  EXPECT_EQ(r->echoed + r->timeouts, 200);
  EXPECT_GT(r->echoed, 50);
}

task<bool> partition_heals(network* net, int* before, int* during, int* after) {
  auto a = stack::open(net->add_port(), config_for("10.0.0.1/24"));
  auto b = stack::open(net->add_port(), config_for("10.0.0.2/24"));
  auto server = b->udp_bind(port(7));
  auto client = a->udp_bind(port(0));
  task_group g;
  g.spawn(echo_server(&*server, 1000000));
  std::byte buf[64];
  auto round = [&](int n) -> task<int> {
    int ok = 0;
    for (int i = 0; i < n; ++i) {
      (void)co_await client->send_to({ipv4_addr(10, 0, 0, 2), port(7)}, bytes::of("x"));
      auto got = co_await with_timeout(100ms, client->receive_from(mut_bytes(buf, sizeof buf)));
      if (got && *got) ++ok;
    }
    co_return ok;
  };
  *before = co_await round(10);
  net->set_port_up(1, false);
  *during = co_await round(10);
  net->set_port_up(1, true);
  co_await sleep(5s);  // ARP's failure hold ends
  *after = co_await round(10);
  g.cancel();
  co_await g.join();
  co_return true;
}

TEST_F(sim_fixture, traffic_resumes_after_a_partition_heals) {
  network net(5);
  int before = 0, during = 0, after = 0;
  auto r = loop.run(partition_heals(&net, &before, &during, &after));
  ASSERT_TRUE(r);
  EXPECT_EQ(before, 10);
  EXPECT_EQ(during, 0);
  EXPECT_EQ(after, 10);
}

// --- ICMP echo from a raw port -------------------------------------------------

task<std::vector<std::string>> ping_from_raw(network* net, std::size_t size) {
  auto s = stack::open(net->add_port(), config_for("10.0.0.2/24"));
  sim::port raw = net->add_port();
  const mac_addr raw_mac = raw.mac();
  std::vector<std::string> seen;
  // ARP for the stack, then an echo request of `size` bytes, fragmented.
  std::vector<std::byte> f(42);
  wire::ethernet_repr{mac_addr::broadcast(), raw_mac, wire::ethertype::arp, std::nullopt}.emit(
      mut_bytes(f.data(), f.size()));
  wire::arp_repr{wire::arp_operation::request, raw_mac, ipv4_addr(10, 0, 0, 9), mac_addr{},
                 ipv4_addr(10, 0, 0, 2)}
      .emit(mut_bytes(f.data(), f.size()).skip(14));
  (void)raw.send(bytes(f.data(), f.size()));
  mac_addr stack_mac;
  for (;;) {
    auto got = co_await with_timeout(1s, raw.receive());
    if (!got || !*got) co_return seen;
    auto e = wire::ethernet_frame::parse(**got);
    if (e && e->ethertype() == wire::ethertype::arp) {
      auto a = wire::arp_packet::parse(e->payload());
      if (a && a->operation() == wire::arp_operation::reply) {
        stack_mac = a->sender_mac();
        break;
      }
    }
  }
  seen.push_back("arp");
  std::string data(size, 'q');
  const auto echo = wire::icmpv4_repr::echo(8, 9, 1, bytes::of(data));
  std::vector<std::byte> icmp(echo.buffer_len());
  echo.emit(mut_bytes(icmp.data(), icmp.size()));
  for (std::size_t off = 0; off < icmp.size(); off += 1480) {
    const std::size_t n = std::min<std::size_t>(1480, icmp.size() - off);
    wire::ipv4_repr h;
    h.source = ipv4_addr(10, 0, 0, 9);
    h.destination = ipv4_addr(10, 0, 0, 2);
    h.protocol = 1;
    h.ident = 5;
    h.fragment_offset = std::uint16_t(off);
    h.more_fragments = off + n < icmp.size();
    h.payload_len = n;
    std::vector<std::byte> fr(14 + h.total_len());
    const mut_bytes out(fr.data(), fr.size());
    wire::ethernet_repr{stack_mac, raw_mac, wire::ethertype::ipv4, std::nullopt}.emit(out);
    h.emit(out.skip(14));
    out.copy_from(34, bytes(icmp.data() + off, n));
    (void)raw.send(out);
  }
  ipv4_reassembler reasm;
  int fragments = 0;
  for (;;) {
    auto got = co_await with_timeout(1s, raw.receive());
    if (!got || !*got) break;
    auto e = wire::ethernet_frame::parse(**got);
    if (!e || e->ethertype() != wire::ethertype::ipv4) continue;
    auto ip = wire::ipv4_packet::parse(e->payload());
    if (!ip) continue;
    std::optional<reassembled_datagram> whole;
    if (ip->is_fragment()) {
      ++fragments;
      whole = reasm.input(*ip, loop::current().now());
    }
    bytes payload = ip->payload();
    if (ip->is_fragment()) {
      if (!whole) continue;
      payload = whole->payload();
    }
    auto m = wire::icmpv4_packet::parse(payload);
    if (m && m->type() == 0 && m->data().chars() == data) {
      seen.push_back("reply in " + std::to_string(fragments) + " fragments");
      break;
    }
  }
  co_return seen;
}

TEST_F(sim_fixture, a_4000_byte_ping_is_answered_with_a_fragmented_reply) {
  network net(11);
  auto r = loop.run(ping_from_raw(&net, 4000));
  ASSERT_TRUE(r);
  // 4008 bytes of ICMP at MTU 1500: 1480 + 1480 + 1048.
  EXPECT_EQ(*r, (std::vector<std::string>{"arp", "reply in 3 fragments"}));
}

}  // namespace
