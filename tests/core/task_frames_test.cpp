// Coroutine frames that cannot be allocated: the task is empty, and
// whoever awaits or spawns it is told without anything running and
// without the image ending (fata/core/task.hpp).
#include <fata/core/join.hpp>

#include <gtest/gtest.h>

namespace {

using namespace fata;

// From now on no new frame fits in the budget (until allow_frames).
void refuse_frames() { task_frames().set_limit(0); }
void allow_frames() { task_frames().set_limit(memory_budget::unlimited); }

struct task_frames_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  ~task_frames_fixture() override { allow_frames(); }
};

task<result<int, errc>> after(duration d, int v) {
  if (auto r = co_await sleep(d); !r) co_return unexpected(r.error());
  co_return v;
}

task<int> plain_after(duration d, int v) {
  (void)co_await sleep(d);
  co_return v;
}

TEST_F(task_frames_fixture, frames_are_charged_to_the_budget_while_the_task_lives) {
  const std::size_t before = task_frames().used();
  {
    auto t = after(1ms, 1);
    ASSERT_TRUE(t.valid());
    EXPECT_GT(task_frames().used(), before);
  }
  EXPECT_EQ(task_frames().used(), before);
  EXPECT_GE(task_frames().peak(), before);
}

TEST_F(task_frames_fixture, a_frame_beyond_the_budget_is_an_empty_task) {
  refuse_frames();
  auto t = after(1ms, 1);
  allow_frames();
  EXPECT_FALSE(t.valid());
}

TEST_F(task_frames_fixture, a_frame_made_in_an_essential_scope_is_not_refused_but_charged) {
  refuse_frames();
  auto t = [] {
    essential_frames scope;
    return after(1ms, 1);
  }();
  // The scope ends with the call: the next frame is refused again.
  auto refused = after(1ms, 2);
  ASSERT_TRUE(t.valid());
  EXPECT_FALSE(refused.valid());
  EXPECT_GT(task_frames().used(), 0u);
  allow_frames();
  auto value = loop.run(std::move(t));
  ASSERT_TRUE(value && *value);
  EXPECT_EQ(**value, 1);
}

struct awaited_refusal {
  result<int, errc> child = 0;
  int plain = -1;
  wait_result later;
  bool ran_on = false;
};

task<void> await_refused_children(awaited_refusal* out) {
  refuse_frames();
  auto child = after(1ms, 7);
  auto plain = plain_after(1ms, 7);
  allow_frames();
  out->child = co_await std::move(child);
  out->plain = co_await std::move(plain);
  // The chain is cancelled: its next wait fails at once, so it unwinds.
  out->later = co_await sleep(1h);
  out->ran_on = true;
}

TEST_F(task_frames_fixture, awaiting_an_empty_task_cancels_the_chain_and_gives_its_error) {
  const auto refused_before = task_frames_refused();
  awaited_refusal out;
  const mono_time start = clock.now();
  ASSERT_TRUE(loop.run(await_refused_children(&out)));
  ASSERT_FALSE(out.child);
  EXPECT_EQ(out.child.error(), errc::no_memory);
  EXPECT_EQ(out.plain, 0);
  ASSERT_FALSE(out.later);
  EXPECT_EQ(out.later.error(), errc::cancelled);
  EXPECT_TRUE(out.ran_on);
  EXPECT_EQ(clock.now(), start);
  EXPECT_EQ(task_frames_refused(), refused_before + 2);
}

task<void> nothing_much() { (void)co_await sleep(1ms); }

task<void> count_when_done(int* n) {
  (void)co_await sleep(1ms);
  ++*n;
}

task<std::pair<int, int>> spawn_with_refusals() {
  task_group g;
  int finished = 0;
  int refused = 0;
  for (int i = 0; i < 6; ++i) {
    if (i % 2 == 1) refuse_frames();
    auto member = count_when_done(&finished);
    allow_frames();
    if (!g.spawn(std::move(member))) ++refused;
  }
  co_await g.join();
  co_return std::pair<int, int>{finished, refused};
}

TEST_F(task_frames_fixture, a_group_refuses_an_empty_member_and_runs_the_others) {
  auto r = loop.run(spawn_with_refusals());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 3);
  EXPECT_EQ(r->second, 3);
}

task<void> a_result_says_it(result<int, errc>* child, wait_result* later) {
  refuse_frames();
  auto refused = after(1ms, 2);
  allow_frames();
  *child = co_await std::move(refused);
  // The error was the whole answer: the chain goes on.
  *later = co_await sleep(1ms);
}

TEST_F(task_frames_fixture, a_refused_result_is_its_error_and_the_chain_goes_on) {
  result<int, errc> child = 0;
  wait_result later = unexpected(errc::io);
  ASSERT_TRUE(loop.run(a_result_says_it(&child, &later)));
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error(), errc::no_memory);
  EXPECT_TRUE(later);
}

task<void> siblings_of_a_refused_member(result<int, errc>* sibling, wait_result* later) {
  auto fine = after(1h, 1);
  refuse_frames();
  auto refused = nothing_much();
  allow_frames();
  auto [a, b] = co_await when_all(std::move(fine), std::move(refused));
  (void)b;
  *sibling = a;
  *later = co_await sleep(1ms);
}

TEST_F(task_frames_fixture, a_join_with_a_member_that_cannot_say_it_cancels_the_rest) {
  result<int, errc> sibling = 0;
  wait_result later;
  const mono_time start = clock.now();
  ASSERT_TRUE(loop.run(siblings_of_a_refused_member(&sibling, &later)));
  // The sibling was cancelled rather than left to run for an hour.
  ASSERT_FALSE(sibling);
  EXPECT_EQ(sibling.error(), errc::cancelled);
  EXPECT_FALSE(later);
  EXPECT_EQ(clock.now(), start);
}

task<std::pair<std::size_t, result<int, errc>>> a_race_with_an_empty_entrant() {
  auto fine = after(1h, 1);
  refuse_frames();
  auto refused = after(1ms, 2);
  allow_frames();
  auto v = co_await when_any(std::move(fine), std::move(refused));
  co_return std::pair<std::size_t, result<int, errc>>{
      v.index(), v.index() == 0 ? std::get<0>(v) : std::get<1>(v)};
}

TEST_F(task_frames_fixture, a_race_with_an_empty_entrant_ends_at_once_with_its_error) {
  const mono_time start = clock.now();
  auto r = loop.run(a_race_with_an_empty_entrant());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 1u);
  ASSERT_FALSE(r->second);
  EXPECT_EQ(r->second.error(), errc::no_memory);
  EXPECT_EQ(clock.now(), start);
}

task<result<result<int, errc>, errc>> time_an_empty_task() {
  refuse_frames();
  auto refused = after(1ms, 2);
  allow_frames();
  co_return co_await with_timeout(1h, std::move(refused));
}

TEST_F(task_frames_fixture, a_timeout_around_an_empty_task_gives_its_error) {
  auto r = loop.run(time_an_empty_task());
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  ASSERT_FALSE(**r);
  EXPECT_EQ((**r).error(), errc::no_memory);
}

}  // namespace

namespace {

task<int> join_while_refusing() {
  task_group g;
  int finished = 0;
  for (int i = 0; i < 3; ++i) g.spawn(count_when_done(&finished));
  refuse_frames();
  // The join's frame is not refused: the group is left only when its
  // members are done.
  co_await g.join();
  allow_frames();
  co_return finished;
}

TEST_F(task_frames_fixture, a_group_is_joined_even_with_frames_refused) {
  auto r = loop.run(join_while_refusing());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
}

}  // namespace
