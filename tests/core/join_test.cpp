#include <fata/core/join.hpp>

#include <gtest/gtest.h>

namespace {

using namespace fata;

struct join_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  mono_time start = clock.now();
};

task<int> after(duration d, int v) {
  co_await sleep(d);
  co_return v;
}

task<result<int, errc>> after_checked(duration d, int v) {
  if (auto r = co_await sleep(d); !r) co_return unexpected(r.error());
  co_return v;
}

task<void> nothing(duration d) { (void)co_await sleep(d); }

task<int> all_of_three() {
  auto [a, b, c] = co_await when_all(after(30ms, 1), after(10ms, 2), nothing(20ms));
  (void)c;
  co_return a * 10 + b;
}

TEST_F(join_fixture, when_all_returns_every_value_after_the_slowest) {
  auto r = loop.run(all_of_three());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 12);
  EXPECT_EQ(clock.now() - start, 30ms);
}

task<std::vector<int>> all_of_vector() {
  std::vector<task<int>> ts;
  for (int i = 0; i < 5; ++i) ts.push_back(after(milliseconds(50 - i * 10), i));
  co_return co_await when_all(std::move(ts));
}

TEST_F(join_fixture, when_all_over_a_vector_keeps_the_order) {
  auto r = loop.run(all_of_vector());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(clock.now() - start, 50ms);
}

task<std::pair<std::size_t, int>> race() {
  auto v = co_await when_any(after_checked(30ms, 1), after_checked(10ms, 2));
  co_return std::pair<std::size_t, int>{v.index(), v.index() == 1 ? *std::get<1>(v) : -1};
}

TEST_F(join_fixture, when_any_returns_the_first_and_cancels_the_rest) {
  auto r = loop.run(race());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 1u);
  EXPECT_EQ(r->second, 2);
  // The loser was cancelled, not waited out.
  EXPECT_EQ(clock.now() - start, 10ms);
  EXPECT_EQ(loop.armed_timers(), 0u);
}

task<result<result<int, errc>, errc>> slow_with_timeout() {
  co_return co_await with_timeout(20ms, after_checked(1s, 5));
}

TEST_F(join_fixture, with_timeout_cancels_a_slow_task_at_the_deadline) {
  auto r = loop.run(slow_with_timeout());
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), errc::timed_out);
  EXPECT_EQ(clock.now() - start, 20ms);
  EXPECT_EQ(loop.armed_timers(), 0u);
}

task<result<int, errc>> fast_with_timeout() {
  auto r = co_await with_timeout(1s, after(5ms, 9));
  co_return r;
}

TEST_F(join_fixture, with_timeout_returns_the_value_of_a_fast_task) {
  auto r = loop.run(fast_with_timeout());
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  EXPECT_EQ(**r, 9);
  EXPECT_EQ(loop.armed_timers(), 0u);
}

task<void> nested_timeouts(std::vector<errc>* seen) {
  // The outer deadline cancels the inner chain too.
  auto inner = [](std::vector<errc>* seen) -> task<void> {
    auto r = co_await with_timeout(1h, after_checked(1h, 1));
    seen->push_back(r ? (*r ? errc{} : r->error()) : r.error());
  };
  auto outer = co_await with_timeout(10ms, inner(seen));
  seen->push_back(outer ? errc{} : outer.error());
}

TEST_F(join_fixture, cancellation_reaches_nested_chains) {
  std::vector<errc> seen;
  ASSERT_TRUE(loop.run(nested_timeouts(&seen)));
  EXPECT_EQ(seen, (std::vector<errc>{errc::cancelled, errc::timed_out}));
  EXPECT_EQ(clock.now() - start, 10ms);
}

task<int> join_cancelled_group() {
  int finished = 0;
  auto member = [](int* n) -> task<void> {
    (void)co_await sleep(1h);
    ++*n;
  };
  task_group g;
  for (int i = 0; i < 4; ++i) g.spawn(member(&finished));
  // Joining under a timeout: the timeout cancels the joiner, the joiner
  // cancels the group and still waits for every member.
  auto r = co_await with_timeout(5ms, g.join());
  EXPECT_FALSE(r);
  EXPECT_EQ(g.size(), 0u);
  co_return finished;
}

TEST_F(join_fixture, a_cancelled_join_cancels_and_awaits_the_members) {
  auto r = loop.run(join_cancelled_group());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 4);
  EXPECT_EQ(clock.now() - start, 5ms);
}

}  // namespace
