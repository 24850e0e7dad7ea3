// Reassembly of fragmented IP packets, for either family, bounded, as a
// pure state machine (RFC 791 §3.2 and RFC 815 for IPv4, RFC 8200 §4.5
// and RFC 5722 for IPv6). The layers say what a fragment is
// (ipv4_reassembly.hpp; ipv6.cpp); this holds the pieces.
//
// Fragments are kept per key (IPv4: source, destination, protocol,
// identification; IPv6: source, destination, identification) until the
// packet is whole, then handed back as one contiguous buffer: the header
// the first fragment (offset 0) brought, then the data.
//
// Limits (each breach is a counted drop, never growth):
// - `max_fragments` per packet; `max_datagrams` in flight (a new one
//   beyond that evicts the oldest); `max_bytes` of fragment data in all;
//   `timeout` from a packet's first fragment to arrive (RFC 791 suggests
//   15 s, RFC 8200 says 60 s); `max_packet_len` for header plus data.
// - Overlaps: a fragment that repeats one already held exactly (same
//   offset and length) is ignored as a duplicate; any other overlap drops
//   the whole packet (RFC 5722, applied to IPv4 too: no choice between
//   conflicting bytes is ever made, so no overlap can be used to slip data
//   past a check).
// - A fragment past a known end, a second "last fragment" with another
//   end, or a non-last fragment whose length is not a multiple of 8 drops
//   the packet.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/time.hpp>

namespace fata::net {

struct reassembly_config {
  std::size_t max_fragments = 64;
  std::size_t max_datagrams = 16;
  std::size_t max_bytes = 256 * 1024;
  duration timeout = 15s;
  std::size_t max_packet_len = 65535;  // IPv4's total length
};

struct reassembly_stats {
  std::uint64_t fragments = 0;
  std::uint64_t reassembled = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t overlaps = 0;         // packets dropped for an overlap
  std::uint64_t bad_fragments = 0;    // packets dropped for inconsistent ends or length
  std::uint64_t too_many_fragments = 0;
  std::uint64_t evicted = 0;          // dropped to make room for a newer one
  std::uint64_t over_memory = 0;      // fragments refused: byte limit
  std::uint64_t timed_out = 0;
  std::uint64_t no_memory = 0;
};

struct fragment_key {
  ip_addr source;
  ip_addr destination;
  std::uint32_t ident = 0;
  std::uint8_t protocol = 0;  // IPv4's; 0 for IPv6, whose key has none
  friend bool operator==(const fragment_key&, const fragment_key&) = default;
};

struct fragment {
  fragment_key key;
  std::size_t offset = 0;  // of `data` in the packet's fragmentable part
  bool more = false;       // not the last
  bytes data;
  // With the first fragment: what goes before the data in the whole
  // packet (kept, copied, as it is).
  bytes header;
};

struct reassembled_packet {
  buffer packet;  // header, then data
  std::size_t header_len = 0;
  bytes header() const { return bytes(packet).first(header_len); }
  bytes data() const { return bytes(packet).skip(header_len); }
};

class fragment_reassembler {
 public:
  explicit fragment_reassembler(reassembly_config cfg = {}) : _cfg(cfg) {}

  // Takes one fragment; returns the whole packet when this one completes it.
  std::optional<reassembled_packet> input(const fragment& f, mono_time now);
  // Drops packets whose time is up.
  void poll(mono_time now);
  mono_time poll_at() const;

  std::size_t datagrams() const { return _datagrams.size(); }
  std::size_t bytes_held() const { return _bytes; }
  const reassembly_stats& stats() const { return _stats; }

 private:
  struct piece {
    std::size_t offset;
    buffer data;
  };
  struct datagram {
    fragment_key key;
    mono_time deadline;
    std::size_t total = 0;  // known once the last fragment arrived
    bool have_last = false;
    std::size_t received = 0;
    buffer header;  // from the first fragment
    bool have_first = false;
    std::vector<piece> pieces;  // sorted by offset, never overlapping
  };

  void drop(std::size_t index);

  reassembly_config _cfg;
  std::vector<datagram> _datagrams;  // few: a linear scan is cheapest
  std::size_t _bytes = 0;
  reassembly_stats _stats;
};

}  // namespace fata::net
