// DHCP over the simulated switch, on a virtual clock: apps/dhcp-server's
// unikernel (the state machine, its UDP glue and its lease store) serving
// a direct stack's DHCP client, through frame loss, and across a restart
// of the server over the same store.
#include <fata/devices/kv_mem.hpp>
#include <fata/net/direct.hpp>
#include <fata/net/sim/network.hpp>

#include <fata/core/join.hpp>

#include <gtest/gtest.h>

#include "unikernel.hpp"

namespace {

using namespace fata;
using namespace fata::net;
using sim::network;
using stack = direct_stack<sim::port>;

// The loop's virtual clock as the server's two clocks.
struct virtual_mono {
  virtual_backend* clock;
  mono_time now() { return clock->now(); }
};
struct virtual_wall {
  virtual_backend* clock;
  wall_time now() { return wall_from_ns(1'800'000'000LL * 1'000'000'000LL + to_ns(clock->now())); }
};

using dhcp_server = dhcp::server<stack, devices::kv_mem, virtual_mono, virtual_wall>;

dhcp::settings server_settings() {
  dhcp::settings s;
  s.subnet = *ipv4_prefix::parse("10.0.9.0/24");
  s.pool_start = ipv4_addr(10, 0, 9, 100);
  s.pool_end = ipv4_addr(10, 0, 9, 120);
  s.router = ipv4_addr(10, 0, 9, 1);
  s.dns = {ipv4_addr(10, 0, 9, 1)};
  s.domain = "sim.test";
  s.lease_time = 60s;
  s.leases_key = "/dhcp/leases";
  return s;
}

host_config client_config(std::uint64_t seed) {
  host_config c;
  c.dhcp = true;
  c.dhcp_client.seed = seed;
  c.dhcp_client.probes = 0;
  return c;
}

host_config server_config() {
  host_config c;
  c.ip.address = *ipv4_prefix::parse("10.0.9.1/24");
  return c;
}

struct sim_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
};

struct outcome {
  ipv4_addr first;
  ipv4_addr after_restart;
  std::uint64_t renewals = 0;
  std::uint64_t discovers = 0;
  std::uint64_t expiries = 0;
  std::string saved;
  static outcome refused() { return {}; }
};

task<outcome> lease_through(network* net, virtual_backend* clock, bool restart) {
  outcome o;
  devices::kv_mem store(1 << 16);
  auto server_stack = stack::open(net->add_port(), server_config());
  auto client = stack::open(net->add_port(), client_config(42));
  if (!server_stack || !client) co_return o;
  const dhcp::settings settings = server_settings();
  virtual_mono mono{clock};
  virtual_wall wall{clock};
  auto run_server = [&]() -> task<void> {
    dhcp_server app;
    (void)co_await app.start(*server_stack, store, mono, wall, settings);
  };
  task_group servers;
  servers.spawn(run_server());
  // The first lease, through whatever the network loses.
  for (int i = 0; i < 600 && client->ipv4_address().is_any(); ++i) co_await sleep(100ms);
  o.first = client->ipv4_address();
  if (restart) {
    // The server goes away past the client's T1 and comes back over the
    // same store while the client is renewing.
    co_await sleep(10s);
    servers.cancel();
    co_await servers.join();
    co_await sleep(30s);
  }
  task_group restarted;  // a cancelled group stays cancelled
  if (restart) restarted.spawn(run_server());
  co_await sleep(120s);
  o.after_restart = client->ipv4_address();
  const auto& st = client->layers().dhcp()->stats();
  o.renewals = st.renewals;
  o.discovers = st.tx_discover;
  o.expiries = st.expiries;
  auto saved = co_await store.get("/dhcp/leases");
  if (saved) o.saved = *saved;
  servers.cancel();
  co_await servers.join();
  restarted.cancel();
  co_await restarted.join();
  co_return o;
}

TEST_F(sim_fixture, a_client_leases_from_the_server_app_and_renews) {
  network net(11);
  auto r = loop.run(lease_through(&net, &clock, false));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, ipv4_addr(10, 0, 9, 100));
  EXPECT_EQ(r->after_restart, r->first);
  EXPECT_GE(r->renewals, 3u);  // every 30 s
  EXPECT_EQ(r->expiries, 0u);
  EXPECT_NE(r->saved.find(" 10.0.9.100 "), std::string::npos);
}

TEST_F(sim_fixture, leases_survive_loss_and_a_server_restart_over_its_store) {
  sim::faults f;
  f.loss = 0.2;
  network net(12, f);
  auto r = loop.run(lease_through(&net, &clock, true));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, ipv4_addr(10, 0, 9, 100));
  // The restarted server read the lease back: the client kept its address
  // without starting over.
  EXPECT_EQ(r->after_restart, r->first);
  EXPECT_EQ(r->expiries, 0u);
  EXPECT_EQ(r->discovers, 1u);
  EXPECT_GE(r->renewals, 2u);
  EXPECT_GT(net.stats().lost, 0u);
}

}  // namespace
