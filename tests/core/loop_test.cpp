#include <fata/core/loop.hpp>
#include <fata/core/join.hpp>
#include <fata/core/sync.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace fata;

struct loop_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  mono_time start = clock.now();
};

task<int> forty_two() { co_return 42; }

task<int> add_children() {
  int a = co_await forty_two();
  int b = co_await forty_two();
  co_return a + b;
}

TEST_F(loop_fixture, run_returns_the_value_of_main) {
  auto r = loop.run(add_children());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, 84);
}

task<void> record(std::vector<std::string>* log, std::string name, int yields) {
  for (int i = 0; i < yields; ++i) {
    log->push_back(name + std::to_string(i));
    co_await yield_now{};
  }
}

task<int> spawn_two(std::vector<std::string>* log) {
  loop::current().spawn(record(log, "a", 3));
  loop::current().spawn(record(log, "b", 3));
  co_await sleep(1ms);
  co_return 0;
}

TEST_F(loop_fixture, ready_tasks_run_in_fifo_order_and_interleave_at_yields) {
  std::vector<std::string> log;
  ASSERT_TRUE(loop.run(spawn_two(&log)));
  EXPECT_EQ(log, (std::vector<std::string>{"a0", "b0", "a1", "b1", "a2", "b2"}));
}

task<std::vector<int>> sleepers() {
  std::vector<int> order;
  auto sleeper = [](std::vector<int>* out, int ms) -> task<void> {
    co_await sleep(milliseconds(ms));
    out->push_back(ms);
  };
  task_group g;
  g.spawn(sleeper(&order, 30));
  g.spawn(sleeper(&order, 10));
  g.spawn(sleeper(&order, 20));
  co_await g.join();
  co_return order;
}

TEST_F(loop_fixture, sleeps_wake_in_deadline_order_on_the_virtual_clock) {
  auto r = loop.run(sleepers());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(clock.now() - start, 30ms);
}

TEST_F(loop_fixture, timers_with_equal_deadlines_fire_in_arming_order) {
  std::vector<int> fired;
  struct ctx {
    std::vector<int>* out;
    int id;
  };
  ctx c1{&fired, 1}, c2{&fired, 2}, c3{&fired, 3};
  auto cb = [](void* p) {
    auto* c = static_cast<ctx*>(p);
    c->out->push_back(c->id);
  };
  timer t1(cb, &c1), t2(cb, &c2), t3(cb, &c3);
  t2.arm(start + 5ms);
  t1.arm(start + 5ms);
  t3.arm(start + 5ms);
  clock.advance(5ms);
  loop.run_ready();
  EXPECT_EQ(fired, (std::vector<int>{2, 1, 3}));
}

TEST_F(loop_fixture, a_rearmed_timer_fires_once_at_its_new_deadline) {
  int count = 0;
  timer t([](void* p) { ++*static_cast<int*>(p); }, &count);
  t.arm(start + 5ms);
  t.arm(start + 10ms);
  clock.advance(5ms);
  loop.run_ready();
  EXPECT_EQ(count, 0);
  clock.advance(5ms);
  loop.run_ready();
  EXPECT_EQ(count, 1);
  EXPECT_FALSE(t.armed());
}

TEST_F(loop_fixture, a_disarmed_timer_never_fires) {
  int count = 0;
  timer t([](void* p) { ++*static_cast<int*>(p); }, &count);
  t.arm(start + 1ms);
  t.disarm();
  clock.advance(1s);
  loop.run_ready();
  EXPECT_EQ(count, 0);
  EXPECT_EQ(loop.armed_timers(), 0u);
}

TEST_F(loop_fixture, many_timers_fire_in_order) {
  // Exercise the heap with interleaved arms and disarms.
  std::vector<std::unique_ptr<timer>> timers;
  std::vector<int> fired;
  std::vector<std::pair<std::vector<int>*, int>> ctxs(200);
  for (int i = 0; i < 200; ++i) {
    ctxs[i] = {&fired, i};
    timers.push_back(std::make_unique<timer>(
        [](void* p) {
          auto* c = static_cast<std::pair<std::vector<int>*, int>*>(p);
          c->first->push_back(c->second);
        },
        &ctxs[i]));
    // Deadlines in a scrambled order.
    timers.back()->arm(start + milliseconds((i * 37) % 200));
  }
  for (int i = 0; i < 200; i += 3) timers[i]->disarm();
  clock.advance(1s);
  loop.run_ready();
  std::vector<int> expected;
  for (int ms = 0; ms < 200; ++ms)
    for (int i = 0; i < 200; ++i)
      if ((i * 37) % 200 == ms && i % 3 != 0) expected.push_back(i);
  EXPECT_EQ(fired, expected);
}

