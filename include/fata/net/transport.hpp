// The seam between the IPv4 layer and the transport protocols above it
// (ICMP, UDP, TCP).
//
// A transport protocol sends through an `ipv4_output` and receives through
// an `ipv4_input` it registers for its protocol number. Both are small
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
  too_big,       // larger than an IPv4 datagram (65535) can carry
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

// What the IPv4 layer tells a transport about a received packet.
struct ipv4_meta {
  ipv4_addr source;
  ipv4_addr destination;
  std::uint8_t protocol = 0;
  std::uint8_t ttl = 0;
  std::uint8_t tos = 0;
};

class ipv4_output {
 public:
  // Sends one datagram whose payload is the concatenation of `parts` (the
  // transport header first). `source` any() lets the layer choose. The
  // layer fragments what exceeds the MTU and queues behind ARP.
  virtual result<void, ip_error> send(ipv4_addr source, ipv4_addr destination,
                                      std::uint8_t protocol, std::span<const bytes> parts) = 0;
  // The local address the layer would send from to reach `destination`.
  virtual ipv4_addr source_for(ipv4_addr destination) const = 0;
  // The largest payload that reaches `destination` without fragmentation.
  virtual std::size_t mtu_for(ipv4_addr destination) const = 0;

 protected:
  ~ipv4_output() = default;
};

class ipv4_input {
 public:
  // One datagram for this protocol, reassembled, addressed to this host.
  // `payload` (transport header and data) is valid only during the call;
  // the transport verifies its own checksum.
  virtual void receive(const ipv4_meta& meta, bytes payload, mono_time now) = 0;

 protected:
  ~ipv4_input() = default;
};

}  // namespace fata::net
