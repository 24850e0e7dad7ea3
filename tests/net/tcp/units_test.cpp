// The small units under a connection, each alone: range sets, the byte
// ring, RTT estimation (RFC 6298), congestion control (RFC 5681, RFC
// 9438), the SACK scoreboard (RFC 6675) and the keyed hash behind ISNs
// and SYN cookies (RFC 6528).
#include <fata/net/tcp/congestion.hpp>
#include <fata/net/tcp/ranges.hpp>
#include <fata/net/tcp/ring.hpp>
#include <fata/net/tcp/rtt.hpp>
#include <fata/net/tcp/sack.hpp>
#include <fata/net/tcp/secret.hpp>

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net::tcp;

seq_number s(std::uint32_t v) { return seq_number(v); }

// --- range_set ------------------------------------------------------------

TEST(tcp_ranges, overlapping_and_touching_ranges_merge) {
  range_set r(8);
  EXPECT_TRUE(r.insert(s(10), s(20)));
  EXPECT_TRUE(r.insert(s(30), s(40)));
  EXPECT_TRUE(r.insert(s(20), s(30)));
  ASSERT_EQ(r.count(), 1u);
  EXPECT_EQ(r[0], (seq_range{s(10), s(40)}));
  EXPECT_TRUE(r.insert(s(5), s(50)));
  EXPECT_EQ(r[0], (seq_range{s(5), s(50)}));
  EXPECT_EQ(r.total(), 45u);
}

TEST(tcp_ranges, ranges_stay_sorted_across_wraparound) {
  range_set r(8);
  r.insert(s(0x10), s(0x20));
  r.insert(s(0xfffffff0u), s(0xfffffff8u));
  ASSERT_EQ(r.count(), 2u);
  EXPECT_EQ(r[0].left, s(0xfffffff0u));
  EXPECT_EQ(r[1].left, s(0x10));
}

TEST(tcp_ranges, a_full_set_refuses_a_new_range_but_still_merges) {
  range_set r(2);
  EXPECT_TRUE(r.insert(s(10), s(20)));
  EXPECT_TRUE(r.insert(s(30), s(40)));
  EXPECT_FALSE(r.insert(s(50), s(60)));
  EXPECT_EQ(r.count(), 2u);
  EXPECT_TRUE(r.insert(s(35), s(45)));
  EXPECT_EQ(r[1], (seq_range{s(30), s(45)}));
}

TEST(tcp_ranges, trim_below_cuts_a_straddling_range) {
  range_set r(8);
  r.insert(s(10), s(20));
  r.insert(s(30), s(40));
  r.trim_below(s(35));
  ASSERT_EQ(r.count(), 1u);
  EXPECT_EQ(r[0], (seq_range{s(35), s(40)}));
  EXPECT_TRUE(r.contains(s(36), s(40)));
  EXPECT_FALSE(r.contains(s(34), s(40)));
}

// --- byte_ring ------------------------------------------------------------

std::string read_all(byte_ring& r) {
  std::string out(r.size(), '\0');
  r.read(mut_bytes(out.data(), out.size()));
  return out;
}

TEST(tcp_ring, storage_grows_only_with_use_and_is_released) {
  byte_ring r(1 << 20);
  EXPECT_EQ(r.storage(), 0u);
  r.append(bytes::of("abc"));
  EXPECT_EQ(r.storage(), byte_ring::min_storage);
  EXPECT_EQ(read_all(r), "abc");
  r.release();
  EXPECT_EQ(r.storage(), 0u);
}

TEST(tcp_ring, append_stops_at_the_limit) {
  byte_ring r(5);
  EXPECT_EQ(r.append(bytes::of("abcdefgh")), 5u);
  EXPECT_EQ(r.free(), 0u);
  EXPECT_EQ(r.append(bytes::of("x")), 0u);
  EXPECT_EQ(read_all(r), "abcde");
}

