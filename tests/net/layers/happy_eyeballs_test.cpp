// Happy Eyeballs (RFC 8305) over a scripted stack on the virtual clock:
// the family interleaving, the attempt delay, a failure starting the next
// attempt at once, the first connection winning and a late one closed.
#include <fata/net/happy_eyeballs.hpp>

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace {

using namespace fata;
using namespace std::chrono_literals;
using sig::flow_error;
using sig::ip_endpoint;

const ip_endpoint v6a{*ipv6_addr::parse("2001:db8::a"), port(443)};
const ip_endpoint v6b{*ipv6_addr::parse("2001:db8::b"), port(443)};
const ip_endpoint v4a{ipv4_addr(192, 0, 2, 1), port(443)};
const ip_endpoint v4b{ipv4_addr(192, 0, 2, 2), port(443)};

// A stack whose connects take the scripted time, then succeed or fail.
struct scripted_stack {
  struct outcome {
    duration after;
    bool ok;
  };
  struct flow {
    ip_endpoint to;
    int* closed;
    task<void> close() {
      ++*closed;
      co_return;
    }
  };
  using tcp_flow = flow;

  std::vector<std::pair<ip_endpoint, outcome>> script;
  std::vector<std::pair<ip_endpoint, duration>> attempts;  // when each began
  mono_time start = loop::current().now();
  int closed = 0;
  int cancelled = 0;

  task<result<flow, flow_error>> tcp_connect(ip_endpoint to) {
    attempts.emplace_back(to, loop::current().now() - start);
    outcome o{1h, false};  // unscripted: a black hole
    for (auto& [e, x] : script)
      if (e == to) o = x;
    auto slept = co_await sleep(o.after);
    if (!slept) {
      ++cancelled;
      co_return unexpected(flow_error::cancelled);
    }
    if (!o.ok) co_return unexpected(flow_error::refused);
    co_return flow{to, &closed};
  }
};

struct happy_eyeballs : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
};

std::vector<ip_endpoint> endpoints_of(const scripted_stack& s) {
  std::vector<ip_endpoint> out;
  for (auto& [e, _] : s.attempts) out.push_back(e);
  return out;
}

task<result<scripted_stack::flow, flow_error>> connect(scripted_stack* s, std::vector<ip_endpoint> list) {
  co_return co_await net::connect_happily(*s, std::span<const ip_endpoint>(list));
}

TEST(happy_eyeballs_order, families_alternate_from_the_first_keeping_each_ones_order) {
  const std::vector<ip_endpoint> sorted{v6a, v6b, v4a, v4b};
  EXPECT_EQ(net::interleave_families(sorted), (std::vector<ip_endpoint>{v6a, v4a, v6b, v4b}));
  const std::vector<ip_endpoint> v4_first{v4a, v6a, v6b};
  EXPECT_EQ(net::interleave_families(v4_first), (std::vector<ip_endpoint>{v4a, v6a, v6b}));
  const std::vector<ip_endpoint> one_family{v4a, v4b};
  EXPECT_EQ(net::interleave_families(one_family), one_family);
}

TEST_F(happy_eyeballs, a_prompt_first_address_is_the_only_attempt) {
  scripted_stack s;
  s.script = {{v6a, {20ms, true}}};
  auto r = loop.run(connect(&s, {v6a, v4a}));
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->to, v6a);
  EXPECT_EQ(endpoints_of(s), (std::vector<ip_endpoint>{v6a}));
}

TEST_F(happy_eyeballs, a_black_holed_ipv6_address_yields_to_ipv4_after_the_attempt_delay) {
  scripted_stack s;
  s.script = {{v4a, {30ms, true}}};  // v6a never answers
  auto r = loop.run(connect(&s, {v6a, v4a}));
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->to, v4a);
  ASSERT_EQ(s.attempts.size(), 2u);
  EXPECT_EQ(s.attempts[1].second, 250ms);
  // The IPv4 connection won 280 ms in; the IPv6 attempt was cancelled.
  EXPECT_EQ(loop.now() - s.start, 280ms);
  EXPECT_EQ(s.cancelled, 1);
}

TEST_F(happy_eyeballs, a_refused_attempt_starts_the_next_at_once) {
  scripted_stack s;
  s.script = {{v6a, {10ms, false}}, {v4a, {10ms, true}}};
  auto r = loop.run(connect(&s, {v6a, v4a}));
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->to, v4a);
  EXPECT_EQ(s.attempts[1].second, 10ms);
}

TEST_F(happy_eyeballs, attempts_run_on_and_the_first_to_connect_wins_the_late_one_is_closed) {
  scripted_stack s;
  // v6a answers at 400 ms, after v4a started (250 ms) but before v4a (at 650 ms).
  s.script = {{v6a, {400ms, true}}, {v4a, {400ms, true}}};
  auto r = loop.run(connect(&s, {v6a, v4a}));
  ASSERT_TRUE(r && *r);
  EXPECT_EQ((*r)->to, v6a);
  EXPECT_EQ(s.cancelled, 1);  // v4a, still connecting
  EXPECT_EQ(s.closed, 0);
  // Two answering at the same instant: one wins, the other is closed.
  scripted_stack t;
  t.script = {{v6a, {350ms, true}}, {v4a, {100ms, true}}};
  auto both = loop.run(connect(&t, {v6a, v4a}));
  ASSERT_TRUE(both && *both);
  EXPECT_EQ(t.closed + t.cancelled, 1);
}

TEST_F(happy_eyeballs, every_attempt_failing_returns_the_last_error_and_an_empty_list_is_unreachable) {
  scripted_stack s;
  s.script = {{v6a, {5ms, false}}, {v4a, {5ms, false}}, {v6b, {5ms, false}}};
  auto r = loop.run(connect(&s, {v6a, v6b, v4a}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error(), flow_error::refused);
  EXPECT_EQ(endpoints_of(s), (std::vector<ip_endpoint>{v6a, v4a, v6b}));
  auto none = loop.run(connect(&s, {}));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->error(), flow_error::unreachable);
}

}  // namespace
