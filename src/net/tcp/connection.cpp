// The connection state machine: opening, input processing (RFC 9293
// §3.10.7) and the user calls. Output and timers are in output.cpp.
#include <fata/net/tcp/connection.hpp>

namespace fata::net::tcp {

namespace {

// Linux's floor for a peer's MSS (tcp_min_snd_mss): a tiny MSS would make
// a peer's every byte cost a segment.
constexpr std::size_t min_peer_mss = 64;
// RFC 9293 §3.7.1: the MSS assumed when the peer sends none.
constexpr std::size_t default_peer_mss = 536;
// RFC 7323 §5.5: TS.Recent older than 24 days is invalid.
constexpr duration paws_idle_limit = hours(24 * 24);

}  // namespace

std::uint8_t receive_window_shift(const config& cfg) {
  if (!cfg.window_scaling) return 0;
  std::uint8_t shift = 0;
  while (shift < 14 && (cfg.receive_buffer >> shift) > 65535) ++shift;
  return shift;
}

connection::connection(environment env, four_tuple tuple, std::size_t local_mss,
                       std::uint32_t ts_offset)
    : _env(env),
      _cfg(*env.cfg),
      _tuple(tuple),
      _send_buf(env.cfg->send_buffer, env.memory),
      _recv_buf(env.cfg->receive_buffer, env.memory),
      _ooo(env.cfg->max_ooo_ranges),
      _local_mss(local_mss < min_peer_mss ? min_peer_mss : local_mss),
      _ts_offset(ts_offset),
      _rtt(env.cfg->rto_initial, env.cfg->rto_min, env.cfg->rto_max),
      _cc(env.cfg->congestion, default_peer_mss < _local_mss ? default_peer_mss : _local_mss),
      _scoreboard(env.cfg->max_sack_ranges),
      _nodelay(env.cfg->nodelay) {
  _rcv_wscale = receive_window_shift(_cfg);
}

// --- opening --------------------------------------------------------------

void connection::open_active(seq_number iss, mono_time now) {
  _iss = iss;
  _snd_una = _snd_nxt = _snd_max = iss;
  _buf_seq = iss + 1;
  _recover = _high_rxt = iss;
  _state = state::syn_sent;
  _last_received = now;
  ++_env.counters->active_opens;
}

void connection::negotiate(const repr& syn) {
  // RFC 9293 §3.7.1: the peer's MSS, or 536 without the option.
  std::size_t peer = syn.opts.mss ? *syn.opts.mss : default_peer_mss;
  if (peer < min_peer_mss) peer = min_peer_mss;
  _mss_base = peer < _local_mss ? peer : _local_mss;
  // RFC 7323 §2.2: scaling only if both sides sent the option.
  if (_cfg.window_scaling && syn.opts.window_scale) {
    _ws_ok = true;
    _snd_wscale = *syn.opts.window_scale;
  } else {
    _ws_ok = false;
    _snd_wscale = 0;
    _rcv_wscale = 0;
  }
  _sack_ok = _cfg.sack && syn.opts.sack_permitted;  // RFC 2018 §2
  _ts_ok = _cfg.timestamps && syn.opts.ts.has_value();  // RFC 7323 §3.2
  if (_ts_ok) _ts_recent = syn.opts.ts->value;
  // Every data segment carries the 12-byte timestamps option.
  _smss = _mss_base - (_ts_ok ? 12 : 0);
  _cc.set_mss(_smss, true);
}

bool connection::path_mtu_reduced(std::size_t mss, seq_number seq, mono_time) {
  if (seq < _snd_una || !(seq < _snd_max)) return false;
  if (mss < min_peer_mss) mss = min_peer_mss;
  if (mss >= _mss_base) return false;
  _mss_base = mss;
  _smss = _mss_base - (_ts_ok ? 12 : 0);
  _cc.set_mss(_smss, false);
  // Back to SND.UNA at the new size, as after a timeout but with the
  // window and the timer left alone (Linux's tcp_simple_retransmit).
  go_back_to_una();
  return true;
}

void connection::open_passive(const repr& syn, seq_number iss, mono_time now) {
  _passive = true;
  _iss = iss;
  _snd_una = _snd_nxt = _snd_max = iss;
  _buf_seq = iss + 1;
  _recover = _high_rxt = iss;
  _irs = syn.seq;
  _rcv_nxt = syn.seq + 1;
  _rcv_adv = _rcv_nxt;
  _last_ack_sent = _rcv_nxt;
  negotiate(syn);
  _ts_recent_at = now;
  // RFC 7323 §2.2: the window of a SYN is never scaled.
  _snd_wnd = syn.window;
  _max_snd_wnd = _snd_wnd;
  _snd_wl1 = syn.seq;
  _snd_wl2 = iss;
  _state = state::syn_received;
  _last_received = now;
  ++_env.counters->passive_opens;
}

void connection::open_from_cookie(const repr& ack, std::uint16_t peer_mss,
                                  std::optional<std::uint8_t> wscale, bool sack, mono_time now) {
  _passive = true;
  _iss = ack.ack - 1;
  _snd_una = _snd_nxt = _snd_max = ack.ack;
  _buf_seq = ack.ack;
  _recover = _high_rxt = _snd_una;
  _irs = ack.seq - 1;
  _rcv_nxt = ack.seq;
  // The SYN-ACK advertised min(buffer, 65535), unscaled.
  const std::size_t syn_window = _cfg.receive_buffer < 65535 ? _cfg.receive_buffer : 65535;
  _rcv_adv = _rcv_nxt + syn_window;
  _last_ack_sent = _rcv_nxt;
  repr syn;  // what the SYN said, as far as the cookie remembers
  syn.opts.mss = peer_mss;
  if (wscale) syn.opts.window_scale = *wscale;
  syn.opts.sack_permitted = sack;
  if (ack.opts.ts) syn.opts.ts = timestamps{ack.opts.ts->value, 0};
  negotiate(syn);
  _ts_recent_at = now;
  _snd_wnd = std::size_t(ack.window) << _snd_wscale;
  _max_snd_wnd = _snd_wnd;
  _snd_wl1 = ack.seq;
  _snd_wl2 = ack.ack;
  _last_received = now;
  ++_env.counters->passive_opens;
  established_now(now);
}

void connection::established_now(mono_time) {
  _state = _fin_queued ? state::fin_wait_1 : state::established;
  _was_established = true;
  ++_env.counters->established;
  // RFC 5681 §3.1: a lost SYN or SYN-ACK leaves one segment of window.
  if (_retries > 0) _cc.set_cwnd(_smss);
  _retries = 0;
}

bool connection::syn_may_reuse(const repr& syn) const {
  if (_state != state::time_wait) return false;
  // RFC 6191 §2: timestamps decide when both sides use them, else the
  // sequence number must be beyond the old connection's.
  if (_ts_ok && syn.opts.ts) return std::int32_t(syn.opts.ts->value - _ts_recent) > 0;
  return syn.seq > _rcv_nxt;
}

// --- input ----------------------------------------------------------------

std::optional<rst_reply> connection::on_segment(const repr& seg_in, mono_time now) {
  switch (_state) {
    case state::closed:
    case state::listen: return std::nullopt;
    case state::syn_sent: {
      auto r = on_syn_sent(seg_in, now);
      update_timers(now);
      return r;
    }
    default: break;
  }
  const repr* seg = &seg_in;
  repr stripped;
  if (_state == state::syn_received && seg->has(flag::syn) && seg->has(flag::ack) &&
      seg->seq == _irs) {
    // Simultaneous open: the peer's SYN-ACK repeats the SYN we already
    // hold. Its ACK completes our side; the SYN itself is old.
    if (!(_snd_una < seg->ack && seg->ack <= _snd_max)) return rst_reply{seg->ack, {}, false};
    stripped = *seg;
    stripped.flags &= static_cast<std::uint8_t>(~flag::syn);
    stripped.seq = seg->seq + 1;
    seg = &stripped;
    _ack_now = true;
  }

  // RFC 7323 §5.3: PAWS, before the sequence check.
  if (paws_rejects(*seg, now)) {
    ++_env.counters->drop_paws;
    if (!invalid_ack_limited(*seg, now, false)) _ack_now = true;
    return std::nullopt;
  }
  // RFC 9293 §3.10.7.4, first: is the segment in the window?
  if (!acceptable(*seg)) {
    ++_env.counters->drop_out_of_window;
    if (seg->has(flag::rst)) {
      ++_env.counters->rst_ignored;
    } else {
      if (!invalid_ack_limited(*seg, now, false)) _ack_now = true;
      // TIME-WAIT: a retransmitted FIN restarts the 2 MSL wait.
      if (_state == state::time_wait && seg->has(flag::fin))
        _close_deadline = saturating_add(now, _cfg.time_wait);
    }
    return std::nullopt;
  }
  // RFC 7323 §4.3: remember the timestamp to echo.
  if (_ts_ok && seg->opts.ts && seg->seq <= _last_ack_sent &&
      std::int32_t(seg->opts.ts->value - _ts_recent) >= 0) {
    _ts_recent = seg->opts.ts->value;
    _ts_recent_at = now;
  }
  _last_received = now;
  _keepalive_sent = 0;

  // Second: RST (RFC 5961 §3.2: only an exact match resets).
  if (seg->has(flag::rst)) {
    ++_env.counters->rst_in;
    if (seg->seq != _rcv_nxt) {
      challenge_ack(now);
      return std::nullopt;
    }
    switch (_state) {
      case state::syn_received:
        become_closed(_passive ? close_reason::reset : close_reason::refused);
        break;
      case state::established:
      case state::fin_wait_1:
      case state::fin_wait_2:
      case state::close_wait:
        ++_env.counters->resets_received;
        become_closed(close_reason::reset);
        break;
      case state::time_wait:
        // RFC 1337: TIME-WAIT ignores RSTs (no assassination).
        ++_env.counters->rst_ignored;
        break;
      default: become_closed(close_reason::none); break;
    }
    return std::nullopt;
  }
  // Fourth: SYN in a synchronized state (RFC 5961 §4.2).
  if (seg->has(flag::syn)) {
    challenge_ack(now);
    return std::nullopt;
  }
  // Fifth: ACK.
  if (!seg->has(flag::ack)) {
    ++_env.counters->drop_no_ack;
    return std::nullopt;
  }
  if (_state == state::syn_received) {
    if (!(_snd_una < seg->ack && seg->ack <= _snd_max)) return rst_reply{seg->ack, {}, false};
    established_now(now);
    _snd_wnd = std::size_t(seg->window) << _snd_wscale;
    _max_snd_wnd = _snd_wnd;
    _snd_wl1 = seg->seq;
    _snd_wl2 = seg->ack;
  }
  if (!process_ack(*seg, now)) {
    update_timers(now);
    return std::nullopt;
  }
  // Seventh and eighth: text and FIN.
  process_data(*seg, seg->seq, seg->payload, seg->has(flag::fin), now);
  update_timers(now);
  return std::nullopt;
}

std::optional<rst_reply> connection::on_syn_sent(const repr& seg, mono_time now) {
  // RFC 9293 §3.10.7.3.
  bool ack_ok = false;
  if (seg.has(flag::ack)) {
    if (seg.ack <= _iss || seg.ack > _snd_max) {
      if (seg.has(flag::rst)) return std::nullopt;
      ++_env.counters->drop_bad_ack;
      return rst_reply{seg.ack, {}, false};
    }
    ack_ok = true;
  }
  if (seg.has(flag::rst)) {
    // RFC 5961 §3.2: in SYN-SENT a RST counts if it acknowledges our SYN.
    ++_env.counters->rst_in;
    if (ack_ok) {
      ++_env.counters->failed_opens;
      become_closed(close_reason::refused);
    } else {
      ++_env.counters->rst_ignored;
    }
    return std::nullopt;
  }
  if (!seg.has(flag::syn)) {
    ++_env.counters->drop_bad_flags;
    return std::nullopt;
  }
  _irs = seg.seq;
  _rcv_nxt = seg.seq + 1;
  const std::size_t syn_window = _recv_buf.free() < 65535 ? _recv_buf.free() : 65535;
  _rcv_adv = _rcv_nxt + syn_window;
  _last_ack_sent = _rcv_nxt;
  negotiate(seg);
  _ts_recent_at = now;
  _last_received = now;
  // RFC 7323 §2.2: a SYN's window is not scaled.
  _snd_wnd = seg.window;
  _max_snd_wnd = _snd_wnd;
  _snd_wl1 = seg.seq;
  if (ack_ok) {
    _snd_wl2 = seg.ack;
    _snd_una = seg.ack;
    if (_snd_nxt < _snd_una) _snd_nxt = _snd_una;
    take_rtt_sample(seg, now);
    _rtx_deadline = _snd_una == _snd_max ? mono_never : saturating_add(now, _rtt.rto());
    established_now(now);
    _ack_now = true;
    // Data or a FIN may ride on the SYN-ACK.
    process_data(seg, seg.seq + 1, seg.payload, seg.has(flag::fin), now);
    return std::nullopt;
  }
  // Simultaneous open: answer with SYN-ACK from our ISN (RFC 9293 §3.5).
  _snd_wl2 = _iss;
  _state = state::syn_received;
  _snd_nxt = _iss;
  _rtx_deadline = mono_never;
  _timing = false;
  return std::nullopt;
}

bool connection::paws_rejects(const repr& seg, mono_time now) {
  if (!_ts_ok || !seg.opts.ts || seg.has(flag::rst)) return false;
  if (std::int32_t(seg.opts.ts->value - _ts_recent) >= 0) return false;
  // RFC 7323 §5.5: after 24 days of idleness TS.Recent is no longer valid.
  if (now - _ts_recent_at > paws_idle_limit) return false;
  return true;
}

bool connection::acceptable(const repr& seg) const {
  // RFC 9293 §3.10.7.4, the four cases of the acceptance test.
  const std::size_t len = seg.segment_len();
  const std::size_t wnd = rcv_wnd();
  const seq_number end_window = _rcv_nxt + wnd;
  if (wnd == 0) {
    // Nothing fits; ACKs, RSTs and FINs at RCV.NXT are still processed
    // (data beyond the window is trimmed away and answered with an ACK).
    return seg.seq == _rcv_nxt;
  }
  if (len == 0) return seq_in_range(seg.seq, _rcv_nxt, end_window);
  const seq_number last = seg.seq + (len - 1);
  return seq_in_range(seg.seq, _rcv_nxt, end_window) || seq_in_range(last, _rcv_nxt, end_window);
}

bool connection::invalid_ack_limited(const repr& seg, mono_time now, bool always_limit) {
  // Data (or a FIN) is not part of an ACK loop and is answered; bare ACKs
  // and SYNs are answered once per interval.
  if (!always_limit && seg.segment_len() > 0 && !seg.has(flag::syn)) return false;
  if (_last_invalid_ack != mono_never && now >= _last_invalid_ack &&
      now - _last_invalid_ack < _cfg.invalid_ack_interval) {
    ++_env.counters->invalid_acks_limited;
    return true;
  }
  _last_invalid_ack = now;
  return false;
}

void connection::challenge_ack(mono_time now) {
  // RFC 5961 §3.2, §4.2, §5.2; rate limited per connection and across
  // connections (§7).
  repr none;
  if (invalid_ack_limited(none, now, true)) return;
  if (_env.limiter->allow(now)) {
    ++_env.counters->challenge_acks;
    _ack_now = true;
  } else {
    ++_env.counters->challenge_acks_limited;
  }
}

bool connection::process_ack(const repr& seg, mono_time now) {
  // RFC 5961 §5.2: (SND.UNA - MAX.SND.WND) <= SEG.ACK <= SND.NXT.
  const std::size_t back = _max_snd_wnd > 65535 ? _max_snd_wnd : 65535;
  if (seg.ack > _snd_max || seg.ack < _snd_una - back) {
    ++_env.counters->drop_bad_ack;
    challenge_ack(now);
    return false;
  }
  _probes_unanswered = 0;  // the peer is alive (RFC 9293 §3.8.6.1)
  const bool dup_candidate = seg.ack == _snd_una;
  if (_snd_una < seg.ack) on_new_ack(seg, now);
  std::size_t newly_sacked = 0;
  if (_sack_ok && seg.opts.sack_count > 0)
    newly_sacked = _scoreboard.update(_snd_una, _snd_max, seg.opts.sack_blocks());
  if (dup_candidate) {
    // RFC 5681 §2 (same window, no data) or RFC 6675 §2 (new SACK info).
    // An answer to a zero-window probe is not one: it says the window is
    // still shut, not that a segment was lost.
    const bool same_window = (std::size_t(seg.window) << _snd_wscale) == _snd_wnd;
    if (_snd_una != _snd_max && seg.payload.empty() && !seg.has(flag::fin) && seg.window != 0 &&
        (same_window || newly_sacked > 0))
      on_duplicate_ack(seg, now);
  }
  if (_snd_una <= seg.ack) update_window(seg);

  const bool fin_acked = _fin_queued && _snd_una == send_end();
  switch (_state) {
    case state::fin_wait_1:
      if (fin_acked) {
        _state = state::fin_wait_2;
        if (_user_closed) _close_deadline = saturating_add(now, _cfg.fin_wait_2_timeout);
      }
      break;
    case state::closing:
      if (fin_acked) enter_time_wait(now);
      break;
    case state::last_ack:
      if (fin_acked) {
        become_closed(close_reason::none);
        return false;
      }
      break;
    default: break;
  }
  return true;
}

void connection::update_window(const repr& seg) {
  // RFC 9293 §3.10.7.4: only a newer segment updates the window.
  if (_snd_wl1 < seg.seq || (_snd_wl1 == seg.seq && _snd_wl2 <= seg.ack)) {
    _snd_wnd = std::size_t(seg.window) << _snd_wscale;
    _snd_wl1 = seg.seq;
    _snd_wl2 = seg.ack;
    if (_snd_wnd > _max_snd_wnd) _max_snd_wnd = _snd_wnd;
  }
}

void connection::take_rtt_sample(const repr& seg, mono_time now) {
  // RFC 7323 §4.1: the echoed timestamp gives an RTT for any ACK that
  // advances SND.UNA, retransmissions included.
  if (_ts_ok && seg.opts.ts && seg.opts.ts->echo != 0) {
    const std::uint32_t delta = ts_clock(now) - seg.opts.ts->echo;
    if (delta < (1u << 31)) {
      _rtt.sample(milliseconds(delta));
      _timing = false;
      return;
    }
  }
  // RFC 6298 §3 (Karn): only a segment never retransmitted is timed.
  if (_timing && seg.ack >= _timed_seq) {
    _rtt.sample(now - _timed_at);
    _timing = false;
  }
}

void connection::on_new_ack(const repr& seg, mono_time now) {
  const seq_number ack = seg.ack;
  const seq_number old_una = _snd_una;
  const std::size_t flight_before = seq_distance(_snd_una, _snd_max);
  // Drop the acknowledged data (the SYN and FIN take no buffer space).
  const seq_number data_to = seq_min(ack, data_end());
  if (_buf_seq < data_to) {
    _send_buf.consume(seq_distance(_buf_seq, data_to));
    _buf_seq = data_to;
  }
  _snd_una = ack;
  if (_snd_nxt < _snd_una) _snd_nxt = _snd_una;
  if (_high_rxt < _snd_una) _high_rxt = _snd_una;
  _scoreboard.acknowledge(ack);
  _retries = 0;
  _probes_unanswered = 0;
  take_rtt_sample(seg, now);
  // RFC 6298 §5.2 and §5.3.
  _rtx_deadline = _snd_una == _snd_max ? mono_never : saturating_add(now, _rtt.rto());

  const std::size_t acked = seq_distance(old_una, ack);
  if (_in_recovery) {
    if (ack >= _recover) {
      // Full acknowledgement: recovery ends.
      _in_recovery = false;
      _retransmit_una = false;
      _dupacks = 0;
      _cc.on_recovery_end(now);
      if (!_sack_ok) {
        // RFC 6582 §3.2 step 3, option 1.
        const std::size_t fl = seq_distance(_snd_una, _snd_max);
        const std::size_t cap = (fl > _smss ? fl : _smss) + _smss;
        if (_cc.cwnd() > cap) _cc.set_cwnd(cap);
      }
    } else if (!_sack_ok) {
      // RFC 6582 §3.2 step 5: partial ACK: retransmit the next hole and
      // deflate the window by what was acknowledged.
      _retransmit_una = true;
      std::size_t cwnd = _cc.cwnd();
      cwnd = cwnd > acked ? cwnd - acked : 0;
      if (acked >= _smss) cwnd += _smss;
      _cc.set_cwnd(cwnd);
    }
    return;
  }
  _dupacks = 0;
  // The window grows only when it limited the sender (RFC 7661 §4.1).
  const std::size_t cwnd = _cc.cwnd();
  const bool limited = _cc.in_slow_start() ? flight_before * 2 >= cwnd
                                           : flight_before + 3 * _smss >= cwnd;
  _cc.on_ack(acked, limited, now, _rtt.srtt());
}

void connection::on_duplicate_ack(const repr&, mono_time now) {
  ++_dupacks;
  if (!_in_recovery) {
    // RFC 5681 §3.2 / RFC 6675 §5: DupThresh duplicates, or SACK says the
    // first unacknowledged segment is lost. RFC 6582 §3.2 step 1: not
    // again for losses within the window already recovered.
    const bool lost = _dupacks >= sack_scoreboard::dup_thresh ||
                      (_sack_ok && _scoreboard.is_lost(_snd_una, _smss));
    if (lost && _snd_una > _recover) {
      enter_recovery(now);
    } else if (lost) {
      ++_env.counters->spurious_dupacks;
    }
    return;
  }
  // RFC 6582 §3.2 step 4: each further duplicate inflates the window.
  if (!_sack_ok) _cc.set_cwnd(_cc.cwnd() + _smss);
}

void connection::enter_recovery(mono_time now) {
  _in_recovery = true;
  _recover = _snd_max;
  _high_rxt = _snd_una;
  const std::size_t ssthresh = _cc.on_loss(seq_distance(_snd_una, _snd_max), now);
  // RFC 6675 §5 step 4.2 sets cwnd = ssthresh and sends by the pipe;
  // RFC 6582 §3.2 step 2 inflates by the three duplicates.
  _cc.set_cwnd(_sack_ok ? ssthresh : ssthresh + 3 * _smss);
  _retransmit_una = true;
  _timing = false;
  ++_env.counters->fast_retransmits;
}

void connection::process_data(const repr& seg, seq_number seq, bytes payload, bool fin,
                              mono_time now) {
  (void)seg;
  // Trim what lies before RCV.NXT (already received).
  if (seq < _rcv_nxt) {
    const std::size_t cut = seq_distance(seq, _rcv_nxt);
    if (cut > payload.size()) {
      payload = {};
      fin = false;  // that FIN was already processed
    } else {
      payload = payload.skip(cut);
    }
    seq = _rcv_nxt;
  }
  // Trim what lies beyond the window (RFC 9293 §3.10.7.4).
  bool trimmed = false;
  const seq_number right = seq_max(_rcv_adv, _rcv_nxt);
  if (seq + payload.size() > right) {
    const std::size_t keep = seq < right ? seq_distance(seq, right) : 0;
    payload = payload.first(keep);
    fin = false;
    trimmed = true;
  }
  const bool receiving = _state == state::established || _state == state::fin_wait_1 ||
                         _state == state::fin_wait_2;
  if (!receiving) {
    // A FIN was received already: text and FIN are ignored (RFC 9293).
    if (!payload.empty() || trimmed) _ack_now = true;
    return;
  }
  if (!payload.empty() && _user_closed) {
    // Nobody will read it: RFC 9293 §3.10.4 / RFC 1122 §4.2.2.13.
    ++_env.counters->drop_after_close;
    _rst_pending = true;
    become_closed(close_reason::aborted);
    return;
  }
  if (!payload.empty()) {
    if (seq == _rcv_nxt) {
      if (_read_closed) {
        // shutdown(read): acknowledged and discarded.
        _rcv_nxt += payload.size();
        _ooo.trim_below(_rcv_nxt);
      } else {
        if (!_recv_buf.write_at(_recv_buf.size(), payload)) {
          ++_env.counters->drop_no_memory;
          _ack_now = true;
          return;
        }
        _recv_buf.commit(payload.size());
        _rcv_nxt += payload.size();
        _env.counters->bytes_in += payload.size();
        if (!_ooo.empty() && _ooo.front().left <= _rcv_nxt) {
          // The segment filled a hole: take what was held beyond it and
          // acknowledge at once (RFC 5681 §4.2).
          const seq_range r = _ooo.front();
          if (_rcv_nxt < r.right) {
            const std::size_t n = seq_distance(_rcv_nxt, r.right);
            _recv_buf.commit(n);
            _rcv_nxt = r.right;
            _env.counters->bytes_in += n;
          }
          _ooo.trim_below(_rcv_nxt);
          _ack_now = true;
        }
      }
      schedule_ack(now, false);
    } else if (!_read_closed) {
      // Out of order: hold it in place and send a duplicate ACK at once
      // (RFC 5681 §4.2), with SACK blocks (RFC 2018 §4).
      const std::size_t off = _recv_buf.size() + seq_distance(_rcv_nxt, seq);
      if (!_ooo.insert(seq, seq + payload.size())) {
        ++_env.counters->drop_ooo_full;
      } else if (!_recv_buf.write_at(off, payload)) {
        // Storage could not grow: forget the range again.
        range_set keep(_ooo.limit());
        for (const seq_range& r : _ooo)
          if (!(r.left <= seq && seq + payload.size() <= r.right)) keep.insert(r.left, r.right);
        _ooo = std::move(keep);
        ++_env.counters->drop_no_memory;
      } else {
        ++_env.counters->reassembled_segments;
        const seq_range* r = _ooo.find(seq);
        // Most recent first (RFC 2018 §4).
        std::array<seq_number, 4> recent{};
        std::uint8_t n = 0;
        recent[n++] = r->left;
        for (std::uint8_t i = 0; i < _sack_recent_count && n < recent.size(); ++i) {
          const seq_range* other = _ooo.find(_sack_recent[i]);
          if (other && other != r) recent[n++] = _sack_recent[i];
        }
        _sack_recent = recent;
        _sack_recent_count = n;
      }
      _ack_now = true;
    } else {
      _ack_now = true;
    }
  }
  if (trimmed) _ack_now = true;
  // Eighth: FIN.
  if (fin) {
    const seq_number fin_seq = seq + payload.size();
    if (fin_seq == _rcv_nxt) {
      on_fin(now);
    } else if (_rcv_nxt < fin_seq) {
      _fin_seq = fin_seq;  // ahead of a hole: taken when the hole fills
      _ack_now = true;
    }
  }
  if (_fin_seq && *_fin_seq == _rcv_nxt && !_fin_received) on_fin(now);
}

void connection::on_fin(mono_time now) {
  _fin_received = true;
  _fin_seq.reset();
  _rcv_nxt += 1;
  _ack_now = true;
  switch (_state) {
    case state::syn_received:
    case state::established: _state = state::close_wait; break;
    case state::fin_wait_1: _state = state::closing; break;  // our FIN not yet acked
    case state::fin_wait_2: enter_time_wait(now); break;
    default: break;
  }
}

void connection::schedule_ack(mono_time now, bool immediately) {
  // RFC 9293 §3.8.6.3 / RFC 5681 §4.2: an ACK for at least every second
  // full-sized segment, and none delayed longer than delayed_ack.
  if (immediately || _cfg.delayed_ack <= duration::zero() ||
      seq_distance(_last_ack_sent, _rcv_nxt) >= 2 * _local_mss) {
    _ack_now = true;
    return;
  }
  if (_delack_deadline == mono_never) _delack_deadline = saturating_add(now, _cfg.delayed_ack);
}

void connection::enter_time_wait(mono_time now) {
  _state = state::time_wait;
  _rtx_deadline = mono_never;
  _persist_deadline = mono_never;
  _orphan_deadline = mono_never;  // TIME-WAIT has its own bound and holds no buffers
  _close_deadline = saturating_add(now, _cfg.time_wait);
}

void connection::become_closed(close_reason why) {
  _state = state::closed;
  if (_reason == close_reason::none) _reason = why;
  _rtx_deadline = _persist_deadline = _delack_deadline = _close_deadline = mono_never;
  _orphan_deadline = mono_never;
  _ack_now = _probe_due = _keepalive_due = false;
  _retransmit_una = false;
  _in_recovery = false;
  _send_buf = byte_ring(0);
  _scoreboard.clear();
  _ooo.clear();
  if (why != close_reason::none) _recv_buf = byte_ring(0);  // RFC 9293: flush the queues
  else _recv_buf.release();
}

// --- the user -------------------------------------------------------------

bool connection::may_send() const {
  if (_write_closed) return false;
  switch (_state) {
    case state::syn_sent:
    case state::syn_received:
    case state::established:
    case state::close_wait: return true;
    default: return false;
  }
}

std::size_t connection::send_free() const { return may_send() ? _send_buf.free() : 0; }

std::size_t connection::send(bytes data) {
  if (!may_send()) return 0;
  return _send_buf.append(data);
}

std::size_t connection::recv(mut_bytes out, mono_time) {
  if (_read_closed) return 0;
  const std::size_t n = _recv_buf.read(out);
  if (n == 0) return 0;
  // A window update when the reader freed enough that the peer may be
  // waiting on it (RFC 9293 §3.8.6.2.2): the advertised window is below
  // half the buffer and can grow by the receiver-SWS threshold.
  if (synchronized() && !_fin_received) {
    const std::size_t advertised = rcv_wnd();
    const seq_number potential = _rcv_nxt + _recv_buf.free();
    const std::size_t limit = _recv_buf.limit();
    const std::size_t threshold = limit / 2 < _local_mss ? limit / 2 : _local_mss;
    if (advertised < limit / 2 && _rcv_adv < potential &&
        seq_distance(_rcv_adv, potential) >= threshold)
      _ack_now = true;
  }
  return n;
}

std::size_t connection::rcv_wnd() const {
  return _rcv_nxt < _rcv_adv ? seq_distance(_rcv_nxt, _rcv_adv) : 0;
}

void connection::shutdown_write(mono_time) {
  if (_write_closed) return;
  _write_closed = true;
  switch (_state) {
    case state::syn_sent:
    case state::syn_received: _fin_queued = true; break;  // sent once established
    case state::established:
      _fin_queued = true;
      _state = state::fin_wait_1;
      break;
    case state::close_wait:
      _fin_queued = true;
      _state = state::last_ack;
      break;
    default: break;
  }
}

void connection::shutdown_read() {
  _read_closed = true;
  _recv_buf = byte_ring(0);
}

void connection::close(mono_time now) {
  const bool unread = !_recv_buf.empty();
  _user_closed = true;
  _read_closed = true;
  switch (_state) {
    case state::closed:
    case state::listen:
    case state::syn_sent: become_closed(close_reason::none); return;
    default: break;
  }
  if (unread) {
    // RFC 2525 §2.17: closing with unread data resets the connection.
    abort();
    return;
  }
  shutdown_write(now);
  if (_state == state::fin_wait_2 && _close_deadline == mono_never)
    _close_deadline = saturating_add(now, _cfg.fin_wait_2_timeout);
  if (orphaned()) _orphan_deadline = saturating_add(now, _cfg.orphan_timeout);
}

bool connection::orphaned() const {
  if (!_user_closed) return false;
  switch (_state) {
    case state::fin_wait_1:
    case state::fin_wait_2:
    case state::closing:
    case state::last_ack: return true;
    default: return false;
  }
}

void connection::time_out_orphan() {
  ++_env.counters->orphan_timeouts;
  _rst_pending = true;
  become_closed(close_reason::timed_out);
}

void connection::abort() {
  if (_state != state::closed && _state != state::syn_sent && _state != state::listen &&
      _state != state::time_wait)
    _rst_pending = true;
  _user_closed = true;
  _read_closed = true;
  become_closed(close_reason::aborted);
}

bool connection::synchronized() const {
  switch (_state) {
    case state::established:
    case state::fin_wait_1:
    case state::fin_wait_2:
    case state::close_wait:
    case state::closing:
    case state::last_ack:
    case state::time_wait: return true;
    default: return false;
  }
}

bool connection::can_send_data() const {
  switch (_state) {
    case state::established:
    case state::close_wait:
    case state::fin_wait_1:
    case state::closing:
    case state::last_ack: return true;
    default: return false;
  }
}

}  // namespace fata::net::tcp
