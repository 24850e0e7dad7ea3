// IPv6 Neighbor Discovery's neighbour cache (RFC 4861 §7.3): address
// resolution and Neighbor Unreachability Detection, as a pure state
// machine like ARP's cache (net/arp.hpp).
//
// The cache takes what the IPv6 layer learned from received NDP messages
// and the current time, and says through an `ndp_sink` what to send:
// solicitations (multicast while resolving, unicast while probing) and
// the packets that waited for an address. It never reads a clock; the
// glue calls `poll(now)` at `poll_at()`.
//
//   (none) -send-> INCOMPLETE -NA(solicited)-> REACHABLE -time-> STALE
//   INCOMPLETE -NA(unsolicited), NS/RS/RA with a link address-> STALE
//   STALE -send-> DELAY -5 s-> PROBE -3 unicast NS unanswered-> (none)
//   DELAY, PROBE -NA(solicited) or an upper layer's confirmation-> REACHABLE
//   INCOMPLETE -3 multicast NS unanswered-> FAILED (held, then none)
//
// Guarantees:
// - an advertisement creates no entry (RFC 4861 §7.2.5): only our own
//   solicitations, or a neighbour's messages naming its link address,
//   put an address in the cache;
// - an advertisement without the override flag does not replace a known
//   link address (it makes a REACHABLE entry STALE);
// - at most `max_entries` entries: a full cache evicts the entry unused
//   the longest among STALE and FAILED ones, and refuses a new address
//   when every entry is being resolved or is in use;
// - at most `max_pending_packets` packets wait per address and
//   `max_pending_bytes` in all (ip_error::unresolved beyond);
// - a FAILED address answers `unresolved` for `failed_hold`, so a dead
//   neighbour costs three solicitations, not one per packet;
// - REACHABLE lasts a random time between 0.5 and 1.5 times the base
//   reachable time (§6.3.2), drawn anew at each confirmation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/net/transport.hpp>

namespace fata::net {

struct ndp_config {
  // RFC 4861 §10's constants; the first two may come from router
  // advertisements (set_reachable_time, set_retrans_timer).
  duration base_reachable_time = 30s;
  duration retrans_timer = 1s;
  duration delay_first_probe = 5s;
  unsigned max_multicast_solicit = 3;
  unsigned max_unicast_solicit = 3;
  duration failed_hold = 3s;
  std::size_t max_entries = 512;
  std::size_t max_pending_packets = 16;
  std::size_t max_pending_bytes = 256 * 1024;
  std::uint64_t seed = 1;  // the reachable time's randomness (the glue's entropy)
};

struct ndp_stats {
  std::uint64_t solicitations_out = 0;  // multicast, resolving
  std::uint64_t probes_out = 0;         // unicast, NUD
  std::uint64_t learned = 0;
  std::uint64_t updated = 0;            // a known neighbour's link address changed
  std::uint64_t confirmed = 0;          // made REACHABLE
  std::uint64_t unsolicited_ignored = 0;  // advertisements for addresses not in the cache
  std::uint64_t queued = 0;
  std::uint64_t queue_full = 0;
  std::uint64_t resolution_failed = 0;
  std::uint64_t unreachable = 0;        // NUD gave up on a neighbour
  std::uint64_t pending_dropped = 0;
  std::uint64_t evicted = 0;
};

class ndp_sink {
 public:
  // Sends a Neighbor Solicitation for `target`: to its solicited-node
  // group when `to` is empty, else by unicast to `to` (NUD).
  virtual void send_solicitation(const ipv6_addr& target, std::optional<mac_addr> to) = 0;
  // A packet that waited for resolution can now go to `destination`.
  virtual void send_resolved(mac_addr destination, bytes packet) = 0;

 protected:
  ~ndp_sink() = default;
};

class neighbor_cache {
 public:
  enum class state : std::uint8_t { incomplete, reachable, stale, delay, probe, failed };

  explicit neighbor_cache(ndp_config cfg = {});

  // The link address to send to `ip`, if known (a STALE entry starts NUD:
  // DELAY). nullopt: enqueue the packet.
  std::optional<mac_addr> lookup(const ipv6_addr& ip, mono_time now);
  // Keeps a copy of `packet` (the concatenation of `parts`) until `ip`
  // resolves, soliciting if no resolution is under way. Errors:
  // ip_error::unresolved (queue full, cache full, or `ip` failed
  // recently); ip_error::no_memory.
  result<void, ip_error> enqueue(const ipv6_addr& ip, std::span<const bytes> parts, mono_time now,
                                 ndp_sink& out);

  // A neighbour named its link address in a solicitation, a router
  // solicitation or advertisement, or a redirect (§7.2.3, §6.3.4, §8.3).
  void link_address_of(const ipv6_addr& ip, const mac_addr& mac, mono_time now, ndp_sink& out);
  // A Neighbor Advertisement for `target` (§7.2.5).
  void advertisement(const ipv6_addr& target, std::optional<mac_addr> mac, bool solicited, bool override_flag,
                     mono_time now, ndp_sink& out);
  // An upper layer saw forward progress with `ip` (§7.3.1: a TCP ACK for
  // new data): it is REACHABLE again without a probe.
  void confirm(const ipv6_addr& ip, mono_time now);

  void set_reachable_time(duration base) { _cfg.base_reachable_time = base; }
  void set_retrans_timer(duration t) { _cfg.retrans_timer = t; }

  void poll(mono_time now, ndp_sink& out);
  mono_time poll_at() const;

  std::optional<state> state_of(const ipv6_addr& ip) const;
  const ndp_stats& stats() const { return _stats; }
  std::size_t size() const { return _entries.size(); }
  std::size_t pending_bytes() const { return _pending_bytes; }

 private:
  struct entry {
    state what = state::incomplete;
    mac_addr mac;
    mono_time next = mono_never;  // the state's timer
    mono_time used{};             // last lookup or learning, for eviction
    unsigned solicitations = 0;
    std::vector<buffer> waiting;
  };
  struct address_hash {
    std::size_t operator()(const ipv6_addr& a) const noexcept;
  };

  duration reachable_time();
  void make_reachable(entry& e, mono_time now);
  void make_stale(entry& e);
  void flush(entry& e, ndp_sink& out);
  void drop_waiting(entry& e);
  entry* find(const ipv6_addr& ip);
  entry* insert(const ipv6_addr& ip, mono_time now);

  ndp_config _cfg;
  std::uint64_t _rng;
  std::unordered_map<ipv6_addr, entry, address_hash> _entries;
  std::size_t _pending_bytes = 0;
  ndp_stats _stats;
};

std::string_view describe(neighbor_cache::state s) noexcept;

}  // namespace fata::net
