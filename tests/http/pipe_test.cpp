// The in-memory flow pair (fata::testing::pipe_end): the flow semantics the
// HTTP and TLS tests rely on.
#include <fata/testing/pipe.hpp>

#include <fata/core/join.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace fata;
using fata::testing::make_pipe;
using fata::testing::pipe_end;
using fata::testing::pipe_options;
using sig::flow_error;

struct pipe_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
};

task<std::string> read_all(pipe_end* e) {
  std::string out;
  std::byte buf[100];
  for (;;) {
    auto n = co_await e->read(mut_bytes(buf, sizeof buf));
    if (!n || *n == 0) break;
    out.append(bytes(buf, *n).chars());
  }
  co_return out;
}

task<bool> write_then_close(pipe_end* e, std::string data) {
  auto r = co_await e->write(bytes::of(data));
  co_await e->close();
  co_return bool(r);
}

TEST_F(pipe_fixture, bytes_arrive_in_order_then_end_of_stream) {
  auto [a, b] = make_pipe();
  std::string big(10000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = char('a' + i % 26);
  auto r = loop.run(when_all(write_then_close(&a, big), read_all(&b)));
  ASSERT_TRUE(r);
  EXPECT_TRUE(std::get<0>(*r));
  EXPECT_EQ(std::get<1>(*r), big);
}

TEST_F(pipe_fixture, write_suspends_when_full_until_the_reader_drains) {
  pipe_options o;
  o.capacity = 16;
  auto [a, b] = make_pipe(o);
  std::string data(100, 'q');
  auto r = loop.run(when_all(write_then_close(&a, data), read_all(&b)));
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<1>(*r), data);
  EXPECT_GT(a.stats().reads[1], 5u);
}

task<result<void, flow_error>> write_only(pipe_end* e, std::size_t n) {
  std::string data(n, 'z');
  co_return co_await e->write(bytes::of(data));
}

TEST_F(pipe_fixture, a_full_pipe_stalls_a_writer_nobody_reads) {
  pipe_options o;
  o.capacity = 16;
  auto [a, b] = make_pipe(o);
  auto r = loop.run(with_timeout(1s, write_only(&a, 100)));
  ASSERT_TRUE(r);
  EXPECT_FALSE(*r);  // timed out
  EXPECT_EQ(b.readable(), 16u);
}

TEST_F(pipe_fixture, max_read_splits_reads) {
  pipe_options o;
  o.max_read = 3;
  auto [a, b] = make_pipe(o);
  auto r = loop.run(when_all(write_then_close(&a, "hello world"), read_all(&b)));
  ASSERT_TRUE(r);
  EXPECT_EQ(std::get<1>(*r), "hello world");
  EXPECT_EQ(a.stats().reads[1], 4u);
}

task<result<std::size_t, flow_error>> read_one(pipe_end* e) {
  std::byte buf[16];
  co_return co_await e->read(mut_bytes(buf, sizeof buf));
}

TEST_F(pipe_fixture, half_close_keeps_the_other_direction_open) {
  auto [a, b] = make_pipe();
  auto r = loop.run([](pipe_end* a, pipe_end* b) -> task<std::string> {
    (void)co_await a->shutdown(sig::shutdown_mode::write);
    auto eof = co_await read_one(b);
    if (!eof || *eof != 0) co_return "no eof";
    auto w = co_await b->write(bytes::of("reply"));
    if (!w) co_return "write failed";
    co_await b->close();
    co_return co_await read_all(a);
  }(&a, &b));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "reply");
}

TEST_F(pipe_fixture, writing_after_shutdown_fails_with_closed) {
  auto [a, b] = make_pipe();
  auto r = loop.run([](pipe_end* a) -> task<result<void, flow_error>> {
    (void)co_await a->shutdown(sig::shutdown_mode::write);
    co_return co_await a->write(bytes::of("x"));
  }(&a));
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), flow_error::closed);
}

TEST_F(pipe_fixture, abort_resets_both_ends_and_wakes_a_blocked_reader) {
  auto [a, b] = make_pipe();
  auto r = loop.run([](pipe_end* a, pipe_end* b) -> task<result<std::size_t, flow_error>> {
    task_group g;
    g.spawn([](pipe_end* a) -> task<void> {
      co_await yield_now{};
      a->abort();
    }(a));
    auto n = co_await read_one(b);
    co_await g.join();
    co_return n;
  }(&a, &b));
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), flow_error::reset);
}

TEST_F(pipe_fixture, dropping_an_end_without_close_resets_the_peer) {
  auto [a, b] = make_pipe();
  { pipe_end gone = std::move(a); }
  auto r = loop.run(read_one(&b));
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), flow_error::reset);
}

TEST_F(pipe_fixture, writing_to_a_closed_peer_is_reset) {
  auto [a, b] = make_pipe();
  auto r = loop.run([](pipe_end* a, pipe_end* b) -> task<result<void, flow_error>> {
    co_await b->close();
    co_return co_await a->write(bytes::of("late"));
  }(&a, &b));
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), flow_error::reset);
}

TEST_F(pipe_fixture, operations_after_close_fail_with_closed) {
  auto [a, b] = make_pipe();
  auto r = loop.run([](pipe_end* a) -> task<result<std::size_t, flow_error>> {
    co_await a->close();
    co_return co_await read_one(a);
  }(&a));
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), flow_error::closed);
}

TEST_F(pipe_fixture, a_cancelled_read_leaves_the_end_usable) {
  auto [a, b] = make_pipe();
  auto r = loop.run([](pipe_end* a, pipe_end* b) -> task<std::string> {
    auto first = co_await with_timeout(10ms, read_one(b));
    if (first) co_return "read did not time out";
    (void)co_await a->write(bytes::of("after"));
    co_await a->close();
    co_return co_await read_all(b);
  }(&a, &b));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "after");
}

TEST_F(pipe_fixture, endpoints_are_mirrored) {
  auto [a, b] = make_pipe();
  EXPECT_EQ(a.local(), b.remote());
  EXPECT_EQ(a.remote(), b.local());
}

}  // namespace
