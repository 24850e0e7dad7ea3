// The TCP wire format: golden bytes captured from Linux 6.x (checksums
// recomputed for 10.0.0.1 <-> 10.0.0.2), option parsing edge cases, and
// emit/parse round trips.
#include <fata/net/tcp/wire.hpp>

#include <gtest/gtest.h>

#include <vector>

#include "hex.hpp"

namespace {

using namespace fata;
using namespace fata::net::tcp;
using fata::net::tcp::testing::from_hex;

const ipv4_addr a(10, 0, 0, 1);
const ipv4_addr b(10, 0, 0, 2);

// Linux's SYN: MSS 65495, SACK-permitted, timestamps, NOP, window scale 10.
constexpr std::string_view linux_syn =
    "ce8ab26e4c32cd2400000000a002ffd7e57100000204ffd70402080a2200983c000000000103030a";
constexpr std::string_view linux_synack =
    "b26ece8a9ba85ebb4c32cd25a012ffcb698400000204ffd70402080ae04da1362200983c0103030a";
constexpr std::string_view linux_data =
    "ce8ab26e4c32cd259ba85ebc801800404e2400000101080a2200983ce04da13668656c6c6f";
// An ACK with timestamps and three SACK blocks (40 bytes of options).
constexpr std::string_view sack_ack =
    "b26ece8a9ba85ebc4c32cd2af0100100066b00000101080ae04da1362200983c0101051a4c32d0004c32d5b44c32"
    "e0004c32e5b44c32f0004c32f001";

repr parse_ok(const std::vector<std::byte>& raw, ipv4_addr src, ipv4_addr dst) {
  auto p = packet::parse(bytes(raw.data(), raw.size()));
  EXPECT_TRUE(p);
  auto r = repr::parse(*p, src, dst);
  EXPECT_TRUE(r) << (r ? "" : describe(r.error()));
  return r ? *r : repr{};
}

std::vector<std::byte> emit(const repr& r, ipv4_addr src, ipv4_addr dst) {
  std::vector<std::byte> out(r.total_len());
  r.emit(mut_bytes(out.data(), out.size()), src, dst);
  return out;
}

TEST(tcp_seq, comparison_wraps_around) {
  const seq_number near_top(0xfffffff0u);
  const seq_number wrapped(0x10u);
  EXPECT_LT(near_top, wrapped);
  EXPECT_GT(wrapped, near_top);
  EXPECT_EQ(wrapped - near_top, 0x20);
  EXPECT_EQ(near_top + 0x20, wrapped);
  EXPECT_EQ(seq_distance(near_top, wrapped), 0x20u);
  EXPECT_TRUE(seq_in_range(seq_number(0), near_top, wrapped));
  EXPECT_FALSE(seq_in_range(wrapped, near_top, wrapped));
  EXPECT_EQ(seq_max(near_top, wrapped), wrapped);
  EXPECT_EQ(seq_min(near_top, wrapped), near_top);
}

TEST(tcp_wire, linux_syn_parses_with_all_options) {
  const auto raw = from_hex(linux_syn);
  const repr r = parse_ok(raw, a, b);
  EXPECT_EQ(r.source_port, port(52874));
  EXPECT_EQ(r.destination_port, port(45678));
  EXPECT_EQ(r.seq, seq_number(0x4c32cd24));
  EXPECT_EQ(r.flags, flag::syn);
  EXPECT_EQ(r.window, 65495);
  EXPECT_EQ(r.opts.mss, 65495);
  EXPECT_EQ(r.opts.window_scale, 10);
  EXPECT_TRUE(r.opts.sack_permitted);
  ASSERT_TRUE(r.opts.ts);
  EXPECT_EQ(r.opts.ts->value, 0x2200983cu);
  EXPECT_EQ(r.opts.ts->echo, 0u);
  EXPECT_EQ(r.segment_len(), 1u);
}

TEST(tcp_wire, linux_syn_is_emitted_byte_for_byte) {
  const auto raw = from_hex(linux_syn);
  repr r;
  r.source_port = port(52874);
  r.destination_port = port(45678);
  r.seq = seq_number(0x4c32cd24);
  r.flags = flag::syn;
  r.window = 65495;
  r.opts.mss = 65495;
  r.opts.sack_permitted = true;
  r.opts.ts = timestamps{0x2200983c, 0};
  r.opts.window_scale = 10;
  EXPECT_EQ(emit(r, a, b), raw);
}

TEST(tcp_wire, linux_synack_round_trips) {
  const auto raw = from_hex(linux_synack);
  const repr r = parse_ok(raw, b, a);
  EXPECT_EQ(r.flags, flag::syn | flag::ack);
  EXPECT_EQ(r.ack, seq_number(0x4c32cd25));
  EXPECT_EQ(r.opts.ts->echo, 0x2200983cu);
  EXPECT_EQ(emit(r, b, a), raw);
}

TEST(tcp_wire, linux_data_segment_round_trips) {
  const auto raw = from_hex(linux_data);
  const repr r = parse_ok(raw, a, b);
  EXPECT_EQ(r.flags, flag::psh | flag::ack);
  EXPECT_EQ(r.payload.chars(), "hello");
  EXPECT_EQ(r.segment_len(), 5u);
  EXPECT_EQ(r.header_len(), 32u);
  EXPECT_EQ(emit(r, a, b), raw);
}

TEST(tcp_wire, sack_blocks_round_trip) {
  const auto raw = from_hex(sack_ack);
  const repr r = parse_ok(raw, b, a);
  ASSERT_EQ(r.opts.sack_count, 3);
  EXPECT_EQ(r.opts.sack[0], (sack_block{seq_number(0x4c32d000), seq_number(0x4c32d5b4)}));
  EXPECT_EQ(r.opts.sack[2], (sack_block{seq_number(0x4c32f000), seq_number(0x4c32f001)}));
  EXPECT_EQ(r.header_len(), 60u);
  EXPECT_EQ(emit(r, b, a), raw);
}

TEST(tcp_wire, a_flipped_bit_fails_the_checksum) {
  auto raw = from_hex(linux_data);
  raw.back() ^= std::byte{0x01};
  auto p = packet::parse(bytes(raw.data(), raw.size()));
  ASSERT_TRUE(p);
  EXPECT_EQ(repr::parse(*p, a, b).error(), parse_error::bad_checksum);
}

TEST(tcp_wire, the_pseudo_header_is_covered) {
  const auto raw = from_hex(linux_data);
  auto p = packet::parse(bytes(raw.data(), raw.size()));
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->checksum_valid(a, ipv4_addr(10, 0, 0, 3)));
}

