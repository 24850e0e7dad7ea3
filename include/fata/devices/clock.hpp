// Clock and sleep devices over the platform: the monotonic clock, the wall
// clock, and sleeping on the event loop's timers.
#pragma once

#include <fata/core/loop.hpp>
#include <fata/platform/abi.hpp>
#include <fata/sig/clock.hpp>

namespace fata::devices {

class mclock {
 public:
  mono_time now() const { return mono_from_ns(platform::monotonic_ns()); }
};

class pclock {
 public:
  wall_time now() const { return wall_from_ns(platform::wall_ns()); }
};

// Sleeps on the current loop (whose clock is the platform's in an image
// and a virtual one in tests).
class sleeper {
 public:
  task<wait_result> sleep(duration d) { co_return co_await fata::sleep(d); }
};

static_assert(sig::mclock<mclock>);
static_assert(sig::pclock<pclock>);
static_assert(sig::sleeper<sleeper>);

}  // namespace fata::devices
