// Round-trip time estimation and the retransmission timeout (RFC 6298).
//
// `sample` feeds one measured RTT (the caller applies Karn's rule, RFC 6298
// §3: no samples from retransmitted segments unless timestamps disambiguate
// them, RFC 7323 §4). `rto()` is the current timeout with the exponential
// back-off applied: `back_off()` doubles it after a timeout (§5.5) and a new
// sample clears the back-off (§5.7 lets a sample reset it). The timeout is
// clamped to [min_rto, max_rto]; RFC 6298 §2.4 asks for a 1 s minimum and
// allows less, as Linux's 200 ms, which the configuration chooses.
#pragma once

#include <cstdint>

#include <fata/core/time.hpp>

namespace fata::net::tcp {

class rtt_estimator {
 public:
  rtt_estimator(duration initial_rto, duration min_rto, duration max_rto,
                duration granularity = 1ms)
      : _rto(initial_rto), _min(min_rto), _max(max_rto), _g(granularity) {}

  // RFC 6298 §2.2 and §2.3, with alpha = 1/8 and beta = 1/4.
  void sample(duration r) {
    if (r < duration::zero()) return;
    if (!_has_sample) {
      _srtt = r;
      _rttvar = r / 2;
      _has_sample = true;
    } else {
      const duration err = _srtt > r ? _srtt - r : r - _srtt;
      _rttvar = (_rttvar * 3 + err) / 4;
      _srtt = (_srtt * 7 + r) / 8;
    }
    const duration var = _g > _rttvar * 4 ? _g : _rttvar * 4;
    _rto = clamp(_srtt + var);
    _backoff = 0;
  }

  // RFC 6298 §5.5: doubles the timeout after it expired.
  void back_off() {
    if (_backoff < 16) ++_backoff;
  }
  // Whether a sample has arrived yet (RFC 6298 §5.7 resets to 3 s without).
  bool has_sample() const { return _has_sample; }
  std::uint32_t backoffs() const { return _backoff; }
  duration srtt() const { return _srtt; }
  duration rttvar() const { return _rttvar; }
  // The current timeout including back-off.
  duration rto() const {
    duration r = _rto;
    for (std::uint32_t i = 0; i < _backoff && r < _max; ++i) r *= 2;
    return clamp(r);
  }
  // The timeout without back-off.
  duration base_rto() const { return _rto; }

 private:
  duration clamp(duration r) const {
    if (r < _min) return _min;
    if (r > _max) return _max;
    return r;
  }
  duration _srtt{};
  duration _rttvar{};
  duration _rto;
  duration _min;
  duration _max;
  duration _g;
  std::uint32_t _backoff = 0;
  bool _has_sample = false;
};

}  // namespace fata::net::tcp
