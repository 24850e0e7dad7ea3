// One TCP connection as a pure state machine (RFC 9293 §3.10), in the
// manner of smoltcp's socket: no I/O, no clock reads, no timers of its
// own. The caller feeds it
//   - received segments, already parsed and checksummed (`on_segment`),
//   - the user's calls (`send`, `recv`, `shutdown_write`, `close`, `abort`),
//   - the current time with every call,
// and drains what it wants sent with `poll_output` (one segment per call,
// timers that expired at `now` handled first) until it returns false; then
// `poll_at()` says when it next needs a `poll_output` call even if nothing
// arrives.
//
// What is implemented, with the RFC section next to the code:
// the whole state machine including simultaneous open and close,
// half-close and TIME-WAIT; RST handling with RFC 5961 protection against
// blind RST, SYN and data injection (challenge ACKs, rate limited across
// connections); MSS negotiation; window scaling, timestamps with RTTM and
// PAWS (RFC 7323); SACK (RFC 2018) and SACK-based loss recovery (RFC 6675);
// NewReno fast retransmit and recovery (RFC 5681, RFC 6582) without SACK;
// limited transmit (RFC 3042); RTO per RFC 6298 with Karn's rule and
// back-off; NewReno or CUBIC congestion control; Nagle's algorithm and
// sender/receiver silly-window avoidance; delayed ACKs; keepalive; the
// persist timer with zero-window probes; bounded send and receive buffers.
// Urgent data is not supported as such: the urgent pointer is ignored and
// the bytes are delivered in line (RFC 6093 §5 recommends against it).
//
// Buffers: the send buffer accepts at most config::send_buffer bytes
// (`send` returns how many it took: backpressure), the receive buffer holds
// at most config::receive_buffer bytes and the advertised window never
// exceeds its free space, so a peer cannot make it grow.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/time.hpp>
#include <fata/net/tcp/config.hpp>
#include <fata/net/tcp/congestion.hpp>
#include <fata/net/tcp/ranges.hpp>
#include <fata/net/tcp/ring.hpp>
#include <fata/net/tcp/rtt.hpp>
#include <fata/net/tcp/sack.hpp>
#include <fata/net/tcp/secret.hpp>
#include <fata/net/tcp/seq.hpp>
#include <fata/net/tcp/wire.hpp>

namespace fata::net::tcp {

// RFC 9293 §3.3.2.
enum class state : std::uint8_t {
  closed,
  listen,
  syn_sent,
  syn_received,
  established,
  fin_wait_1,
  fin_wait_2,
  close_wait,
  closing,
  last_ack,
  time_wait,
};
inline constexpr std::size_t state_count = 11;

constexpr std::string_view describe(state s) noexcept {
  switch (s) {
    case state::closed: return "CLOSED";
    case state::listen: return "LISTEN";
    case state::syn_sent: return "SYN-SENT";
    case state::syn_received: return "SYN-RECEIVED";
    case state::established: return "ESTABLISHED";
    case state::fin_wait_1: return "FIN-WAIT-1";
    case state::fin_wait_2: return "FIN-WAIT-2";
    case state::close_wait: return "CLOSE-WAIT";
    case state::closing: return "CLOSING";
    case state::last_ack: return "LAST-ACK";
    case state::time_wait: return "TIME-WAIT";
  }
  return "?";
}

// Why a connection ended abnormally.
enum class close_reason : std::uint8_t {
  none = 0,
  reset,      // the peer sent an acceptable RST
  refused,    // RST in answer to our SYN
  timed_out,  // retransmissions, SYN retries, keepalive or probes exhausted
  aborted,    // the user aborted (RST sent)
};

constexpr std::string_view describe(close_reason r) noexcept {
  switch (r) {
    case close_reason::none: return "none";
    case close_reason::reset: return "reset by peer";
    case close_reason::refused: return "refused";
    case close_reason::timed_out: return "timed out";
    case close_reason::aborted: return "aborted";
  }
  return "?";
}

// A segment the connection wants sent: the header (payload left empty)
// and the payload as up to two views into the send buffer, valid until
// the next call on the connection.
struct segment_out {
  repr header;
  std::array<bytes, 2> payload;
  std::size_t payload_size() const { return payload[0].size() + payload[1].size(); }
};

// A reset to send for a segment that the connection refuses outright (an
// unacceptable ACK in SYN-SENT or SYN-RECEIVED, RFC 9293 §3.10.7.3/4):
// <SEQ=seq><CTL=RST>, or <SEQ=seq><ACK=ack><CTL=RST,ACK> when `with_ack`.
struct rst_reply {
  seq_number seq;
  seq_number ack;
  bool with_ack = false;
};

// The window-scale shift announced for a receive buffer of
// config::receive_buffer bytes (RFC 7323 §2.3): the smallest that makes
// the buffer fit the 16-bit window field; 0 without window scaling.
std::uint8_t receive_window_shift(const config& cfg);

// What a connection shares with the layer that owns it.
struct environment {
  const config* cfg = nullptr;
  stats* counters = nullptr;
  challenge_limiter* limiter = nullptr;
  // Where the buffers' storage is charged (null: nowhere).
  memory_budget* memory = nullptr;
};

class connection {
 public:
  // Empty buffers give their storage back after this long without traffic.
  static constexpr duration buffer_idle_release = 1s;