TEST(tcp_ring, data_survives_wrapping_and_growth) {
  byte_ring r(8192);
  std::string expect;
  std::string got;
  std::uint32_t n = 0;
  for (int round = 0; round < 200; ++round) {
    std::string chunk;
    for (int i = 0; i < 37 + round % 50; ++i) chunk += char('a' + (n++ % 26));
    const std::size_t took = r.append(bytes::of(chunk));
    expect += chunk.substr(0, took);
    std::string out(round % 3 == 0 ? 10 : 60, '\0');
    const std::size_t k = r.read(mut_bytes(out.data(), out.size()));
    got += out.substr(0, k);
  }
  got += read_all(r);
  EXPECT_EQ(got, expect);
}

TEST(tcp_ring, out_of_order_writes_become_readable_on_commit) {
  byte_ring r(100);
  ASSERT_TRUE(r.write_at(3, bytes::of("def")));
  EXPECT_EQ(r.size(), 0u);
  ASSERT_TRUE(r.write_at(0, bytes::of("abc")));
  r.commit(6);
  EXPECT_EQ(read_all(r), "abcdef");
}

TEST(tcp_ring, peek_returns_two_pieces_across_the_wrap) {
  byte_ring r(2048);
  std::string fill(2000, 'x');
  r.append(bytes::of(fill));
  std::string sink(1990, '\0');
  r.read(mut_bytes(sink.data(), sink.size()));
  r.append(bytes::of(std::string(100, 'y')));
  auto parts = r.peek(0, r.size());
  EXPECT_FALSE(parts[1].empty());
  EXPECT_EQ(parts[0].size() + parts[1].size(), 110u);
}

TEST(tcp_ring, storage_is_charged_to_the_budget_and_given_back) {
  memory_budget budget(10000);
  {
    byte_ring r(1 << 20, &budget);
    r.append(bytes::of("abc"));
    EXPECT_EQ(budget.used(), byte_ring::min_storage);
    read_all(r);
    r.release();
    EXPECT_EQ(budget.used(), 0u);
    r.append(bytes::of("abc"));
    byte_ring moved(std::move(r));
    EXPECT_EQ(budget.used(), byte_ring::min_storage);
    moved = byte_ring(0);
    EXPECT_EQ(budget.used(), 0u);
    moved = byte_ring(100, &budget);
    moved.append(bytes::of("x"));
  }
  EXPECT_EQ(budget.used(), 0u);
}

TEST(tcp_ring, a_spent_budget_is_no_room) {
  memory_budget budget(4096);
  byte_ring a(1 << 20, &budget);
  byte_ring b(1 << 20, &budget);
  EXPECT_EQ(a.append(bytes::of(std::string(3000, 'a'))), 3000u);
  EXPECT_EQ(b.append(bytes::of(std::string(3000, 'b'))), 0u);
  EXPECT_EQ(budget.refusals(), 1u);
  EXPECT_LE(budget.used(), budget.limit());
  EXPECT_EQ(read_all(a), std::string(3000, 'a'));
  a.release();
  EXPECT_EQ(b.append(bytes::of(std::string(3000, 'b'))), 3000u);
}

// --- rtt_estimator --------------------------------------------------------

TEST(tcp_rtt, first_sample_sets_srtt_and_half_variance) {
  rtt_estimator e(1s, 200ms, 60s);
  EXPECT_EQ(e.rto(), 1s);
  e.sample(100ms);
  EXPECT_EQ(e.srtt(), 100ms);
  EXPECT_EQ(e.rttvar(), 50ms);
  EXPECT_EQ(e.rto(), 300ms);  // 100 + 4 * 50
}

TEST(tcp_rtt, later_samples_smooth_with_alpha_and_beta) {
  rtt_estimator e(1s, 1ms, 60s);
  e.sample(100ms);
  e.sample(200ms);
  // RTTVAR = 3/4 * 50 + 1/4 * 100 = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5
  EXPECT_EQ(e.rttvar(), 62500us);
  EXPECT_EQ(e.srtt(), 112500us);
  EXPECT_EQ(e.rto(), 362500us);
}

TEST(tcp_rtt, rto_is_clamped_to_min_and_max) {
  rtt_estimator e(1s, 200ms, 60s);
  e.sample(1ms);
  EXPECT_EQ(e.rto(), 200ms);
  e.sample(100s);
  EXPECT_EQ(e.rto(), 60s);
}

