#include <fata/net/tcp/congestion.hpp>

namespace fata::net::tcp {

namespace {
// RFC 9438 §4.1.
constexpr double cubic_beta = 0.7;
constexpr double cubic_c = 0.4;
constexpr std::size_t infinite_ssthresh = std::size_t(1) << 40;

double seconds_of(duration d) { return double(to_ns(d)) * 1e-9; }
}  // namespace

double cube_root(double x) {
  if (x <= 0) return 0;
  // Start above the root (x >= 1: x itself; x < 1: 1) so Newton's steps
  // decrease monotonically to it.
  double r = x > 1 ? x : 1;
  for (int i = 0; i < 200; ++i) {
    const double next = (2 * r + x / (r * r)) / 3;
    if (next >= r) break;
    r = next;
  }
  return r;
}

congestion_control::congestion_control(congestion_algorithm algorithm, std::size_t mss)
    : _algorithm(algorithm), _mss(mss ? mss : 536), _cwnd(0), _ssthresh(infinite_ssthresh) {
  _cwnd = initial_window();
}

std::size_t congestion_control::initial_window() const {
  // RFC 6928 §2.
  const std::size_t upper = 10 * _mss;
  const std::size_t lower = 2 * _mss > 14600 ? 2 * _mss : 14600;
  return upper < lower ? upper : lower;
}

void congestion_control::set_mss(std::size_t mss, bool reset_window) {
  if (mss == 0) return;
  _mss = mss;
  if (reset_window) _cwnd = initial_window();
  if (_cwnd < _mss) _cwnd = _mss;
}

void congestion_control::on_ack(std::size_t acked, bool cwnd_limited, mono_time now,
                                duration srtt) {
  if (acked == 0 || !cwnd_limited) return;
  if (_cwnd < _ssthresh) {
    // RFC 5681 §3.1 with RFC 3465's byte counting, L = 2 SMSS.
    _cwnd += acked < 2 * _mss ? acked : 2 * _mss;
    return;
  }
  if (_algorithm == congestion_algorithm::cubic) {
    cubic_avoidance(acked, now, srtt);
  } else {
    reno_avoidance(acked);
  }
}

void congestion_control::reno_avoidance(std::size_t acked) {
  // RFC 5681 §3.1: one SMSS per window of acknowledged bytes.
  _acked_bytes += acked;
  if (_acked_bytes >= _cwnd) {
    _acked_bytes -= _cwnd;
    _cwnd += _mss;
  }
}

void congestion_control::cubic_avoidance(std::size_t acked, mono_time now, duration srtt) {
  const double mss = double(_mss);
  double cwnd = double(_cwnd) / mss + _cwnd_fraction;
  if (!_epoch_valid) {
    // RFC 9438 §4.2: a congestion-avoidance stage begins.
    _epoch_valid = true;
    _epoch_start = now;
    _cwnd_epoch = cwnd;
    if (_w_max < cwnd) {
      _w_max = cwnd;
      _k = 0;
    } else {
      _k = cube_root((_w_max - cwnd) / cubic_c);
    }
    _w_est = cwnd;
  }
  const double segments = double(acked) / mss;
  const double t = seconds_of(now - _epoch_start);
  const double rtt = seconds_of(srtt);
  auto w_cubic = [&](double at) {
    const double d = at - _k;
    return cubic_c * d * d * d + _w_max;
  };
  // RFC 9438 §4.3: the Reno-friendly estimate, alpha 1 once past W_max.
  const double alpha = _w_est >= _w_max ? 1.0 : 3 * (1 - cubic_beta) / (1 + cubic_beta);
  _w_est += alpha * segments / cwnd;
  if (w_cubic(t) < _w_est) {
    if (_w_est > cwnd) cwnd = _w_est;
  } else {
    // RFC 9438 §4.4/§4.5: grow toward W_cubic(t + RTT), at most 1.5x.
    double target = w_cubic(t + rtt);
    if (target < cwnd) target = cwnd;
    if (target > 1.5 * cwnd) target = 1.5 * cwnd;
    cwnd += (target - cwnd) / cwnd * segments;
  }
  const double whole = double(std::size_t(cwnd));
  _cwnd_fraction = cwnd - whole;
  _cwnd = std::size_t(whole) * _mss;
  if (_cwnd < _mss) _cwnd = _mss;
}

std::size_t congestion_control::on_loss(std::size_t flight, mono_time) {
  if (_algorithm == congestion_algorithm::cubic) {
    const double cwnd = double(_cwnd) / double(_mss);
    // RFC 9438 §4.7: fast convergence.
    _w_max = cwnd < _w_max ? cwnd * (1 + cubic_beta) / 2 : cwnd;
    const std::size_t cut = std::size_t(double(_cwnd) * cubic_beta);
    _ssthresh = cut > 2 * _mss ? cut : 2 * _mss;
    _epoch_valid = false;
    _cwnd_fraction = 0;
  } else {
    // RFC 5681 §3.2 eq. 4.
    const std::size_t half = flight / 2;
    _ssthresh = half > 2 * _mss ? half : 2 * _mss;
  }
  _acked_bytes = 0;
  return _ssthresh;
}

void congestion_control::on_timeout(std::size_t flight, mono_time now) {
  on_loss(flight, now);
  _cwnd = _mss;  // RFC 5681 §3.1: the loss window is one segment
}

void congestion_control::on_recovery_end(mono_time) {
  _cwnd = _ssthresh;
  _acked_bytes = 0;
  _epoch_valid = false;
}

void congestion_control::on_idle_restart() {
  const std::size_t iw = initial_window();
  if (_cwnd > iw) _cwnd = iw;
  _epoch_valid = false;
}

}  // namespace fata::net::tcp
