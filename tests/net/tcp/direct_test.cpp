// fata's TCP inside the direct stack: two whole hosts (Ethernet, ARP,
// IPv4, IPv6 with NDP, TCP) over the network engineer's simulated switch,
// the way a unikernel runs it, with the layer built by direct_stack
// itself; transfers over both families, with faults.
#include <fata/net/direct.hpp>
#include <fata/net/sim/network.hpp>
#include <fata/net/tcp/layer.hpp>

#include <fata/core/join.hpp>

#include <gtest/gtest.h>

#include <vector>

#include "sim_harness.hpp"

namespace {

using namespace fata;
using namespace fata::net;
using fata::net::tcp::testing::byte_stream;

static_assert(tcp_provider<tcp::layer>, "fata's TCP plugs into the direct stack");
using stack = direct_stack<sim::port, tcp::layer>;
static_assert(sig::stackv4v6<stack>);

host_config config_for(std::string_view address) {
  host_config c;
  c.ip.address = *ipv4_prefix::parse(address);
  return c;
}

// Both families: a configured IPv6 address, no router on the switch.
host_config dual_config_for(std::string_view v4, std::string_view v6, std::uint8_t seed) {
  host_config c = config_for(v4);
  c.ipv6 = true;
  c.ipv6_cfg.address = *ipv6_prefix::parse(v6);
  c.ipv6_cfg.accept_router_advertisements = false;
  c.ipv6_cfg.secret.assign(16, std::byte{seed});
  c.ipv6_cfg.ndp.seed = seed;
  return c;
}

task<void> echo_one(stack::tcp_listener* l) {
  auto f = co_await l->accept();
  if (!f) co_return;
  std::vector<std::byte> buf(32768);
  for (;;) {
    auto n = co_await f->read(mut_bytes(buf.data(), buf.size()));
    if (!n || *n == 0) break;
    auto w = co_await f->write(bytes(buf.data(), *n));
    if (!w) break;
  }
  co_await f->close();
}

struct echo_result {
  std::size_t echoed = 0;
  bool mismatch = false;
  bool connected = false;
  bool ended = false;
};

task<void> write_all(stack::tcp_flow* f, std::size_t total) {
  byte_stream gen(3);
  std::vector<std::byte> buf(16384);
  for (std::size_t done = 0; done < total;) {
    const std::size_t n = total - done < buf.size() ? total - done : buf.size();
    gen.fill(buf.data(), n);
    auto w = co_await f->write(bytes(buf.data(), n));
    if (!w) co_return;
    done += n;
  }
  (void)co_await f->shutdown(sig::shutdown_mode::write);
}

task<void> read_back(stack::tcp_flow* f, echo_result* r) {
  byte_stream gen(3);
  std::vector<std::byte> buf(65536), expect(65536);
  for (;;) {
    auto n = co_await f->read(mut_bytes(buf.data(), buf.size()));
    if (!n) co_return;
    if (*n == 0) break;
    gen.fill(expect.data(), *n);
    if (std::memcmp(buf.data(), expect.data(), *n) != 0) r->mismatch = true;
    r->echoed += *n;
  }
  r->ended = true;
}

task<void> echo_run(sim::network* net, std::size_t total, echo_result* r, bool over_ipv6 = false) {
  auto a = stack::open(net->add_port(), over_ipv6 ? dual_config_for("10.0.0.1/24", "fd00::1/64", 1)
                                                  : config_for("10.0.0.1/24"));
  auto b = stack::open(net->add_port(), over_ipv6 ? dual_config_for("10.0.0.2/24", "fd00::2/64", 2)
                                                  : config_for("10.0.0.2/24"));
  if (!a || !b) co_return;
  auto l = a->tcp_listen(port(7));
  if (!l) co_return;
  task_group server;
  server.spawn(echo_one(&*l));
  // Duplicate address detection (one probe, 1 s) before the addresses serve.
  if (over_ipv6) {
    auto settled = co_await sleep(2s);
    if (!settled) co_return;
  }
  const sig::ip_endpoint to = over_ipv6 ? sig::ip_endpoint{*ipv6_addr::parse("fd00::1"), port(7)}
                                        : sig::ip_endpoint{ipv4_addr(10, 0, 0, 1), port(7)};
  auto f = co_await b->tcp_connect(to);
  if (f && f->remote() != to) r->mismatch = true;
  if (f) {
    r->connected = true;
    co_await when_all(write_all(&*f, total), read_back(&*f, r));
    co_await f->close();
  }
  co_await server.join();
}

struct direct_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
};

TEST_F(direct_fixture, an_echo_over_two_direct_stacks_returns_every_byte) {
  sim::network net(1);
  echo_result r;
  ASSERT_TRUE(loop.run(with_timeout(300s, echo_run(&net, 1 << 20, &r))));
  EXPECT_TRUE(r.connected);
  EXPECT_TRUE(r.ended);
  EXPECT_EQ(r.echoed, std::size_t(1) << 20);
  EXPECT_FALSE(r.mismatch);
}

TEST_F(direct_fixture, an_echo_survives_a_lossy_reordering_switch) {
  sim::faults f;
  f.loss = 0.02;
  f.reorder = 0.05;
  f.duplicate = 0.01;
  f.corrupt = 0.01;
  f.jitter = 500us;
  sim::network net(5, f);
  echo_result r;
  ASSERT_TRUE(loop.run(with_timeout(600s, echo_run(&net, 256 * 1024, &r))));
  EXPECT_TRUE(r.ended);
  EXPECT_EQ(r.echoed, 256u * 1024);
  EXPECT_FALSE(r.mismatch);
  // The switch really was lossy, reordering, duplicating and corrupting.
  EXPECT_GT(net.stats().lost, 0u);
  EXPECT_GT(net.stats().reordered, 0u);
  EXPECT_GT(net.stats().duplicated, 0u);
  EXPECT_GT(net.stats().corrupted, 0u);
}

TEST_F(direct_fixture, an_echo_over_ipv6_returns_every_byte) {
  sim::network net(1);
  echo_result r;
  ASSERT_TRUE(loop.run(with_timeout(300s, echo_run(&net, 1 << 20, &r, true))));
  EXPECT_TRUE(r.connected);
  EXPECT_TRUE(r.ended);
  EXPECT_EQ(r.echoed, std::size_t(1) << 20);
  EXPECT_FALSE(r.mismatch);
}

TEST_F(direct_fixture, an_echo_over_ipv6_survives_a_lossy_reordering_corrupting_switch) {
  sim::faults f;
  f.loss = 0.02;
  f.reorder = 0.05;
  f.duplicate = 0.01;
  f.corrupt = 0.01;  // IPv6 has no header checksum: TCP's pseudo-header catches it
  f.jitter = 500us;
  sim::network net(9, f);
  echo_result r;
  ASSERT_TRUE(loop.run(with_timeout(600s, echo_run(&net, 256 * 1024, &r, true))));
  EXPECT_TRUE(r.ended);
  EXPECT_EQ(r.echoed, 256u * 1024);
  EXPECT_FALSE(r.mismatch);
  EXPECT_GT(net.stats().lost, 0u);
  EXPECT_GT(net.stats().corrupted, 0u);
}

}  // namespace
