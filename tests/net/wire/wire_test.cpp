// Wire formats: golden-byte parse/emit round trips (packets made by scapy
// and checked against Linux's own), and rejection of every malformed form.
#include <fata/net/wire/arp.hpp>
#include <fata/net/wire/checksum.hpp>
#include <fata/net/wire/ethernet.hpp>
#include <fata/net/wire/icmpv4.hpp>
#include <fata/net/wire/ipv4.hpp>
#include <fata/net/wire/udp.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net::wire;

using packet = std::vector<std::uint8_t>;

bytes view(const packet& p) { return {p.data(), p.size()}; }
mut_bytes mview(packet& p) { return {p.data(), p.size()}; }

constexpr mac_addr mac1{{0x02, 0, 0, 0, 0, 0x01}};
constexpr mac_addr mac2{{0x02, 0, 0, 0, 0, 0x02}};

// Ethernet + ARP who-has 10.0.0.1 tell 10.0.0.2 (scapy).
const packet arp_request = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06,
    0x00, 0x01, 0x08, 0x00, 0x06, 0x04, 0x00, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00, 0x02,
    0x0a, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x01};

// Ethernet + IPv4 (DF, id 0x1234) + ICMP echo request id 0x77 seq 3 "fata ping".
const packet ping_request = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x08,
    0x00, 0x45, 0x00, 0x00, 0x25, 0x12, 0x34, 0x40, 0x00, 0x40, 0x01, 0x14, 0xa2,
    0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x08, 0x00, 0x2b, 0xe4, 0x00,
    0x77, 0x00, 0x03, 0x66, 0x61, 0x74, 0x61, 0x20, 0x70, 0x69, 0x6e, 0x67};

// Ethernet + 802.1Q (PCP 3, VID 100) + IPv4 + UDP 5353 -> 53 "hello".
const packet vlan_udp = {
    0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x81,
    0x00, 0x60, 0x64, 0x08, 0x00, 0x45, 0x00, 0x00, 0x21, 0x00, 0x01, 0x00, 0x00,
    0x40, 0x11, 0x66, 0xc9, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02, 0x14,
    0xe9, 0x00, 0x35, 0x00, 0x0d, 0x92, 0xe1, 0x68, 0x65, 0x6c, 0x6c, 0x6f};

// IPv4 with a Router Alert option (IHL 6) + UDP 1000 -> 2000 "xyz".
const packet ipv4_with_option = {
    0x46, 0x00, 0x00, 0x23, 0x00, 0x07, 0x00, 0x00, 0x01, 0x11, 0xa1, 0x6b,
    0xc0, 0xa8, 0x01, 0x01, 0xc0, 0xa8, 0x01, 0x02, 0x94, 0x04, 0x00, 0x00,
    0x03, 0xe8, 0x07, 0xd0, 0x00, 0x0b, 0x7e, 0x52, 0x78, 0x79, 0x7a};

// An IPv4 fragment: MF set, offset 185*8, 16 bytes of payload.
const packet ipv4_fragment = {0x45, 0x00, 0x00, 0x24, 0x00, 0x63, 0x20, 0xb9, 0x40,
                              0x00, 0x45, 0xbc, 0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00,
                              0x00, 0x02, 0,    0,    0,    0,    0,    0,    0,
                              0,    0,    0,    0,    0,    0,    0,    0,    0};

// Recomputes the IPv4 header checksum after a test edits a header.
void fix_ipv4_checksum(packet& p, std::size_t at = 0) {
  const std::size_t ihl = (p[at] & 0x0f) * 4u;
  p[at + 10] = p[at + 11] = 0;
  const std::uint16_t sum = internet_checksum(bytes(p.data() + at, ihl));
  p[at + 10] = std::uint8_t(sum >> 8);
  p[at + 11] = std::uint8_t(sum);
}

// --- Ethernet ----------------------------------------------------------------