  // `local_mss`: the MSS to announce and the largest payload the route
  // carries (MTU - 40). `ts_offset`: added to the millisecond clock for
  // this connection's TSval (RFC 7323 §7.1).
  connection(environment env, four_tuple tuple, std::size_t local_mss, std::uint32_t ts_offset);
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  // --- opening -------------------------------------------------------
  // Active open: SYN-SENT; the SYN goes out with the next poll_output.
  void open_active(seq_number iss, mono_time now);
  // Passive open on a listener's SYN: SYN-RECEIVED; the SYN-ACK goes out
  // with the next poll_output.
  void open_passive(const repr& syn, seq_number iss, mono_time now);
  // A handshake completed by a valid SYN cookie (no SYN-RECEIVED state was
  // kept): ESTABLISHED from the client's ACK `ack` (feed `ack` to
  // on_segment afterwards for any data it carries). `wscale` empty: the
  // client did not offer window scaling (or no timestamps carried it).
  void open_from_cookie(const repr& ack, std::uint16_t peer_mss, std::optional<std::uint8_t> wscale,
                        bool sack, mono_time now);

  // --- input ---------------------------------------------------------
  // One segment for this connection. Returns a reset to send when the
  // segment must be refused with one (the layer sends it; the connection
  // state is unchanged).
  std::optional<rst_reply> on_segment(const repr& seg, mono_time now);

  // --- output --------------------------------------------------------
  // Handles timers due at `now`, then fills `out` with the next segment to
  // send and returns true, or returns false when there is nothing to send.
  bool poll_output(mono_time now, segment_out& out);
  // When poll_output must next be called if nothing else happens
  // (mono_never: never).
  mono_time poll_at() const;

  // --- the user ------------------------------------------------------
  // Queues up to send_free() bytes; returns how many were taken (0 if the
  // buffer is full or sending was shut down).
  std::size_t send(bytes data);
  // Copies up to out.size() received bytes; 0 if none are ready.
  std::size_t recv(mut_bytes out, mono_time now);
  std::size_t send_free() const;
  std::size_t send_queued() const { return _send_buf.size(); }
  std::size_t recv_available() const { return _recv_buf.size(); }
  // The peer finished sending and every byte was read.
  bool recv_finished() const { return _fin_received && _recv_buf.empty(); }
  // Sending is possible (state allows and shutdown_write not called).
  bool may_send() const;
  // Queues a FIN after the data (half-close).
  void shutdown_write(mono_time now);
  // Stops reading: later data is discarded (acknowledged, not delivered).
  void shutdown_read();
  // Closes both directions: a FIN after the data, or a RST at once if
  // received data was left unread (RFC 9293 §3.10.4, RFC 2525 §2.17).
  // Data arriving afterwards is answered with RST.
  void close(mono_time now);
  // Sends a RST (in synchronized states) and goes to CLOSED.
  void abort();
  void set_nodelay(bool on) { _nodelay = on; }
  // The path carries at most `mss` bytes of TCP payload now (a Packet Too
  // Big, RFC 8201 §5.4) about the segment at `seq`, which must be in
  // flight (RFC 5927 §4.1; false otherwise, or if `mss` is no smaller):
  // segments shrink, and what is in flight is sent again at the new
  // size, with no congestion response, since no congestion lost it.
  bool path_mtu_reduced(std::size_t mss, seq_number seq, mono_time now);
  bool nodelay() const { return _nodelay; }

