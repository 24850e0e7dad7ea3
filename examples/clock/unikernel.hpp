// clock: the two clocks (MirageOS's device-usage/clock). The wall clock
// says what time it is; the monotonic clock measures how long a sleep
// took, and never goes back.
#pragma once

#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/clock.hpp>

namespace example {

inline fata::log::source clock_log{"clock", "The clock example"};

template <fata::sig::mclock Monotonic, fata::sig::pclock Wall, fata::sig::sleeper Sleeper>
struct clock {
  fata::task<int> start(Monotonic& monotonic, Wall& wall, Sleeper& sleeper) {
    const fata::civil_time now = fata::to_civil(wall.now());
    clock_log.info("wall clock: {:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", now.year, now.month, now.day,
                   now.hour, now.minute, now.second);
    if (now.year < 2020) {
      clock_log.error("the wall clock is not set");
      co_return 1;
    }
    fata::duration total{};
    for (int i = 0; i < 3; ++i) {
      const fata::mono_time before = monotonic.now();
      auto slept = co_await sleeper.sleep(fata::milliseconds(100));
      if (!slept) co_return 1;
      const fata::duration took = monotonic.now() - before;
      clock_log.info("monotonic clock: a 100ms sleep took {}", took);
      if (took < fata::milliseconds(100)) {
        clock_log.error("the sleep ended early");
        co_return 1;
      }
      total += took;
    }
    clock_log.info("monotonic clock: 3 sleeps took {} in all", total);
    co_return 0;
  }
};

}  // namespace example