TEST(ethernet_wire, parses_an_untagged_frame) {
  auto f = ethernet_frame::parse(view(arp_request));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->destination(), mac_addr::broadcast());
  EXPECT_EQ(f->source(), mac2);
  EXPECT_EQ(f->ethertype(), ethertype::arp);
  EXPECT_EQ(f->tag_count(), 0u);
  EXPECT_EQ(f->header_size(), 14u);
  EXPECT_EQ(f->payload().size(), 28u);
}

TEST(ethernet_wire, recognises_an_8021q_tag) {
  auto f = ethernet_frame::parse(view(vlan_udp));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->ethertype(), ethertype::ipv4);
  EXPECT_EQ(f->tag_count(), 1u);
  EXPECT_EQ(f->vlan_id(), 100);
  EXPECT_EQ(f->outer_tci(), std::optional<std::uint16_t>(0x6064));
  EXPECT_EQ(f->payload().size(), vlan_udp.size() - 18);
}

TEST(ethernet_wire, recognises_two_stacked_tags_and_rejects_three) {
  packet p = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xa8, 0x00, 0x0a,
              0x81, 0x00, 0x00, 0x14, 0x08, 0x00, 0x45};
  auto f = ethernet_frame::parse(view(p));
  ASSERT_TRUE(f);
  EXPECT_EQ(f->tag_count(), 2u);
  EXPECT_EQ(f->vlan_id(), 20);
  EXPECT_EQ(f->ethertype(), ethertype::ipv4);
  packet three = {0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x88, 0xa8, 0, 1,
                  0x81, 0x00, 0, 2, 0x81, 0x00, 0, 3, 0x08, 0x00};
  EXPECT_EQ(ethernet_frame::parse(view(three)).error(), parse_error::unsupported);
}

TEST(ethernet_wire, rejects_every_truncation_of_the_header) {
  for (std::size_t n = 0; n < 18; ++n) {
    auto f = ethernet_frame::parse(view(vlan_udp).first(n));
    EXPECT_FALSE(f) << n;
    if (!f) {
      EXPECT_EQ(f.error(), parse_error::truncated);
    }
  }
  EXPECT_TRUE(ethernet_frame::parse(view(vlan_udp).first(18)));
}

TEST(ethernet_wire, rejects_an_8023_length_field) {
  packet p = arp_request;
  p[12] = 0x00;
  p[13] = 0x2e;
  EXPECT_EQ(ethernet_frame::parse(view(p)).error(), parse_error::unsupported);
}

TEST(ethernet_wire, repr_round_trips_untagged_and_tagged_headers) {
  for (const packet* golden : {&arp_request, &vlan_udp}) {
    auto f = ethernet_frame::parse(view(*golden));
    ASSERT_TRUE(f);
    const ethernet_repr r = ethernet_repr::parse(*f);
    packet out(r.buffer_len());
    r.emit(mview(out));
    EXPECT_EQ(out, packet(golden->begin(), golden->begin() + long(r.buffer_len())));
  }
}

// --- ARP ---------------------------------------------------------------------

TEST(arp_wire, parses_and_re_emits_a_request) {
  auto a = arp_packet::parse(view(arp_request).skip(14));
  ASSERT_TRUE(a);
  const arp_repr r = arp_repr::parse(*a);
  EXPECT_EQ(r.operation, arp_operation::request);
  EXPECT_EQ(r.sender_mac, mac2);
  EXPECT_EQ(r.sender_ip, ipv4_addr(10, 0, 0, 2));
  EXPECT_EQ(r.target_mac, mac_addr{});
  EXPECT_EQ(r.target_ip, ipv4_addr(10, 0, 0, 1));
  packet out(r.buffer_len());
  r.emit(mview(out));
  EXPECT_EQ(out, packet(arp_request.begin() + 14, arp_request.end()));
}

TEST(arp_wire, ignores_ethernet_padding_after_the_packet) {
  packet p = arp_request;
  p.resize(60, 0);
  auto a = arp_packet::parse(view(p).skip(14));
  ASSERT_TRUE(a);
  EXPECT_EQ(arp_repr::parse(*a).target_ip, ipv4_addr(10, 0, 0, 1));
}

