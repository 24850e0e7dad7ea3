// Signatures: clocks and sleep.
//
// mclock: a monotonic clock, for measuring intervals and scheduling (never
// goes back, unrelated to civil time). pclock: the wall clock (POSIX time),
// for timestamps and certificates; it may jump. sleeper: suspends the
// calling task.
#pragma once

#include <concepts>

#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>

namespace fata::sig {

template <class C>
concept mclock = requires(C& c) {
  { c.now() } -> std::same_as<mono_time>;
};

template <class C>
concept pclock = requires(C& c) {
  { c.now() } -> std::same_as<wall_time>;
};

// `sleep(d)` suspends for `d`; errc::cancelled if the task is cancelled.
template <class S>
concept sleeper = requires(S& s, duration d) {
  { s.sleep(d) } -> std::same_as<task<wait_result>>;
};

}  // namespace fata::sig
