// IPv6 (RFC 8200), its extension headers, ICMPv6 (RFC 4443) and NDP
// (RFC 4861): frames Linux 6.1 sent on a TAP device (captured once: an
// MLDv2 report behind a hop-by-hop header, a DAD solicitation with a
// nonce, a router solicitation, a neighbour solicitation, an echo
// request), and messages built by the emitters.
#include <fata/net/wire/checksum.hpp>
#include <fata/net/wire/icmpv6.hpp>
#include <fata/net/wire/ipv6.hpp>

#include <gtest/gtest.h>

#include <array>
#include <string_view>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net::wire;

std::vector<std::byte> from_hex(std::string_view hex) {
  std::vector<std::byte> out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    auto digit = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
    out.push_back(std::byte(digit(hex[i]) << 4 | digit(hex[i + 1])));
  }
  return out;
}

// Ethernet frames as Linux sent them (the IPv6 packet from byte 14).
constexpr std::string_view linux_mld_report =
    "3333000000168684a91fb67086dd600000000024000100000000000000000000000000000000ff020000000000000000"
    "000000000016""3a000502000001008f00b8fa0000000104000000ff0200000000000000000001ff1fb670";
constexpr std::string_view linux_dad_solicitation =
    "3333ff1fb6708684a91fb67086dd6000000000203aff00000000000000000000000000000000ff020000000000000000"
    "0001ff1fb67087002d7200000000fe800000000000008484a9fffe1fb6700e012ea9102d6831";
constexpr std::string_view linux_router_solicitation =
    "3333000000028684a91fb67086dd6000000000103afffe800000000000008484a9fffe1fb670ff020000000000000000"
    "0000000000028500b3040000000001018684a91fb670";
constexpr std::string_view linux_neighbor_solicitation =
    "3333ff0000018684a91fb67086dd6000000000203afffe800000000000008484a9fffe1fb670ff020000000000000000"
    "0001ff0000018700b37100000000fe80000000000000000000000000000101018684a91fb670";
constexpr std::string_view linux_echo_request =
    "3333000000018684a91fb67086dd600cfb3400403a01fe800000000000008484a9fffe1fb670ff020000000000000000"
    "00000000000180003aec777f00012583106b00000000f0bd070000000000101112131415161718191a1b1c1d1e1f2021"
    "22232425262728292a2b2c2d2e2f3031323334353637";

const ipv6_addr linux_ll = *ipv6_addr::parse("fe80::8484:a9ff:fe1f:b670");
constexpr mac_addr linux_mac{{0x86, 0x84, 0xa9, 0x1f, 0xb6, 0x70}};

struct frame {
  std::vector<std::byte> bytes_;
  explicit frame(std::string_view hex) : bytes_(from_hex(hex)) {}
  bytes packet() const { return bytes(bytes_.data(), bytes_.size()).skip(14); }
};

TEST(ipv6_wire, linux_mld_report_walks_its_hop_by_hop_header_to_icmpv6) {
  frame f(linux_mld_report);
  auto p = ipv6_packet::parse(f.packet());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->hop_limit(), 1);
  EXPECT_TRUE(p->source().is_any());
  EXPECT_EQ(p->destination(), *ipv6_addr::parse("ff02::16"));
  EXPECT_EQ(p->next_header(), ipv6_next::hop_by_hop);
  auto chain = walk_extension_headers(*p);
  ASSERT_TRUE(chain);  // the router alert option is known
  EXPECT_EQ(chain->protocol, ipv6_next::icmpv6);
  EXPECT_EQ(chain->offset, 8u);
  EXPECT_EQ(chain->headers, 1u);
  EXPECT_EQ(chain->next_pointer, 40u);
  EXPECT_FALSE(chain->fragment);
  auto m = icmpv6_packet::parse(p->payload().skip(chain->offset), p->source(), p->destination());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), icmpv6_type::mldv2_report);
}

