// TCP's configuration and counters.
//
// `config` holds every tunable of the TCP layer and of the connections it
// creates, with defaults close to Linux's where the RFCs leave a choice.
// `config_from_keys()` reads the runtime keys of group TCP (`--tcp-mss`,
// `--tcp-congestion=cubic|newreno`, `--tcp-time-wait=30s`, ...; see
// `--help` of an image), which every image that links the TCP layer has.
//
// `stats` are the layer's counters, shared by its connections; every
// dropped segment is counted under the reason it was dropped.
#pragma once

#include <cstddef>
#include <cstdint>

#include <fata/core/fmt.hpp>
#include <fata/core/time.hpp>
#include <fata/net/tcp/congestion.hpp>

namespace fata::net::tcp {

struct config {
  // The MSS to announce and the largest payload to send; 0: from the route's
  // MTU (MTU - 40).
  std::size_t mss = 0;
  // Per-connection buffers: bounds on the bytes queued by the writer and
  // held for the reader (the receive window is at most this).
  std::size_t send_buffer = 256 * 1024;
  std::size_t receive_buffer = 256 * 1024;
  congestion_algorithm congestion = congestion_algorithm::cubic;
  bool window_scaling = true;  // RFC 7323 §2
  bool timestamps = true;      // RFC 7323 §3
  bool sack = true;            // RFC 2018
  bool nodelay = false;        // new connections start with Nagle off
  duration delayed_ack = 40ms;  // RFC 9293 §3.8.6.3 (< 500 ms)
  duration time_wait = 60s;     // 2 MSL (RFC 9293 §3.4.2 allows a shorter MSL)
  // An orphaned connection (closed by its user) in FIN-WAIT-2 is dropped
  // after this, as Linux does, so a peer cannot hold it forever.
  duration fin_wait_2_timeout = 60s;
  bool keepalive = false;       // RFC 9293 §3.8.4, off by default
  duration keepalive_idle = 2h;
  duration keepalive_interval = 75s;
  std::uint32_t keepalive_probes = 9;
  duration rto_initial = 1s;   // RFC 6298 §2.1
  duration rto_min = 200ms;    // RFC 6298 §2.4 asks 1 s; Linux uses 200 ms
  duration rto_max = 60s;      // RFC 6298 §2.5
  std::uint32_t syn_retries = 6;      // SYN retransmissions before connect fails
  std::uint32_t synack_retries = 5;   // SYN-ACK retransmissions of a passive open
  std::uint32_t max_retransmissions = 15;  // R2 of RFC 1122 §4.2.3.5
  std::size_t max_connections = 16384;     // every state, orphans included
  std::size_t syn_backlog = 256;           // half-open connections per listener
  std::size_t accept_backlog = 128;        // established, not yet accepted
  bool syn_cookies = true;                 // when the SYN backlog is full
  std::uint32_t challenge_ack_limit = 1000;  // per second, all connections (RFC 5961 §7)
  std::uint16_t ephemeral_first = 49152;     // RFC 6335 §6
  std::uint16_t ephemeral_last = 65535;
  std::size_t max_ooo_ranges = 32;   // out-of-order ranges held per connection
  std::size_t max_sack_ranges = 32;  // scoreboard ranges per connection
};

// The configuration given by the runtime keys (group TCP), over `base`.
config config_from_keys(config base = {});

struct stats {
  std::uint64_t segments_in = 0;
  std::uint64_t segments_out = 0;
  std::uint64_t bytes_in = 0;   // payload accepted in order
  std::uint64_t bytes_out = 0;  // payload sent, retransmissions included
  std::uint64_t retransmitted_segments = 0;
  std::uint64_t fast_retransmits = 0;  // loss recoveries entered
  std::uint64_t timeouts = 0;          // retransmission timer expiries
  std::uint64_t spurious_dupacks = 0;
  std::uint64_t zero_window_probes = 0;
  std::uint64_t keepalive_probes = 0;
  std::uint64_t delayed_acks = 0;
  std::uint64_t pure_acks_out = 0;
  std::uint64_t rst_out = 0;
  std::uint64_t rst_in = 0;
  std::uint64_t active_opens = 0;
  std::uint64_t passive_opens = 0;
  std::uint64_t established = 0;       // connections that reached ESTABLISHED
  std::uint64_t failed_opens = 0;      // refused or timed out
  std::uint64_t resets_received = 0;   // synchronized connections reset by the peer
  std::uint64_t connection_timeouts = 0;
  std::uint64_t reassembled_segments = 0;  // out-of-order segments held
  // Drops, by reason.
  std::uint64_t drop_malformed = 0;
  std::uint64_t drop_bad_checksum = 0;
  std::uint64_t drop_bad_flags = 0;      // SYN+FIN, SYN+RST, no flags...
  std::uint64_t drop_not_for_us = 0;     // broadcast, multicast or port 0
  std::uint64_t drop_no_connection = 0;  // answered with RST
  std::uint64_t drop_out_of_window = 0;  // sequence check failed (answered with ACK)
  std::uint64_t drop_paws = 0;           // RFC 7323 §5 old timestamp
  std::uint64_t drop_bad_ack = 0;        // ACK outside the RFC 5961 §5.2 range
  std::uint64_t drop_no_ack = 0;         // synchronized state, ACK bit off
  std::uint64_t drop_ooo_full = 0;       // no room for another out-of-order range
  std::uint64_t drop_no_memory = 0;      // a buffer could not grow
  std::uint64_t drop_after_close = 0;    // data for a closed reader (answered with RST)
  std::uint64_t drop_syn_backlog = 0;    // SYN with the backlog full and no cookies
  std::uint64_t drop_accept_queue = 0;   // SYN or cookie ACK with the accept queue full
  std::uint64_t drop_table_full = 0;     // max_connections reached
  std::uint64_t rst_ignored = 0;         // RST outside the window (RFC 5961 §3)
  std::uint64_t challenge_acks = 0;      // RFC 5961 §3-5
  std::uint64_t challenge_acks_limited = 0;  // suppressed by the rate limit
  std::uint64_t syn_cookies_sent = 0;
  std::uint64_t syn_cookies_accepted = 0;
  std::uint64_t syn_cookies_rejected = 0;
  std::uint64_t timer_spins = 0;  // a bug guard: a deadline due with nothing to do (must stay 0)
};

// Every counter as "tcp.name value" lines.
void format_stats(format_sink& out, const stats& s);

// RFC 5961 §7: one limit on challenge ACKs for all connections, counted
// per second of the time passed in.
class challenge_limiter {
 public:
  explicit challenge_limiter(std::uint32_t per_second) : _limit(per_second) {}
  bool allow(mono_time now) {
    if (now - _window_start >= 1s || now < _window_start) {
      _window_start = now;
      _sent = 0;
    }
    if (_sent >= _limit) return false;
    ++_sent;
    return true;
  }
  void set_limit(std::uint32_t per_second) { _limit = per_second; }

 private:
  std::uint32_t _limit;
  std::uint32_t _sent = 0;
  mono_time _window_start{};
};

}  // namespace fata::net::tcp