TEST(tcp_rtt, back_off_doubles_until_a_new_sample) {
  rtt_estimator e(1s, 200ms, 60s);
  e.back_off();
  EXPECT_EQ(e.rto(), 2s);
  e.back_off();
  EXPECT_EQ(e.rto(), 4s);
  for (int i = 0; i < 10; ++i) e.back_off();
  EXPECT_EQ(e.rto(), 60s);
  e.sample(100ms);
  EXPECT_EQ(e.rto(), 300ms);
}

// --- congestion_control ---------------------------------------------------

const mono_time t0 = mono_from_ns(1'000'000'000);

TEST(tcp_congestion, initial_window_is_rfc6928_iw10) {
  EXPECT_EQ(congestion_control(congestion_algorithm::new_reno, 1460).cwnd(), 14600u);
  EXPECT_EQ(congestion_control(congestion_algorithm::new_reno, 8960).cwnd(), 17920u);
  EXPECT_EQ(congestion_control(congestion_algorithm::new_reno, 536).cwnd(), 5360u);
}

TEST(tcp_congestion, slow_start_grows_by_at_most_two_segments_per_ack) {
  congestion_control c(congestion_algorithm::new_reno, 1000);
  const std::size_t start = c.cwnd();
  c.on_ack(1000, true, t0, 10ms);
  EXPECT_EQ(c.cwnd(), start + 1000);
  c.on_ack(5000, true, t0, 10ms);
  EXPECT_EQ(c.cwnd(), start + 3000);
}

TEST(tcp_congestion, an_application_limited_sender_does_not_grow_the_window) {
  congestion_control c(congestion_algorithm::new_reno, 1000);
  const std::size_t start = c.cwnd();
  c.on_ack(1000, false, t0, 10ms);
  EXPECT_EQ(c.cwnd(), start);
}

TEST(tcp_congestion, reno_avoidance_adds_one_segment_per_window) {
  congestion_control c(congestion_algorithm::new_reno, 1000);
  c.on_loss(20000, t0);  // ssthresh 10000
  c.on_recovery_end(t0);
  ASSERT_EQ(c.cwnd(), 10000u);
  for (int i = 0; i < 9; ++i) c.on_ack(1000, true, t0, 10ms);
  EXPECT_EQ(c.cwnd(), 10000u);
  c.on_ack(1000, true, t0, 10ms);
  EXPECT_EQ(c.cwnd(), 11000u);
}

TEST(tcp_congestion, reno_loss_halves_the_flight) {
  congestion_control c(congestion_algorithm::new_reno, 1000);
  EXPECT_EQ(c.on_loss(30000, t0), 15000u);
  EXPECT_EQ(c.on_loss(1000, t0), 2000u);  // at least two segments
}

TEST(tcp_congestion, timeout_drops_the_window_to_one_segment) {
  congestion_control c(congestion_algorithm::cubic, 1000);
  c.on_timeout(10000, t0);
  EXPECT_EQ(c.cwnd(), 1000u);
  EXPECT_EQ(c.ssthresh(), 7000u);
}

TEST(tcp_congestion, cubic_cuts_to_beta_and_sets_w_max) {
  congestion_control c(congestion_algorithm::cubic, 1000);
  c.set_cwnd(100000);
  EXPECT_EQ(c.on_loss(100000, t0), 70000u);
  EXPECT_DOUBLE_EQ(c.cubic_w_max(), 100.0);
}

TEST(tcp_congestion, cubic_fast_convergence_lowers_w_max) {
  congestion_control c(congestion_algorithm::cubic, 1000);
  c.set_cwnd(100000);
  c.on_loss(100000, t0);
  c.set_cwnd(80000);
  c.on_loss(80000, t0);
  EXPECT_DOUBLE_EQ(c.cubic_w_max(), 80 * 1.7 / 2);
}

TEST(tcp_congestion, cubic_returns_to_w_max_after_k_seconds) {
  congestion_control c(congestion_algorithm::cubic, 1000);
  c.set_cwnd(100000);
  c.on_loss(100000, t0);
  c.on_recovery_end(t0);  // cwnd 70 segments
  mono_time now = t0;
  c.on_ack(1000, true, now, 100ms);  // epoch starts
  // K = cbrt((100 - 70) / 0.4) = cbrt(75) ~ 4.217 s
  EXPECT_NEAR(c.cubic_k(), 4.2172, 0.001);
  // Acknowledge a window per RTT for K seconds: cwnd reaches ~W_max.
  for (int rtt = 0; rtt < 43; ++rtt) {
    now += 100ms;
    const std::size_t w = c.cwnd() / 1000;
    for (std::size_t i = 0; i < w; ++i) c.on_ack(1000, true, now, 100ms);
  }
  EXPECT_NEAR(double(c.cwnd()) / 1000, 100.0, 3.0);
  // Beyond W_max the window keeps growing (convex region).
  for (int rtt = 0; rtt < 30; ++rtt) {
    now += 100ms;
    const std::size_t w = c.cwnd() / 1000;
    for (std::size_t i = 0; i < w; ++i) c.on_ack(1000, true, now, 100ms);
  }
  EXPECT_GT(c.cwnd(), 105000u);
}

TEST(tcp_congestion, cube_root_is_exact_enough) {
  EXPECT_NEAR(cube_root(27.0), 3.0, 1e-9);
  EXPECT_NEAR(cube_root(0.001), 0.1, 1e-9);
  EXPECT_NEAR(cube_root(1e9), 1000.0, 1e-6);
  EXPECT_EQ(cube_root(0), 0);
}

// --- sack_scoreboard ------------------------------------------------------

TEST(tcp_sack, blocks_outside_the_outstanding_data_are_ignored) {
  sack_scoreboard sb;
  const std::array<sack_block, 3> blocks = {
      sack_block{s(50), s(90)},     // below SND.UNA: a D-SACK
      sack_block{s(900), s(1200)},  // beyond SND.MAX: forged
      sack_block{s(300), s(200)},   // inverted
  };
  EXPECT_EQ(sb.update(s(100), s(1000), blocks), 0u);
  EXPECT_TRUE(sb.empty());
}

TEST(tcp_sack, is_lost_needs_three_segments_sacked_above) {
  sack_scoreboard sb;
  const std::size_t mss = 100;
  const std::array<sack_block, 1> one = {sack_block{s(200), s(400)}};
  sb.update(s(100), s(1000), one);
  EXPECT_FALSE(sb.is_lost(s(100), mss));  // 200 bytes: not more than 2 SMSS
  const std::array<sack_block, 1> more = {sack_block{s(400), s(401)}};
  sb.update(s(100), s(1000), more);
  EXPECT_TRUE(sb.is_lost(s(100), mss));  // 201 bytes
}

TEST(tcp_sack, is_lost_by_three_discontiguous_blocks) {
  sack_scoreboard sb;
  const std::array<sack_block, 3> blocks = {sack_block{s(200), s(210)}, sack_block{s(300), s(310)},
                                            sack_block{s(400), s(410)}};
  sb.update(s(100), s(1000), blocks);
  EXPECT_TRUE(sb.is_lost(s(100), 1000));
  EXPECT_FALSE(sb.is_lost(s(210), 1000));
}

TEST(tcp_sack, pipe_counts_unsacked_not_lost_and_retransmitted) {
  sack_scoreboard sb;
  const std::size_t mss = 100;
  // Sent [0, 1000); SACKed [300, 600): hole [0, 300) is lost (300 > 200).
  const std::array<sack_block, 1> blocks = {sack_block{s(300), s(600)}};
  sb.update(s(0), s(1000), blocks);
  // Not lost: [600, 1000) = 400. Nothing retransmitted yet.
  EXPECT_EQ(sb.pipe(s(0), s(1000), s(0), mss), 400u);
  // After retransmitting [0, 100): that counts too.
  EXPECT_EQ(sb.pipe(s(0), s(1000), s(100), mss), 500u);
}

TEST(tcp_sack, next_hole_finds_the_first_lost_hole_above_high_rxt) {
  sack_scoreboard sb;
  const std::array<sack_block, 2> blocks = {sack_block{s(300), s(600)}, sack_block{s(700), s(1000)}};
  sb.update(s(0), s(1000), blocks);
  auto h = sb.next_hole(s(0), s(0), 100, true);
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, (seq_range{s(0), s(300)}));
  h = sb.next_hole(s(0), s(300), 100, true);
  ASSERT_TRUE(h);
  EXPECT_EQ(*h, (seq_range{s(600), s(700)}));
  EXPECT_FALSE(sb.next_hole(s(0), s(700), 100, true));
}