TEST(ipv6_wire, linux_dad_solicitation_is_valid_ndp_with_a_nonce_option_skipped) {
  frame f(linux_dad_solicitation);
  auto p = ipv6_packet::parse(f.packet());
  ASSERT_TRUE(p);
  auto m = icmpv6_packet::parse(p->payload(), p->source(), p->destination());
  ASSERT_TRUE(m);
  auto n = ndp_message::parse(*m, p->hop_limit(), p->source(), p->destination());
  ASSERT_TRUE(n);
  EXPECT_EQ(n->type(), icmpv6_type::neighbor_solicitation);
  EXPECT_EQ(n->target(), linux_ll);
  EXPECT_EQ(p->destination(), solicited_node(linux_ll));
  EXPECT_FALSE(n->link_address(ndp_option::source_link_address));
  EXPECT_TRUE(n->find_option(14));  // RFC 7527's nonce
}

TEST(ipv6_wire, linux_solicitations_carry_its_link_address) {
  for (auto hex : {linux_router_solicitation, linux_neighbor_solicitation}) {
    frame f(hex);
    auto p = ipv6_packet::parse(f.packet());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->source(), linux_ll);
    auto m = icmpv6_packet::parse(p->payload(), p->source(), p->destination());
    ASSERT_TRUE(m);
    auto n = ndp_message::parse(*m, p->hop_limit(), p->source(), p->destination());
    ASSERT_TRUE(n);
    EXPECT_EQ(n->link_address(ndp_option::source_link_address), linux_mac);
  }
}

TEST(ipv6_wire, linux_echo_request_checksums_and_an_altered_byte_does_not) {
  frame f(linux_echo_request);
  auto p = ipv6_packet::parse(f.packet());
  ASSERT_TRUE(p);
  EXPECT_EQ(p->flow_label(), 0xcfb34u);
  auto m = icmpv6_packet::parse(p->payload(), p->source(), p->destination());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->type(), icmpv6_type::echo_request);
  EXPECT_EQ(m->echo_ident(), 0x777f);
  EXPECT_EQ(m->echo_sequence(), 1);
  // The pseudo-header counts: the same bytes from another source fail.
  EXPECT_EQ(icmpv6_packet::parse(p->payload(), ipv6_addr::loopback(), p->destination()).error(),
            parse_error::bad_checksum);
  auto copy = f.bytes_;
  copy.back() ^= std::byte{1};
  auto q = ipv6_packet::parse(bytes(copy.data(), copy.size()).skip(14));
  EXPECT_EQ(icmpv6_packet::parse(q->payload(), q->source(), q->destination()).error(), parse_error::bad_checksum);
}

TEST(ipv6_wire, ndp_from_off_link_or_malformed_is_refused) {
  frame f(linux_neighbor_solicitation);
  auto p = ipv6_packet::parse(f.packet());
  auto m = icmpv6_packet::parse(p->payload(), p->source(), p->destination());
  ASSERT_TRUE(m);
  // A hop limit below 255: it crossed a router.
  EXPECT_EQ(ndp_message::parse(*m, 254, p->source(), p->destination()).error(), parse_error::malformed);
  // From the unspecified address with a link-layer option.
  EXPECT_EQ(ndp_message::parse(*m, 255, ipv6_addr::any(), p->destination()).error(), parse_error::malformed);
  // An option of length 0 (it would never end) and one past the end.
  std::array<std::byte, 40> ns{};
  mut_bytes w(ns.data(), ns.size());
  const ipv6_addr target = *ipv6_addr::parse("fe80::1");
  std::size_t n = ndp_writer::neighbor_solicitation(w, target, linux_mac);
  w.set_u8(25, 0);
  ndp_writer::finish(w, n, linux_ll, solicited_node(target));
  auto zero = icmpv6_packet::parse(w.first(n), linux_ll, solicited_node(target));
  ASSERT_TRUE(zero);
  EXPECT_EQ(ndp_message::parse(*zero, 255, linux_ll, solicited_node(target)).error(), parse_error::malformed);
  w.set_u8(25, 2);
  ndp_writer::finish(w, n, linux_ll, solicited_node(target));
  auto past = icmpv6_packet::parse(w.first(n), linux_ll, solicited_node(target));
  EXPECT_EQ(ndp_message::parse(*past, 255, linux_ll, solicited_node(target)).error(), parse_error::truncated);
}

