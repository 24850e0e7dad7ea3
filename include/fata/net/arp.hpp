// ARP for IPv4 over Ethernet (RFC 826, announcements per RFC 5227): the
// neighbour cache, as a pure state machine.
//
// The cache takes received ARP packets and the current time, and says
// through an `arp_sink` what to send: replies, requests, and the packets
// that were waiting for an address once it resolves. It never reads a
// clock; the glue calls `poll(now)` at `poll_at()`.
//
// Guarantees:
// - replies only to requests for the stack's own address;
// - learns only from requests addressed to it and updates entries it
//   already has (an unsolicited reply cannot fill the cache); never learns
//   broadcast or multicast MACs, nor sender addresses 0.0.0.0, broadcast,
//   multicast, or its own (a conflict, counted);
// - at most `max_entries` entries (the oldest resolved one is evicted);
// - a request is retried with exponential back-off, `max_requests` times;
//   then the waiting packets are dropped and the address is answered
//   `unresolved` for `failed_hold` (no request storm towards a dead host);
// - at most `max_pending_packets` packets wait per address and
//   `max_pending_bytes` in all: more is refused (ip_error::unresolved);
// - an entry in use is refreshed by a unicast request shortly before it
//   expires, so a live peer never goes through a resolution gap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/net/transport.hpp>
#include <fata/net/wire/arp.hpp>

namespace fata::net {

struct arp_config {
  duration entry_lifetime = 60s;
  // An entry used this close to its expiry is refreshed.
  duration refresh_before = 10s;
  // The first retry of an unanswered request; each later one doubles.
  duration retry_initial = 250ms;
  unsigned max_requests = 6;
  duration failed_hold = 3s;
  std::size_t max_entries = 512;
  std::size_t max_pending_packets = 16;
  std::size_t max_pending_bytes = 256 * 1024;
};

struct arp_stats {
  std::uint64_t requests_in = 0;
  std::uint64_t replies_in = 0;
  std::uint64_t requests_out = 0;
  std::uint64_t replies_out = 0;
  std::uint64_t announcements_out = 0;
  std::uint64_t learned = 0;
  std::uint64_t updated = 0;
  std::uint64_t evicted = 0;
  std::uint64_t expired = 0;
  std::uint64_t ignored = 0;     // not for us, bogus sender, unsolicited
  std::uint64_t conflicts = 0;   // someone else claims our (or the watched) address
  std::uint64_t probes_out = 0;
  std::uint64_t queued = 0;      // packets that waited for resolution
  std::uint64_t queue_full = 0;  // packets refused: queue or bytes limit
  std::uint64_t resolution_failed = 0;  // addresses given up on
  std::uint64_t pending_dropped = 0;    // waiting packets dropped with them
};

// Where the cache's output goes (implemented by the Ethernet link glue).
class arp_sink {
 public:
  // Sends an ARP packet in an Ethernet frame to `destination`.
  virtual void send_arp(mac_addr destination, const wire::arp_repr& packet) = 0;
  // A packet that waited for resolution can now go to `destination`.
  virtual void send_resolved(mac_addr destination, bytes packet) = 0;

 protected:
  ~arp_sink() = default;
};

class arp_cache {
 public:
  explicit arp_cache(mac_addr own_mac, arp_config cfg = {});

  // The address the stack answers for (any(): none yet).
  void set_address(ipv4_addr own) { _own_ip = own; }
  ipv4_addr address() const { return _own_ip; }
  mac_addr mac() const { return _own_mac; }

  // RFC 5227 §2.3: broadcasts an announcement of our address (a request
  // whose sender and target are both our address).
  void announce(arp_sink& out);

  // RFC 5227 §2.1.1: broadcasts a probe for `candidate` (sender address
  // 0.0.0.0, so no neighbour learns a binding we do not hold yet).
  void probe(ipv4_addr candidate, arp_sink& out);
  // Reports through `on_claim` every ARP packet from another MAC that
  // claims `candidate`: its sender address, or the target of its own
  // probe (RFC 5227 §2.1.1 conflict detection). any(): none watched.
  void watch(ipv4_addr candidate) { _watched = candidate; }
  void (*on_claim)(void* context, ipv4_addr address) = nullptr;
  void* claim_context = nullptr;

  // Handles one received ARP packet.
  void input(const wire::arp_repr& packet, mono_time now, arp_sink& out);

  // The MAC of `ip` if resolved and not expired. `now` lets an entry near
  // its expiry schedule a refresh.
  std::optional<mac_addr> lookup(ipv4_addr ip, mono_time now, arp_sink& out);

  // Keeps a copy of `packet` (the concatenation of `parts`) until `ip`
  // resolves, sending a request if none is outstanding. Errors:
  // ip_error::unresolved when the queue is full or `ip` failed recently;
  // ip_error::no_memory if the copy cannot be allocated.
  result<void, ip_error> enqueue(ipv4_addr ip, std::span<const bytes> parts, mono_time now,
                                 arp_sink& out);

  // Retries, refreshes and expiry due at `now`.
  void poll(mono_time now, arp_sink& out);
  // When poll() next has work (mono_never: none).
  mono_time poll_at() const;

  const arp_stats& stats() const { return _stats; }
  std::size_t size() const { return _entries.size(); }
  std::size_t pending_bytes() const { return _pending_bytes; }

 private:
  enum class state : std::uint8_t { resolved, pending, failed };
  struct entry {
    state what = state::pending;
    mac_addr mac;
    mono_time expires{};       // resolved: end of validity; failed: end of hold
    mono_time next_request{};  // pending: next retry; resolved: refresh
    bool refreshing = false;
    unsigned requests = 0;
    std::vector<buffer> waiting;
  };

  void learn(ipv4_addr ip, mac_addr mac, mono_time now, bool create, arp_sink& out);
  void send_request(ipv4_addr ip, mac_addr to, arp_sink& out);
  void drop_waiting(entry& e);
  bool make_room();

  mac_addr _own_mac;
  ipv4_addr _own_ip;
  ipv4_addr _watched;
  arp_config _cfg;
  std::unordered_map<std::uint32_t, entry> _entries;
  std::size_t _pending_bytes = 0;
  arp_stats _stats;
};

}  // namespace fata::net