  // --- what it is ----------------------------------------------------
  tcp::state state() const { return _state; }
  close_reason reason() const { return _reason; }
  const four_tuple& tuple() const { return _tuple; }
  bool is_closed() const { return _state == state::closed; }
  // ESTABLISHED or later (the handshake completed at some point).
  bool was_established() const { return _was_established; }
  bool user_closed() const { return _user_closed; }
  // Closed by its user and still finishing in the background (FIN-WAIT-1,
  // FIN-WAIT-2, CLOSING, LAST-ACK): config's orphan bounds apply.
  bool orphaned() const;
  // TIME-WAIT may give way to a new connection for this SYN (RFC 6191).
  bool syn_may_reuse(const repr& syn) const;

  // Details, for tests, counters and benchmarks.
  seq_number snd_una() const { return _snd_una; }
  seq_number snd_nxt() const { return _snd_nxt; }
  seq_number snd_max() const { return _snd_max; }
  seq_number rcv_nxt() const { return _rcv_nxt; }
  seq_number iss() const { return _iss; }
  std::size_t snd_wnd() const { return _snd_wnd; }
  std::size_t rcv_wnd() const;
  std::size_t smss() const { return _smss; }
  std::uint8_t snd_wscale() const { return _snd_wscale; }
  std::uint8_t rcv_wscale() const { return _rcv_wscale; }
  bool sack_enabled() const { return _sack_ok; }
  bool timestamps_enabled() const { return _ts_ok; }
  bool in_recovery() const { return _in_recovery; }
  const congestion_control& congestion() const { return _cc; }
  const rtt_estimator& rtt() const { return _rtt; }
  const sack_scoreboard& scoreboard() const { return _scoreboard; }
  std::size_t ooo_ranges() const { return _ooo.count(); }
  // Heap bytes the connection's buffers hold now.
  std::size_t buffer_storage() const { return _send_buf.storage() + _recv_buf.storage(); }
  mono_time retransmit_deadline() const { return _rtx_deadline; }
  mono_time persist_deadline() const { return _persist_deadline; }
  mono_time delayed_ack_deadline() const { return _delack_deadline; }
  mono_time keepalive_deadline() const;
  mono_time close_deadline() const { return _close_deadline; }
  mono_time orphan_deadline() const { return _orphan_deadline; }
  mono_time trim_deadline() const;

 private:
  // Input.
  std::optional<rst_reply> on_syn_sent(const repr& seg, mono_time now);
  bool paws_rejects(const repr& seg, mono_time now);
  bool acceptable(const repr& seg) const;
  void challenge_ack(mono_time now);
  // RFC 5961 §7 / Linux's tcp_invalid_ratelimit: whether an ACK that a bad
  // segment asks for is suppressed (and counted). Segments with data are
  // always answered unless `always_limit` (challenge ACKs).
  bool invalid_ack_limited(const repr& seg, mono_time now, bool always_limit);
  // Resets an orphan that ran out of retries, probes or time.
  void time_out_orphan();
  bool process_ack(const repr& seg, mono_time now);
  void on_new_ack(const repr& seg, mono_time now);
  void on_duplicate_ack(const repr& seg, mono_time now);
  void enter_recovery(mono_time now);
  void update_window(const repr& seg);
  void take_rtt_sample(const repr& seg, mono_time now);
  void process_data(const repr& seg, seq_number seq, bytes payload, bool fin, mono_time now);
  void on_fin(mono_time now);
  void negotiate(const repr& syn);
  void established_now(mono_time now);
  void enter_time_wait(mono_time now);
  void become_closed(close_reason why);
  void schedule_ack(mono_time now, bool immediately);

