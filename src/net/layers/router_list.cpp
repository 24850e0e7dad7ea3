#include <fata/net/router_list.hpp>

#include <algorithm>

namespace fata::net {

router_list::router_list(router_list_config cfg, std::size_t link_mtu)
    : _cfg(cfg), _link_mtu(link_mtu), _mtu(link_mtu) {}

void router_list::on_router(const ipv6_addr& source, std::uint16_t lifetime, mono_time now) {
  auto it = std::find_if(_routers.begin(), _routers.end(), [&](const router& r) { return r.address == source; });
  if (it != _routers.end() && it->until == mono_never) return;  // configured: advertisements do not move it
  if (lifetime == 0) {
    // RFC 4861 §6.3.4: a router lifetime of 0 says "not a default router".
    if (it != _routers.end()) {
      _routers.erase(it);
      ++_stats.routers_removed;
    }
    return;
  }
  const mono_time until = saturating_add(now, std::chrono::seconds(lifetime));
  if (it != _routers.end()) {
    it->until = until;
    return;
  }
  if (_routers.size() >= _cfg.max_routers) {
    ++_stats.routers_ignored;
    return;
  }
  _routers.push_back({source, until});
  ++_stats.routers_added;
}

void router_list::add_configured_router(const ipv6_addr& address) {
  if (std::any_of(_routers.begin(), _routers.end(), [&](const router& r) { return r.address == address; })) return;
  // Ahead of learned ones: the operator's choice wins.
  _routers.insert(_routers.begin(), {address, mono_never});
  if (_routers.size() > _cfg.max_routers) _routers.pop_back();
  ++_stats.routers_added;
}

void router_list::on_prefix(const wire::ndp_prefix_info& info, mono_time now) {
  if (!info.on_link) return;
  // RFC 4861 §6.3.4: the link-local prefix is on-link by definition.
  if (info.prefix.address.is_link_local() || info.prefix.length > 128) {
    ++_stats.prefixes_ignored;
    return;
  }
  ipv6_prefix p = info.prefix;
  // Only the prefix's own bits count: compare masked.
  for (std::size_t bit = p.length; bit < 128; ++bit)
    p.address.octets[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
  auto it = std::find_if(_prefixes.begin(), _prefixes.end(), [&](const prefix& x) { return x.on_link == p; });
  if (info.valid_lifetime == 0) {
    if (it != _prefixes.end()) {
      _prefixes.erase(it);
      ++_stats.prefixes_removed;
    }
    return;
  }
  const mono_time until = wire::ndp_lifetime_end(now, info.valid_lifetime);
  if (it != _prefixes.end()) {
    it->until = until;
    return;
  }
  if (_prefixes.size() >= _cfg.max_prefixes) {
    ++_stats.prefixes_ignored;
    return;
  }
  _prefixes.push_back({p, until});
  ++_stats.prefixes_added;
}

void router_list::on_dns_option(bytes value, mono_time now) {
  // RFC 8106 §5.1: two reserved bytes, a 32-bit lifetime, then at least
  // one address (the option's length is odd and at least 3).
  if (value.size() < 6 + 16 || (value.size() - 6) % 16 != 0) {
    ++_stats.dns_ignored;
    return;
  }
  const std::uint32_t lifetime = value.be32(2);
  for (std::size_t at = 6; at + 16 <= value.size(); at += 16) {
    ipv6_addr a;
    for (std::size_t i = 0; i < 16; ++i) a.octets[i] = value.u8(at + i);
    auto it = std::find_if(_dns.begin(), _dns.end(), [&](const dns_server& d) { return d.address == a; });
    if (lifetime == 0) {
      if (it != _dns.end()) _dns.erase(it);
      continue;
    }
    if (a.is_multicast() || a.is_any()) {
      ++_stats.dns_ignored;
      continue;
    }
    const mono_time until = wire::ndp_lifetime_end(now, lifetime);
    if (it != _dns.end()) {
      it->until = until;
    } else if (_dns.size() < _cfg.max_dns_servers) {
      _dns.push_back({a, until});
    } else {
      ++_stats.dns_ignored;
    }
  }
}

void router_list::on_mtu(std::uint32_t mtu) {
  // RFC 4861 §6.3.4: ignore an MTU below IPv6's minimum or above the link's.
  if (mtu < 1280 || mtu > _link_mtu) {
    ++_stats.mtu_ignored;
    return;
  }
  _mtu = mtu;
}

bool router_list::on_link(const ipv6_addr& destination) const {
  if (destination.is_link_local()) return true;
  return std::any_of(_prefixes.begin(), _prefixes.end(),
                     [&](const prefix& p) { return p.on_link.contains(destination); });
}

void router_list::poll(mono_time now) {
  _stats.routers_removed += std::erase_if(_routers, [&](const router& r) { return r.until <= now; });
  _stats.prefixes_removed += std::erase_if(_prefixes, [&](const prefix& p) { return p.until <= now; });
  std::erase_if(_dns, [&](const dns_server& d) { return d.until <= now; });
  if (!_routers.empty()) _turn %= _routers.size();
}

mono_time router_list::poll_at() const {
  mono_time at = mono_never;
  for (const router& r : _routers) at = std::min(at, r.until);
  for (const prefix& p : _prefixes) at = std::min(at, p.until);
  for (const dns_server& d : _dns) at = std::min(at, d.until);
  return at;
}

}  // namespace fata::net
