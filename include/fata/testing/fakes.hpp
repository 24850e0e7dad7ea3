// Deterministic stand-ins for devices, for tests and simulations only.
//
// - `seeded_random` models sig::random with a reproducible stream (a
//   xorshift generator: NOT cryptographically secure, never for an image);
//   tests that run TLS over pipes use it so that every run is the same.
// - `failing_random` models a random device whose entropy source is gone.
// - `manual_pclock` models sig::pclock with a wall time the test sets.
#pragma once

#include <cstdint>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/random.hpp>

namespace fata::testing {

class seeded_random {
 public:
  explicit seeded_random(std::uint64_t seed = 0x9e3779b97f4a7c15ull) : _state(seed ? seed : 1) {}
  result<void, sig::random_error> fill(mut_bytes out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
      // xorshift64*: a reproducible stream for tests.
      _state ^= _state >> 12;
      _state ^= _state << 25;
      _state ^= _state >> 27;
      out.set_u8(i, static_cast<std::uint8_t>((_state * 0x2545f4914f6cdd1dull) >> 56));
    }
    return {};
  }

 private:
  std::uint64_t _state;
};

class failing_random {
 public:
  result<void, sig::random_error> fill(mut_bytes) {
    return unexpected(sig::random_error::no_entropy);
  }
};

class manual_pclock {
 public:
  explicit manual_pclock(wall_time t = wall_from_ns(1'767'225'600'000'000'000))  // 2026-01-01
      : _now(t) {}
  wall_time now() const { return _now; }
  void set(wall_time t) { _now = t; }
  void advance(duration d) { _now += d; }

 private:
  wall_time _now;
};

static_assert(sig::random<seeded_random>);
static_assert(sig::random<failing_random>);
static_assert(sig::pclock<manual_pclock>);

}  // namespace fata::testing