TEST(arp_wire, rejects_truncation_other_hardware_and_unknown_operations) {
  for (std::size_t n = 0; n < 28; ++n)
    EXPECT_EQ(arp_packet::parse(view(arp_request).sub(14, n)).error(), parse_error::truncated);
  packet p = arp_request;
  p[15] = 6;  // IEEE 802 hardware
  EXPECT_EQ(arp_packet::parse(view(p).skip(14)).error(), parse_error::unsupported);
  p = arp_request;
  p[18] = 8;  // hardware address length
  EXPECT_EQ(arp_packet::parse(view(p).skip(14)).error(), parse_error::unsupported);
  p = arp_request;
  p[21] = 3;  // RARP request
  EXPECT_EQ(arp_packet::parse(view(p).skip(14)).error(), parse_error::unsupported);
}

// --- IPv4 --------------------------------------------------------------------

TEST(ipv4_wire, parses_a_header_and_re_emits_it_byte_for_byte) {
  const bytes ip = view(ping_request).skip(14);
  auto p = ipv4_packet::parse(ip);
  ASSERT_TRUE(p);
  const ipv4_repr r = ipv4_repr::parse(*p);
  EXPECT_EQ(r.source, ipv4_addr(10, 0, 0, 1));
  EXPECT_EQ(r.destination, ipv4_addr(10, 0, 0, 2));
  EXPECT_EQ(r.protocol, 1);
  EXPECT_EQ(r.ttl, 64);
  EXPECT_EQ(r.ident, 0x1234);
  EXPECT_TRUE(r.dont_fragment);
  EXPECT_FALSE(r.more_fragments);
  EXPECT_EQ(r.payload_len, 17u);
  packet out(r.buffer_len());
  r.emit(mview(out));
  EXPECT_EQ(out, packet(ping_request.begin() + 14, ping_request.begin() + 34));
}

TEST(ipv4_wire, skips_options_and_reports_them) {
  auto p = ipv4_packet::parse(view(ipv4_with_option));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->header_len(), 24u);
  EXPECT_EQ(p->options().size(), 4u);
  EXPECT_EQ(p->options().u8(0), 0x94);
  EXPECT_EQ(p->payload().size(), 11u);
  EXPECT_EQ(p->payload().be16(0), 1000);
}

TEST(ipv4_wire, reads_fragment_fields) {
  auto p = ipv4_packet::parse(view(ipv4_fragment));
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->more_fragments());
  EXPECT_EQ(p->fragment_offset(), 1480u);
  EXPECT_TRUE(p->is_fragment());
  const ipv4_repr r = ipv4_repr::parse(*p);
  packet out(20);
  r.emit(mview(out));
  EXPECT_EQ(out, packet(ipv4_fragment.begin(), ipv4_fragment.begin() + 20));
}

TEST(ipv4_wire, ignores_bytes_past_the_total_length) {
  packet p = ipv4_fragment;
  p.resize(60, 0xee);
  auto ip = ipv4_packet::parse(view(p));
  ASSERT_TRUE(ip);
  EXPECT_EQ(ip->payload().size(), 16u);
}

TEST(ipv4_wire, rejects_every_truncation) {
  const bytes ip = view(ping_request).skip(14);
  for (std::size_t n = 0; n < ip.size(); ++n)
    EXPECT_EQ(ipv4_packet::parse(ip.first(n)).error(), parse_error::truncated) << n;
}

TEST(ipv4_wire, rejects_a_bad_header_checksum) {
  packet p = ipv4_fragment;
  p[11] ^= 1;
  EXPECT_EQ(ipv4_packet::parse(view(p)).error(), parse_error::bad_checksum);
}

TEST(ipv4_wire, rejects_a_wrong_version) {
  packet p = ipv4_fragment;
  p[0] = 0x65;
  fix_ipv4_checksum(p);
  EXPECT_EQ(ipv4_packet::parse(view(p)).error(), parse_error::malformed);
}

