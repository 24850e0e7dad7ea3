// ICMPv4 (RFC 792, host rules of RFC 1122 §3.2.2): echo replies and the
// error messages the stack sends (port unreachable for closed UDP ports).
//
// Guarantees: echo requests to our address are answered with the same
// identifier, sequence number and data (large ones too: the request was
// reassembled and the reply is fragmented); requests to a broadcast
// address are ignored (no smurf amplifier). Replies and errors each draw
// from a token bucket (`*_per_second`, `*_burst`): past it they are
// counted and not sent. No error is ever sent about an ICMP error, a
// broadcast or multicast datagram, or a datagram from a bogus source.
#pragma once

#include <cstddef>
#include <cstdint>

#include <fata/core/bytes.hpp>
#include <fata/core/time.hpp>
#include <fata/net/token_bucket.hpp>
#include <fata/net/transport.hpp>

namespace fata::net {

class ipv4_layer;

struct icmpv4_config {
  std::uint32_t echo_per_second = 10000;
  std::uint32_t echo_burst = 1000;
  std::uint32_t errors_per_second = 100;
  std::uint32_t errors_burst = 20;
};

struct icmpv4_stats {
  std::uint64_t rx_messages = 0;
  std::uint64_t rx_malformed = 0;
  std::uint64_t rx_bad_checksum = 0;
  std::uint64_t rx_echo_requests = 0;
  std::uint64_t rx_broadcast_echo = 0;  // ignored
  std::uint64_t rx_errors = 0;          // unreachable, time exceeded... from others
  std::uint64_t rx_other = 0;
  std::uint64_t tx_echo_replies = 0;
  std::uint64_t tx_unreachable = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t tx_failed = 0;
};

class icmpv4_layer final : public ip_input, public ip_errors {
 public:
  // `ip` sends and supplies the header of the datagram being handled.
  explicit icmpv4_layer(ipv4_layer& ip, icmpv4_config cfg = {});

  void receive(const ip_meta& meta, bytes payload, mono_time now) override;

  // RFC 792 "destination unreachable" about the datagram being delivered
  // now (`meta`, `payload`: its transport header and data), quoting its
  // header and the start of its payload. Called by UDP for closed ports.
  void send_unreachable(std::uint8_t code, const ip_meta& meta, bytes payload, mono_time now);
  // ip_errors: send_unreachable with "port unreachable".
  void port_unreachable(const ip_meta& meta, bytes payload, mono_time now) override;

  const icmpv4_stats& stats() const { return _stats; }

 private:
  ipv4_layer* _ip;
  token_bucket _echo;
  token_bucket _errors;
  icmpv4_stats _stats;
};

}  // namespace fata::net