TEST(tcp_sack, acknowledgement_forgets_what_it_covers) {
  sack_scoreboard sb;
  const std::array<sack_block, 1> blocks = {sack_block{s(300), s(600)}};
  sb.update(s(0), s(1000), blocks);
  sb.acknowledge(s(400));
  EXPECT_EQ(sb.sacked_bytes(), 200u);
  sb.acknowledge(s(600));
  EXPECT_TRUE(sb.empty());
}

TEST(tcp_sack, the_scoreboard_is_bounded) {
  sack_scoreboard sb(4);
  for (std::uint32_t i = 0; i < 10; ++i) {
    const std::array<sack_block, 1> b = {sack_block{s(100 + i * 20), s(110 + i * 20)}};
    sb.update(s(0), s(10000), b);
  }
  EXPECT_EQ(sb.ranges().count(), 4u);
}

// --- secret_hash ----------------------------------------------------------

std::array<std::byte, 32> key_of(std::uint8_t seed) {
  std::array<std::byte, 32> k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = std::byte(seed + i);
  return k;
}

const four_tuple tuple{{ipv4_addr(10, 0, 0, 1), port(80)}, {ipv4_addr(10, 0, 0, 2), port(40000)}};

TEST(tcp_secret, isn_advances_with_the_4us_clock) {
  const secret_hash h(key_of(1));
  const seq_number a = h.initial_sequence(tuple, t0);
  const seq_number b = h.initial_sequence(tuple, t0 + 4ms);
  EXPECT_EQ(b - a, 1000);
}

