// IPv6 path MTU discovery's cache (RFC 8201), bounded, as a pure state
// machine.
//
// An ICMPv6 Packet Too Big lowers the estimate for its destination, never
// below the IPv6 minimum of 1280 (§4: a smaller value is taken as 1280)
// and never up (§4: only aging raises it). Estimates age out after
// `lifetime` (§4 suggests 10 minutes), and the link's MTU applies again:
// a path that grew is found that way. At most `max_entries` destinations
// are held; a new one beyond that replaces the one that expires first.
// Lookups scan a short vector, and an empty cache (the usual case) costs
// one comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/time.hpp>

namespace fata::net {

struct path_mtu_config {
  std::size_t max_entries = 64;
  duration lifetime = std::chrono::minutes(10);
};

struct path_mtu_stats {
  std::uint64_t reductions = 0;  // estimates lowered
  std::uint64_t ignored = 0;     // not lower than what was known
  std::uint64_t evicted = 0;
  std::uint64_t expired = 0;
};

class path_mtu_cache {
 public:
  static constexpr std::size_t min_mtu = 1280;

  explicit path_mtu_cache(path_mtu_config cfg = {}) : _cfg(cfg) {}

  // A Packet Too Big for `destination` said `mtu`, with `current` the MTU
  // it was sent under; returns the new estimate if it fell.
  std::optional<std::size_t> too_big(const ipv6_addr& destination, std::uint32_t mtu, std::size_t current,
                                     mono_time now);
  // The estimate for `destination`, if one is held.
  std::optional<std::size_t> lookup(const ipv6_addr& destination) const;

  void poll(mono_time now);
  mono_time poll_at() const;

  std::size_t size() const { return _entries.size(); }
  const path_mtu_stats& stats() const { return _stats; }

 private:
  struct entry {
    ipv6_addr destination;
    std::size_t mtu;
    mono_time expires;
  };
  path_mtu_config _cfg;
  std::vector<entry> _entries;
  path_mtu_stats _stats;
};

}  // namespace fata::net
