// Connecting to a host with several addresses, IPv6 and IPv4, the way
// RFC 8305 (Happy Eyeballs v2) prescribes: the addresses are interleaved
// by family (§4: the preferred family first, then alternating, with a
// First Address Family Count of one), one attempt starts, and the next
// starts when it fails or after the Connection Attempt Delay (§5: 250 ms
// by default, kept within the 100 ms to 2 s §5 allows), earlier attempts
// running on. The first connection established wins; the attempts still
// running are cancelled and awaited, and a connection that completes
// after the winner is closed.
//
//   auto flow = co_await fata::net::connect_happily(stack, endpoints);
//
// The endpoints come in the order the resolver sorted them (RFC 6724);
// interleave_families keeps that order within each family. Works over any
// stack whose tcp_connect takes an ip_endpoint (sig::stackv4v6, and
// sig::stackv4 for IPv4 lists).
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include <fata/core/join.hpp>
#include <fata/core/loop.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/stack.hpp>

namespace fata::net {

struct happy_eyeballs_config {
  // RFC 8305 §5's Connection Attempt Delay, clamped to [100 ms, 2 s].
  duration attempt_delay = std::chrono::milliseconds(250);
};

// RFC 8305 §4: the family of the first endpoint first, then alternating
// while both last; the order within a family kept.
inline std::vector<sig::ip_endpoint> interleave_families(std::span<const sig::ip_endpoint> endpoints) {
  std::vector<sig::ip_endpoint> first, other;
  for (const sig::ip_endpoint& e : endpoints) {
    if (e.address.family() == endpoints.front().address.family()) first.push_back(e);
    else other.push_back(e);
  }
  std::vector<sig::ip_endpoint> out;
  out.reserve(endpoints.size());
  for (std::size_t i = 0; i < std::max(first.size(), other.size()); ++i) {
    if (i < first.size()) out.push_back(first[i]);
    if (i < other.size()) out.push_back(other[i]);
  }
  return out;
}

namespace detail {

template <class Flow>
struct eyeballs_race {
  std::optional<Flow> winner;
  sig::flow_error last_error = sig::flow_error::unreachable;
  std::size_t running = 0;
  wait_queue changed;
};

template <class Stack, class Flow>
task<void> eyeballs_attempt(Stack* stack, sig::ip_endpoint to, eyeballs_race<Flow>* race) {
  auto f = co_await stack->tcp_connect(to);
  --race->running;
  if (f && !race->winner) {
    race->winner.emplace(std::move(*f));
  } else if (f) {
    co_await f->close();  // too late: another attempt won
  } else if (f.error() != sig::flow_error::cancelled) {
    race->last_error = f.error();
  }
  race->changed.notify_all();
}

}  // namespace detail

// Connects to the first of `endpoints` to answer, in Happy Eyeballs order.
// Errors: the last attempt's error when every one failed (unreachable for
// an empty list), cancelled.
template <class Stack>
  requires requires(Stack& s, sig::ip_endpoint e) { s.tcp_connect(e); }
task<result<typename Stack::tcp_flow, sig::flow_error>> connect_happily(Stack& stack,
                                                                        std::span<const sig::ip_endpoint> endpoints,
                                                                        happy_eyeballs_config cfg = {}) {
  using flow_type = typename Stack::tcp_flow;
  const duration delay = std::clamp<duration>(cfg.attempt_delay, std::chrono::milliseconds(100), std::chrono::seconds(2));
  const std::vector<sig::ip_endpoint> order =
      endpoints.empty() ? std::vector<sig::ip_endpoint>{} : interleave_families(endpoints);
  detail::eyeballs_race<flow_type> race;
  task_group attempts;
  std::size_t next = 0;
  bool cancelled = false;
  while (!race.winner) {
    if (next < order.size()) {
      ++race.running;
      if (!attempts.spawn(detail::eyeballs_attempt<Stack, flow_type>(&stack, order[next], &race))) {
        --race.running;
        race.last_error = sig::flow_error::no_memory;
      }
      ++next;
    }
    if (race.winner || (race.running == 0 && next == order.size())) break;
    // Until an attempt ends, or (with addresses left) the delay passes.
    const mono_time until = next < order.size() ? loop::current().now() + delay : mono_never;
    auto woken = co_await race.changed.wait_until(until);
    if (!woken && woken.error() == errc::cancelled) {
      cancelled = true;
      break;
    }
    // A wake is a won or failed attempt or the delay's end: a failure
    // makes room for the next attempt at once (§5), as the delay does.
  }
  attempts.cancel();
  co_await attempts.join();
  if (cancelled) co_return unexpected(sig::flow_error::cancelled);
  if (race.winner) co_return std::move(*race.winner);
  co_return unexpected(race.last_error);
}

}  // namespace fata::net
