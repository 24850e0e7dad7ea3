#include <fata/net/path_mtu.hpp>

#include <algorithm>

namespace fata::net {

std::optional<std::size_t> path_mtu_cache::too_big(const ipv6_addr& destination, std::uint32_t mtu,
                                                   std::size_t current, mono_time now) {
  const std::size_t estimate = std::max<std::size_t>(mtu, min_mtu);
  if (estimate >= current) {
    ++_stats.ignored;
    return std::nullopt;
  }
  const mono_time expires = saturating_add(now, _cfg.lifetime);
  for (entry& e : _entries) {
    if (e.destination != destination) continue;
    if (estimate >= e.mtu) {
      ++_stats.ignored;
      return std::nullopt;
    }
    e.mtu = estimate;
    e.expires = expires;
    ++_stats.reductions;
    return estimate;
  }
  if (_cfg.max_entries == 0) return std::nullopt;
  if (_entries.size() >= _cfg.max_entries) {
    auto first = std::min_element(_entries.begin(), _entries.end(),
                                  [](const entry& a, const entry& b) { return a.expires < b.expires; });
    _entries.erase(first);
    ++_stats.evicted;
  }
  _entries.push_back({destination, estimate, expires});
  ++_stats.reductions;
  return estimate;
}

std::optional<std::size_t> path_mtu_cache::lookup(const ipv6_addr& destination) const {
  for (const entry& e : _entries)
    if (e.destination == destination) return e.mtu;
  return std::nullopt;
}

void path_mtu_cache::poll(mono_time now) {
  const std::size_t before = _entries.size();
  std::erase_if(_entries, [&](const entry& e) { return now >= e.expires; });
  _stats.expired += before - _entries.size();
}

mono_time path_mtu_cache::poll_at() const {
  mono_time at = mono_never;
  for (const entry& e : _entries) at = std::min(at, e.expires);
  return at;
}

}  // namespace fata::net