TEST(ipv6_wire, written_advertisement_parses_back) {
  std::array<std::byte, 64> buf{};
  mut_bytes w(buf.data(), buf.size());
  const ipv6_addr me = *ipv6_addr::parse("fe80::2");
  const mac_addr my_mac{{0x02, 0, 0, 0, 0, 2}};
  const std::size_t n = ndp_writer::neighbor_advertisement(w, me, my_mac, false, true, true);
  ndp_writer::finish(w, n, me, linux_ll);
  auto m = icmpv6_packet::parse(w.first(n), me, linux_ll);
  ASSERT_TRUE(m);
  auto a = ndp_message::parse(*m, 255, me, linux_ll);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->target(), me);
  EXPECT_TRUE(a->solicited_flag());
  EXPECT_TRUE(a->override_flag());
  EXPECT_FALSE(a->router_flag());
  EXPECT_EQ(a->link_address(ndp_option::target_link_address), my_mac);
  // A solicited advertisement to a multicast group is invalid.
  ndp_writer::finish(w, n, me, *ipv6_addr::parse("ff02::1"));
  auto mc = icmpv6_packet::parse(w.first(n), me, *ipv6_addr::parse("ff02::1"));
  ASSERT_TRUE(mc);
  EXPECT_FALSE(ndp_message::parse(*mc, 255, me, *ipv6_addr::parse("ff02::1")));
}

// An IPv6 packet of `payload` after the fixed header.
std::vector<std::byte> packet(std::uint8_t next, std::vector<std::byte> payload) {
  std::vector<std::byte> out(40 + payload.size());
  ipv6_repr r;
  r.source = linux_ll;
  r.destination = *ipv6_addr::parse("fe80::2");
  r.next_header = next;
  r.payload_len = payload.size();
  r.emit(mut_bytes(out.data(), out.size()));
  std::copy(payload.begin(), payload.end(), out.begin() + 40);
  return out;
}

std::vector<std::byte> bytes_of(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int b : v) out.push_back(std::byte(b));
  return out;
}

result<ipv6_chain, ipv6_chain_problem> walk(const std::vector<std::byte>& pkt) {
  auto p = ipv6_packet::parse(bytes(pkt.data(), pkt.size()));
  EXPECT_TRUE(p);
  return walk_extension_headers(*p);
}

TEST(ipv6_wire, repr_round_trips) {
  auto pkt = packet(ipv6_next::udp, bytes_of({1, 2, 3}));
  auto p = ipv6_packet::parse(bytes(pkt.data(), pkt.size()));
  ASSERT_TRUE(p);
  auto r = ipv6_repr::parse(*p);
  EXPECT_EQ(r.payload_len, 3u);
  EXPECT_EQ(r.next_header, ipv6_next::udp);
  EXPECT_EQ(r.source, linux_ll);
  std::vector<std::byte> again(43);
  r.emit(mut_bytes(again.data(), again.size()));
  EXPECT_TRUE(std::equal(again.begin(), again.begin() + 40, pkt.begin()));
}

TEST(ipv6_wire, parse_refuses_short_wrong_version_and_jumbograms) {
  auto pkt = packet(ipv6_next::udp, bytes_of({1, 2, 3, 4}));
  EXPECT_EQ(ipv6_packet::parse(bytes(pkt.data(), 43)).error(), parse_error::truncated);
  pkt[0] = std::byte{0x45};
  EXPECT_EQ(ipv6_packet::parse(bytes(pkt.data(), pkt.size())).error(), parse_error::malformed);
  auto jumbo = packet(ipv6_next::hop_by_hop, bytes_of({17, 0, 0xc2, 4, 0, 1, 0, 0}));
  jumbo[4] = jumbo[5] = std::byte{0};
  EXPECT_EQ(ipv6_packet::parse(bytes(jumbo.data(), jumbo.size())).error(), parse_error::unsupported);
}

