// IPv4 reassembly: what an IPv4 fragment is to net/reassembly.hpp, and
// the header of the whole datagram (RFC 791 §3.2).
//
// The key is (source, destination, protocol, identification); the first
// fragment's header, options and all, becomes the whole datagram's, with
// the total length set, the more-fragments flag and offset cleared and
// the checksum recomputed.
#pragma once

#include <optional>

#include <fata/net/reassembly.hpp>
#include <fata/net/wire/ipv4.hpp>

namespace fata::net {

// A datagram put back together, its header and payload contiguous.
struct reassembled_datagram {
  wire::ipv4_repr header;  // the fields, offset and flag cleared, payload_len set
  reassembled_packet whole;
  bytes raw_header() const { return whole.header(); }
  bytes payload() const { return whole.data(); }
};

class ipv4_reassembler {
 public:
  explicit ipv4_reassembler(reassembly_config cfg = {}) : _core(cfg) {}

  // Takes one fragment (a packet with MF set or a non-zero offset); returns
  // the whole datagram when this fragment completes it.
  std::optional<reassembled_datagram> input(const wire::ipv4_packet& fragment, mono_time now);
  void poll(mono_time now) { _core.poll(now); }
  mono_time poll_at() const { return _core.poll_at(); }

  std::size_t datagrams() const { return _core.datagrams(); }
  std::size_t bytes_held() const { return _core.bytes_held(); }
  const reassembly_stats& stats() const { return _core.stats(); }

 private:
  fragment_reassembler _core;
};

}  // namespace fata::net
