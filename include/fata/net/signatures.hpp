// The signatures of the TCP/IP stack's layers: what each layer offers the
// ones next to it, as concepts, with the error type each reports.
//
// A service sees only the stack (fata/sig/stack.hpp: stackv4, TCP
// listeners and flows, UDP sockets). Below it the layers meet at small
// seams (net/transport.hpp between IPv4 and the transports, `ipv4_link`
// and `frame_sink` in net/ethernet.hpp, `arp_sink` in net/arp.hpp), so
// each layer is built and tested alone against fakes. The concepts below
// name the rest of each layer's surface, the part its glue (net/host.hpp,
// net/direct.hpp) calls, so that a replacement layer, or a test double of
// one, is checked against the same list. The assertions at the end are the
// proof that fata's own layers model them.
//
//   layer     concept            errors            implementation
//   Ethernet  ethernet_protocol  sig::net_error    ethernet_link
//   ARP       arp_protocol       ip_error          arp_cache
//   IPv4      ipv4_protocol      ip_error          ipv4_layer
//   ICMPv4    icmpv4_protocol    (none: counted)   icmpv4_layer
//   UDP       udp_protocol       sig::stack_error  udp_layer
//   TCP       tcp_provider       sig::stack_error, sig::flow_error  tcp::layer
#pragma once

#include <concepts>
#include <cstdint>
#include <optional>
#include <span>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/net/arp.hpp>
#include <fata/net/direct.hpp>
#include <fata/net/ethernet.hpp>
#include <fata/net/icmpv4.hpp>
#include <fata/net/ipv4.hpp>
#include <fata/net/tcp/layer.hpp>
#include <fata/net/transport.hpp>
#include <fata/net/udp.hpp>
#include <fata/net/wire/arp.hpp>
#include <fata/sig/stack.hpp>

namespace fata::net {

// Ethernet II (with ARP inside): demultiplexes received frames, hands the
// IPv4 packets up, and carries IPv4 packets to a next hop (ipv4_link).
template <class E>
concept ethernet_protocol =
    std::derived_from<E, ipv4_link> &&
    requires(E& e, const E& ce, bytes frame, mono_time now, ipv4_addr own) {
      // The IPv4 packet of a frame addressed to us, if it carries one.
      { e.input(frame, now) } -> std::same_as<std::optional<bytes>>;
      { e.set_address(own) } -> std::same_as<void>;
      { ce.mac() } -> std::same_as<mac_addr>;
      { e.poll(now) } -> std::same_as<void>;
      { ce.poll_at() } -> std::same_as<mono_time>;
      { ce.stats() } -> std::same_as<const ethernet_stats&>;
    };

// ARP (RFC 826): resolves next hops, holds packets waiting for an answer
// (bounded), answers for our address only, retries and expires.
template <class A>
concept arp_protocol = requires(A& a, const A& ca, const wire::arp_repr& packet, ipv4_addr ip,
                                mono_time now, arp_sink& out, std::span<const bytes> parts) {
  { a.set_address(ip) } -> std::same_as<void>;
  { a.announce(out) } -> std::same_as<void>;
  { a.input(packet, now, out) } -> std::same_as<void>;
  { a.lookup(ip, now, out) } -> std::same_as<std::optional<mac_addr>>;
  { a.enqueue(ip, parts, now, out) } -> std::same_as<result<void, ip_error>>;
  { a.poll(now, out) } -> std::same_as<void>;
  { ca.poll_at() } -> std::same_as<mono_time>;
  { ca.stats() } -> std::same_as<const arp_stats&>;
};

// IPv4: sends for the transports (ip_output: routing, fragmentation),
// takes packets from the link, reassembles and delivers them to the
// transport registered for their protocol.
template <class I>
concept ipv4_protocol =
    std::derived_from<I, ip_output> &&
    requires(I& i, const I& ci, std::uint8_t protocol, ip_input* transport, bytes packet,
             mono_time now, ipv4_addr destination) {
      { i.attach(protocol, transport) } -> std::same_as<void>;
      { i.input(packet, now) } -> std::same_as<void>;
      { i.poll(now) } -> std::same_as<void>;
      { ci.poll_at() } -> std::same_as<mono_time>;
      { ci.address() } -> std::same_as<ipv4_addr>;
      { ci.is_local(destination) } -> std::same_as<bool>;
      { ci.stats() } -> std::same_as<const ipv4_stats&>;
    };

// ICMPv4: a transport (echo replies) that also reports errors about
// datagrams other transports could not deliver (rate limited).
template <class C>
concept icmpv4_protocol =
    std::derived_from<C, ip_input> &&
    requires(C& c, const C& cc, std::uint8_t code, const ip_meta& meta, bytes payload,
             mono_time now) {
      { c.send_unreachable(code, meta, payload, now) } -> std::same_as<void>;
      { cc.stats() } -> std::same_as<const icmpv4_stats&>;
    };

// UDP: bound ports with bounded receive queues, and sending.
template <class U>
concept udp_protocol =
    std::derived_from<U, ip_input> &&
    requires(U& u, const U& cu, port p, sig::ipv4_endpoint to, std::span<const bytes> parts,
             udp_endpoint* bound) {
      { u.bind(p) } -> std::same_as<result<udp_endpoint*, sig::stack_error>>;
      { u.unbind(bound) } -> std::same_as<void>;
      { u.send(p, to, parts) } -> std::same_as<result<void, sig::stack_error>>;
      { cu.stats() } -> std::same_as<const udp_stats&>;
    };

// TCP: `tcp_provider` (net/direct.hpp), what the direct stack plugs in.

static_assert(ethernet_protocol<ethernet_link>);
static_assert(arp_protocol<arp_cache>);
static_assert(ipv4_protocol<ipv4_layer>);
static_assert(icmpv4_protocol<icmpv4_layer>);
static_assert(udp_protocol<udp_layer>);
static_assert(tcp_provider<tcp::layer>);

}  // namespace fata::net