TEST(ipv4_wire, rejects_a_header_length_below_20) {
  packet p = ipv4_fragment;
  p[0] = 0x44;
  EXPECT_EQ(ipv4_packet::parse(view(p)).error(), parse_error::malformed);
}

TEST(ipv4_wire, rejects_a_total_length_shorter_than_the_header) {
  packet p = ipv4_with_option;
  p[3] = 22;
  fix_ipv4_checksum(p);
  EXPECT_EQ(ipv4_packet::parse(view(p)).error(), parse_error::malformed);
}

TEST(ipv4_wire, rejects_a_fragment_reaching_past_65535_bytes) {
  packet p = ipv4_fragment;
  p[6] = 0x3f;  // offset 8191*8 = 65528, plus 16 bytes
  p[7] = 0xff;
  fix_ipv4_checksum(p);
  EXPECT_EQ(ipv4_packet::parse(view(p)).error(), parse_error::malformed);
}

// --- ICMPv4 ------------------------------------------------------------------

TEST(icmpv4_wire, parses_an_echo_request_and_re_emits_it) {
  const bytes icmp = view(ping_request).skip(34);
  auto p = icmpv4_packet::parse(icmp);
  ASSERT_TRUE(p);
  const icmpv4_repr r = icmpv4_repr::parse(*p);
  EXPECT_EQ(r.type, icmpv4_type::echo_request);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.echo_ident(), 0x77);
  EXPECT_EQ(r.echo_sequence(), 3);
  EXPECT_EQ(r.data.chars(), "fata ping");
  packet out(r.buffer_len());
  r.emit(mview(out));
  EXPECT_EQ(out, packet(ping_request.begin() + 34, ping_request.end()));
}

TEST(icmpv4_wire, an_echo_reply_differs_from_the_request_only_in_type_and_checksum) {
  auto p = icmpv4_packet::parse(view(ping_request).skip(34));
  ASSERT_TRUE(p);
  icmpv4_repr reply = icmpv4_repr::parse(*p);
  reply.type = icmpv4_type::echo_reply;
  packet out(reply.buffer_len());
  reply.emit(mview(out));
  auto back = icmpv4_packet::parse(view(out));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->type(), icmpv4_type::echo_reply);
  // RFC 1624: changing type 8 to 0 adds 0x0800 to the checksum.
  EXPECT_EQ(back->checksum(), 0x2be4 + 0x0800);
}

TEST(icmpv4_wire, header_only_emission_covers_the_data_in_its_checksum) {
  const auto r = icmpv4_repr::echo(icmpv4_type::echo_request, 1, 2, bytes::of("abc"));
  packet whole(r.buffer_len());
  r.emit(mview(whole));
  packet header(8);
  r.emit_header(mview(header));
  EXPECT_EQ(header, packet(whole.begin(), whole.begin() + 8));
}

TEST(icmpv4_wire, rejects_truncation_and_a_bad_checksum) {
  const bytes icmp = view(ping_request).skip(34);
  for (std::size_t n = 0; n < 8; ++n)
    EXPECT_EQ(icmpv4_packet::parse(icmp.first(n)).error(), parse_error::truncated);
  EXPECT_EQ(icmpv4_packet::parse(icmp.first(12)).error(), parse_error::bad_checksum);
  packet p(ping_request.begin() + 34, ping_request.end());
  p.back() ^= 0x40;
  EXPECT_EQ(icmpv4_packet::parse(view(p)).error(), parse_error::bad_checksum);
}

// --- UDP ---------------------------------------------------------------------

