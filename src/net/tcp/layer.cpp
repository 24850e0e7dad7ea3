// The TCP layer: demultiplexing, listeners and SYN cookies, the
// connection table, output through the IPv4 seam, and timers on the loop.
#include <fata/net/tcp/layer.hpp>

#include <vector>

#include <fata/core/assert.hpp>
#include <fata/core/log.hpp>
#include <fata/platform/abi.hpp>
#include <fata/runtime/runtime.hpp>

#include "core.hpp"

namespace fata::net::tcp {

namespace detail {

namespace {

// Segments one connection may send per turn of the loop before yielding.
constexpr std::size_t max_burst = 256;

// Hash domains of secret_hash used here (1-3 are the ISN, timestamp and
// cookie domains of secret.cpp).
constexpr std::uint8_t table_seed_domain = 4;
constexpr std::uint8_t ephemeral_domain = 5;
constexpr std::uint8_t port_offset_domain = 6;
constexpr std::uint8_t challenge_domain = 7;

// config::memory_limit's default where the heap size is unknown (hosted).
constexpr std::size_t hosted_memory_limit = std::size_t(256) << 20;

std::size_t resolve_memory_limit(const config& c) {
  if (c.memory_limit != 0) return c.memory_limit;
  return share_of_heap(runtime::heap_size(), 1, 4, hosted_memory_limit);
}

task<void> watch_loop(std::shared_ptr<core> c) {
  auto woken = co_await c->watch.wait();
  c->watching = false;
  // Cancelled: the loop shuts down, and an armed TIME-WAIT must not hold
  // it. Woken: the layer is gone.
  if (!woken) c->suspend_timers();
}

}  // namespace

entry::entry(core* o, environment env, four_tuple t, std::size_t mss, std::uint32_t ts_offset)
    : owner(o), conn(env, t, mss, ts_offset), tick(&core::on_tick, this) {
  ++owner->entries_alive;
}

entry::~entry() {
  --owner->entries_alive;
  owner->memory.release(sizeof(entry));
}

core::core(ip_output& out, std::span<const std::byte, secret_hash::key_size> key,
           const config& c)
    : ip(&out), cfg(c), limiter(c.challenge_ack_limit), secret(key), memory(resolve_memory_limit(c)) {
  limiter = challenge_limiter(c.challenge_ack_limit, secret.hash(challenge_domain, four_tuple{}));
  orphan_memory_limit = c.orphan_memory != 0 ? c.orphan_memory : memory.limit() / 4;
  hash_seed = secret.hash(table_seed_domain, four_tuple{});
  table = std::unordered_map<four_tuple, entry*, tuple_hash>(64, tuple_hash{hash_seed});
  ephemeral_next = static_cast<std::uint32_t>(secret.hash(ephemeral_domain, four_tuple{}));
}

core::~core() {
  for (auto& [t, e] : table) delete e;
  table.clear();
}

std::size_t core::mss_for(const ip_addr& remote) const {
  std::size_t mss = ip ? ip->mtu_for(remote) - 20 : 536;
  if (cfg.mss != 0 && cfg.mss < mss) mss = cfg.mss;
  return mss;
}

std::uint32_t core::ts_clock(const four_tuple& t, mono_time now) const {
  return static_cast<std::uint32_t>(to_ns(now) / 1'000'000) + secret.timestamp_offset(t);
}

// --- input ----------------------------------------------------------------

void core::input(const ip_meta& meta, bytes payload, mono_time now) {
  ++counters.segments_in;
  if (!alive) return;
  // RFC 1122 §4.2.3.10: no TCP to or from broadcast or multicast.
  if (meta.destination.is_broadcast() || meta.destination.is_multicast() ||
      meta.source.is_broadcast() || meta.source.is_multicast() || meta.source.is_any()) {
    ++counters.drop_not_for_us;
    return;
  }
  auto p = packet::parse(payload);
  if (!p) {
    ++counters.drop_malformed;
    return;
  }
  auto r = repr::parse(*p, meta.source, meta.destination);
  if (!r) {
    if (r.error() == parse_error::bad_checksum) {
      ++counters.drop_bad_checksum;
    } else {
      ++counters.drop_malformed;
    }
    return;
  }
  const repr& seg = *r;
  if (seg.source_port.value == 0 || seg.destination_port.value == 0) {
    ++counters.drop_not_for_us;
    return;
  }
  // Combinations no TCP sends (scans and attacks).
  if (seg.has(flag::syn) && (seg.has(flag::fin) || seg.has(flag::rst))) {
    ++counters.drop_bad_flags;
    return;
  }
  const four_tuple t{{meta.destination, seg.destination_port}, {meta.source, seg.source_port}};
  if (auto it = table.find(t); it != table.end()) {
    entry* e = it->second;
    if (seg.has(flag::syn) && !seg.has(flag::ack) && e->conn.syn_may_reuse(seg)) {
      auto l = listeners.find(seg.destination_port.value);
      if (l != listeners.end() && l->second->open) {
        // RFC 6191: a new SYN retires the old incarnation in TIME-WAIT.
        e->conn.abort();
        unlink(e);
        listen_input(*l->second, t, seg, now);
        return;
      }
    }
    // One SYN answered twice, once with a cookie while the backlog was full
    // and once (a duplicate or retransmission) with state: the client may
    // complete the cookie's handshake, and SYN-RECEIVED would answer its
    // ACK with a RST that resets the client's established connection. A
    // valid cookie wins over the state; an ACK that is not for our ISN and
    // fails the check (maybe the cookie handshake's later segment, its
    // first lost) is dropped as accept_cookie drops it.
    if (e->conn.state() == state::syn_received && e->listener && !e->queued &&
        seg.has(flag::ack) && !seg.has(flag::syn) && !seg.has(flag::rst) &&
        seg.ack != e->conn.iss() + 1 && cookie_may_be_valid(*e->listener, now)) {
      if (!secret.check_cookie(t, seg.seq - 1, seg.ack - 1, now)) {
        ++counters.syn_cookies_rejected;
        return;
      }
      listener_state* l = e->listener;
      drop_from_listener(e);
      e->conn.abort();
      unlink(e);
      accept_cookie(*l, t, seg, now);
      return;
    }
    if (auto reply = e->conn.on_segment(seg, now)) send_reset(t, reply->seq, reply->ack, reply->with_ack);
    flush(e, now);
    return;
  }
  if (auto l = listeners.find(seg.destination_port.value); l != listeners.end() && l->second->open) {
    listen_input(*l->second, t, seg, now);
    return;
  }
  // RFC 9293 §3.10.7.1: no connection: reset anything but a reset.
  ++counters.drop_no_connection;
  if (seg.has(flag::rst)) return;
  if (seg.has(flag::ack)) {
    send_reset(t, seg.ack, {}, false);
  } else {
    send_reset(t, seq_number(0), seg.seq + seg.segment_len(), true);
  }
}

void core::path_mtu_reduced(const ip_meta& quoted, bytes segment, std::size_t mtu, mono_time now) {
  // The quoted segment's ports and sequence number (its first 8 bytes):
  // which connection, and whether the segment is one it has in flight.
  if (!alive || segment.size() < 8 || mtu <= packet::min_header_len) return;
  const four_tuple t{{quoted.source, port(segment.be16(0))}, {quoted.destination, port(segment.be16(2))}};
  auto it = table.find(t);
  const seq_number seq(segment.be32(4));
  if (it == table.end() || !it->second->conn.path_mtu_reduced(mtu - packet::min_header_len, seq, now)) {
    ++counters.path_mtu_ignored;
    return;
  }
  ++counters.path_mtu_reductions;
  flush(it->second, now);
}

void core::listen_input(listener_state& l, const four_tuple& t, const repr& seg, mono_time now) {
  // RFC 9293 §3.10.7.2.
  if (seg.has(flag::rst)) return;
  if (seg.has(flag::ack)) {
    if (!seg.has(flag::syn) && cookie_may_be_valid(l, now)) {
      accept_cookie(l, t, seg, now);
      return;
    }
    ++counters.drop_no_connection;
    send_reset(t, seg.ack, {}, false);
    return;
  }
  if (!seg.has(flag::syn)) {
    ++counters.drop_bad_flags;
    return;
  }
  if (table.size() >= cfg.max_connections) {
    ++counters.drop_table_full;
    return;
  }
  if (l.ready.size() >= cfg.accept_backlog) {
    ++counters.drop_accept_queue;
    return;
  }
  if (l.half_open >= cfg.syn_backlog) {
    if (cfg.syn_cookies) {
      l.last_cookie = now;
      send_cookie(t, seg, now);
    } else {
      ++counters.drop_syn_backlog;
    }
    return;
  }
  entry* e = create(t, now);
  if (!e) return;
  e->listener = &l;
  ++l.half_open;
  e->conn.open_passive(seg, secret.initial_sequence(t, now), now);
  flush(e, now);
}

void core::send_cookie(const four_tuple& t, const repr& syn, mono_time now) {
  const std::uint16_t peer_mss = syn.opts.mss ? *syn.opts.mss : 536;
  const std::uint8_t index = secret_hash::cookie_mss_index(peer_mss);
  repr h;
  h.source_port = t.local.number;
  h.destination_port = t.remote.number;
  h.seq = secret.make_cookie(t, syn.seq, now, index);
  h.ack = syn.seq + 1;
  h.flags = flag::syn | flag::ack;
  h.window = static_cast<std::uint16_t>(cfg.receive_buffer < 65535 ? cfg.receive_buffer : 65535);
  const std::size_t mss = mss_for(t.remote.address);
  h.opts.mss = static_cast<std::uint16_t>(mss < 65535 ? mss : 65535);
  if (syn.opts.ts && cfg.timestamps) {
    // Window scale and SACK-permitted ride in the low bits of our TSval,
    // which the client echoes (see secret.hpp); without timestamps they
    // are not offered, as nothing would bring them back.
    const bool ws = syn.opts.window_scale.has_value() && cfg.window_scaling;
    const bool sack = syn.opts.sack_permitted && cfg.sack;
    const std::uint32_t bits = (ws ? *syn.opts.window_scale : 15u) | (sack ? 0x10u : 0u);
    const std::uint32_t clock = ts_clock(t, now);
    std::uint32_t value = (clock & ~0x1fu) | bits;
    if (std::int32_t(value - clock) > 0) value -= 32;  // never ahead of the clock (PAWS)
    h.opts.ts = timestamps{value, syn.opts.ts->value};
    if (ws) h.opts.window_scale = receive_window_shift(cfg);
    h.opts.sack_permitted = sack;
  }
  ++counters.syn_cookies_sent;
  send_raw(t, h, {});
}

bool core::cookie_may_be_valid(const listener_state& l, mono_time now) const {
  return cfg.syn_cookies && l.last_cookie != mono_never &&
         now - l.last_cookie < 2 * secret_hash::cookie_period;
}

void core::accept_cookie(listener_state& l, const four_tuple& t, const repr& ack, mono_time now) {
  const auto index = secret.check_cookie(t, ack.seq - 1, ack.ack - 1, now);
  if (!index) {
    // Not the ACK of a cookie we sent, or not the first segment after it
    // (the client's ISN is taken from SEG.SEQ - 1, so a first data segment
    // lost or overtaken makes the next one fail). Dropped without the RST
    // of RFC 9293 §3.10.7.2 while cookies are in use (Linux sends it): it
    // would reset a client whose handshake completed, whose retransmission
    // from SND.UNA passes the check.
    ++counters.syn_cookies_rejected;
    return;
  }
  if (l.ready.size() >= cfg.accept_backlog) {
    ++counters.drop_accept_queue;
    return;
  }
  entry* e = create(t, now);
  if (!e) return;
  std::optional<std::uint8_t> ws;
  bool sack = false;
  if (ack.opts.ts) {
    const std::uint32_t bits = ack.opts.ts->echo & 0x1f;
    if ((bits & 0xf) != 0xf) ws = static_cast<std::uint8_t>(bits & 0xf);
    sack = (bits & 0x10) != 0;
  }
  e->listener = &l;
  ++l.half_open;
  e->conn.open_from_cookie(ack, secret_hash::cookie_mss[*index], ws, sack, now);
  ++counters.syn_cookies_accepted;
  // The ACK may carry data already.
  if (auto reply = e->conn.on_segment(ack, now)) send_reset(t, reply->seq, reply->ack, reply->with_ack);
  flush(e, now);
}

// --- output ---------------------------------------------------------------

void core::send_raw(const four_tuple& t, const repr& h, std::span<const bytes> payload) {
  if (!ip) return;
  std::array<std::byte, packet::max_header_len> header;
  std::array<bytes, 3> parts;
  std::size_t n = 1;
  for (bytes p : payload)
    if (!p.empty() && n < parts.size()) parts[n++] = p;
  const std::size_t hlen = h.emit_header(mut_bytes(header.data(), header.size()), t.local.address,
                                         t.remote.address, std::span<const bytes>(parts).subspan(1, n - 1));
  parts[0] = bytes(header.data(), hlen);
  ++counters.segments_out;
  (void)ip->send(t.local.address, t.remote.address, ip_protocol::tcp,
                 std::span<const bytes>(parts.data(), n));
}

bool core::emit(entry* e, const four_tuple& t, segment_out& out) {
  if (!ip) return false;
  std::array<std::byte, packet::max_header_len> header;
  std::array<bytes, 3> parts;
  std::size_t n = 1;
  for (bytes p : out.payload)
    if (!p.empty()) parts[n++] = p;
  const std::size_t hlen =
      out.header.emit_header(mut_bytes(header.data(), header.size()), t.local.address,
                             t.remote.address, std::span<const bytes>(parts).subspan(1, n - 1));
  parts[0] = bytes(header.data(), hlen);
  ++counters.segments_out;
  auto r = ip->send(t.local.address, t.remote.address, ip_protocol::tcp,
                    std::span<const bytes>(parts.data(), n));
  // A lost segment is recovered by retransmission, but a SYN with no
  // route at all fails the connect at once.
  if (!r && r.error() == ip_error::no_route && e->conn.state() == state::syn_sent) {
    e->unreachable = true;
    e->conn.abort();
  }
  return bool(r);
}

void core::send_reset(const four_tuple& t, seq_number seq, seq_number ack, bool with_ack) {
  repr h;
  h.source_port = t.local.number;
  h.destination_port = t.remote.number;
  h.seq = seq;
  h.ack = ack;
  h.flags = with_ack ? (flag::rst | flag::ack) : flag::rst;
  ++counters.rst_out;
  send_raw(t, h, {});
}

void core::flush(entry* e, mono_time now) {
  if (!alive) return;
  const four_tuple t = e->conn.tuple();
  segment_out out;
  std::size_t sent = 0;
  while (sent < max_burst && e->conn.poll_output(now, out)) {
    emit(e, t, out);
    ++sent;
  }
  // SYN-RECEIVED became ESTABLISHED: into the accept queue.
  if (e->listener && !e->queued && e->conn.was_established()) {
    listener_state* l = e->listener;
    --l->half_open;
    if (l->ready.size() >= cfg.accept_backlog || !l->open) {
      ++counters.drop_accept_queue;
      e->listener = nullptr;
      e->conn.abort();
      while (e->conn.poll_output(now, out)) emit(e, t, out);
    } else {
      e->queued = true;
      ++e->refs;
      l->ready.push_back(e);
      l->acceptors.notify_one();
    }
  }
  // Wake whoever waits on what changed.
  const connection& c = e->conn;
  if (e->list == &orphans && !c.orphaned()) leave_list(e);
  if (c.state() == state::time_wait && e->list != &time_waits && e->in_table) {
    leave_list(e);
    enter_time_wait(e, now);
  }
  if (c.recv_available() > 0 || c.recv_finished() || c.is_closed()) e->readers.notify_all();
  if (c.send_free() >= cfg.send_buffer / 4 || !c.may_send()) e->writers.notify_all();
  if (c.state() != state::syn_sent && c.state() != state::syn_received) e->opened.notify_all();
  if (c.is_closed()) {
    if (e->listener && !e->queued) {
      --e->listener->half_open;
      e->listener = nullptr;
    }
    unlink(e);  // may free e
    return;
  }
  if (sent == max_burst) {
    // More to send: continue on the next turn.
    if (loop* l = loop::current_or_null(); l && !l->root_cancel().requested()) {
      ensure_watcher();
      e->tick.arm(now);
    }
    return;
  }
  rearm(e, now);
}

// --- connections ----------------------------------------------------------

entry* core::create(const four_tuple& t, mono_time now) {
  if (table.size() >= cfg.max_connections) {
    ++counters.drop_table_full;
    return nullptr;
  }
  // The entry itself is charged to the budget too: a flood of connections
  // that hold no buffers (TIME-WAIT, half-open) must not take the heap.
  // With the budget spent, the oldest TIME-WAIT, then the oldest orphan,
  // gives way: a new connection is worth more than either.
  while (!memory.try_charge(sizeof(entry))) {
    entry* victim = time_waits.oldest ? time_waits.oldest : orphans.oldest;
    if (!victim) {
      ++counters.drop_no_memory;
      return nullptr;
    }
    ++(victim->list == &time_waits ? counters.time_wait_dropped : counters.orphans_dropped);
    leave_list(victim);
    victim->conn.abort();
    flush(victim, now);
  }
  auto* e = new (std::nothrow) entry(this, env(), t, mss_for(t.remote.address),
                                     secret.timestamp_offset(t));
  if (!e) {
    memory.release(sizeof(entry));
    ++counters.drop_no_memory;
    return nullptr;
  }
  table.emplace(t, e);
  return e;
}

void core::unlink(entry* e) {
  if (!e->in_table) return;
  leave_list(e);
  table.erase(e->conn.tuple());
  e->in_table = false;
  e->tick.disarm();
  if (e->refs == 0) delete e;
}

void core::release(entry* e) {
  FATA_ASSERT(e->refs > 0);
  if (--e->refs == 0 && !e->in_table) delete e;
}

void core::drop_from_listener(entry* e) {
  listener_state* l = e->listener;
  if (!l) return;
  e->listener = nullptr;
  if (e->queued) {
    e->queued = false;
    for (auto it = l->ready.begin(); it != l->ready.end(); ++it) {
      if (*it == e) {
        l->ready.erase(it);
        break;
      }
    }
    release(e);
  } else {
    --l->half_open;
  }
}

void entry_list::push(entry* e) {
  FATA_ASSERT(!e->list);
  e->list = this;
  e->older = newest;
  e->newer = nullptr;
  (newest ? newest->newer : oldest) = e;
  newest = e;
  ++count;
}

void entry_list::remove(entry* e) {
  FATA_ASSERT(e->list == this);
  (e->older ? e->older->newer : oldest) = e->newer;
  (e->newer ? e->newer->older : newest) = e->older;
  e->older = e->newer = nullptr;
  e->list = nullptr;
  --count;
}

void core::adopt_orphan(entry* e, mono_time now) {
  if (!e->in_table || e->list || !e->conn.orphaned()) return;
  e->orphan_storage = e->conn.buffer_storage();
  orphans.push(e);
  orphan_storage_bound += e->orphan_storage;
  // The bound overestimates (orphans' buffers shrink as the peer
  // acknowledges); count again before resetting anything.
  if (orphan_storage_bound > orphan_memory_limit) orphan_storage_bound = recount_orphan_storage();
  while (orphans.oldest &&
         (orphans.count > cfg.max_orphans || orphan_storage_bound > orphan_memory_limit)) {
    entry* victim = orphans.oldest;
    ++counters.orphans_dropped;
    leave_list(victim);
    victim->conn.abort();
    flush(victim, now);  // the RST; unlinks (and may free) it
  }
}

void core::enter_time_wait(entry* e, mono_time now) {
  time_waits.push(e);
  while (time_waits.count > cfg.max_time_wait) {
    // As Linux past tcp_max_tw_buckets, but the oldest goes: it is the
    // nearest to its end anyway.
    entry* victim = time_waits.oldest;
    ++counters.time_wait_dropped;
    leave_list(victim);
    victim->conn.abort();  // TIME-WAIT: closes without a RST
    flush(victim, now);
  }
}

void core::leave_list(entry* e) {
  if (!e->list) return;
  if (e->list == &orphans) orphan_storage_bound -= std::min(orphan_storage_bound, e->orphan_storage);
  e->list->remove(e);
}

std::size_t core::recount_orphan_storage() {
  std::size_t n = 0;
  for (entry* e = orphans.oldest; e; e = e->newer) {
    e->orphan_storage = e->conn.buffer_storage();
    n += e->orphan_storage;
  }
  return n;
}

std::optional<port> core::pick_port(const ip_addr& local, const sig::ip_endpoint& remote) {
  // RFC 6056 §3.3.3: an offset keyed by the endpoints plus a counter, so
  // ports are unpredictable yet rarely collide.
  const std::uint32_t first = cfg.ephemeral_first;
  const std::uint32_t last = cfg.ephemeral_last < first ? first : cfg.ephemeral_last;
  const std::uint32_t range = last - first + 1;
  const auto offset = static_cast<std::uint32_t>(
      secret.hash(port_offset_domain, four_tuple{{local, port(0)}, remote}));
  for (std::uint32_t i = 0; i < range; ++i) {
    const auto p = static_cast<std::uint16_t>(first + (offset + ephemeral_next + i) % range);
    if (listeners.count(p)) continue;
    if (table.count(four_tuple{{local, port(p)}, remote})) continue;
    ephemeral_next += i + 1;
    return port(p);
  }
  return std::nullopt;
}

// --- timers ---------------------------------------------------------------

void core::rearm(entry* e, mono_time now) {
  loop* l = loop::current_or_null();
  mono_time at = e->conn.poll_at();
  // The connection was just drained of output, so nothing is due now; if
  // it claims so anyway (a bug), wait a millisecond rather than spin.
  if (at <= now) {
    ++counters.timer_spins;
    at = now + 1ms;
  }
  if (!l || l->root_cancel().requested() || at == mono_never) {
    e->tick.disarm();
    return;
  }
  ensure_watcher();
  const mono_time when = at < now ? now : at;
  if (!e->tick.armed() || e->tick.deadline() != when) e->tick.arm(when);
}

void core::ensure_watcher() {
  if (watching) return;
  watching = true;
  loop::current().spawn(watch_loop(shared_from_this()));
}

void core::suspend_timers() {
  for (auto& [t, e] : table) e->tick.disarm();
}

void core::on_tick(void* p) {
  auto* e = static_cast<entry*>(p);
  e->owner->flush(e, loop::current().now());
}

void core::shut_down() {
  if (!alive) return;
  alive = false;
  ip = nullptr;
  for (auto& [number, l] : listeners) {
    l->open = false;
    l->acceptors.notify_all();
  }
  std::vector<entry*> all;
  all.reserve(table.size());
  for (auto& [t, e] : table) all.push_back(e);
  for (entry* e : all) {
    drop_from_listener(e);
    e->readers.notify_all();
    e->writers.notify_all();
    e->opened.notify_all();
  }
  for (auto& [number, l] : listeners) {
    while (!l->ready.empty()) drop_from_listener(l->ready.front());
  }
  listeners.clear();
  for (entry* e : all) unlink(e);
  watch.notify_all();
}

sig::flow_error error_of(const connection& c) {
  switch (c.reason()) {
    case close_reason::reset: return sig::flow_error::reset;
    case close_reason::refused: return sig::flow_error::refused;
    case close_reason::timed_out: return sig::flow_error::timed_out;
    default: return sig::flow_error::closed;
  }
}

}  // namespace detail

// --- layer ----------------------------------------------------------------

layer::drawn_secret layer::platform_secret() {
  std::array<std::byte, secret_size> key{};
  if (platform::random_bytes(std::span<std::byte>(key)) != platform::status::ok) return {};
  return {key};
}

layer::layer(ip_output& ip) : layer(ip, platform_secret(), config_from_keys()) {}

namespace {
constexpr std::array<std::byte, layer::secret_size> no_secret{};
log::source tcp_log{"net.tcp", "TCP layer"};
}  // namespace

layer::layer(ip_output& ip, const drawn_secret& secret, const config& cfg)
    : layer(ip, std::span<const std::byte, secret_size>(secret.key ? *secret.key : no_secret), cfg) {
  if (secret.key) return;
  _core->without_entropy = true;
  tcp_log.error("no entropy source for the ISN and SYN cookie secret: TCP is disabled (give the "
                "image one: virtio-rng, or a CPU with RDRAND)");
}

layer::layer(ip_output& ip, std::span<const std::byte, secret_size> secret, const config& cfg)
    : _core(std::make_shared<detail::core>(ip, secret, cfg)) {}

layer::~layer() { _core->shut_down(); }

void layer::receive(const ip_meta& meta, bytes payload, mono_time now) {
  _core->input(meta, payload, now);
}

void layer::path_mtu_reduced(const ip_meta& quoted, bytes quoted_segment, std::size_t mtu, mono_time now) {
  _core->path_mtu_reduced(quoted, quoted_segment, mtu, now);
}

result<listener, sig::stack_error> layer::listen(port p) {
  if (p.value == 0) return unexpected(sig::stack_error::invalid_argument);
  if (_core->without_entropy) return unexpected(sig::stack_error::io);
  if (_core->listeners.count(p.value)) return unexpected(sig::stack_error::address_in_use);
  auto l = std::make_shared<detail::listener_state>();
  l->number = p;
  _core->listeners.emplace(p.value, l);
  return listener(_core, std::move(l));
}

const stats& layer::counters() const { return _core->counters; }
const config& layer::configuration() const { return _core->cfg; }
std::size_t layer::connections() const { return _core->table.size(); }
std::size_t layer::connection_objects() const { return _core->entries_alive; }

std::array<std::size_t, state_count> layer::connections_by_state() const {
  std::array<std::size_t, state_count> n{};
  for (auto& [t, e] : _core->table) ++n[static_cast<std::size_t>(e->conn.state())];
  return n;
}

std::size_t layer::buffer_storage() const {
  std::size_t n = 0;
  for (auto& [t, e] : _core->table) n += e->conn.buffer_storage();
  return n;
}

std::size_t layer::orphans() const { return _core->orphans.count; }
const memory_budget& layer::memory() const { return _core->memory; }

void layer::format_stats(format_sink& out) const {
  tcp::format_stats(out, _core->counters);
  {
    char buf[160];
    const memory_budget& m = _core->memory;
    out.append(format_into(buf, "tcp.orphans {}\ntcp.memory_used {}\ntcp.memory_peak {}\n",
                           _core->orphans.count, m.used(), m.peak()));
    out.append(format_into(buf, "tcp.memory_limit {}\ntcp.memory_refusals {}\n", m.limit(),
                           m.refusals()));
  }
  static constexpr std::array<std::string_view, state_count> names = {
      "closed",     "listen",     "syn_sent",   "syn_received", "established", "fin_wait_1",
      "fin_wait_2", "close_wait", "closing",    "last_ack",     "time_wait"};
  const auto by_state = connections_by_state();
  for (std::size_t i = 0; i < state_count; ++i) {
    char buf[64];
    out.append(format_into(buf, "tcp.connections_{} {}\n", names[i], by_state[i]));
  }
}

}  // namespace fata::net::tcp
