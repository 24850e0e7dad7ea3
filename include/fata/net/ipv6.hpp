// The IPv6 layer on one link (RFC 8200, RFC 4861, RFC 4862): a stable
// link-local address (RFC 7217) checked by duplicate address detection;
// router discovery (router solicitations after the link-local address is
// usable, advertisements validated per RFC 4861 §6.1.2 and learned into
// net/router_list.hpp: default routers, on-link prefixes, MTU, hop limit,
// NUD timers, RDNSS servers); addresses by SLAAC from advertised prefixes
// (net/slaac.hpp) or configured, each through DAD; Neighbor Discovery
// (answering solicitations for our addresses, resolving next hops through
// the NUD cache of net/ndp.hpp); next hops per RFC 4861 §5.2; ICMPv6
// echo (replies drawn from a token bucket, as ICMPv4's); Parameter
// Problem errors (RFC 4443 §3.4) for extension headers RFC 8200 §4 says
// to report and for an unknown next header, under RFC 4443 §2.4's rules
// (none about an ICMPv6 error message, none about a multicast packet but
// for an unrecognised option of type 10xxxxxx, none to an address that is not one host's, as much of the
// packet quoted as fits 1280 bytes, from a token bucket of their own).
// Transports register per next header (`attach`) and receive an
// `ip_meta` of the IPv6 family; a datagram for a UDP port nobody bound is
// answered with Destination Unreachable, port unreachable (RFC 4443 §3.1)
// under the same rules and bucket (`port_unreachable`).
// Fragments (RFC 8200 §4.5) are reassembled through net/reassembly.hpp
// (60 s, overlaps drop the packet: RFC 5722) and the whole packet goes
// through the same chain walk and delivery as any other; Parameter
// Problem answers a non-last fragment whose length is not a multiple of
// 8 (pointer 4), one that ends past 65535 (at its Fragment Offset), and a
// first fragment that does not hold the headers up to and including the
// upper-layer header (code 3, RFC 7112); an atomic fragment (offset 0,
// no more) is delivered at once (RFC 6946); a second Fragment header in a
// reassembled packet drops it. Send fragments what does not fit the link
// MTU, with Identifications from net/ip_ident.hpp (RFC 7739).
// Packet Too Big (RFC 8201) about a packet from one of our addresses
// lowers the destination's path MTU (net/path_mtu.hpp: bounded, 10
// minutes), which mtu_for and send's fragmentation use, and is passed to
// the transport of the quoted packet (ip_input::path_mtu_reduced: TCP
// lowers the connection's MSS and resends).
// MLDv2 (RFC 3810) for the groups joined (the solicited-node groups of
// our addresses; all-nodes is never reported, §6): unsolicited reports of
// each new group, twice (the robustness variable) a random time up to 1 s
// apart, and a current-state report a random time within a query's
// maximum response delay; from the link-local address, or the unspecified
// one before it passed DAD (§5.2.13), with hop limit 1 and a Router Alert,
// so that switches that snoop MLD forward those groups to us.
// Not yet: Time Exceeded for a reassembly timeout (counted only), MLDv1
// compatibility (a v1 querier gets v2 reports), leaving groups (an address
// that goes keeps its group until the next restart), redirects (counted,
// ignored).
//
// Receive policy (each drop counted): the packet must parse and its
// extension header chain be followed (net/wire/ipv6.hpp); the destination
// must be one of our addresses (a tentative one only for NDP), all-nodes
// (ff02::1) or the solicited-node group of one of ours; NDP must pass
// RFC 4861's checks (hop limit 255 among them).
//
// Hostile advertisements: every list is bounded (router_list, the address
// list); NUD timers an advertisement sets are floored at 100 ms (as
// Linux does for the retransmission timer) so a forged one cannot make
// the host flood the link; an advertised MTU outside [1280, link MTU] is
// ignored; an autoconfigured address's valid lifetime is not cut below
// two hours (RFC 4862 §5.5.3 (e)).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/splitmix.hpp>
#include <fata/core/time.hpp>
#include <fata/net/ip_ident.hpp>
#include <fata/net/ndp.hpp>
#include <fata/net/path_mtu.hpp>
#include <fata/net/reassembly.hpp>
#include <fata/net/router_list.hpp>
#include <fata/net/slaac.hpp>
#include <fata/net/token_bucket.hpp>
#include <fata/net/wire/ipv6.hpp>
#include <fata/net/transport.hpp>

