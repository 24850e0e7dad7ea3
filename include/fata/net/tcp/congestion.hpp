// Congestion control: the congestion window and slow-start threshold of one
// connection, grown on acknowledgements and cut on loss.
//
// Two algorithms, chosen per connection:
// - new_reno: slow start and congestion avoidance of RFC 5681 §3.1 with
//   byte counting (RFC 3465, L = 2 SMSS), the loss response of RFC 5681
//   §3.2 / RFC 6582.
// - cubic: RFC 9438, with beta 0.7, C 0.4, fast convergence (§4.7) and the
//   Reno-friendly region (§4.3); slow start as Reno.
//
// The class decides window sizes only. Loss detection, recovery (the
// NewReno inflation of RFC 6582, the pipe of RFC 6675) and the decision
// when to call which hook belong to the connection. The initial window is
// RFC 6928's IW10: min(10 SMSS, max(2 SMSS, 14600)). Times are passed in;
// no floating-point library function is used (the cube root is computed
// here), so the code runs freestanding.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fata/core/time.hpp>

namespace fata::net::tcp {

enum class congestion_algorithm : std::uint8_t { new_reno, cubic };

constexpr std::string_view describe(congestion_algorithm a) noexcept {
  return a == congestion_algorithm::cubic ? "cubic" : "newreno";
}
constexpr std::array<congestion_algorithm, 2> enum_values(congestion_algorithm) {
  return {congestion_algorithm::new_reno, congestion_algorithm::cubic};
}

class congestion_control {
 public:
  congestion_control(congestion_algorithm algorithm, std::size_t mss);

  congestion_algorithm algorithm() const { return _algorithm; }
  std::size_t cwnd() const { return _cwnd; }
  std::size_t ssthresh() const { return _ssthresh; }
  bool in_slow_start() const { return _cwnd < _ssthresh; }
  std::size_t mss() const { return _mss; }

  // The MSS changed (negotiated after the window was first set): the
  // window is recomputed when nothing was sent yet.
  void set_mss(std::size_t mss, bool reset_window);
  // For the recovery procedures of the connection (inflation, deflation).
  void set_cwnd(std::size_t cwnd) { _cwnd = cwnd < _mss ? _mss : cwnd; }

  // `acked` new bytes were acknowledged outside loss recovery. The window
  // grows only if the sender was limited by it (`cwnd_limited`), so that an
  // application-limited connection does not inflate it (RFC 7661 §4.1).
  void on_ack(std::size_t acked, bool cwnd_limited, mono_time now, duration srtt);
  // A loss detected by duplicate ACKs or SACK (RFC 5681 §3.2 step 2,
  // RFC 9438 §4.6): sets ssthresh and returns it; the connection then
  // sets cwnd as its recovery procedure says.
  std::size_t on_loss(std::size_t flight, mono_time now);
  // The retransmission timer expired (RFC 5681 §3.1 eq. 4, RFC 9438 §4.8):
  // ssthresh as for a loss, the window down to one segment.
  void on_timeout(std::size_t flight, mono_time now);
  // Loss recovery ended: cwnd = ssthresh and a new congestion-avoidance
  // epoch starts.
  void on_recovery_end(mono_time now);
  // The connection was idle longer than an RTO: RFC 5681 §4.1 restarts
  // from min(IW, cwnd).
  void on_idle_restart();

  // Exposed for tests: CUBIC's W_max and K, in segments and seconds.
  double cubic_w_max() const { return _w_max; }
  double cubic_k() const { return _k; }

  std::size_t initial_window() const;

 private:
  void reno_avoidance(std::size_t acked);
  void cubic_avoidance(std::size_t acked, mono_time now, duration srtt);

  congestion_algorithm _algorithm;
  std::size_t _mss;
  std::size_t _cwnd;
  std::size_t _ssthresh;
  std::size_t _acked_bytes = 0;  // congestion avoidance byte counter
  // CUBIC state (RFC 9438 §4), windows in segments.
  double _w_max = 0;
  double _k = 0;
  double _cwnd_epoch = 0;
  double _w_est = 0;
  double _cwnd_fraction = 0;  // sub-segment growth carried between ACKs
  mono_time _epoch_start{};
  bool _epoch_valid = false;
};

// The cube root of x >= 0 by Newton's method (no libm in an image).
double cube_root(double x);

}  // namespace fata::net::tcp
