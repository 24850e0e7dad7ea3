// Time as types: a monotonic instant, a wall-clock instant and a duration.
//
// Protocol state machines take the current time as an argument of these
// types and never read a clock themselves (see DESIGN.md). Both clocks count
// nanoseconds in 64 bits: the monotonic clock from an arbitrary origin (boot),
// the wall clock from the Unix epoch. Only <chrono>'s header-only parts are
// used, so this works in a freestanding image.
#pragma once

#include <chrono>
#include <cstdint>

namespace fata {

using duration = std::chrono::nanoseconds;
using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;
using namespace std::chrono_literals;

// The clock tags carry no `now()`: reading a clock is a device operation
// (fata::sig::mclock), so that no library code can read time behind the
// back of a state machine.
struct mono_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = fata::duration;
  using time_point = std::chrono::time_point<mono_clock, duration>;
  static constexpr bool is_steady = true;
};

struct wall_clock {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = fata::duration;
  using time_point = std::chrono::time_point<wall_clock, duration>;
  static constexpr bool is_steady = false;
};

// A point on the monotonic clock; only differences are meaningful.
using mono_time = mono_clock::time_point;
// A point in civil time, nanoseconds since 1970-01-01T00:00:00Z.
using wall_time = wall_clock::time_point;

// The latest representable instant: a deadline that never comes.
inline constexpr mono_time mono_never = mono_time::max();

constexpr mono_time mono_from_ns(std::int64_t ns) { return mono_time{duration{ns}}; }
constexpr std::int64_t to_ns(mono_time t) { return t.time_since_epoch().count(); }
constexpr std::int64_t to_ns(duration d) { return d.count(); }
constexpr wall_time wall_from_ns(std::int64_t ns) { return wall_time{duration{ns}}; }
constexpr std::int64_t to_ns(wall_time t) { return t.time_since_epoch().count(); }

// Saturating addition so that `now + timeout` with a huge timeout stays
// `mono_never` instead of wrapping into the past.
constexpr mono_time saturating_add(mono_time t, duration d) {
  if (d.count() > 0 && to_ns(t) > INT64_MAX - d.count()) return mono_never;
  return t + d;
}

// Broken-down UTC calendar time, for log timestamps and HTTP dates.
struct civil_time {
  int year;
  int month;   // 1..12
  int day;     // 1..31
  int hour;    // 0..23
  int minute;  // 0..59
  int second;  // 0..60
  int nanosecond;
  int weekday;  // 0 = Sunday
};

// Converts between wall time and UTC calendar fields (proleptic Gregorian,
// no leap seconds). Valid for years 1970..9999.
civil_time to_civil(wall_time t);
wall_time from_civil(const civil_time& c);

}  // namespace fata