TEST(ipv6_wire, unknown_options_act_on_their_type_bits) {
  // Destination options: an unknown option of each action, after a Pad1.
  auto with_option = [](int type) {
    return packet(ipv6_next::destination_options, bytes_of({17, 0, 0, type, 2, 0, 0, 0, 1, 2, 3, 4}));
  };
  EXPECT_TRUE(walk(with_option(0x1e)));  // 00: skip
  auto discard = walk(with_option(0x5e));
  ASSERT_FALSE(discard);
  EXPECT_FALSE(discard.error().send_icmp);
  auto icmp = walk(with_option(0x9e));
  ASSERT_FALSE(icmp);
  EXPECT_TRUE(icmp.error().send_icmp);
  EXPECT_FALSE(icmp.error().not_if_multicast);
  EXPECT_EQ(icmp.error().icmp_code, 2);
  EXPECT_EQ(icmp.error().pointer, 43u);  // the option's type byte
  auto unless_multicast = walk(with_option(0xde));
  ASSERT_FALSE(unless_multicast);
  EXPECT_TRUE(unless_multicast.error().not_if_multicast);
  // An option running past its header.
  auto past = walk(packet(ipv6_next::destination_options, bytes_of({17, 0, 1, 9, 0, 0, 0, 0})));
  ASSERT_FALSE(past);
  EXPECT_EQ(past.error().what, ipv6_chain_problem::kind::truncated);
}

TEST(ipv6_wire, hop_by_hop_after_another_header_is_a_parameter_problem) {
  // Destination options (empty, PadN) -> hop-by-hop.
  auto pkt = packet(ipv6_next::destination_options,
                    bytes_of({0, 0, 1, 4, 0, 0, 0, 0, 17, 0, 1, 4, 0, 0, 0, 0}));
  auto r = walk(pkt);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, ipv6_chain_problem::kind::hop_by_hop_not_first);
  EXPECT_EQ(r.error().icmp_code, 1);
  EXPECT_EQ(r.error().pointer, 40u);  // the next header byte that named it
}

TEST(ipv6_wire, routing_header_with_segments_left_is_refused_without_them_skipped) {
  auto live = walk(packet(ipv6_next::routing, bytes_of({17, 0, 0, 1, 0, 0, 0, 0})));
  ASSERT_FALSE(live);
  EXPECT_EQ(live.error().what, ipv6_chain_problem::kind::unknown_routing);
  EXPECT_EQ(live.error().icmp_code, 0);
  EXPECT_EQ(live.error().pointer, 42u);
  auto spent = walk(packet(ipv6_next::routing, bytes_of({17, 0, 0, 0, 0, 0, 0, 0, 9, 9})));
  ASSERT_TRUE(spent);
  EXPECT_EQ(spent->protocol, ipv6_next::udp);
  EXPECT_EQ(spent->offset, 8u);
}

TEST(ipv6_wire, fragment_header_ends_the_walk_and_round_trips) {
  fragment_header h{ipv6_next::udp, 1448, true, 0xdeadbeef};
  std::vector<std::byte> fh(8);
  h.emit(mut_bytes(fh.data(), fh.size()));
  fh.push_back(std::byte{7});
  auto r = walk(packet(ipv6_next::fragment, fh));
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->fragment);
  EXPECT_EQ(*r->fragment, h);
  EXPECT_FALSE(r->fragment->atomic());
  EXPECT_EQ(r->protocol, ipv6_next::udp);
  EXPECT_EQ(r->offset, 8u);
  EXPECT_EQ(r->unfragmentable, 0u);
  EXPECT_EQ(r->next_pointer, 6u);
  EXPECT_TRUE((fragment_header{ipv6_next::udp, 0, false, 1}.atomic()));
}

TEST(ipv6_wire, a_chain_that_never_ends_is_bounded) {
  // 40 empty destination options headers, each naming the next.
  std::vector<std::byte> chain;
  for (int i = 0; i < 40; ++i)
    for (int b : {60, 0, 1, 4, 0, 0, 0, 0}) chain.push_back(std::byte(b));
  auto r = walk(packet(ipv6_next::destination_options, chain));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().what, ipv6_chain_problem::kind::too_long);
  // A header whose length runs past the payload.
  auto cut = walk(packet(ipv6_next::destination_options, bytes_of({17, 3, 1, 0})));
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().what, ipv6_chain_problem::kind::truncated);
}