TEST(tcp_secret, isn_depends_on_the_tuple_and_the_key) {
  const secret_hash h1(key_of(1));
  const secret_hash h2(key_of(2));
  four_tuple other = tuple;
  other.remote.number = port(40001);
  EXPECT_NE(h1.initial_sequence(tuple, t0), h1.initial_sequence(other, t0));
  EXPECT_NE(h1.initial_sequence(tuple, t0), h2.initial_sequence(tuple, t0));
}

TEST(tcp_secret, a_cookie_checks_for_its_tuple_and_isn_only) {
  const secret_hash h(key_of(3));
  const seq_number client(12345);
  const seq_number cookie = h.make_cookie(tuple, client, t0, 5);
  EXPECT_EQ(h.check_cookie(tuple, client, cookie, t0 + 10s), 5);
  EXPECT_FALSE(h.check_cookie(tuple, client + 1, cookie, t0));
  four_tuple other = tuple;
  other.remote.address = ipv4_addr(10, 0, 0, 3);
  EXPECT_FALSE(h.check_cookie(other, client, cookie, t0));
  EXPECT_FALSE(h.check_cookie(tuple, client, cookie + 1, t0));
}

TEST(tcp_secret, a_cookie_expires_after_two_periods) {
  const secret_hash h(key_of(4));
  const seq_number client(777);
  const seq_number cookie = h.make_cookie(tuple, client, t0, 2);
  EXPECT_TRUE(h.check_cookie(tuple, client, cookie, t0 + secret_hash::cookie_period));
  EXPECT_FALSE(h.check_cookie(tuple, client, cookie, t0 + 2 * secret_hash::cookie_period + 1s));
}

TEST(tcp_secret, cookie_mss_index_rounds_down) {
  EXPECT_EQ(secret_hash::cookie_mss[secret_hash::cookie_mss_index(1460)], 1460);
  EXPECT_EQ(secret_hash::cookie_mss[secret_hash::cookie_mss_index(1459)], 1440);
  EXPECT_EQ(secret_hash::cookie_mss[secret_hash::cookie_mss_index(100)], 536);
  EXPECT_EQ(secret_hash::cookie_mss[secret_hash::cookie_mss_index(9000)], 8960);
}

}  // namespace