TEST(udp_wire, parses_a_datagram_verifies_its_checksum_and_re_emits_it) {
  const bytes ip = view(vlan_udp).skip(18);
  auto i = ipv4_packet::parse(ip);
  ASSERT_TRUE(i);
  auto u = udp_packet::parse(i->payload());
  ASSERT_TRUE(u);
  auto r = udp_repr::parse(*u, i->source(), i->destination());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->source_port, port(5353));
  EXPECT_EQ(r->destination_port, port(53));
  EXPECT_EQ(r->payload.chars(), "hello");
  packet out(r->total_len());
  r->emit(mview(out), i->source(), i->destination());
  EXPECT_EQ(out, packet(vlan_udp.begin() + 38, vlan_udp.end()));
}

TEST(udp_wire, gathered_emission_matches_contiguous_emission) {
  const udp_repr r{port(1), port(2), bytes::of("hello world")};
  packet whole(r.total_len());
  r.emit(mview(whole), ipv4_addr(1, 2, 3, 4), ipv4_addr(5, 6, 7, 8));
  const bytes parts[2] = {bytes::of("hello "), bytes::of("world")};
  packet header(8);
  r.emit_header(mview(header), ipv4_addr(1, 2, 3, 4), ipv4_addr(5, 6, 7, 8), parts);
  EXPECT_EQ(header, packet(whole.begin(), whole.begin() + 8));
}

TEST(udp_wire, a_checksum_is_checked_against_the_pseudo_header) {
  const bytes ip = view(vlan_udp).skip(18);
  auto u = udp_packet::parse(ip.skip(20));
  ASSERT_TRUE(u);
  EXPECT_EQ(udp_repr::parse(*u, ipv4_addr(10, 0, 0, 1), ipv4_addr(10, 0, 0, 3)).error(),
            parse_error::bad_checksum);
}

TEST(udp_wire, a_zero_checksum_means_none) {
  packet p(vlan_udp.begin() + 38, vlan_udp.end());
  p[6] = p[7] = 0;
  auto u = udp_packet::parse(view(p));
  ASSERT_TRUE(u);
  EXPECT_TRUE(udp_repr::parse(*u, ipv4_addr(9, 9, 9, 9), ipv4_addr(8, 8, 8, 8)));
}

TEST(udp_wire, a_computed_zero_checksum_is_sent_as_all_ones) {
  // Find a payload whose checksum folds to zero, then check what is sent.
  packet payload(2);
  for (unsigned v = 0; v < 65536; ++v) {
    payload[0] = std::uint8_t(v >> 8);
    payload[1] = std::uint8_t(v);
    const udp_repr r{port(7), port(7), view(payload)};
    packet out(r.total_len());
    r.emit(mview(out), ipv4_addr(10, 0, 0, 1), ipv4_addr(10, 0, 0, 2));
    if (out[6] == 0xff && out[7] == 0xff) {
      auto u = udp_packet::parse(view(out));
      ASSERT_TRUE(u);
      EXPECT_TRUE(u->checksum_valid(ipv4_addr(10, 0, 0, 1), ipv4_addr(10, 0, 0, 2)));
      return;
    }
    ASSERT_FALSE(out[6] == 0 && out[7] == 0);
  }
  FAIL() << "no payload produced a zero checksum";
}

TEST(udp_wire, rejects_truncation_and_impossible_lengths) {
  packet p(vlan_udp.begin() + 38, vlan_udp.end());
  for (std::size_t n = 0; n < p.size(); ++n)
    EXPECT_EQ(udp_packet::parse(view(p).first(n)).error(), parse_error::truncated) << n;
  p[5] = 7;  // length below the header
  EXPECT_EQ(udp_packet::parse(view(p)).error(), parse_error::malformed);
  p[5] = 200;  // longer than the buffer
  EXPECT_EQ(udp_packet::parse(view(p)).error(), parse_error::truncated);
}

TEST(udp_wire, ignores_bytes_past_the_length_field) {
  packet p(vlan_udp.begin() + 38, vlan_udp.end());
  p.push_back(0xaa);
  auto u = udp_packet::parse(view(p));
  ASSERT_TRUE(u);
  EXPECT_EQ(u->payload().chars(), "hello");
}

}  // namespace
