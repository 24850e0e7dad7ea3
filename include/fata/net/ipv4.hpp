// The IPv4 layer (RFC 791, host requirements of RFC 1122 §3.2.1): static
// configuration, routing between the local network and a gateway,
// fragmentation on send, bounded reassembly on receive, and dispatch to
// the transports registered per protocol number. It implements
// `ip_output` for them (net/transport.hpp), so TCP, UDP and ICMP plug in
// without knowing this type.
//
// Receive policy (each drop counted by reason): the header must parse
// (version, lengths, checksum); the source may not be broadcast,
// multicast, or our own address; the destination must be our address, the
// limited broadcast or our subnet's broadcast (a host does not forward).
// Fragments go through the reassembler (see ipv4_reassembly.hpp).
//
// Send: the source is our address; the next hop is the destination on our
// subnet (or for a broadcast), else that of the longest matching route
// (`routes`, from DHCP's option 121: its router, or the destination itself
// for an on-link route), else the gateway (none: ip_error::no_route). Datagrams larger than the link MTU are fragmented
// into pieces of a multiple of 8 bytes; more than 65535 bytes in all is
// ip_error::too_big. Sending to our own address is not supported
// (ip_error::no_route).
//
// Identification (RFC 6864, RFC 7739): each datagram's ID comes from
// ip_ident, a keyed hash of (source, destination, protocol) choosing a
// counter and an offset, with the key in ipv4_config::ident_key (the
// direct stack draws it from the platform's entropy), so IDs towards one
// peer reveal nothing about traffic to others and cannot be guessed to
// forge colliding fragments. DF is never set: fata's TCP has no path MTU
// discovery yet (RFC 1191 with RFC 5927's checks of the quoted segment),
// and DF without it black-holes every path whose MTU is below ours (the
// router's "fragmentation needed" would be ignored). So every datagram is
// non-atomic in RFC 6864's terms and gets an ID unique for its tuple
// within 65536 datagrams of its counter.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/net/ethernet.hpp>
#include <fata/net/ip_ident.hpp>
#include <fata/net/ipv4_reassembly.hpp>
#include <fata/net/transport.hpp>

namespace fata::net {

struct ipv4_config {
  // Our address and subnet; 0.0.0.0/0 leaves the layer unconfigured (it
  // then only receives broadcasts).
  ipv4_prefix address{ipv4_addr::any(), 0};
  // The router for destinations outside the subnet; any(): none.
  ipv4_addr gateway = ipv4_addr::any();
  // Routes tried before the gateway, longest prefix first (at most
  // max_routes; a DHCP lease's classless static routes).
  std::vector<ipv4_route> routes;
  static constexpr std::size_t max_routes = 16;
  std::uint8_t ttl = 64;
  reassembly_config reassembly;
  // The key of the Identification hash (ip_ident). Secret and random in
  // an image: the direct stack fills it from platform::random_bytes. All
  // zero (the default) gives reproducible IDs for tests and simulations,
  // and predictable ones anywhere else.
  std::array<std::byte, ip_ident::key_size> ident_key{};
};

struct ipv4_stats {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_delivered = 0;
  std::uint64_t rx_truncated = 0;
  std::uint64_t rx_malformed = 0;
  std::uint64_t rx_bad_checksum = 0;
  std::uint64_t rx_bad_source = 0;       // broadcast, multicast or our own
  std::uint64_t rx_not_for_us = 0;
  std::uint64_t rx_unknown_protocol = 0;
  std::uint64_t rx_fragments = 0;
  std::uint64_t tx_packets = 0;          // datagrams
  std::uint64_t tx_fragments = 0;        // fragments of larger datagrams
  std::uint64_t tx_no_route = 0;
  std::uint64_t tx_too_big = 0;
  std::uint64_t tx_failed = 0;           // the link refused (busy, unresolved)
};

class ipv4_layer final : public ip_output {
 public:
  ipv4_layer(ipv4_link& link, ipv4_config cfg);
  ipv4_layer(const ipv4_layer&) = delete;
  ipv4_layer& operator=(const ipv4_layer&) = delete;

  // Registers the transport for `protocol` (nullptr unregisters).
  void attach(std::uint8_t protocol, ip_input* input) { _inputs[protocol] = input; }

  // One received IPv4 packet (the payload of an Ethernet frame).
  void input(bytes packet, mono_time now);

  // The header of the datagram being delivered (valid during a transport's
  // receive()), for ICMP error messages that must quote it. For a
  // reassembled datagram, a re-emitted 20-byte header.
  bytes current_header() const { return _current_header; }

  // Sends one datagram (see ip_output::send).
  result<void, ip_error> send(ipv4_addr source, ipv4_addr destination, std::uint8_t protocol,
                              std::span<const bytes> parts);
  ipv4_addr source_for(ipv4_addr destination) const;
  std::size_t mtu_for(ipv4_addr destination) const;

  // ip_output, for IPv4 addresses (any other is ip_error::no_route).
  result<void, ip_error> send(ip_addr source, ip_addr destination, std::uint8_t protocol,
                              std::span<const bytes> parts) override;
  ip_addr source_for(ip_addr destination) const override;
  std::size_t mtu_for(ip_addr destination) const override;

  void poll(mono_time now) { _reassembly.poll(now); }
  mono_time poll_at() const { return _reassembly.poll_at(); }

  // A new address, gateway and routes (a DHCP lease, or its loss with
  // 0.0.0.0/0). Reassembly, identification and counters carry on.
  void configure(ipv4_prefix address, ipv4_addr gateway, std::span<const ipv4_route> routes);

  const ipv4_config& config() const { return _cfg; }
  ipv4_addr address() const { return _cfg.address.address; }
  bool is_local(ipv4_addr destination) const;
  const ipv4_stats& stats() const { return _stats; }
  const ipv4_reassembler& reassembler() const { return _reassembly; }

 private:
  void deliver(const ip_meta& meta, bytes header, bytes payload, mono_time now);
  result<void, ip_error> transmit_one(ipv4_addr next_hop, const wire::ipv4_repr& header,
                                      std::span<const bytes> parts);

  ipv4_link* _link;
  ipv4_config _cfg;
  std::array<ip_input*, 256> _inputs{};
  ipv4_reassembler _reassembly;
  ip_ident _ident;
  bytes _current_header;
  ipv4_stats _stats;
};

}  // namespace fata::net
