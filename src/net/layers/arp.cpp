#include <fata/net/arp.hpp>

#include <cstring>

namespace fata::net {

using wire::arp_operation;
using wire::arp_repr;

namespace {

bool bogus_sender(ipv4_addr ip) { return ip.is_any() || ip.is_broadcast() || ip.is_multicast(); }

}  // namespace

arp_cache::arp_cache(mac_addr own_mac, arp_config cfg) : _own_mac(own_mac), _cfg(cfg) {}

void arp_cache::announce(arp_sink& out) {
  if (_own_ip.is_any()) return;
  const arp_repr a{arp_operation::request, _own_mac, _own_ip, mac_addr{}, _own_ip};
  out.send_arp(mac_addr::broadcast(), a);
  ++_stats.announcements_out;
}

void arp_cache::probe(ipv4_addr candidate, arp_sink& out) {
  const arp_repr p{arp_operation::request, _own_mac, ipv4_addr::any(), mac_addr{}, candidate};
  out.send_arp(mac_addr::broadcast(), p);
  ++_stats.probes_out;
}

void arp_cache::send_request(ipv4_addr ip, mac_addr to, arp_sink& out) {
  const arp_repr r{arp_operation::request, _own_mac, _own_ip, mac_addr{}, ip};
  out.send_arp(to, r);
  ++_stats.requests_out;
}

void arp_cache::drop_waiting(entry& e) {
  for (const buffer& b : e.waiting) _pending_bytes -= b.size();
  _stats.pending_dropped += e.waiting.size();
  e.waiting.clear();
}

// Evicts the resolved or failed entry that expires first; false if every
// entry is pending (those hold packets and are bounded by their retries).
bool arp_cache::make_room() {
  auto victim = _entries.end();
  for (auto it = _entries.begin(); it != _entries.end(); ++it) {
    if (it->second.what == state::pending) continue;
    if (victim == _entries.end() || it->second.expires < victim->second.expires) victim = it;
  }
  if (victim == _entries.end()) return false;
  _entries.erase(victim);
  ++_stats.evicted;
  return true;
}

void arp_cache::learn(ipv4_addr ip, mac_addr mac, mono_time now, bool create, arp_sink& out) {
  auto it = _entries.find(ip.value);
  if (it == _entries.end()) {
    if (!create) {
      ++_stats.ignored;
      return;
    }
    if (_entries.size() >= _cfg.max_entries && !make_room()) return;
    it = _entries.emplace(ip.value, entry{}).first;
    ++_stats.learned;
  } else {
    ++_stats.updated;
  }
  entry& e = it->second;
  e.what = state::resolved;
  e.mac = mac;
  e.expires = saturating_add(now, _cfg.entry_lifetime);
  e.refreshing = false;
  e.requests = 0;
  // RFC 826: a packet that waited goes out as soon as we know where.
  std::vector<buffer> waiting = std::move(e.waiting);
  e.waiting.clear();
  for (const buffer& b : waiting) {
    _pending_bytes -= b.size();
    out.send_resolved(mac, b);
  }
}

void arp_cache::input(const arp_repr& p, mono_time now, arp_sink& out) {
  if (p.operation == arp_operation::request) ++_stats.requests_in;
  else ++_stats.replies_in;
  if (p.sender_mac.is_multicast() || p.sender_mac.is_zero()) {
    ++_stats.ignored;
    return;
  }
  if (!_watched.is_any() && p.sender_mac != _own_mac &&
      (p.sender_ip == _watched ||
       (p.sender_ip.is_any() && p.operation == arp_operation::request && p.target_ip == _watched))) {
    ++_stats.conflicts;
    if (on_claim) on_claim(claim_context, _watched);
  }
  if (!_own_ip.is_any() && p.sender_ip == _own_ip) {
    // Someone else uses our address (or a loop reflects our own frames).
    if (p.sender_mac != _own_mac) ++_stats.conflicts;
    else ++_stats.ignored;
    return;
  }
  const bool for_us = !_own_ip.is_any() && p.target_ip == _own_ip;
  if (!bogus_sender(p.sender_ip)) {
    // RFC 826 "merge": update what we know; add the sender only when the
    // packet is addressed to us (a request it will expect an answer to,
    // or the reply to our own request).
    learn(p.sender_ip, p.sender_mac, now, for_us, out);
  } else {
    ++_stats.ignored;
  }
  if (for_us && p.operation == arp_operation::request) {
    const arp_repr reply{arp_operation::reply, _own_mac, _own_ip, p.sender_mac, p.sender_ip};
    out.send_arp(p.sender_mac, reply);
    ++_stats.replies_out;
  }
}

std::optional<mac_addr> arp_cache::lookup(ipv4_addr ip, mono_time now, arp_sink& out) {
  auto it = _entries.find(ip.value);
  if (it == _entries.end() || it->second.what != state::resolved) return std::nullopt;
  entry& e = it->second;
  if (now >= e.expires) return std::nullopt;
  if (!e.refreshing && now + _cfg.refresh_before >= e.expires) {
    // Confirm the peer by unicast before the entry lapses; retried by poll().
    e.refreshing = true;
    e.requests = 1;
    e.next_request = saturating_add(now, _cfg.retry_initial);
    send_request(ip, e.mac, out);
  }
  return e.mac;
}

result<void, ip_error> arp_cache::enqueue(ipv4_addr ip, std::span<const bytes> parts, mono_time now,
                                          arp_sink& out) {
  auto it = _entries.find(ip.value);
  if (it != _entries.end()) {
    entry& e = it->second;
    if (e.what == state::failed && now < e.expires) {
      ++_stats.queue_full;
      return unexpected(ip_error::unresolved);
    }
    if (e.what != state::pending) {
      // Expired or failed long enough ago: resolve afresh.
      e = entry{};
    }
  } else {
    if (_entries.size() >= _cfg.max_entries && !make_room()) {
      ++_stats.queue_full;
      return unexpected(ip_error::unresolved);
    }
    it = _entries.emplace(ip.value, entry{}).first;
  }
  entry& e = it->second;
  std::size_t size = 0;
  for (bytes p : parts) size += p.size();
  if (e.waiting.size() >= _cfg.max_pending_packets ||
      _pending_bytes + size > _cfg.max_pending_bytes) {
    ++_stats.queue_full;
    if (e.requests == 0) _entries.erase(it);
    return unexpected(ip_error::unresolved);
  }
  buffer copy(size);
  if (!copy.valid()) return unexpected(ip_error::no_memory);
  std::size_t off = 0;
  for (bytes p : parts) {
    copy.view().copy_from(off, p);
    off += p.size();
  }
  e.waiting.push_back(std::move(copy));
  _pending_bytes += size;
  ++_stats.queued;
  if (e.requests == 0) {
    e.what = state::pending;
    e.requests = 1;
    e.next_request = saturating_add(now, _cfg.retry_initial);
    send_request(ip, mac_addr::broadcast(), out);
  }
  return {};
}

void arp_cache::poll(mono_time now, arp_sink& out) {
  for (auto it = _entries.begin(); it != _entries.end();) {
    entry& e = it->second;
    const ipv4_addr ip(it->first);
    bool erase = false;
    switch (e.what) {
      case state::resolved:
        if (now >= e.expires) {
          ++_stats.expired;
          erase = true;
        } else if (e.refreshing && now >= e.next_request && e.requests < _cfg.max_requests) {
          // Unicast first; the last tries broadcast in case the MAC moved.
          const bool last = e.requests + 2 >= _cfg.max_requests;
          send_request(ip, last ? mac_addr::broadcast() : e.mac, out);
          e.next_request = saturating_add(now, _cfg.retry_initial * (1 << e.requests));
          ++e.requests;
        }
        break;
      case state::pending:
        if (now >= e.next_request) {
          if (e.requests >= _cfg.max_requests) {
            ++_stats.resolution_failed;
            drop_waiting(e);
            e.what = state::failed;
            e.expires = saturating_add(now, _cfg.failed_hold);
          } else {
            send_request(ip, mac_addr::broadcast(), out);
            // RFC 1122 §2.3.2.1: back off, at most one request per second
            // per address once past the first tries.
            e.next_request = saturating_add(now, _cfg.retry_initial * (1 << e.requests));
            ++e.requests;
          }
        }
        break;
      case state::failed:
        if (now >= e.expires) erase = true;
        break;
    }
    if (erase) it = _entries.erase(it);
    else ++it;
  }
}

mono_time arp_cache::poll_at() const {
  mono_time at = mono_never;
  for (const auto& [ip, e] : _entries) {
    mono_time t = e.expires;
    if (e.what == state::pending) t = e.next_request;
    else if (e.what == state::resolved && e.refreshing && e.requests < _cfg.max_requests)
      t = std::min(e.expires, e.next_request);
    at = std::min(at, t);
  }
  return at;
}

}  // namespace fata::net
