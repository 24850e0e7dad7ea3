#include <fata/net/icmpv4.hpp>

#include <array>
#include <cstring>

#include <fata/net/ipv4.hpp>
#include <fata/net/wire/icmpv4.hpp>

namespace fata::net {

using wire::icmpv4_packet;
using wire::icmpv4_repr;
namespace icmp_type = wire::icmpv4_type;

icmpv4_layer::icmpv4_layer(ipv4_layer& ip, icmpv4_config cfg)
    : _ip(&ip), _echo(cfg.echo_per_second, cfg.echo_burst),
      _errors(cfg.errors_per_second, cfg.errors_burst) {}

void icmpv4_layer::receive(const ip_meta& meta, bytes payload, mono_time now) {
  ++_stats.rx_messages;
  auto p = icmpv4_packet::parse(payload);
  if (!p) {
    if (p.error() == wire::parse_error::bad_checksum) ++_stats.rx_bad_checksum;
    else ++_stats.rx_malformed;
    return;
  }
  switch (p->type()) {
    case icmp_type::echo_request: {
      ++_stats.rx_echo_requests;
      // RFC 1122 §3.2.2.6 allows silence for broadcast echo requests.
      if (meta.destination != _ip->address()) {
        ++_stats.rx_broadcast_echo;
        return;
      }
      if (!_echo.take(now)) {
        ++_stats.rate_limited;
        return;
      }
      icmpv4_repr reply = icmpv4_repr::parse(*p);
      reply.type = icmp_type::echo_reply;
      reply.code = 0;
      // The data is sent from where it lies: header separately.
      std::array<std::byte, icmpv4_packet::header_len> header;
      reply.emit_header(mut_bytes(header.data(), header.size()));
      const bytes parts[2] = {bytes(header.data(), header.size()), reply.data};
      if (_ip->send(meta.destination, meta.source, ip_protocol::icmp, parts)) ++_stats.tx_echo_replies;
      else ++_stats.tx_failed;
      return;
    }
    case icmp_type::destination_unreachable:
    case icmp_type::time_exceeded:
    case icmp_type::parameter_problem:
      ++_stats.rx_errors;
      return;
    default:
      ++_stats.rx_other;
      return;
  }
}

void icmpv4_layer::port_unreachable(const ip_meta& meta, bytes payload, mono_time now) {
  send_unreachable(wire::icmpv4_unreachable::port, meta, payload, now);
}

void icmpv4_layer::send_unreachable(std::uint8_t code, const ip_meta& meta, bytes payload,
                                    mono_time now) {
  // RFC 1122 §3.2.2: never about a broadcast or multicast datagram, nor one
  // whose source does not name a single host.
  if (meta.destination != _ip->address() || meta.source.is_any() || meta.source.is_broadcast() ||
      meta.source.is_multicast())
    return;
  if (meta.protocol == ip_protocol::icmp) return;  // never about an ICMP message
  if (!_errors.take(now)) {
    ++_stats.rate_limited;
    return;
  }
  const bytes header = _ip->current_header();
  // The quoted datagram: its header and the first 64 bytes of its payload
  // (RFC 792 asks for 8; more helps the sender match it).
  std::array<std::byte, 60 + 64> quoted;
  const std::size_t hlen = std::min<std::size_t>(header.size(), 60);
  const std::size_t plen = std::min<std::size_t>(payload.size(), 64);
  std::memcpy(quoted.data(), header.data(), hlen);
  if (plen) std::memcpy(quoted.data() + hlen, payload.data(), plen);
  const icmpv4_repr msg{icmp_type::destination_unreachable, code, 0,
                        bytes(quoted.data(), hlen + plen)};
  std::array<std::byte, icmpv4_packet::header_len> h;
  msg.emit_header(mut_bytes(h.data(), h.size()));
  const bytes parts[2] = {bytes(h.data(), h.size()), msg.data};
  if (_ip->send(meta.destination, meta.source, ip_protocol::icmp, parts)) ++_stats.tx_unreachable;
  else ++_stats.tx_failed;
}

}  // namespace fata::net
