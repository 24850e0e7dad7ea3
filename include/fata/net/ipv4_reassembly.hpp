// IPv4 reassembly (RFC 791 §3.2, RFC 815), bounded, as a pure state machine.
//
// Fragments are kept per (source, destination, protocol, identification)
// until the datagram is whole, then handed back as one contiguous buffer.
//
// Limits (each breach is a counted drop, never growth):
// - `max_fragments` per datagram; `max_datagrams` in flight (a new one
//   beyond that evicts the oldest); `max_bytes` of fragment data in all;
//   `timeout` from a datagram's first fragment (RFC 791 suggests 15 s).
// - Overlaps: a fragment that repeats one already held exactly (same
//   offset and length) is ignored as a duplicate; any other overlap drops
//   the whole datagram (the safe policy of RFC 5722, applied to IPv4: no
//   choice between conflicting bytes is ever made, so no overlap can be
//   used to slip data past a check).
// - A fragment past a known end, a second "last fragment" with another
//   end, or a non-last fragment whose length is not a multiple of 8 drops
//   the datagram.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/time.hpp>
#include <fata/net/wire/ipv4.hpp>

namespace fata::net {

struct reassembly_config {
  std::size_t max_fragments = 64;
  std::size_t max_datagrams = 16;
  std::size_t max_bytes = 256 * 1024;
  duration timeout = 15s;
};

struct reassembly_stats {
  std::uint64_t fragments = 0;
  std::uint64_t reassembled = 0;
  std::uint64_t duplicates = 0;
  std::uint64_t overlaps = 0;         // datagrams dropped for an overlap
  std::uint64_t bad_fragments = 0;    // datagrams dropped for inconsistent ends
  std::uint64_t too_many_fragments = 0;
  std::uint64_t evicted = 0;          // dropped to make room for a newer one
  std::uint64_t over_memory = 0;      // fragments refused: byte limit
  std::uint64_t timed_out = 0;
  std::uint64_t no_memory = 0;
};

// A datagram put back together: its header fields (with the offset and
// more-fragments flag cleared, payload_len set) and its payload.
struct reassembled_datagram {
  wire::ipv4_repr header;
  buffer payload;
};

class ipv4_reassembler {
 public:
  explicit ipv4_reassembler(reassembly_config cfg = {}) : _cfg(cfg) {}

  // Takes one fragment (a packet with MF set or a non-zero offset); returns
  // the whole datagram when this fragment completes it.
  std::optional<reassembled_datagram> input(const wire::ipv4_packet& fragment, mono_time now);
  // Drops datagrams whose time is up.
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
    ipv4_addr source;
    ipv4_addr destination;
    std::uint8_t protocol;
    std::uint16_t ident;
    mono_time deadline;
    std::size_t total = 0;  // known once the last fragment arrived
    bool have_last = false;
    std::size_t received = 0;
    wire::ipv4_repr first_header;  // from the offset-0 fragment
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