TEST(tcp_wire, short_header_is_truncated) {
  const auto raw = from_hex(linux_syn);
  EXPECT_EQ(packet::parse(bytes(raw.data(), 19)).error(), parse_error::truncated);
}

TEST(tcp_wire, data_offset_below_five_is_malformed) {
  auto raw = from_hex(linux_syn);
  raw[12] = std::byte{0x40};
  EXPECT_EQ(packet::parse(bytes(raw.data(), raw.size())).error(), parse_error::malformed);
}

TEST(tcp_wire, data_offset_past_the_buffer_is_truncated) {
  auto raw = from_hex(linux_syn);
  raw[12] = std::byte{0xf0};
  EXPECT_EQ(packet::parse(bytes(raw.data(), raw.size())).error(), parse_error::truncated);
}

options parse_options(std::string_view hex) {
  const auto raw = from_hex(hex);
  auto o = options::parse(bytes(raw.data(), raw.size()));
  return o ? *o : options{};
}

parse_error options_error(std::string_view hex) {
  const auto raw = from_hex(hex);
  auto o = options::parse(bytes(raw.data(), raw.size()));
  return o ? parse_error{} : o.error();
}

TEST(tcp_options, unknown_options_are_skipped_by_length) {
  // Kind 30 (MPTCP) with 6 bytes, then MSS.
  const options o = parse_options("1e06aabbccdd020405b4");
  EXPECT_EQ(o.mss, 1460);
}

TEST(tcp_options, zero_option_length_is_malformed) {
  EXPECT_EQ(options_error("1e00020405b4"), parse_error::malformed);
}

TEST(tcp_options, option_running_past_the_header_is_malformed) {
  EXPECT_EQ(options_error("020405"), parse_error::malformed);
  EXPECT_EQ(options_error("0101011e"), parse_error::malformed);
}

TEST(tcp_options, known_option_with_wrong_length_is_malformed) {
  EXPECT_EQ(options_error("02050000000000"), parse_error::malformed);  // MSS of 5
  EXPECT_EQ(options_error("080800000000000000"), parse_error::malformed);  // TS of 8
  EXPECT_EQ(options_error("050300"), parse_error::malformed);  // SACK of 3
}

TEST(tcp_options, end_of_list_stops_parsing) {
  const options o = parse_options("00020405b4");
  EXPECT_FALSE(o.mss);
}

TEST(tcp_options, window_scale_above_14_is_read_as_14) {
  EXPECT_EQ(parse_options("01030320").window_scale, 14);
}

TEST(tcp_options, sack_blocks_that_do_not_fit_are_left_out) {
  options o;
  o.ts = timestamps{1, 2};
  for (std::uint32_t i = 0; i < 4; ++i) o.add_sack({seq_number(i * 100), seq_number(i * 100 + 50)});
  EXPECT_EQ(o.encoded_len(), 40u);
  std::byte out[40];
  o.emit(mut_bytes(out, 40));
  const options back = *options::parse(bytes(out, 40));
  EXPECT_EQ(back.sack_count, 3);
  options no_ts;
  for (std::uint32_t i = 0; i < 4; ++i) no_ts.add_sack({seq_number(i * 100), seq_number(i * 100 + 50)});
  EXPECT_EQ(no_ts.encoded_len(), 36u);
}

TEST(tcp_options, a_syn_without_timestamps_pads_sack_permitted) {
  options o;
  o.mss = 1460;
  o.sack_permitted = true;
  o.window_scale = 7;
  std::byte out[40];
  const std::size_t n = o.emit(mut_bytes(out, 40));
  ASSERT_EQ(n, 12u);
  EXPECT_EQ(*options::parse(bytes(out, n)), o);
}

TEST(tcp_wire, header_emitted_over_payload_parts_checksums_them) {
  repr r;
  r.source_port = port(80);
  r.destination_port = port(40000);
  r.seq = seq_number(1000);
  r.ack = seq_number(2000);
  r.flags = flag::ack | flag::psh;
  r.window = 512;
  r.opts.ts = timestamps{7, 9};
  const std::string_view one = "split ";
  const std::string_view two = "payload";
  const bytes parts[2] = {bytes::of(one), bytes::of(two)};
  std::vector<std::byte> frame(r.header_len() + one.size() + two.size());
  const std::size_t hlen = r.emit_header(mut_bytes(frame.data(), frame.size()), a, b, parts);
  mut_bytes(frame.data(), frame.size()).copy_from(hlen, bytes::of(one));
  mut_bytes(frame.data(), frame.size()).copy_from(hlen + one.size(), bytes::of(two));
  const repr back = parse_ok(frame, a, b);
  EXPECT_EQ(back.payload.chars(), "split payload");
  EXPECT_EQ(back.ack, seq_number(2000));
}

}  // namespace
