#include <fata/net/ndp.hpp>

#include <algorithm>

namespace fata::net {

std::string_view describe(neighbor_cache::state s) noexcept {
  switch (s) {
    case neighbor_cache::state::incomplete: return "INCOMPLETE";
    case neighbor_cache::state::reachable: return "REACHABLE";
    case neighbor_cache::state::stale: return "STALE";
    case neighbor_cache::state::delay: return "DELAY";
    case neighbor_cache::state::probe: return "PROBE";
    case neighbor_cache::state::failed: return "FAILED";
  }
  return "?";
}

std::size_t neighbor_cache::address_hash::operator()(const ipv6_addr& a) const noexcept {
  // FNV-1a over the 16 bytes.
  std::uint64_t h = 0xcbf29ce484222325u;
  for (std::uint8_t o : a.octets) h = (h ^ o) * 0x100000001b3u;
  return static_cast<std::size_t>(h);
}

neighbor_cache::neighbor_cache(ndp_config cfg) : _cfg(cfg), _rng(cfg.seed | 1) {}

duration neighbor_cache::reachable_time() {
  // xorshift64*: a uniform factor in [0.5, 1.5).
  _rng ^= _rng >> 12;
  _rng ^= _rng << 25;
  _rng ^= _rng >> 27;
  // Integer arithmetic only: the freestanding targets have no FPU state.
  const std::uint64_t r = (_rng * 0x2545f4914f6cdd1du) >> 32;  // 32 bits
  const std::uint64_t base = static_cast<std::uint64_t>(_cfg.base_reachable_time.count());
  const std::uint64_t spread = static_cast<std::uint64_t>((static_cast<unsigned __int128>(base) * r) >> 32);
  return duration(static_cast<duration::rep>(base / 2 + spread));
}

neighbor_cache::entry* neighbor_cache::find(const ipv6_addr& ip) {
  auto it = _entries.find(ip);
  return it == _entries.end() ? nullptr : &it->second;
}

std::optional<neighbor_cache::state> neighbor_cache::state_of(const ipv6_addr& ip) const {
  auto it = _entries.find(ip);
  if (it == _entries.end()) return std::nullopt;
  return it->second.what;
}

// A new entry for `ip`, making room if the cache is full; nullptr if
// every entry is being resolved or probed.
neighbor_cache::entry* neighbor_cache::insert(const ipv6_addr& ip, mono_time now) {
  if (_entries.size() >= _cfg.max_entries) {
    auto victim = _entries.end();
    for (auto it = _entries.begin(); it != _entries.end(); ++it) {
      const state s = it->second.what;
      if (s != state::stale && s != state::failed) continue;
      if (victim == _entries.end() || it->second.used < victim->second.used) victim = it;
    }
    if (victim == _entries.end()) return nullptr;
    drop_waiting(victim->second);
    _entries.erase(victim);
    ++_stats.evicted;
  }
  entry& e = _entries[ip];
  e.used = now;
  return &e;
}

std::optional<mac_addr> neighbor_cache::lookup(const ipv6_addr& ip, mono_time now) {
  entry* e = find(ip);
  if (!e) return std::nullopt;
  switch (e->what) {
    case state::incomplete:
    case state::failed: return std::nullopt;
    case state::reachable:
      if (now < e->next) break;
      make_stale(*e);
      [[fallthrough]];
    case state::stale:
      // §7.3.3: sending to a STALE neighbour starts the wait before a probe.
      e->what = state::delay;
      e->next = saturating_add(now, _cfg.delay_first_probe);
      break;
    case state::delay:
    case state::probe: break;
  }
  e->used = now;
  return e->mac;
}

result<void, ip_error> neighbor_cache::enqueue(const ipv6_addr& ip, std::span<const bytes> parts, mono_time now,
                                               ndp_sink& out) {
  entry* e = find(ip);
  if (e && e->what == state::failed && now < e->next) {
    ++_stats.queue_full;
    return unexpected(ip_error::unresolved);
  }
  const bool fresh = !e || e->what != state::incomplete;
  const bool created = !e;
  if (!e) e = insert(ip, now);
  if (!e) {
    ++_stats.queue_full;
    return unexpected(ip_error::unresolved);
  }
  std::size_t size = 0;
  for (bytes p : parts) size += p.size();
  if (e->waiting.size() >= _cfg.max_pending_packets || _pending_bytes + size > _cfg.max_pending_bytes) {
    ++_stats.queue_full;
    if (created) _entries.erase(ip);
    return unexpected(ip_error::unresolved);
  }
  buffer copy(size);
  if (!copy.valid()) return unexpected(ip_error::no_memory);
  std::size_t off = 0;
  for (bytes p : parts) {
    copy.view().copy_from(off, p);
    off += p.size();
  }
  e->waiting.push_back(std::move(copy));
  _pending_bytes += size;
  ++_stats.queued;
  if (fresh) {
    e->what = state::incomplete;
    e->solicitations = 1;
    e->next = saturating_add(now, _cfg.retrans_timer);
    ++_stats.solicitations_out;
    out.send_solicitation(ip, std::nullopt);
  }
  return {};
}

void neighbor_cache::make_reachable(entry& e, mono_time now) {
  e.what = state::reachable;
  e.next = saturating_add(now, reachable_time());
  e.solicitations = 0;
  ++_stats.confirmed;
}

void neighbor_cache::make_stale(entry& e) {
  e.what = state::stale;
  e.next = mono_never;
  e.solicitations = 0;
}

void neighbor_cache::flush(entry& e, ndp_sink& out) {
  for (buffer& b : e.waiting) {
    _pending_bytes -= b.size();
    out.send_resolved(e.mac, b);
  }
  e.waiting.clear();
}

void neighbor_cache::drop_waiting(entry& e) {
  for (buffer& b : e.waiting) _pending_bytes -= b.size();
  _stats.pending_dropped += e.waiting.size();
  e.waiting.clear();
}

void neighbor_cache::link_address_of(const ipv6_addr& ip, const mac_addr& mac, mono_time now, ndp_sink& out) {
  if (mac.is_multicast() || mac.is_zero()) return;
  entry* e = find(ip);
  if (!e) {
    e = insert(ip, now);
    if (!e) return;
    e->mac = mac;
    make_stale(*e);
    ++_stats.learned;
    return;
  }
  if (e->what == state::incomplete || e->what == state::failed) {
    e->mac = mac;
    make_stale(*e);
    ++_stats.learned;
    flush(*e, out);
    return;
  }
  if (e->mac != mac) {
    e->mac = mac;
    make_stale(*e);
    ++_stats.updated;
  }
}

void neighbor_cache::advertisement(const ipv6_addr& target, std::optional<mac_addr> mac, bool solicited,
                                   bool override_flag, mono_time now, ndp_sink& out) {
  entry* e = find(target);
  if (!e) {
    ++_stats.unsolicited_ignored;
    return;
  }
  if (mac && (mac->is_multicast() || mac->is_zero())) return;
  if (e->what == state::incomplete || e->what == state::failed) {
    if (!mac) return;  // §7.2.5: nothing to resolve with
    e->mac = *mac;
    ++_stats.learned;
    if (solicited) make_reachable(*e, now);
    else make_stale(*e);
    flush(*e, out);
    return;
  }
  const bool different = mac && *mac != e->mac;
  if (!override_flag && different) {
    // Keep the known address; it may be out of date.
    if (e->what == state::reachable) make_stale(*e);
    return;
  }
  if (different) {
    e->mac = *mac;
    ++_stats.updated;
  }
  if (solicited) make_reachable(*e, now);
  else if (different) make_stale(*e);
}

void neighbor_cache::confirm(const ipv6_addr& ip, mono_time now) {
  entry* e = find(ip);
  if (!e || e->what == state::incomplete || e->what == state::failed) return;
  make_reachable(*e, now);
}

void neighbor_cache::poll(mono_time now, ndp_sink& out) {
  for (auto it = _entries.begin(); it != _entries.end();) {
    entry& e = it->second;
    if (now < e.next) {
      ++it;
      continue;
    }
    switch (e.what) {
      case state::incomplete:
        if (e.solicitations < _cfg.max_multicast_solicit) {
          ++e.solicitations;
          e.next = saturating_add(now, _cfg.retrans_timer);
          ++_stats.solicitations_out;
          out.send_solicitation(it->first, std::nullopt);
        } else {
          drop_waiting(e);
          ++_stats.resolution_failed;
          e.what = state::failed;
          e.next = saturating_add(now, _cfg.failed_hold);
        }
        break;
      case state::reachable: make_stale(e); break;
      case state::delay:
        e.what = state::probe;
        e.solicitations = 1;
        e.next = saturating_add(now, _cfg.retrans_timer);
        ++_stats.probes_out;
        out.send_solicitation(it->first, e.mac);
        break;
      case state::probe:
        if (e.solicitations < _cfg.max_unicast_solicit) {
          ++e.solicitations;
          e.next = saturating_add(now, _cfg.retrans_timer);
          ++_stats.probes_out;
          out.send_solicitation(it->first, e.mac);
          break;
        }
        ++_stats.unreachable;
        it = _entries.erase(it);
        continue;
      case state::failed:
        it = _entries.erase(it);
        continue;
      case state::stale: e.next = mono_never; break;
    }
    ++it;
  }
}

mono_time neighbor_cache::poll_at() const {
  mono_time at = mono_never;
  for (const auto& [ip, e] : _entries) at = std::min(at, e.next);
  return at;
}

}  // namespace fata::net