  // Output.
  void on_timers(mono_time now);
  void on_retransmit_timeout(mono_time now);
  // Loss recovery over and its SACK information dropped; sending resumes
  // at SND.UNA (after a timeout, or a smaller path MTU).
  void go_back_to_una();
  bool send_syn(mono_time now, segment_out& out);
  bool send_data(mono_time now, segment_out& out);
  bool send_range(mono_time now, seq_number seq, std::size_t max_len, bool retransmission,
                  bool probe, segment_out& out);
  void update_timers(mono_time now);
  duration persist_interval() const;
  void fill_header(mono_time now, std::uint8_t flags, seq_number seq, repr& h);
  void fill_sack(options& o) const;
  std::uint32_t ts_clock(mono_time now) const;
  std::uint16_t window_field();
  void sent_ack();
  void arm_retransmit(mono_time now);
  bool synchronized() const;
  bool can_send_data() const;
  seq_number data_end() const { return _buf_seq + _send_buf.size(); }
  // One past the last sequence number the sender will use (FIN included).
  seq_number send_end() const { return data_end() + (_fin_queued ? 1 : 0); }
  std::size_t flight() const { return seq_distance(_snd_una, _snd_nxt); }
  bool in_persist() const;

  environment _env;
  const config& _cfg;
  four_tuple _tuple;
  tcp::state _state = state::closed;
  close_reason _reason = close_reason::none;

  // Send sequence space (RFC 9293 §3.3.1), plus SND.MAX, the highest
  // sequence number sent (SND.NXT is pulled back on a timeout).
  seq_number _iss;
  seq_number _snd_una;
  seq_number _snd_nxt;
  seq_number _snd_max;
  seq_number _snd_wl1;
  seq_number _snd_wl2;
  std::size_t _snd_wnd = 0;
  std::size_t _max_snd_wnd = 0;
  seq_number _buf_seq;  // sequence number of the send buffer's first byte
  byte_ring _send_buf;
  bool _fin_queued = false;

  // Receive sequence space.
  seq_number _irs;
  seq_number _rcv_nxt;
  seq_number _rcv_adv;  // right edge of the window advertised (never moves left)
  byte_ring _recv_buf;
  range_set _ooo;       // held out-of-order ranges (absolute sequence numbers)
  std::array<seq_number, 4> _sack_recent{};
  std::uint8_t _sack_recent_count = 0;
  bool _fin_received = false;
  std::optional<seq_number> _fin_seq;  // a FIN seen ahead of RCV.NXT

  // Negotiated options.
  std::size_t _local_mss;       // announced, and the route's limit
  std::size_t _mss_base = 536;  // max payload without options
  std::size_t _smss = 536;      // max payload with the usual options
  std::uint8_t _snd_wscale = 0;
  std::uint8_t _rcv_wscale = 0;
  bool _ws_ok = false;
  bool _sack_ok = false;
  bool _ts_ok = false;
  std::uint32_t _ts_offset;
  std::uint32_t _ts_recent = 0;
  mono_time _ts_recent_at{};
  seq_number _last_ack_sent;

  // Timers (mono_never when off).
  mono_time _rtx_deadline = mono_never;
  mono_time _persist_deadline = mono_never;
  mono_time _delack_deadline = mono_never;
  mono_time _close_deadline = mono_never;  // TIME-WAIT or orphan FIN-WAIT-2
  mono_time _orphan_deadline = mono_never;  // config::orphan_timeout after close()
  mono_time _last_invalid_ack = mono_never;  // the last rate-limited ACK sent (never: none)
  mono_time _last_received{};
  mono_time _last_sent{};
  std::uint32_t _retries = 0;          // consecutive timeouts
  std::uint32_t _persist_backoff = 0;  // probe interval doublings
  std::uint32_t _probes_unanswered = 0;
  std::uint32_t _keepalive_sent = 0;   // unanswered keepalives

  // RTT measurement without timestamps (Karn).
  rtt_estimator _rtt;
  bool _timing = false;
  seq_number _timed_seq;
  mono_time _timed_at{};

  // Congestion control and loss recovery.
  congestion_control _cc;
  sack_scoreboard _scoreboard;
  bool _in_recovery = false;
  seq_number _recover;   // RFC 6582 "recover"; RFC 6675 RecoveryPoint
  seq_number _high_rxt;  // RFC 6675 HighRxt (exclusive)
  bool _retransmit_una = false;
  std::uint32_t _dupacks = 0;

  // Pending output.
  bool _ack_now = false;
  bool _rst_pending = false;
  bool _probe_due = false;
  bool _keepalive_due = false;

  // The user.
  bool _nodelay;
  bool _write_closed = false;
  bool _read_closed = false;
  bool _user_closed = false;
  bool _was_established = false;
  bool _passive = false;
};

}  // namespace fata::net::tcp