namespace fata::net {

// What the IPv6 layer needs of the link below it (Ethernet).
class ipv6_link {
 public:
  // Sends one IPv6 packet, the concatenation of `packet`, to `destination`.
  virtual result<void, ip_error> transmit_ipv6(mac_addr destination, std::span<const bytes> packet) = 0;
  // Receives frames sent to the multicast `group` from now on.
  virtual void join(mac_addr group) = 0;
  virtual mac_addr mac() const = 0;
  virtual std::size_t mtu() const = 0;

 protected:
  ~ipv6_link() = default;
};

struct ipv6_config {
  std::vector<std::byte> secret;  // RFC 7217's key (the glue's entropy, or a key)
  ndp_config ndp;
  router_list_config routes;
  unsigned dad_transmits = 1;     // RFC 4862 §5.1 DupAddrDetectTransmits
  std::uint8_t hop_limit = 64;    // until an advertisement sets one
  // Echo replies draw from a token bucket, as ICMPv4's do.
  std::uint32_t echo_per_second = 10000;
  std::uint32_t echo_burst = 1000;
  std::uint32_t errors_per_second = 100;
  std::uint32_t errors_burst = 20;
  // Router discovery: learn routers, prefixes and SLAAC addresses from
  // advertisements (off: only the configured address and gateway).
  bool accept_router_advertisements = true;
  unsigned router_solicitations = 3;  // RFC 4861 §10 MAX_RTR_SOLICITATIONS
  // A configured address (with its on-link prefix) and default router.
  std::optional<ipv6_prefix> address;
  std::optional<ipv6_addr> gateway;
  // RFC 8200 §4.5: 60 s to reassemble; the whole packet's payload length
  // (65535 at most) plus the fixed and Fragment headers the first
  // fragment's copy holds.
  reassembly_config reassembly{.timeout = std::chrono::seconds(60), .max_packet_len = 40 + 8 + 65535};
  path_mtu_config path_mtu;
  // MLD reports for the groups joined (off: none; switches that snoop MLD
  // may then stop forwarding our solicited-node groups).
  bool mld = true;
};

struct ipv6_stats {
  std::uint64_t rx_packets = 0;
  std::uint64_t rx_delivered = 0;
  std::uint64_t rx_malformed = 0;
  std::uint64_t rx_not_for_us = 0;
  std::uint64_t rx_bad_chain = 0;
  std::uint64_t rx_fragments = 0;
  std::uint64_t rx_atomic_fragments = 0;
  std::uint64_t rx_bad_fragments = 0;      // answered by Parameter Problem (length, end)
  std::uint64_t rx_incomplete_first_fragment = 0;  // RFC 7112
  std::uint64_t rx_nested_fragments = 0;
  std::uint64_t rx_unknown_protocol = 0;
  std::uint64_t rx_icmp_bad_checksum = 0;
  std::uint64_t rx_bad_ndp = 0;
  std::uint64_t rx_echo_requests = 0;
  std::uint64_t tx_echo_replies = 0;
  std::uint64_t echo_rate_limited = 0;
  std::uint64_t rx_no_next_header = 0;  // next header 59: nothing to deliver
  std::uint64_t tx_parameter_problems = 0;
  std::uint64_t tx_unreachables = 0;
  std::uint64_t errors_rate_limited = 0;
  std::uint64_t rx_solicitations = 0;
  std::uint64_t rx_advertisements = 0;
  std::uint64_t tx_advertisements = 0;
  std::uint64_t tx_solicitations = 0;
  std::uint64_t dad_conflicts = 0;
  std::uint64_t rx_router_advertisements = 0;
  std::uint64_t rx_router_advertisements_ignored = 0;  // accept_router_advertisements off
  std::uint64_t rx_redirects_ignored = 0;
  std::uint64_t rx_packet_too_big = 0;
  std::uint64_t rx_packet_too_big_ignored = 0;  // not about a packet of ours, or quoted too short
  std::uint64_t tx_router_solicitations = 0;
  std::uint64_t rx_mld_queries = 0;
  std::uint64_t rx_mld_queries_ignored = 0;  // not from a link-local router, or malformed
  std::uint64_t tx_mld_reports = 0;
  std::uint64_t tx_packets = 0;
  std::uint64_t tx_fragments = 0;
  std::uint64_t tx_no_route = 0;
  std::uint64_t tx_failed = 0;
};

class ipv6_layer final : public ip_errors, private ndp_sink {
 public:
  ipv6_layer(ipv6_link& link, ipv6_config cfg);

