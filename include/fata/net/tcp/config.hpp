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
#include <fata/core/splitmix.hpp>
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
  // RFC 5961 §7: challenge ACKs per second for all connections together.
  // The budget of each second is drawn from [limit/2, 3*limit/2) so that
  // an off-path attacker cannot count it to learn whether a guess hit a
  // connection (CVE-2016-5696); 0 sends none.
  std::uint32_t challenge_ack_limit = 1000;
  // Per connection: at most one challenge ACK, and one ACK for an
  // out-of-window segment without data, per interval (Linux's
  // tcp_invalid_ratelimit), so that neither ACK loops nor floods of bad
  // segments make a connection a reflector.
  duration invalid_ack_interval = 500ms;
  // Orphans: connections that their user closed and that finish in the
  // background (FIN-WAIT-1, CLOSING, LAST-ACK, FIN-WAIT-2). A peer must not
  // be able to hold one, with its send buffer, for ever:
  // - orphan_retries bounds the retransmissions and the zero-window probes
  //   of an orphan, and probes count even when the peer answers them (it
  //   can answer every probe with a zero window), as Linux's
  //   tcp_orphan_retries;
  // - orphan_timeout bounds an orphan's whole life, whatever the peer does
  //   (a peer that opens its window by one byte now and then);
  // - max_orphans and orphan_memory bound them all together: beyond
  //   either, the oldest orphan is reset (Linux: tcp_max_orphans and the
  //   tcp_mem pressure that kills orphans).
  std::uint32_t orphan_retries = 8;
  duration orphan_timeout = 120s;
  std::size_t max_orphans = 4096;
  std::size_t orphan_memory = 0;  // buffer bytes of every orphan; 0: a quarter of memory_limit
  // Connections in TIME-WAIT at most (Linux's tcp_max_tw_buckets): beyond,
  // the oldest ends at once. A flood of short connections that fata
  // closes first would otherwise fill the table with them.
  std::size_t max_time_wait = 4096;
  // The buffer storage of every connection together (Linux's tcp_mem): a
  // buffer that would grow beyond it does not (a received segment is
  // dropped, a write waits); every connection's own state is charged
  // too (a SYN that finds it spent ends the oldest TIME-WAIT or orphan to
  // make room, or is dropped when there is none). 0: a quarter of the heap beyond its reserve
  // (core/budget.hpp), or 256 MiB where the heap size is unknown (hosted).
  std::size_t memory_limit = 0;
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
  std::uint64_t path_mtu_reductions = 0;   // connections whose MSS a Packet Too Big lowered
  std::uint64_t path_mtu_ignored = 0;      // ones about no connection, or nothing in flight
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
  std::uint64_t challenge_acks_limited = 0;  // suppressed by the global rate limit
  std::uint64_t invalid_acks_limited = 0;    // suppressed by the per-connection limit
  std::uint64_t orphan_timeouts = 0;         // orphans reset: retries, probes or lifetime spent
  std::uint64_t orphans_dropped = 0;         // orphans reset: too many, or their memory too large
  std::uint64_t time_wait_dropped = 0;       // TIME-WAIT ended early: more than max_time_wait
  std::uint64_t syn_cookies_sent = 0;
  std::uint64_t syn_cookies_accepted = 0;
  std::uint64_t syn_cookies_rejected = 0;
  std::uint64_t timer_spins = 0;  // a bug guard: a deadline due with nothing to do (must stay 0)
};

// Every counter as "tcp.name value" lines.
void format_stats(format_sink& out, const stats& s);

// RFC 5961 §7: one limit on challenge ACKs for all connections, counted
// per second of the time passed in. Each second's budget is drawn at
// random from [limit/2, 3*limit/2) (a generator seeded from the layer's
// secret), so that the count an attacker can observe says nothing about
// how many challenge ACKs other connections sent (CVE-2016-5696).
class challenge_limiter {
 public:
  explicit challenge_limiter(std::uint32_t per_second, std::uint64_t seed = 0)
      : _limit(per_second), _random(seed) {}
  bool allow(mono_time now) {
    if (now - _window_start >= 1s || now < _window_start || !_started) {
      _started = true;
      _window_start = now;
      _sent = 0;
      _budget = draw_budget();
    }
    if (_sent >= _budget) return false;
    ++_sent;
    return true;
  }
  void set_limit(std::uint32_t per_second) {
    _limit = per_second;
    _started = false;
  }
  // This second's budget (for tests).
  std::uint32_t budget() const { return _budget; }

 private:
  std::uint32_t draw_budget() {
    if (_limit == 0) return 0;
    // Not for keys, only to keep the budget from being counted.
    const std::uint32_t half = (_limit + 1) / 2;
    return half + static_cast<std::uint32_t>(_random.below(_limit));
  }

  std::uint32_t _limit;
  splitmix64 _random;
  std::uint32_t _budget = 0;
  std::uint32_t _sent = 0;
  mono_time _window_start{};
  bool _started = false;
};

}  // namespace fata::net::tcp