task<int> notify_wakes_waiter() {
  wait_queue q;
  int woken = 0;
  auto waiter = [](wait_queue* q, int* woken) -> task<void> {
    auto r = co_await q->wait();
    if (r) ++*woken;
  };
  task_group g;
  g.spawn(waiter(&q, &woken));
  g.spawn(waiter(&q, &woken));
  co_await yield_now{};
  EXPECT_TRUE(q.has_waiters());
  EXPECT_TRUE(q.notify_one());
  co_await yield_now{};
  co_await yield_now{};
  EXPECT_EQ(woken, 1);
  EXPECT_EQ(q.notify_all(), 1u);
  co_await g.join();
  co_return woken;
}

TEST_F(loop_fixture, notify_wakes_waiters_in_order) {
  auto r = loop.run(notify_wakes_waiter());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 2);
}

task<wait_result> wait_with_deadline() {
  wait_queue q;
  co_return co_await q.wait_until(loop::current().now() + 50ms);
}

TEST_F(loop_fixture, wait_until_times_out_at_the_deadline) {
  auto r = loop.run(wait_with_deadline());
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), errc::timed_out);
  EXPECT_EQ(clock.now() - start, 50ms);
}

task<wait_result> wait_forever() {
  wait_queue q;
  co_return co_await q.wait();
}

TEST_F(loop_fixture, main_waiting_on_nothing_reports_a_stall) {
  auto r = loop.run(wait_forever());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::stalled);
}

task<void> sleep_long(wait_result* out) { *out = co_await sleep(1h); }

task<int> cancel_a_spawned_sleeper() {
  wait_result result;
  task_group g;
  g.spawn(sleep_long(&result));
  co_await sleep(10ms);
  g.cancel();
  co_await g.join();
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), errc::cancelled);
  co_return 0;
}

TEST_F(loop_fixture, cancelling_a_group_wakes_a_sleeping_member_with_cancelled) {
  ASSERT_TRUE(loop.run(cancel_a_spawned_sleeper()));
  EXPECT_EQ(clock.now() - start, 10ms);
  EXPECT_EQ(loop.armed_timers(), 0u);
}

task<void> count_cancelled_waits(wait_queue* q, int* cancelled) {
  // After a cancellation every wait fails at once, so a loop that keeps
  // waiting still terminates.
  for (int i = 0; i < 3; ++i) {
    auto r = co_await q->wait();
    if (!r) ++*cancelled;
  }
}

task<int> later_waits_fail_immediately() {
  wait_queue q;
  int cancelled = 0;
  task_group g;
  g.spawn(count_cancelled_waits(&q, &cancelled));
  co_await yield_now{};
  g.cancel();
  co_await g.join();
  co_return cancelled;
}

TEST_F(loop_fixture, every_wait_after_cancellation_fails_immediately) {
  auto r = loop.run(later_waits_fail_immediately());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
}

task<void> forever_sleeper(bool* unwound) {
  (void)co_await sleep(24h);
  *unwound = true;
}

task<int> leave_spawned_behind(bool* unwound) {
  loop::current().spawn(forever_sleeper(unwound));
  co_return 7;
}

TEST_F(loop_fixture, run_cancels_spawned_tasks_when_main_finishes) {
  bool unwound = false;
  auto r = loop.run(leave_spawned_behind(&unwound));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 7);
  EXPECT_TRUE(unwound);
  EXPECT_LT(clock.now() - start, 1s);
}

TEST_F(loop_fixture, the_loop_can_run_again_after_a_run) {
  ASSERT_TRUE(loop.run(add_children()));
  auto r = loop.run(sleepers());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->size(), 3u);
}

task<int> channel_backpressure() {
  channel<int> ch(2);
  std::vector<int> got;
  auto producer = [](channel<int>* ch) -> task<void> {
    for (int i = 0; i < 5; ++i) (void)co_await ch->push(i);
    ch->close();
  };
  auto consumer = [](channel<int>* ch, std::vector<int>* got) -> task<void> {
    for (;;) {
      auto v = co_await ch->pop();
      if (!v) break;
      got->push_back(*v);
      co_await sleep(1ms);
    }
  };
  task_group g;
  g.spawn(producer(&ch));
  co_await yield_now{};
  co_await yield_now{};
  // The producer filled the channel and now waits.
  EXPECT_TRUE(ch.full());
  g.spawn(consumer(&ch, &got));
  co_await g.join();
  EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_FALSE(ch.try_push(9));
  co_return 0;
}

TEST_F(loop_fixture, a_full_channel_suspends_the_producer_and_close_drains) {
  ASSERT_TRUE(loop.run(channel_backpressure()));
}

task<int> event_wakes_all() {
  event e;
  int woken = 0;
  auto w = [](event* e, int* n) -> task<void> {
    auto r = co_await e->wait();
    if (r) ++*n;
  };
  task_group g;
  for (int i = 0; i < 3; ++i) g.spawn(w(&e, &woken));
  co_await sleep(1ms);
  EXPECT_EQ(woken, 0);
  e.set();
  co_await g.join();
  co_return woken;
}