TEST(ipv6_wire, router_advertisement_options_decode) {
  // An RA with a prefix (2001:db8:1::/64, L and A, 1 day / 1 hour), an MTU
  // of 1400 and the router's link address.
  std::vector<std::byte> ra = bytes_of({134, 0, 0, 0, 64, 0x40, 0x07, 0x08, 0, 0, 0, 0, 0, 0, 0, 0});
  for (int b : {3, 4, 64, 0xc0, 0, 1, 0x51, 0x80, 0, 0, 0x0e, 0x10, 0, 0, 0, 0}) ra.push_back(std::byte(b));
  for (int b : {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}) ra.push_back(std::byte(b));
  for (int b : {5, 1, 0, 0, 0, 0, 0x05, 0x78}) ra.push_back(std::byte(b));
  for (int b : {1, 1, 0x86, 0x84, 0xa9, 0x1f, 0xb6, 0x70}) ra.push_back(std::byte(b));
  const ipv6_addr all_nodes = *ipv6_addr::parse("ff02::1");
  mut_bytes w(ra.data(), ra.size());
  ndp_writer::finish(w, ra.size(), linux_ll, all_nodes);
  auto m = icmpv6_packet::parse(w, linux_ll, all_nodes);
  ASSERT_TRUE(m);
  auto n = ndp_message::parse(*m, 255, linux_ll, all_nodes);
  ASSERT_TRUE(n);
  EXPECT_EQ(n->current_hop_limit(), 64);
  EXPECT_TRUE(n->other_flag());
  EXPECT_FALSE(n->managed_flag());
  EXPECT_EQ(n->router_lifetime(), 1800);
  EXPECT_EQ(n->mtu_option(), 1400u);
  EXPECT_EQ(n->link_address(ndp_option::source_link_address), linux_mac);
  auto pi = ndp_message::prefix_information(*n->find_option(ndp_option::prefix_information));
  ASSERT_TRUE(pi);
  EXPECT_EQ(pi->prefix, *ipv6_prefix::parse("2001:db8:1::/64"));
  EXPECT_TRUE(pi->on_link && pi->autonomous);
  EXPECT_EQ(pi->valid_lifetime, 86400u);
  EXPECT_EQ(pi->preferred_lifetime, 3600u);
  // From a global address it is not a router's.
  EXPECT_EQ(ndp_message::parse(*m, 255, *ipv6_addr::parse("2001:db8::1"), all_nodes).error(),
            parse_error::malformed);
}

TEST(ipv6_wire, solicited_node_and_multicast_mac_follow_rfc_4291_and_2464) {
  EXPECT_EQ(solicited_node(linux_ll), *ipv6_addr::parse("ff02::1:ff1f:b670"));
  EXPECT_EQ(multicast_mac(*ipv6_addr::parse("ff02::1:ff1f:b670")),
            (mac_addr{{0x33, 0x33, 0xff, 0x1f, 0xb6, 0x70}}));
}

TEST(ipv6_wire, echo_written_verifies_with_the_pseudo_header) {
  std::array<std::byte, 64> buf{};
  const std::byte payload[5] = {std::byte{'h'}, std::byte{'e'}, std::byte{'l'}, std::byte{'l'}, std::byte{'o'}};
  auto e = icmpv6_repr::echo(icmpv6_type::echo_reply, 7, 9, bytes(payload, 5));
  e.emit(mut_bytes(buf.data(), buf.size()), linux_ll, ipv6_addr::loopback());
  auto m = icmpv6_packet::parse(bytes(buf.data(), e.buffer_len()), linux_ll, ipv6_addr::loopback());
  ASSERT_TRUE(m);
  EXPECT_EQ(m->echo_ident(), 7);
  EXPECT_EQ(m->echo_sequence(), 9);
  EXPECT_EQ(m->data().chars(), "hello");
}

}  // namespace
