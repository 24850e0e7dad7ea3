// What router advertisements teach a host about its link (RFC 4861
// §6.3.4), as a pure state machine on explicit times: the default router
// list, the on-link prefix list, the DNS servers of RFC 8106's RDNSS
// option, and the link parameters (hop limit, MTU). The next hop of a
// destination follows RFC 4861 §5.2 without a destination cache: the
// lists are a handful of entries, so each send looks them up.
//
// Bounds: at most `max_routers`, `max_prefixes` and `max_dns_servers`
// entries; a full list ignores newcomers (counted), so a flood of forged
// advertisements cannot grow memory. A router lifetime of 0 removes the
// router, a prefix's valid lifetime of 0 removes the prefix, a DNS
// lifetime of 0 the server; 0xffffffff is infinite (prefixes, RDNSS).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/time.hpp>
#include <fata/net/wire/icmpv6.hpp>

namespace fata::net {

struct router_list_config {
  std::size_t max_routers = 4;
  std::size_t max_prefixes = 8;
  std::size_t max_dns_servers = 4;
};

struct router_list_stats {
  std::uint64_t routers_added = 0;
  std::uint64_t routers_removed = 0;  // lifetime 0, or expired
  std::uint64_t routers_ignored = 0;  // the list was full
  std::uint64_t prefixes_added = 0;
  std::uint64_t prefixes_removed = 0;
  std::uint64_t prefixes_ignored = 0;  // full, link-local, or over /128
  std::uint64_t dns_ignored = 0;       // full, or a malformed option
  std::uint64_t mtu_ignored = 0;       // under 1280 or over the link's
};

class router_list {
 public:
  struct router {
    ipv6_addr address;  // link-local: the advertisement's source
    mono_time until;
  };
  struct prefix {
    ipv6_prefix on_link;
    mono_time until;
  };
  struct dns_server {
    ipv6_addr address;
    mono_time until;
  };

  // `link_mtu` bounds the MTU an advertisement may set.
  router_list(router_list_config cfg, std::size_t link_mtu);

  // One advertisement's header: its source and router lifetime (seconds).
  void on_router(const ipv6_addr& source, std::uint16_t lifetime, mono_time now);
  // A configured default router (--ipv6-gateway): never expires.
  void add_configured_router(const ipv6_addr& router);
  // A prefix information option (only its on-link flag matters here; the
  // autonomous one is net/slaac.hpp's).
  void on_prefix(const wire::ndp_prefix_info& info, mono_time now);
  // An RDNSS option's value (after its type and length bytes).
  void on_dns_option(bytes value, mono_time now);
  // An MTU option.
  void on_mtu(std::uint32_t mtu);

  // Whether `destination` is on the link: link-local, or in an on-link
  // prefix.
  bool on_link(const ipv6_addr& destination) const;
  // The router to send an off-link packet through (RFC 4861 §6.3.6):
  // the first router `probably_reachable` accepts, else the routers in
  // turn, so that a dead one is not used forever; nullopt with none.
  template <class Reachable>
  std::optional<ipv6_addr> default_router(Reachable&& probably_reachable) {
    if (_routers.empty()) return std::nullopt;
    for (const router& r : _routers)
      if (probably_reachable(r.address)) return r.address;
    _turn = (_turn + 1) % _routers.size();
    return _routers[_turn].address;
  }

  // Drops entries whose lifetimes ended.
  void poll(mono_time now);
  mono_time poll_at() const;

  const std::vector<router>& routers() const { return _routers; }
  const std::vector<prefix>& prefixes() const { return _prefixes; }
  const std::vector<dns_server>& dns_servers() const { return _dns; }
  std::size_t mtu() const { return _mtu; }
  const router_list_stats& stats() const { return _stats; }

 private:
  router_list_config _cfg;
  std::size_t _link_mtu;
  std::size_t _mtu;
  std::vector<router> _routers;
  std::vector<prefix> _prefixes;
  std::vector<dns_server> _dns;
  std::size_t _turn = 0;
  router_list_stats _stats;
};

}  // namespace fata::net
