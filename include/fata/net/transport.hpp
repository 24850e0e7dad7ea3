// The seam between the IP layers and the transport protocols above them
// (ICMP, UDP, TCP).
//
// A transport protocol sends through an `ip_output` and receives through
// an `ip_input` it registers for its protocol number with the IPv4 layer,
// the IPv6 layer, or both. Addresses are `ip_addr`s of either family, so
// one UDP and one TCP serve both (the host's output sends each datagram
// through the layer of its destination's family). Both are small
// interfaces (one indirect call per packet) so that each protocol is built
// and tested alone: tests drive a transport with a fake output that records
// packets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>

namespace fata::net {

// IANA protocol numbers used by the stack.
namespace ip_protocol {
inline constexpr std::uint8_t icmp = 1;
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
}  // namespace ip_protocol

enum class ip_error : std::uint8_t {
  no_route = 1,  // no interface or gateway reaches the destination
  unresolved,    // the next hop's MAC is unknown and its wait queue is full
  too_big,       // larger than an IP datagram (65535 bytes of payload) can carry
  busy,          // the device queue is full
  no_memory,
};

constexpr std::string_view describe(ip_error e) noexcept {
  switch (e) {
    case ip_error::no_route: return "no route to host";
    case ip_error::unresolved: return "next hop unresolved";
    case ip_error::too_big: return "datagram too big";
    case ip_error::busy: return "device busy";
    case ip_error::no_memory: return "out of memory";
  }
  return "unknown IP error";
}

// What an IP layer tells a transport about a received packet. Both
// addresses are of the packet's family.
struct ip_meta {
  ip_addr source;
  ip_addr destination;
  std::uint8_t protocol = 0;  // IPv6: the upper-layer header after the extensions
  std::uint8_t ttl = 0;       // IPv6: the hop limit
  std::uint8_t tos = 0;       // IPv6: the traffic class
};

class ip_output {
 public:
  // Sends one datagram whose payload is the concatenation of `parts` (the
  // transport header first). `source` any() of the destination's family
  // lets the layer choose. The layer fragments what exceeds the MTU and
  // queues behind address resolution. An address of a family the output
  // does not carry is ip_error::no_route.
  virtual result<void, ip_error> send(ip_addr source, ip_addr destination, std::uint8_t protocol,
                                      std::span<const bytes> parts) = 0;
  // The local address the layer would send from to reach `destination`
  // (any() of its family when there is none yet).
  virtual ip_addr source_for(ip_addr destination) const = 0;
  // The largest payload that reaches `destination` without fragmentation.
  virtual std::size_t mtu_for(ip_addr destination) const = 0;

 protected:
  ~ip_output() = default;
};

class ip_input {
 public:
  // One datagram for this protocol, reassembled, addressed to this host.
  // `payload` (transport header and data) is valid only during the call;
  // the transport verifies its own checksum.
  virtual void receive(const ip_meta& meta, bytes payload, mono_time now) = 0;
  // The path to `quoted.destination` carries at most `mtu` bytes of
  // payload now (an ICMPv6 Packet Too Big, RFC 8201) about a packet this
  // transport sent: `quoted` names it, `quoted_payload` is what came back
  // of its transport header and data (at least 8 bytes). The transport
  // checks the quote belongs to something it has in flight (RFC 5927)
  // before it believes it.
  virtual void path_mtu_reduced(const ip_meta& quoted, bytes quoted_payload, std::size_t mtu, mono_time now) {
    (void)quoted, (void)quoted_payload, (void)mtu, (void)now;
  }

 protected:
  ~ip_input() = default;
};

// Where a transport reports a datagram no endpoint of it takes, so that
// the IP layer of its family answers "port unreachable" (ICMP type 3 code
// 3, ICMPv6 type 1 code 4) under its own rate limit and rules. Called
// during the transport's receive() with the meta and payload it was given.
class ip_errors {
 public:
  virtual void port_unreachable(const ip_meta& meta, bytes payload, mono_time now) = 0;

 protected:
  ~ip_errors() = default;
};

}  // namespace fata::net
