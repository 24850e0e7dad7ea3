// Admission and shedding (http/connections.hpp), one rule per test.
#include <fata/http/connections.hpp>

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <vector>

namespace {

using namespace fata;
using namespace fata::http;

const mono_time t0 = mono_from_ns(1'000'000'000);

struct table_fixture : ::testing::Test {
  connection_limits limits = [] {
    connection_limits l;
    l.max_connections = 3;
    l.memory = 1 << 20;
    l.slow_after = 2s;
    l.connection_cost = 1000;
    return l;
  }();
  std::unique_ptr<connection_table> table;
  std::vector<connection_slot> slots;
  std::vector<std::unique_ptr<cancel_state>> tasks;

  void make() { table = std::make_unique<connection_table>(limits); }
  // Admits a connection in `phase` since `since`; false if refused.
  bool add(connection_phase phase, mono_time since, mono_time now, std::uint64_t peer = 0) {
    auto s = table->admit(now, 0, peer);
    if (!s) return false;
    tasks.push_back(std::make_unique<cancel_state>());
    s->attach(tasks.back().get());
    s->enter(phase, since);
    slots.push_back(std::move(*s));
    return true;
  }
  void TearDown() override { slots.clear(); }
};

TEST_F(table_fixture, admits_up_to_the_bound_and_refuses_fresh_connections_beyond) {
  make();
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(add(connection_phase::reading, t0, t0));
  EXPECT_FALSE(add(connection_phase::reading, t0, t0 + 1s));
  EXPECT_EQ(table->active(), 3u);
  EXPECT_EQ(table->stats().refused, 1u);
  for (auto& t : tasks) EXPECT_FALSE(t->requested());
}

TEST_F(table_fixture, when_full_the_oldest_idle_connection_is_shed_first) {
  make();
  ASSERT_TRUE(add(connection_phase::reading, t0, t0));        // slow by now
  ASSERT_TRUE(add(connection_phase::idle, t0 + 5s, t0 + 5s));  // idle, newer
  ASSERT_TRUE(add(connection_phase::idle, t0 + 3s, t0 + 5s));  // idle, older
  EXPECT_TRUE(add(connection_phase::reading, t0 + 6s, t0 + 6s));
  EXPECT_TRUE(tasks[2]->requested());
  EXPECT_FALSE(tasks[0]->requested());
  EXPECT_FALSE(tasks[1]->requested());
  EXPECT_EQ(table->stats().shed_idle, 1u);
  EXPECT_EQ(table->active(), 3u);
  EXPECT_TRUE(slots[2].shed());
}

TEST_F(table_fixture, without_idle_ones_a_connection_slower_than_slow_after_is_shed) {
  make();
  ASSERT_TRUE(add(connection_phase::handshake, t0, t0));
  ASSERT_TRUE(add(connection_phase::reading, t0 + 1s, t0 + 1s));
  ASSERT_TRUE(add(connection_phase::handling, t0, t0 + 1s));
  // At t0 + 2.5 s only the handshake is older than 2 s.
  EXPECT_TRUE(add(connection_phase::reading, t0 + 2500ms, t0 + 2500ms));
  EXPECT_TRUE(tasks[0]->requested());
  EXPECT_EQ(table->stats().shed_slow, 1u);
  // Now the reading one (1.5 s) is not slow yet, and handling is never shed.
  EXPECT_FALSE(add(connection_phase::reading, t0 + 2500ms, t0 + 2500ms));
  EXPECT_FALSE(tasks[1]->requested());
  EXPECT_FALSE(tasks[2]->requested());
}

TEST_F(table_fixture, the_peer_holding_the_most_slow_connections_pays_for_a_newcomer) {
  limits.slow_after = duration::zero();
  make();
  ASSERT_TRUE(add(connection_phase::reading, t0, t0, 7));         // the oldest, another peer
  ASSERT_TRUE(add(connection_phase::reading, t0 + 1s, t0 + 1s, 9));
  ASSERT_TRUE(add(connection_phase::reading, t0 + 2s, t0 + 2s, 9));
  EXPECT_TRUE(add(connection_phase::reading, t0 + 3s, t0 + 3s, 7));
  EXPECT_FALSE(tasks[0]->requested());
  EXPECT_TRUE(tasks[1]->requested());  // peer 9's oldest
  EXPECT_FALSE(tasks[2]->requested());
}

// An accept loop admits a burst before any of their tasks runs: the
// burst's peer pays for the next newcomer, not the one connection of
// another peer whose task happens to have attached (found by the attack
// 'slowloris' on the socket stack: the normal client's HTTPS connection was
// shed after its handshake).
TEST_F(table_fixture, a_burst_not_yet_attached_pays_for_a_newcomer_and_is_cancelled_as_it_attaches) {
  limits.slow_after = duration::zero();
  make();
  ASSERT_TRUE(add(connection_phase::reading, t0, t0, 7));  // attached, the oldest
  for (int i = 0; i < 2; ++i) {
    auto s = table->admit(t0 + 1s + i * 500ms, 0, 9);
    ASSERT_TRUE(s);
    slots.push_back(std::move(*s));
  }
  EXPECT_TRUE(add(connection_phase::reading, t0 + 2s, t0 + 2s, 7));
  EXPECT_FALSE(tasks[0]->requested());
  EXPECT_TRUE(slots[1].shed());  // peer 9's oldest
  EXPECT_FALSE(slots[2].shed());
  EXPECT_EQ(table->active(), 3u);
  cancel_state late;
  slots[1].attach(&late);
  EXPECT_TRUE(late.requested());
  cancel_state on_time;
  slots[2].attach(&on_time);
  EXPECT_FALSE(on_time.requested());
  slots.clear();  // before the states they point to
}

TEST_F(table_fixture, each_slot_charges_its_cost_and_gives_it_back) {
  make();
  ASSERT_TRUE(add(connection_phase::reading, t0, t0));
  EXPECT_EQ(table->memory().used(), 1000u);
  auto s = table->admit(t0, 5000);
  ASSERT_TRUE(s);
  EXPECT_EQ(table->memory().used(), 7000u);
  s.reset();
  EXPECT_EQ(table->memory().used(), 1000u);
  EXPECT_EQ(table->active(), 1u);
  slots.clear();
  EXPECT_EQ(table->memory().used(), 0u);
  EXPECT_EQ(table->active(), 0u);
}

TEST_F(table_fixture, a_spent_budget_sheds_or_refuses) {
  limits.memory = 2500;
  make();
  ASSERT_TRUE(add(connection_phase::reading, t0, t0));
  ASSERT_TRUE(add(connection_phase::idle, t0, t0));
  // No room for a third cost: the idle one is shed, its cost given back.
  EXPECT_TRUE(add(connection_phase::reading, t0, t0));
  EXPECT_TRUE(tasks[1]->requested());
  EXPECT_LE(table->memory().used(), 2500u);
  EXPECT_FALSE(add(connection_phase::reading, t0, t0));
  EXPECT_EQ(table->stats().refused_memory, 1u);
}

TEST_F(table_fixture, a_moved_slot_keeps_its_place) {
  make();
  ASSERT_TRUE(add(connection_phase::idle, t0, t0));
  connection_slot moved = std::move(slots[0]);
  slots.clear();
  EXPECT_EQ(table->active(), 1u);
  EXPECT_EQ(moved.table(), table.get());
  ASSERT_TRUE(add(connection_phase::reading, t0, t0));
  ASSERT_TRUE(add(connection_phase::reading, t0, t0));
  EXPECT_TRUE(add(connection_phase::reading, t0, t0));  // sheds `moved`
  EXPECT_TRUE(moved.shed());
}

}  // namespace