  // Registers the transport for `next_header` (nullptr unregisters);
  // ICMPv6 is the layer's own.
  void attach(std::uint8_t next_header, ip_input* input) { _inputs[next_header] = input; }
  // ip_errors: Destination Unreachable, port unreachable, about the packet
  // being delivered (call it only from a transport's receive()).
  void port_unreachable(const ip_meta& meta, bytes payload, mono_time now) override;
  // The address to send from to `destination` (RFC 6724's rules as far
  // as net/slaac.hpp's source_for has them), if one is usable.
  std::optional<ipv6_addr> source_for(const ipv6_addr& destination) const;
  // The largest upper-layer payload that leaves without fragmentation.
  std::size_t mtu_for(const ipv6_addr& destination) const;

  // Forms the link-local address (and the configured one) and starts
  // their DAD; router solicitations follow once the link-local passes.
  void start(mono_time now);
  // One received IPv6 packet from the link, sent by `source`.
  void input(bytes packet, mac_addr source, mono_time now);
  // Sends an upper-layer packet (checksummed by the caller) from the
  // source RFC 6724 picks for `destination`, to its next hop. Errors:
  // no_route (no usable source, off-link without a router), too_big
  // (over 65535 bytes), unresolved. Over the link MTU it is sent in
  // fragments.
  result<void, ip_error> send(const ipv6_addr& destination, std::uint8_t next_header, std::span<const bytes> parts,
                              mono_time now);
  // As send, from `source` (one of ours, usable: the caller checks).
  result<void, ip_error> send_from(const ipv6_addr& source, const ipv6_addr& destination, std::uint8_t next_header,
                                   std::span<const bytes> parts, mono_time now);

  void poll(mono_time now);
  mono_time poll_at() const;

  const address_list& addresses() const { return _addresses; }
  const neighbor_cache& neighbors() const { return _neighbors; }
  const router_list& routes() const { return _routes; }
  std::uint8_t hop_limit() const { return _hop_limit; }
  const ipv6_stats& stats() const { return _stats; }
  const fragment_reassembler& reassembler() const { return _reassembly; }
  const path_mtu_cache& path_mtus() const { return _path_mtu; }
  // The link-local address once DAD passed.
  std::optional<ipv6_addr> link_local() const;

 private:
  struct dad_run {
    ipv6_addr address;
    unsigned sent = 0;
    mono_time next{};
  };

