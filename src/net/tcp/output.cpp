// The connection's output side: timers, what to send next (SYN, data and
// retransmissions under the congestion and flow-control windows, probes,
// ACKs), and the header fields every segment carries.
#include <fata/net/tcp/connection.hpp>

namespace fata::net::tcp {

std::uint32_t connection::ts_clock(mono_time now) const {
  // RFC 7323 §5.4: a 1 ms clock, offset per connection.
  return static_cast<std::uint32_t>(to_ns(now) / 1'000'000) + _ts_offset;
}

mono_time connection::keepalive_deadline() const {
  if (!_cfg.keepalive) return mono_never;
  if (_state != state::established && _state != state::close_wait) return mono_never;
  // Only an idle connection is probed: nothing outstanding or queued.
  if (_snd_una != _snd_max || !_send_buf.empty()) return mono_never;
  return saturating_add(_last_received,
                        _cfg.keepalive_idle + _cfg.keepalive_interval * _keepalive_sent);
}

mono_time connection::trim_deadline() const {
  // Buffers keep their storage while traffic flows (re-allocating it for
  // every burst costs more than the copy) and give it back after a quiet
  // second, so an idle connection holds no buffer memory.
  const bool idle_storage = (_send_buf.idle() && _send_buf.storage() != 0) ||
                            (_recv_buf.idle() && _recv_buf.storage() != 0);
  if (!idle_storage || _state == state::closed) return mono_never;
  const mono_time last = _last_received < _last_sent ? _last_sent : _last_received;
  return saturating_add(last, buffer_idle_release);
}

mono_time connection::poll_at() const {
  if (_rst_pending || _ack_now || _probe_due || _keepalive_due) return mono_time{};
  mono_time t = _rtx_deadline;
  if (_persist_deadline < t) t = _persist_deadline;
  if (_delack_deadline < t) t = _delack_deadline;
  if (_close_deadline < t) t = _close_deadline;
  if (_orphan_deadline < t) t = _orphan_deadline;
  const mono_time k = keepalive_deadline();
  if (k < t) t = k;
  const mono_time r = trim_deadline();
  if (r < t) t = r;
  return t;
}

duration connection::persist_interval() const {
  // RFC 9293 §3.8.6.1: probes back off exponentially, like the RTO.
  duration d = _rtt.base_rto();
  for (std::uint32_t i = 0; i < _persist_backoff && d < _cfg.rto_max; ++i) d *= 2;
  if (d < _cfg.rto_min) d = _cfg.rto_min;
  if (d > _cfg.rto_max) d = _cfg.rto_max;
  return d;
}

bool connection::in_persist() const {
  // RFC 9293 §3.8.6.1: the peer's window is zero and something waits to
  // be sent or acknowledged. Probes then replace retransmissions, so a
  // window update that was lost cannot leave both sides waiting, and
  // they never time out while the peer answers them (as Linux does).
  return can_send_data() && _snd_wnd == 0 && _snd_una < send_end();
}

void connection::update_timers(mono_time now) {
  if (_state == state::closed || _state == state::time_wait) return;
  if (in_persist()) {
    _rtx_deadline = mono_never;
    if (_persist_deadline == mono_never) _persist_deadline = saturating_add(now, persist_interval());
    return;
  }
  if (_persist_deadline != mono_never) {
    _persist_deadline = mono_never;
    _persist_backoff = 0;
  }
  if (_snd_una != _snd_max && _rtx_deadline == mono_never) arm_retransmit(now);
}

void connection::arm_retransmit(mono_time now) {
  _rtx_deadline = saturating_add(now, _rtt.rto());
}

void connection::on_timers(mono_time now) {
  if (_close_deadline <= now && !_ack_now) {
    // TIME-WAIT ran out, or an orphan sat in FIN-WAIT-2 too long.
    become_closed(close_reason::none);
    return;
  }
  if (_orphan_deadline <= now) {
    time_out_orphan();
    return;
  }
  if (_rtx_deadline <= now) on_retransmit_timeout(now);
  if (_state == state::closed) return;
  if (_persist_deadline <= now) {
    _persist_deadline = mono_never;
    _probe_due = true;
  }
  if (_delack_deadline <= now) {
    _delack_deadline = mono_never;
    _ack_now = true;
    ++_env.counters->delayed_acks;
  }
  if (trim_deadline() <= now) {
    _send_buf.release();
    _recv_buf.release();
  }
  if (keepalive_deadline() <= now && !_keepalive_due) {
    // RFC 9293 §3.8.4.
    if (_keepalive_sent >= _cfg.keepalive_probes) {
      ++_env.counters->connection_timeouts;
      become_closed(close_reason::timed_out);
      return;
    }
    _keepalive_due = true;
  }
}

void connection::on_retransmit_timeout(mono_time now) {
  _rtx_deadline = mono_never;
  std::uint32_t limit = _cfg.max_retransmissions;
  if (_state == state::syn_sent) limit = _cfg.syn_retries;
  if (_state == state::syn_received) limit = _cfg.synack_retries;
  if (orphaned() && _cfg.orphan_retries < limit) limit = _cfg.orphan_retries;
  if (_snd_una == _snd_max) return;  // nothing outstanding
  if (_retries >= limit && orphaned()) {
    time_out_orphan();
    return;
  }
  if (_retries >= limit) {
    if (_state == state::syn_sent || _state == state::syn_received) {
      ++_env.counters->failed_opens;
    } else {
      ++_env.counters->connection_timeouts;
    }
    become_closed(close_reason::timed_out);
    return;
  }
  ++_retries;
  ++_env.counters->timeouts;
  // RFC 5681 §3.1: ssthresh is cut on the first timeout only; the window
  // drops to one segment every time. RFC 6298 §5.5: back off.
  const std::size_t fl = seq_distance(_snd_una, _snd_max);
  if (_rtt.backoffs() == 0) {
    _cc.on_timeout(fl, now);
  } else {
    _cc.set_cwnd(_smss);
  }
  _rtt.back_off();
  go_back_to_una();
}

void connection::go_back_to_una() {
  // RFC 6582 §4 / RFC 6675 §5.1: recovery is over.
  _in_recovery = false;
  _retransmit_una = false;
  _dupacks = 0;
  _recover = _snd_max;
  _high_rxt = _snd_una;
  // RFC 2018 §8: after a timeout the SACK information may be stale (and
  // after a smaller MSS it names segments that will not be sent again).
  _scoreboard.clear();
  _timing = false;
  _snd_nxt = _snd_una;
}

void connection::sent_ack() {
  _ack_now = false;
  _delack_deadline = mono_never;
  _last_ack_sent = _rcv_nxt;
}

std::uint16_t connection::window_field() {
  const std::size_t free = _recv_buf.free();
  const seq_number candidate = _rcv_nxt + free;
  if (_rcv_adv < candidate) {
    // RFC 9293 §3.8.6.2.2: move the right edge only by a useful amount.
    const std::size_t limit = _recv_buf.limit();
    const std::size_t threshold = limit / 2 < _local_mss ? limit / 2 : _local_mss;
    if (seq_distance(_rcv_adv, candidate) >= threshold || _rcv_adv < _rcv_nxt) _rcv_adv = candidate;
  }
  if (_rcv_adv < _rcv_nxt) _rcv_adv = _rcv_nxt;
  std::size_t scaled = seq_distance(_rcv_nxt, _rcv_adv) >> _rcv_wscale;
  if (scaled > 65535) scaled = 65535;
  return static_cast<std::uint16_t>(scaled);
}

void connection::fill_sack(options& o) const {
  if (!_sack_ok || _ooo.empty()) return;
  // RFC 2018 §4: the block of the latest segment first, then the most
  // recently reported ones, then the rest from the top.
  auto add_range = [&](const seq_range& r) {
    for (std::size_t i = 0; i < o.sack_count; ++i)
      if (o.sack[i].left == r.left) return;
    o.add_sack({r.left, r.right});
  };
  for (std::uint8_t i = 0; i < _sack_recent_count; ++i)
    if (const seq_range* r = _ooo.find(_sack_recent[i])) add_range(*r);
  for (std::size_t i = _ooo.count(); i-- > 0 && o.sack_count < options::max_sack_blocks;)
    add_range(_ooo[i]);
}

void connection::fill_header(mono_time now, std::uint8_t flags, seq_number seq, repr& h) {
  h.source_port = _tuple.local.number;
  h.destination_port = _tuple.remote.number;
  h.seq = seq;
  h.ack = _rcv_nxt;
  h.flags = flags;
  h.window = window_field();
  h.opts = options{};
  if (_ts_ok) h.opts.ts = timestamps{ts_clock(now), _ts_recent};
  if (flags & flag::ack) fill_sack(h.opts);
}

bool connection::send_syn(mono_time now, segment_out& out) {
  repr& h = out.header;
  h = repr{};
  out.payload = {};
  const bool syn_ack = _state == state::syn_received;
  h.source_port = _tuple.local.number;
  h.destination_port = _tuple.remote.number;
  h.seq = _iss;
  h.flags = syn_ack ? (flag::syn | flag::ack) : flag::syn;
  h.ack = syn_ack ? _rcv_nxt : seq_number();
  // RFC 7323 §2.2: the window of a SYN is not scaled.
  const std::size_t free = _recv_buf.free();
  h.window = static_cast<std::uint16_t>(free < 65535 ? free : 65535);
  if (syn_ack) {
    if (_rcv_adv < _rcv_nxt + h.window) _rcv_adv = _rcv_nxt + h.window;
    _last_ack_sent = _rcv_nxt;
  }
  h.opts.mss = static_cast<std::uint16_t>(_local_mss < 65535 ? _local_mss : 65535);
  const bool offer_ws = syn_ack ? _ws_ok : _cfg.window_scaling;
  const bool offer_sack = syn_ack ? _sack_ok : _cfg.sack;
  const bool offer_ts = syn_ack ? _ts_ok : _cfg.timestamps;
  if (offer_ws) h.opts.window_scale = _rcv_wscale;
  h.opts.sack_permitted = offer_sack;
  if (offer_ts) h.opts.ts = timestamps{ts_clock(now), syn_ack ? _ts_recent : 0};
  const bool retransmission = _snd_max != _iss;
  if (retransmission) {
    ++_env.counters->retransmitted_segments;
    _timing = false;
  } else {
    _timing = true;
    _timed_seq = _iss + 1;
    _timed_at = now;
  }
  _snd_nxt = _iss + 1;
  if (_snd_max < _snd_nxt) _snd_max = _snd_nxt;
  if (_rtx_deadline == mono_never) arm_retransmit(now);
  _ack_now = false;
  _last_sent = now;
  return true;
}

bool connection::send_range(mono_time now, seq_number seq, std::size_t max_len,
                            bool retransmission, bool probe, segment_out& out) {
  repr& h = out.header;
  fill_header(now, flag::ack, seq, h);
  // The payload shrinks by whatever options this segment carries.
  const std::size_t opt_len = h.opts.encoded_len();
  const std::size_t room = _mss_base > opt_len + 1 ? _mss_base - opt_len : 1;
  std::size_t len = max_len < room ? max_len : room;
  const seq_number dend = data_end();
  const std::size_t available = seq < dend ? seq_distance(seq, dend) : 0;
  if (len > available) len = available;
  const bool fin = _fin_queued && seq + len == dend;
  if (len == 0 && !fin) return false;
  if (fin) h.flags |= flag::fin;
  if (len > 0 && seq + len == dend) h.flags |= flag::psh;
  out.payload = len ? _send_buf.peek(seq_distance(_buf_seq, seq), len) : std::array<bytes, 2>{};
  const seq_number end = seq + len + (fin ? 1 : 0);
  if (retransmission) {
    ++_env.counters->retransmitted_segments;
    _timing = false;  // Karn
  } else if (!_timing) {
    _timing = true;
    _timed_seq = end;
    _timed_at = now;
  }
  if (seq == _snd_nxt) _snd_nxt = end;
  if (_snd_max < _snd_nxt) _snd_max = _snd_nxt;
  _env.counters->bytes_out += len;
  if (!probe && _rtx_deadline == mono_never) arm_retransmit(now);
  sent_ack();
  _last_sent = now;
  return true;
}

bool connection::send_data(mono_time now, segment_out& out) {
  if (!can_send_data()) return false;
  // RFC 6675 §5 step 4.3 / RFC 6582 §3.2: retransmit the first
  // unacknowledged segment on entering recovery (and, for NewReno, after
  // each partial ACK).
  if (_retransmit_una && _snd_una < _snd_max) {
    _retransmit_una = false;
    std::size_t len = _smss;
    if (const seq_range* r = _scoreboard.ranges().count() ? &_scoreboard.ranges()[0] : nullptr) {
      if (_snd_una < r->left && seq_distance(_snd_una, r->left) < len)
        len = seq_distance(_snd_una, r->left);
    }
    if (send_range(now, _snd_una, len, true, false, out)) {
      if (_high_rxt < _snd_una + len) _high_rxt = _snd_una + len;
      return true;
    }
  }
  _retransmit_una = false;
  const std::size_t cwnd = _cc.cwnd();
  if (_in_recovery && _sack_ok) {
    // RFC 6675 §5 step (C): send while cwnd - pipe >= 1 SMSS.
    const std::size_t pipe = _scoreboard.pipe(_snd_una, _snd_max, _high_rxt, _smss);
    if (cwnd < pipe + _smss) return false;
    // NextSeg rule 1: a lost hole.
    if (auto hole = _scoreboard.next_hole(_snd_una, _high_rxt, _smss, true)) {
      const std::size_t len = hole->size() < _smss ? hole->size() : _smss;
      if (send_range(now, hole->left, len, true, false, out)) {
        _high_rxt = out.header.seq + out.payload_size();
        return true;
      }
    }
    // Rule 2: new data the peer's window allows.
    const seq_number win_end = _snd_una + _snd_wnd;
    if (_snd_nxt < send_end() && _snd_nxt < win_end) {
      const std::size_t len = seq_distance(_snd_nxt, win_end) < _smss ? seq_distance(_snd_nxt, win_end) : _smss;
      if (send_range(now, _snd_nxt, len, false, false, out)) return true;
    }
    // Rule 3: any hole not yet retransmitted.
    if (auto hole = _scoreboard.next_hole(_snd_una, _high_rxt, _smss, false)) {
      const std::size_t len = hole->size() < _smss ? hole->size() : _smss;
      if (send_range(now, hole->left, len, true, false, out)) {
        _high_rxt = out.header.seq + out.payload_size();
        return true;
      }
    }
    return false;
  }

  const seq_number seq = _snd_nxt;
  if (!(seq < send_end())) return false;
  const seq_number dend = data_end();
  const std::size_t unsent = seq < dend ? seq_distance(seq, dend) : 0;
  const seq_number win_end = _snd_una + _snd_wnd;
  const std::size_t wnd_avail = seq < win_end ? seq_distance(seq, win_end) : 0;
  std::size_t allowed = cwnd;
  // RFC 3042: limited transmit lets each of the first two duplicate ACKs
  // release one new segment.
  if (!_in_recovery && _dupacks > 0 && _dupacks < sack_scoreboard::dup_thresh)
    allowed += _dupacks * _smss;
  const std::size_t fl = flight();
  const std::size_t cwnd_avail = allowed > fl ? allowed - fl : 0;
  std::size_t len = unsent;
  if (len > _smss) len = _smss;
  if (len > wnd_avail) len = wnd_avail;
  if (len > cwnd_avail) len = cwnd_avail;
  const bool fin = _fin_queued && seq + len == dend && cwnd_avail > 0;
  if (len == 0 && !fin) return false;
  if (len < _smss && !fin && len < unsent) {
    // RFC 9293 §3.8.6.2.1: no window- or cwnd-sized fragments while an
    // ACK is still coming (it will open the window further).
    if (fl > 0) return false;
  }
  if (len < _smss && !fin && len == unsent && fl > 0 && !_nodelay) {
    // RFC 9293 §3.7.4: Nagle's algorithm.
    return false;
  }
  // RFC 5681 §4.1: restart from the initial window after an idle RTO.
  if (fl == 0 && _last_sent != mono_time{} && now - _last_sent > _rtt.rto()) _cc.on_idle_restart();
  const bool retransmission = seq < _snd_max;
  return send_range(now, seq, len, retransmission, false, out);
}

bool connection::poll_output(mono_time now, segment_out& out) {
  on_timers(now);
  if (_rst_pending) {
    _rst_pending = false;
    repr& h = out.header;
    h = repr{};
    out.payload = {};
    h.source_port = _tuple.local.number;
    h.destination_port = _tuple.remote.number;
    h.seq = _snd_max;
    h.ack = _rcv_nxt;
    h.flags = flag::rst | flag::ack;
    ++_env.counters->rst_out;
    return true;
  }
  switch (_state) {
    case state::closed:
    case state::listen: return false;
    case state::syn_sent:
      if (_snd_nxt == _iss) return send_syn(now, out);
      return false;
    case state::syn_received:
      if (_snd_nxt == _iss || _ack_now) return send_syn(now, out);
      return false;
    default: break;
  }
  if (send_data(now, out)) return true;
  if (_probe_due) {
    _probe_due = false;
    if (in_persist()) {
      // An orphan's probes count whether answered or not: a peer that
      // answers each with a zero window must not hold it for ever.
      if (orphaned() && _persist_backoff >= _cfg.orphan_retries) {
        time_out_orphan();
        return poll_output(now, out);  // the RST
      }
      // RFC 9293 §3.8.6.1: one byte of data into the zero window.
      if (++_probes_unanswered > _cfg.max_retransmissions) {
        ++_env.counters->connection_timeouts;
        become_closed(close_reason::timed_out);
        return false;
      }
      ++_env.counters->zero_window_probes;
      ++_persist_backoff;
      _persist_deadline = saturating_add(now, persist_interval());
      if (send_range(now, _snd_una, 1, _snd_una < _snd_max, true, out)) return true;
    }
  }
  if (_keepalive_due) {
    _keepalive_due = false;
    // RFC 9293 §3.8.4: a segment with SEG.SEQ = SND.NXT - 1 and no data.
    out.payload = {};
    fill_header(now, flag::ack, _snd_una - 1, out.header);
    ++_keepalive_sent;
    ++_env.counters->keepalive_probes;
    sent_ack();
    return true;
  }
  if (_ack_now) {
    out.payload = {};
    // SND.MAX rather than a pulled-back SND.NXT keeps the ACK acceptable.
    fill_header(now, flag::ack, _snd_max, out.header);
    ++_env.counters->pure_acks_out;
    sent_ack();
    return true;
  }
  update_timers(now);
  return false;
}

}  // namespace fata::net::tcp
