// A token bucket: `rate` tokens a second up to `burst`, the time passed
// in. The ICMP layers draw one token per echo reply or error they send
// (RFC 1812 §4.3.2.8, RFC 4443 §2.4 (f)), so a flood cannot make the
// stack send without bound.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

#include <fata/core/time.hpp>

namespace fata::net {

class token_bucket {
 public:
  token_bucket(std::uint32_t rate, std::uint32_t burst) : _rate(rate), _burst(burst), _tokens(burst) {}

  // Takes a token if one is left at `now`.
  bool take(mono_time now) {
    if (!_started) {
      _started = true;
      _last = now;
    }
    if (now > _last) {
      const double elapsed = std::chrono::duration<double>(now - _last).count();
      _tokens = std::min<double>(_burst, _tokens + elapsed * _rate);
      _last = now;
    }
    if (_tokens < 1.0) return false;
    _tokens -= 1.0;
    return true;
  }

 private:
  std::uint32_t _rate;
  std::uint32_t _burst;
  double _tokens;
  mono_time _last{};
  bool _started = false;
};

}  // namespace fata::net