  void send_solicitation(const ipv6_addr& target, std::optional<mac_addr> to) override;
  void send_resolved(mac_addr destination, bytes packet) override;
  void begin_dad(const ipv6_addr& a, mono_time now);
  // The chain walk and delivery of an accepted packet (`defragmented`: one
  // put back together, which may hold no second Fragment header).
  void process(const wire::ipv6_packet& p, mac_addr link_source, mono_time now, bool defragmented);
  void on_fragment(const wire::ipv6_packet& p, const wire::ipv6_chain& chain, mac_addr link_source, mono_time now);
  // A packet whose copy holds its unfragmentable part and the Fragment
  // header in the first `header_len` bytes, the fragmentable part after:
  // delivered without the Fragment header.
  void deliver_defragmented(buffer packet, std::size_t header_len, mac_addr link_source, mono_time now);
  // One packet (or fragment) to the next hop: multicast, resolved, or
  // queued behind resolution.
  result<void, ip_error> transmit(const ipv6_addr& destination, const ipv6_addr& hop, std::span<const bytes> packet,
                                  mono_time now);
  void on_icmp(const ipv6_addr& source, const ipv6_addr& destination, std::uint8_t hop_limit, bytes message,
               mac_addr link_source, mono_time now);
  void on_solicitation(const ipv6_addr& source, const ipv6_addr& destination, const wire::ndp_message& n, mono_time now);
  void on_advertisement(const wire::ndp_message& n, mono_time now);
  void on_router_advertisement(const ipv6_addr& source, const wire::ndp_message& n, mono_time now);
  void on_packet_too_big(const wire::icmpv6_packet& m, mono_time now);
  // MLD: a group joined, a query heard, a report sent.
  void join_group(const ipv6_addr& group, mono_time now);
  void on_mld_query(const ipv6_addr& source, std::uint8_t hop_limit, const wire::icmpv6_packet& m, mono_time now);
  void send_mld_report(std::uint8_t record_type, std::span<const ipv6_addr> groups);
  duration random_delay(duration max);
  // The MTU of the path to `destination`: the link's (or the advertised
  // one), or lower where a Packet Too Big said so.
  std::size_t path_mtu(const ipv6_addr& destination) const;
  void send_router_solicitation();
  // RFC 4443 §3.4 about `offending`, if §2.4 allows one.
  void send_parameter_problem(const wire::ipv6_packet& offending, std::uint8_t code, std::uint32_t pointer,
                              bool allowed_to_multicast, mono_time now);
  // An ICMPv6 error about `offending` under RFC 4443 §2.4; true if sent.
  bool send_error(const wire::ipv6_packet& offending, std::uint8_t type, std::uint8_t code,
                  std::uint32_t parameter, bool allowed_to_multicast, mono_time now);
  // send() from a chosen source.
  // Where a packet to `destination` goes on the link (RFC 4861 §5.2).
  std::optional<ipv6_addr> next_hop(const ipv6_addr& destination, mono_time now);
  void conflict(const ipv6_addr& a, mono_time now);
  bool accepts(const ipv6_addr& destination) const;
  // Emits header + `icmp` to `destination` at the link address `to`.
  result<void, ip_error> send_icmp(const ipv6_addr& source, const ipv6_addr& destination, mac_addr to,
                                   std::uint8_t hop_limit, bytes icmp);

  ipv6_link& _link;
  ipv6_config _cfg;
  address_list _addresses;
  neighbor_cache _neighbors;
  router_list _routes;
  std::vector<dad_run> _dad;
  std::uint8_t _hop_limit;
  token_bucket _echo;
  token_bucket _errors;
  // Router solicitations: how many went out, when the next one does
  // (mono_never: none due, before the link-local address or after an
  // advertisement).
  unsigned _solicitations_sent = 0;
  mono_time _next_solicitation = mono_never;
  // MLD: the groups reported (bounded as the link's multicast table), the
  // ones an unsolicited report is due for and how many reports are left,
  // and the answer to a query (the group asked, or all for a general one).
  static constexpr std::size_t max_groups = 16;
  std::vector<ipv6_addr> _groups;
  std::vector<ipv6_addr> _changed_groups;
  unsigned _unsolicited_left = 0;
  mono_time _next_unsolicited = mono_never;
  mono_time _query_answer_at = mono_never;
  std::optional<ipv6_addr> _query_group;  // nullopt: a general query
  splitmix64 _random;
  ipv6_stats _stats;
  fragment_reassembler _reassembly;
  path_mtu_cache _path_mtu;
  ip_ident _ident;
  std::array<std::byte, 1500> _scratch{};
  std::array<ip_input*, 256> _inputs{};
  // The packet being delivered to a transport, for the errors it asks for.
  std::optional<wire::ipv6_packet> _delivering;
};

}  // namespace fata::net