TEST_F(loop_fixture, setting_an_event_wakes_every_waiter) {
  auto r = loop.run(event_wakes_all());
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
}

TEST_F(loop_fixture, io_notifications_wake_tasks_waiting_on_the_handle) {
  int woken = 0;
  auto w = [](int* n) -> task<void> {
    auto r = co_await loop::current().io_queue(3).wait();
    if (r) ++*n;
  };
  loop.spawn(w(&woken));
  loop.run_ready();
  loop.notify_io(2);
  loop.run_ready();
  EXPECT_EQ(woken, 0);
  loop.notify_io(3);
  loop.run_ready();
  EXPECT_EQ(woken, 1);
  loop.shutdown();
}

// A backend whose clock moves 10 us with every poll, and which reports a
// device ready on every poll, as a busy NIC would.
struct busy_backend final : loop_backend {
  mono_time clock = mono_from_ns(1'000'000'000);
  std::size_t polls = 0;
  std::uint32_t device = 3;
  mono_time now() override { return clock; }
  bool wait(loop& l, mono_time deadline) override {
    if (deadline == mono_never) return false;
    if (deadline <= clock) {
      ++polls;
      clock += 10us;
      l.notify_io(device);
      return true;
    }
    clock = deadline;
    return true;
  }
};

// Drains "frames" with a budget per turn, as the direct stack's receive
// task does; `rounds` turns.
task<void> drain_with_budget(int rounds, int* done) {
  for (int r = 0; r < rounds; ++r) {
    for (int frame = 0; frame < 64; ++frame) ++*done;
    auto turn = co_await yield_to_io{};
    if (!turn) co_return;
  }
}

task<void> sleep_then_mark(duration d, int* frames_done, int* seen_at) {
  co_await sleep(d);
  *seen_at = *frames_done;
}

task<void> wait_device_then_mark(std::uint32_t device, int* frames_done, int* seen_at) {
  auto r = co_await loop::current().io_queue(device).wait();
  if (r) *seen_at = *frames_done;
}

task<int> drainer_with_neighbours(int* frames, int* timer_seen, int* device_seen) {
  task_group g;
  g.spawn(drain_with_budget(1000, frames));
  g.spawn(sleep_then_mark(100us, frames, timer_seen));
  g.spawn(wait_device_then_mark(3, frames, device_seen));
  co_await g.join();
  co_return 0;
}

TEST(loop_budget, a_draining_task_that_yields_to_io_starves_neither_timers_nor_devices) {
  busy_backend backend;
  fata::loop l(backend);
  int frames = 0, timer_seen = -1, device_seen = -1;
  ASSERT_TRUE(l.run(drainer_with_neighbours(&frames, &timer_seen, &device_seen)));
  EXPECT_EQ(frames, 64000);
  // Every turn of the drainer gave the backend a poll.
  EXPECT_GE(backend.polls, 1000u);
  EXPECT_GE(l.stats().deferred_polls, 1000u);
  // The device woke its task on the first poll, the 100 us timer after
  // about ten polls: long before the drainer was done.
  EXPECT_GE(device_seen, 0);
  EXPECT_LE(device_seen, 128);
  EXPECT_GE(timer_seen, 0);
  EXPECT_LE(timer_seen, 64 * 12);
}

task<void> yield_until_cancelled(int* turns, bool* ended) {
  for (;;) {
    ++*turns;
    auto turn = co_await yield_to_io{};
    if (!turn) break;
  }
  *ended = true;
}

task<int> spawn_yielder(int* turns, bool* ended) {
  loop::current().spawn(yield_until_cancelled(turns, ended));
  co_await sleep(1ms);
  co_return 0;
}

TEST(loop_budget, a_task_yielding_to_io_sees_cancellation_at_shutdown) {
  busy_backend backend;
  fata::loop l(backend);
  int turns = 0;
  bool ended = false;
  ASSERT_TRUE(l.run(spawn_yielder(&turns, &ended)));
  EXPECT_TRUE(ended);
  // It kept its turns for the millisecond main slept (10 us a poll).
  EXPECT_GE(turns, 90);
  EXPECT_LE(turns, 110);
}

TEST(loop_death, destroying_a_started_unfinished_task_is_a_contract_violation) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        virtual_backend clock;
        fata::loop l(clock);
        auto outer = []() -> task<void> {
          wait_queue q;
          co_await q.wait();
        };
        // Start a task by hand, then destroy it while it waits.
        auto t = outer();
        auto driver = [](task<void>* t) -> task<void> { co_await *t; };
        l.spawn(driver(&t));
        l.run_ready();
        t = task<void>();
      },
      "contract violated");
}

}  // namespace
