// tasks: running tasks together (MirageOS's tutorial/lwt: heads1, heads2,
// timeout1, timeout2), with fata's combinators:
// - when_all waits for every task;
// - when_any takes the first to finish and cancels the others;
// - with_timeout gives a task a deadline, cancelling it when it passes;
// - task_group runs a set of tasks that are cancelled and joined together.
// A cancelled task is woken at its suspension point with errc::cancelled
// and unwinds normally: every combinator returns only once its tasks have.
//
// Every coroutine here is a named member function (no lambda coroutines),
// and no co_await sits inside an if/while condition (see
// docs/contributing.md).
#pragma once

#include <string>
#include <utility>
#include <variant>

#include <fata/core/join.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/clock.hpp>

namespace example {

inline fata::log::source tasks_log{"tasks", "The tasks example"};

template <fata::sig::mclock Clock, fata::sig::sleeper Sleeper>
class tasks {
 public:
  fata::task<int> start(Clock& clock, Sleeper& sleeper) {
    _clock = &clock;
    _sleeper = &sleeper;
    // Each result is awaited into a variable first (see the GCC 12 note).
    const bool passed[] = {co_await heads1(), co_await heads2(), co_await timeout1(),
                           co_await timeout2(), co_await group()};
    int failed = 0;
    for (bool p : passed) failed += p ? 0 : 1;
    if (failed != 0) {
      tasks_log.error("{} of 5 checks failed", failed);
      co_return 1;
    }
    tasks_log.info("all 5 checks passed");
    co_return 0;
  }

 private:
  // Sleeps for `d`, then says `name` and returns it; returns "" if
  // cancelled first.
  fata::task<std::string> flip(fata::duration d, std::string name) {
    auto slept = co_await _sleeper->sleep(d);
    if (!slept) {
      tasks_log.info("{}: cancelled", name);
      co_return std::string();
    }
    tasks_log.info("{}", name);
    co_return name;
  }

  fata::duration since(fata::mono_time t) const { return _clock->now() - t; }

  // Both tasks run at once: the join takes as long as the longer one.
  fata::task<bool> heads1() {
    const auto begin = _clock->now();
    auto [heads, tails] =
        co_await fata::when_all(flip(fata::milliseconds(20), "Heads"), flip(fata::milliseconds(40), "Tails"));
    const auto took = since(begin);
    tasks_log.info("when_all: {} and {} after {}", heads, tails, took);
    co_return heads == "Heads" && tails == "Tails" && took >= fata::milliseconds(40) &&
        took < fata::milliseconds(60 + 40);
  }

  // The first to finish wins; the other is cancelled and awaited.
  fata::task<bool> heads2() {
    const auto begin = _clock->now();
    auto winner =
        co_await fata::when_any(flip(fata::milliseconds(20), "Heads"), flip(fata::seconds(5), "Tails"));
    const auto took = since(begin);
    const std::string& name = winner.index() == 0 ? std::get<0>(winner) : std::get<1>(winner);
    tasks_log.info("when_any: {} won after {}", name, took);
    co_return winner.index() == 0 && name == "Heads" && took < fata::seconds(1);
  }

  // A task that finishes before its deadline gives its value.
  fata::task<bool> timeout1() {
    auto r = co_await fata::with_timeout(fata::milliseconds(500), flip(fata::milliseconds(20), "Heads"));
    if (!r) {
      tasks_log.info("with_timeout: {}", r.error());
      co_return false;
    }
    tasks_log.info("with_timeout: returned {}", *r);
    co_return *r == "Heads";
  }

  // A task still running at its deadline is cancelled: timed out.
  fata::task<bool> timeout2() {
    const auto begin = _clock->now();
    auto r = co_await fata::with_timeout(fata::milliseconds(30), flip(fata::seconds(5), "Tails"));
    const auto took = since(begin);
    if (r) {
      tasks_log.info("with_timeout: returned {}", *r);
      co_return false;
    }
    tasks_log.info("with_timeout: {} after {}", r.error(), took);
    co_return r.error() == fata::errc::timed_out && took < fata::seconds(1);
  }

  fata::task<void> worker(int id, fata::duration d, int* finished, int* cancelled) {
    auto slept = co_await _sleeper->sleep(d);
    if (slept) {
      ++*finished;
      tasks_log.info("worker {}: finished", id);
    } else {
      ++*cancelled;
      tasks_log.info("worker {}: cancelled", id);
    }
  }

  // Three workers; the group is cancelled while two still run, then joined.
  fata::task<bool> group() {
    int finished = 0;
    int cancelled = 0;
    fata::task_group workers;
    workers.spawn(worker(1, fata::milliseconds(10), &finished, &cancelled));
    workers.spawn(worker(2, fata::seconds(5), &finished, &cancelled));
    workers.spawn(worker(3, fata::seconds(5), &finished, &cancelled));
    auto slept = co_await _sleeper->sleep(fata::milliseconds(50));
    workers.cancel();
    co_await workers.join();
    tasks_log.info("task_group: {} finished, {} cancelled", finished, cancelled);
    co_return slept && finished == 1 && cancelled == 2;
  }

  Clock* _clock = nullptr;
  Sleeper* _sleeper = nullptr;
};

}  // namespace example
