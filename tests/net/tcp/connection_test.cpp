// The connection state machine, one behaviour per test, driven by hand
// with explicit times: the test is the peer.
#include "conn_fixture.hpp"

#include <set>

namespace {

using namespace fata;
using namespace fata::net::tcp;
using fata::net::tcp::testing::conn_fixture;
using fata::net::tcp::testing::sent;

using tcp_conn = conn_fixture;

options with_mss(std::uint16_t mss) {
  options o;
  o.mss = mss;
  return o;
}

// --- opening ----------------------------------------------------------

TEST_F(tcp_conn, active_open_sends_syn_with_every_option_offered) {
  make();
  c->open_active(seq_number(our_iss), now);
  EXPECT_EQ(c->state(), state::syn_sent);
  const sent s = drain_one();
  EXPECT_EQ(s.h.flags, flag::syn);
  EXPECT_EQ(s.h.seq, seq_number(our_iss));
  EXPECT_EQ(s.h.opts.mss, 1460);
  EXPECT_EQ(s.h.opts.window_scale, 3);  // 256 KiB >> 3 fits 16 bits
  EXPECT_TRUE(s.h.opts.sack_permitted);
  ASSERT_TRUE(s.h.opts.ts);
  EXPECT_EQ(s.h.opts.ts->echo, 0u);
  EXPECT_EQ(s.h.window, 65535);
  EXPECT_EQ(c->poll_at(), now + 1s);  // RFC 6298 §2.1
}

TEST_F(tcp_conn, syn_ack_establishes_and_is_acknowledged) {
  establish_active();
  EXPECT_EQ(c->snd_una(), seq_number(our_iss + 1));
  EXPECT_EQ(c->rcv_nxt(), seq_number(peer_iss + 1));
  EXPECT_EQ(st.active_opens, 1u);
  EXPECT_EQ(st.established, 1u);
}

TEST_F(tcp_conn, mss_defaults_to_536_without_the_option) {
  establish_active();
  EXPECT_EQ(c->smss(), 536u);
}

TEST_F(tcp_conn, mss_is_the_smaller_of_both_sides_less_timestamps) {
  options o = with_mss(1400);
  o.ts = timestamps{7, 1000};
  establish_active(o);
  EXPECT_EQ(c->smss(), 1400u - 12u);
  EXPECT_TRUE(c->timestamps_enabled());
}

TEST_F(tcp_conn, a_tiny_peer_mss_is_raised_to_the_floor) {
  establish_active(with_mss(1));
  EXPECT_EQ(c->smss(), 64u);
}

TEST_F(tcp_conn, syn_ack_with_an_unacceptable_ack_is_answered_with_rst) {
  make();
  c->open_active(seq_number(our_iss), now);
  drain();
  auto r = feed(seg(flag::syn | flag::ack, seq_number(peer_iss), seq_number(our_iss)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, seq_number(our_iss));
  EXPECT_FALSE(r->with_ack);
  EXPECT_EQ(c->state(), state::syn_sent);
}

TEST_F(tcp_conn, rst_acknowledging_our_syn_refuses_the_connection) {
  make();
  c->open_active(seq_number(our_iss), now);
  drain();
  feed(seg(flag::rst | flag::ack, seq_number(0), seq_number(our_iss + 1)));
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::refused);
}

TEST_F(tcp_conn, rst_without_ack_in_syn_sent_is_ignored) {
  make();
  c->open_active(seq_number(our_iss), now);
  drain();
  feed(seg(flag::rst, seq_number(peer_iss), seq_number(0)));
  EXPECT_EQ(c->state(), state::syn_sent);
}

TEST_F(tcp_conn, syn_is_retransmitted_with_back_off_then_times_out) {
  cfg.syn_retries = 2;
  make();
  c->open_active(seq_number(our_iss), now);
  drain();
  const mono_time start = now;
  advance_to_deadline();
  EXPECT_EQ(now, start + 1s);
  EXPECT_TRUE(drain_one().has(flag::syn));
  advance_to_deadline();
  EXPECT_EQ(now, start + 3s);
  EXPECT_TRUE(drain_one().has(flag::syn));
  advance_to_deadline();
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::timed_out);
  EXPECT_EQ(st.failed_opens, 1u);
}

TEST_F(tcp_conn, a_lost_syn_leaves_one_segment_of_window) {
  make();
  c->open_active(seq_number(our_iss), now);
  drain();
  advance_to_deadline();
  drain();
  feed(seg(flag::syn | flag::ack, seq_number(peer_iss), seq_number(our_iss + 1)));
  EXPECT_EQ(c->state(), state::established);
  EXPECT_EQ(c->congestion().cwnd(), c->smss());
}

TEST_F(tcp_conn, passive_open_answers_with_the_options_offered) {
  make();
  repr syn = seg(flag::syn, seq_number(peer_iss), seq_number(0));
  syn.opts.mss = 1400;
  syn.opts.window_scale = 7;
  syn.opts.sack_permitted = true;
  syn.opts.ts = timestamps{77, 0};
  c->open_passive(syn, seq_number(our_iss), now);
  EXPECT_EQ(c->state(), state::syn_received);
  const sent s = drain_one();
  EXPECT_EQ(s.h.flags, flag::syn | flag::ack);
  EXPECT_EQ(s.h.ack, seq_number(peer_iss + 1));
  EXPECT_EQ(s.h.opts.mss, 1460);
  EXPECT_EQ(s.h.opts.window_scale, 3);
  EXPECT_TRUE(s.h.opts.sack_permitted);
  ASSERT_TRUE(s.h.opts.ts);
  EXPECT_EQ(s.h.opts.ts->echo, 77u);
}

TEST_F(tcp_conn, passive_open_offers_nothing_the_peer_did_not) {
  make();
  c->open_passive(seg(flag::syn, seq_number(peer_iss), seq_number(0)), seq_number(our_iss), now);
  const sent s = drain_one();
  EXPECT_FALSE(s.h.opts.window_scale);
  EXPECT_FALSE(s.h.opts.sack_permitted);
  EXPECT_FALSE(s.h.opts.ts);
}

TEST_F(tcp_conn, ack_of_the_syn_ack_establishes) {
  establish_passive();
  EXPECT_EQ(c->snd_una(), seq_number(our_iss + 1));
  EXPECT_EQ(st.passive_opens, 1u);
}

TEST_F(tcp_conn, an_unacceptable_ack_in_syn_received_gets_rst) {
  make();
  c->open_passive(seg(flag::syn, seq_number(peer_iss), seq_number(0)), seq_number(our_iss), now);
  drain();
  auto r = feed(seg(flag::ack, seq_number(peer_iss + 1), seq_number(our_iss + 5)));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->seq, seq_number(our_iss + 5));
  EXPECT_EQ(c->state(), state::syn_received);
}

TEST_F(tcp_conn, syn_ack_is_retransmitted_then_the_open_times_out) {
  cfg.synack_retries = 1;
  make();
  c->open_passive(seg(flag::syn, seq_number(peer_iss), seq_number(0)), seq_number(our_iss), now);
  drain();
  advance_to_deadline();
  EXPECT_TRUE(drain_one().has(flag::syn));
  advance_to_deadline();
  drain();
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::timed_out);
}

TEST_F(tcp_conn, simultaneous_open_reaches_established) {
  make();
  c->open_active(seq_number(our_iss), now);
  drain();
  feed(seg(flag::syn, seq_number(peer_iss), seq_number(0)));
  EXPECT_EQ(c->state(), state::syn_received);
  const sent sa = drain_one();
  EXPECT_EQ(sa.h.flags, flag::syn | flag::ack);
  EXPECT_EQ(sa.h.seq, seq_number(our_iss));
  EXPECT_EQ(sa.h.ack, seq_number(peer_iss + 1));
  feed(seg(flag::syn | flag::ack, seq_number(peer_iss), seq_number(our_iss + 1)));
  EXPECT_EQ(c->state(), state::established);
  EXPECT_TRUE(drain_one().has(flag::ack));
}

TEST_F(tcp_conn, the_window_of_a_syn_ack_is_not_scaled) {
  options o;
  o.window_scale = 5;
  establish_active(o, 1000);
  EXPECT_EQ(c->snd_wnd(), 1000u);
  EXPECT_EQ(c->snd_wscale(), 5);
  feed(ack_of(seq_number(our_iss + 1), 1000));
  EXPECT_EQ(c->snd_wnd(), 32000u);
}

TEST_F(tcp_conn, window_scaling_needs_both_sides) {
  establish_active();
  EXPECT_EQ(c->rcv_wscale(), 0);
  EXPECT_EQ(c->snd_wscale(), 0);
}

TEST_F(tcp_conn, a_syn_cookie_open_is_established_with_the_cookie_options) {
  make();
  repr ack = seg(flag::ack, seq_number(peer_iss + 1), seq_number(our_iss + 1), {}, 1000);
  c->open_from_cookie(ack, 1460, 7, true, now);
  EXPECT_EQ(c->state(), state::established);
  EXPECT_EQ(c->snd_wnd(), 1000u << 7);
  EXPECT_TRUE(c->sack_enabled());
  EXPECT_EQ(c->rcv_nxt(), seq_number(peer_iss + 1));
  EXPECT_EQ(c->snd_una(), seq_number(our_iss + 1));
}

// --- sending ----------------------------------------------------------

TEST_F(tcp_conn, data_goes_out_in_mss_segments_up_to_the_initial_window) {
  establish_active(with_mss(1000));
  const std::string data = pattern(20000);
  EXPECT_EQ(c->send(bytes::of(data)), 20000u);
  const auto out = drain();
  ASSERT_EQ(out.size(), 10u);  // IW10
  std::string got;
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i].h.seq, seq_number(our_iss + 1 + 1000 * i));
    EXPECT_EQ(out[i].data.size(), 1000u);
    got += out[i].data;
  }
  EXPECT_EQ(got, data.substr(0, 10000));
}

TEST_F(tcp_conn, acks_release_more_data_and_free_the_buffer) {
  establish_active(with_mss(1000));
  c->send(bytes::of(pattern(20000)));
  drain();
  const std::size_t free_before = c->send_free();
  feed(ack_of(seq_number(our_iss + 1 + 2000)));
  EXPECT_EQ(c->send_free(), free_before + 2000);
  const auto out = drain();
  EXPECT_GE(out.size(), 2u);  // slow start: the window grew too
}

TEST_F(tcp_conn, the_send_buffer_bounds_what_the_writer_queues) {
  cfg.send_buffer = 4096;
  establish_active();
  EXPECT_EQ(c->send(bytes::of(pattern(10000))), 4096u);
  EXPECT_EQ(c->send_free(), 0u);
  EXPECT_EQ(c->send(bytes::of("x")), 0u);
}

TEST_F(tcp_conn, nagle_holds_a_small_segment_until_the_ack) {
  establish_active();
  c->send(bytes::of(pattern(100)));
  EXPECT_EQ(drain().size(), 1u);
  c->send(bytes::of(pattern(100)));
  EXPECT_TRUE(drain().empty());
  feed(ack_of(seq_number(our_iss + 101)));
  const sent s = drain_one();
  EXPECT_EQ(s.data.size(), 100u);
}

TEST_F(tcp_conn, nodelay_sends_small_segments_at_once) {
  establish_active();
  c->set_nodelay(true);
  c->send(bytes::of(pattern(100)));
  EXPECT_EQ(drain().size(), 1u);
  c->send(bytes::of(pattern(100)));
  EXPECT_EQ(drain().size(), 1u);
}

TEST_F(tcp_conn, the_peer_window_limits_what_is_sent) {
  establish_active(with_mss(1000), 2500);
  c->send(bytes::of(pattern(10000)));
  const auto out = drain();
  ASSERT_EQ(out.size(), 2u);  // no 500-byte fragment while data is in flight
  EXPECT_EQ(out[1].end(), seq_number(our_iss + 1 + 2000));
}

TEST_F(tcp_conn, data_crosses_the_sequence_number_wrap) {
  make();
  c->open_active(seq_number(0xfffffc00u), now);
  drain();
  feed(seg(flag::syn | flag::ack, seq_number(0xffffffffu), seq_number(0xfffffc01u)));
  peer_nxt = seq_number(0);
  drain();
  c->set_nodelay(true);
  const std::string data = pattern(3000);
  c->send(bytes::of(data));
  std::string got;
  for (const sent& s : drain()) got += s.data;
  EXPECT_EQ(got, data.substr(0, got.size()));
  feed(ack_of(seq_number(0xfffffc01u) + 3000));
  for (const sent& s : drain()) got += s.data;
  EXPECT_EQ(got, data);
  feed(data_of("wrapped"));
  EXPECT_EQ(read_all(), "wrapped");
}

// --- receiving --------------------------------------------------------

TEST_F(tcp_conn, in_order_data_is_delivered_and_the_ack_delayed) {
  establish_active();
  feed(data_of("hello"));
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(read_all(), "hello");
  EXPECT_EQ(c->poll_at(), now + cfg.delayed_ack);
}

TEST_F(tcp_conn, the_delayed_ack_goes_out_when_its_timer_fires) {
  establish_active();
  feed(data_of("hello"));
  drain();
  advance_to_deadline();
  const sent s = drain_one();
  EXPECT_EQ(s.h.ack, seq_number(peer_iss + 6));
  EXPECT_EQ(st.delayed_acks, 1u);
}

TEST_F(tcp_conn, every_second_full_segment_is_acked_at_once) {
  establish_active();
  feed(data_of(pattern(1460)));
  EXPECT_TRUE(drain().empty());
  feed(data_of(pattern(1460)));
  const sent s = drain_one();
  EXPECT_EQ(s.h.ack, seq_number(peer_iss + 1 + 2920));
}

TEST_F(tcp_conn, sending_data_carries_the_pending_ack) {
  establish_active();
  feed(data_of("ping"));
  c->send(bytes::of("pong"));
  const sent s = drain_one();
  EXPECT_EQ(s.data, "pong");
  EXPECT_EQ(s.h.ack, seq_number(peer_iss + 5));
  EXPECT_EQ(c->delayed_ack_deadline(), mono_never);
}

TEST_F(tcp_conn, out_of_order_data_gets_an_immediate_ack_with_sack) {
  options o;
  o.sack_permitted = true;
  establish_active(o);
  feed(seg(flag::ack, peer_nxt + 100, c->snd_max(), pattern(100)));
  const sent s = drain_one();
  EXPECT_EQ(s.h.ack, peer_nxt);
  ASSERT_EQ(s.h.opts.sack_count, 1);
  EXPECT_EQ(s.h.opts.sack[0], (sack_block{peer_nxt + 100, peer_nxt + 200}));
  EXPECT_EQ(c->recv_available(), 0u);
}

TEST_F(tcp_conn, the_latest_block_is_reported_first) {
  options o;
  o.sack_permitted = true;
  establish_active(o);
  feed(seg(flag::ack, peer_nxt + 100, c->snd_max(), pattern(10)));
  drain();
  feed(seg(flag::ack, peer_nxt + 300, c->snd_max(), pattern(10)));
  const sent s = drain_one();
  ASSERT_EQ(s.h.opts.sack_count, 2);
  EXPECT_EQ(s.h.opts.sack[0].left, peer_nxt + 300);
  EXPECT_EQ(s.h.opts.sack[1].left, peer_nxt + 100);
}

TEST_F(tcp_conn, filling_the_hole_delivers_everything_and_acks_at_once) {
  options o;
  o.sack_permitted = true;
  establish_active(o);
  const std::string data = pattern(300);
  feed(seg(flag::ack, peer_nxt + 100, c->snd_max(), data.substr(100, 100)));
  feed(seg(flag::ack, peer_nxt + 200, c->snd_max(), data.substr(200, 100)));
  drain();
  feed(seg(flag::ack, peer_nxt, c->snd_max(), data.substr(0, 100)));
  const sent s = drain_one();
  EXPECT_EQ(s.h.ack, peer_nxt + 300);
  EXPECT_EQ(s.h.opts.sack_count, 0);
  EXPECT_EQ(read_all(), data);
  EXPECT_EQ(c->ooo_ranges(), 0u);
}

TEST_F(tcp_conn, duplicate_data_is_acked_but_not_delivered_twice) {
  establish_active();
  const repr d = data_of("abc");
  feed(d);
  EXPECT_EQ(read_all(), "abc");
  drain();
  feed(d);
  const sent s = drain_one();
  EXPECT_EQ(s.h.ack, seq_number(peer_iss + 4));
  EXPECT_EQ(c->recv_available(), 0u);
  EXPECT_EQ(st.drop_out_of_window, 1u);
}

TEST_F(tcp_conn, a_segment_straddling_rcv_nxt_delivers_only_the_new_part) {
  establish_active();
  feed(data_of("abc"));
  feed(seg(flag::ack, seq_number(peer_iss + 1), c->snd_max(), "abcdef"));
  EXPECT_EQ(read_all(), "abcdef");
}

TEST_F(tcp_conn, data_beyond_the_window_is_trimmed_and_acked) {
  cfg.receive_buffer = 1000;
  establish_active();
  feed(seg(flag::ack, peer_nxt, c->snd_max(), pattern(1500)));
  const sent s = drain_one();
  EXPECT_EQ(s.h.ack, peer_nxt + 1000);
  EXPECT_EQ(s.h.window, 0);
  EXPECT_EQ(c->recv_available(), 1000u);
}

TEST_F(tcp_conn, the_advertised_window_never_exceeds_free_buffer) {
  cfg.receive_buffer = 4000;
  establish_active();
  feed(data_of(pattern(1460)));
  feed(data_of(pattern(1460)));
  const sent s = drain_one();
  EXPECT_LE(std::size_t(s.h.window) << c->rcv_wscale(), 4000u - 2920u);
}

TEST_F(tcp_conn, reading_a_full_buffer_sends_a_window_update) {
  cfg.receive_buffer = 1000;
  establish_active();
  feed(seg(flag::ack, peer_nxt, c->snd_max(), pattern(1000)));
  advance(cfg.delayed_ack);
  EXPECT_EQ(drain_one().h.window, 0);
  read_all();
  const sent s = drain_one();
  EXPECT_EQ(s.h.window, 1000);
}

TEST_F(tcp_conn, a_zero_window_probe_is_acked_without_taking_data) {
  cfg.receive_buffer = 1000;
  establish_active();
  feed(seg(flag::ack, peer_nxt, c->snd_max(), pattern(1000)));
  drain();
  feed(seg(flag::ack, peer_nxt + 1000, c->snd_max(), "x"));
  const sent s = drain_one();
  EXPECT_EQ(s.h.ack, peer_nxt + 1000);
  EXPECT_EQ(c->recv_available(), 1000u);
}

TEST_F(tcp_conn, window_updates_from_the_peer_follow_wl1_wl2) {
  establish_active(with_mss(1000));
  feed(seg(flag::ack, peer_nxt, seq_number(our_iss + 1), {}, 3000));
  EXPECT_EQ(c->snd_wnd(), 3000u);
  // An older segment (lower SEQ) must not shrink the window.
  feed(seg(flag::ack, peer_nxt - 1, seq_number(our_iss + 1), {}, 100));
  EXPECT_EQ(c->snd_wnd(), 3000u);
}

// --- timing and retransmission ---------------------------------------

TEST_F(tcp_conn, the_handshake_gives_the_first_rtt_sample) {
  establish_active({}, 65535, 100ms);
  EXPECT_EQ(c->rtt().srtt(), 100ms);
  EXPECT_EQ(c->rtt().rto(), 300ms);
}

TEST_F(tcp_conn, a_timed_segment_updates_the_rtt) {
  establish_active(with_mss(1000), 65535, 100ms);
  c->send(bytes::of(pattern(1000)));
  drain();
  advance(200ms);
  feed(ack_of(seq_number(our_iss + 1001)));
  EXPECT_EQ(c->rtt().srtt(), 112500us);
}

TEST_F(tcp_conn, karn_no_rtt_sample_from_a_retransmitted_segment) {
  establish_active(with_mss(1000), 65535, 100ms);
  c->send(bytes::of(pattern(1000)));
  drain();
  advance_to_deadline();
  drain();
  advance(50ms);
  feed(ack_of(seq_number(our_iss + 1001)));
  EXPECT_EQ(c->rtt().srtt(), 100ms);
  EXPECT_EQ(c->rtt().backoffs(), 1u);  // kept until a valid sample
}

TEST_F(tcp_conn, timestamps_measure_the_rtt_of_any_ack) {
  options o = with_mss(1000);
  o.ts = timestamps{500, 0};
  make();
  c->open_active(seq_number(our_iss), now);
  const sent syn = drain_one();
  advance(40ms);
  o.ts->echo = syn.h.opts.ts->value;
  repr sa = seg(flag::syn | flag::ack, seq_number(peer_iss), seq_number(our_iss + 1));
  sa.opts = o;
  feed(sa);
  EXPECT_EQ(c->rtt().srtt(), 40ms);
}

TEST_F(tcp_conn, rto_retransmits_the_first_segment_and_backs_off) {
  establish_active(with_mss(1000), 65535, 100ms);
  c->send(bytes::of(pattern(3000)));
  EXPECT_EQ(drain().size(), 3u);
  const mono_time sent_at = now;
  advance_to_deadline();
  EXPECT_EQ(now, sent_at + 300ms);
  const sent r = drain_one();
  EXPECT_EQ(r.h.seq, seq_number(our_iss + 1));
  EXPECT_EQ(r.data, pattern(1000));
  EXPECT_EQ(c->poll_at(), now + 600ms);
  EXPECT_EQ(c->congestion().cwnd(), c->smss());
  EXPECT_EQ(st.timeouts, 1u);
  EXPECT_EQ(st.retransmitted_segments, 1u);
}

TEST_F(tcp_conn, after_a_timeout_acks_resend_the_rest_in_slow_start) {
  establish_active(with_mss(1000), 65535, 100ms);
  c->send(bytes::of(pattern(3000)));
  drain();
  advance_to_deadline();
  drain();
  feed(ack_of(seq_number(our_iss + 1001)));
  const auto out = drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].h.seq, seq_number(our_iss + 1001));
  EXPECT_EQ(out[1].h.seq, seq_number(our_iss + 2001));
}

TEST_F(tcp_conn, too_many_timeouts_end_the_connection) {
  cfg.max_retransmissions = 3;
  establish_active();
  c->send(bytes::of(pattern(100)));
  drain();
  for (int i = 0; i < 3; ++i) {
    advance_to_deadline();
    EXPECT_EQ(drain().size(), 1u);
  }
  advance_to_deadline();
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::timed_out);
  EXPECT_EQ(st.connection_timeouts, 1u);
}

TEST_F(tcp_conn, three_duplicate_acks_trigger_fast_retransmit) {
  cfg.congestion = congestion_algorithm::new_reno;
  establish_active(with_mss(1000));
  c->send(bytes::of(pattern(10000)));
  drain();
  for (int i = 0; i < 2; ++i) {
    feed(ack_of(seq_number(our_iss + 1)));
    EXPECT_TRUE(drain().empty());
  }
  feed(ack_of(seq_number(our_iss + 1)));
  const sent r = drain_one();
  EXPECT_EQ(r.h.seq, seq_number(our_iss + 1));
  EXPECT_TRUE(c->in_recovery());
  EXPECT_EQ(c->congestion().ssthresh(), 5000u);
  EXPECT_EQ(c->congestion().cwnd(), 8000u);  // ssthresh + 3 SMSS (RFC 6582)
  EXPECT_EQ(st.fast_retransmits, 1u);
}

TEST_F(tcp_conn, limited_transmit_sends_new_data_on_the_first_two_dupacks) {
  establish_active(with_mss(1000));
  c->send(bytes::of(pattern(12000)));
  EXPECT_EQ(drain().size(), 10u);
  feed(ack_of(seq_number(our_iss + 1)));
  sent s = drain_one();
  EXPECT_EQ(s.h.seq, seq_number(our_iss + 10001));
  feed(ack_of(seq_number(our_iss + 1)));
  s = drain_one();
  EXPECT_EQ(s.h.seq, seq_number(our_iss + 11001));
}

TEST_F(tcp_conn, newreno_partial_ack_retransmits_the_next_segment) {
  establish_active(with_mss(1000));
  c->send(bytes::of(pattern(10000)));
  drain();
  for (int i = 0; i < 3; ++i) feed(ack_of(seq_number(our_iss + 1)));
  drain();
  feed(ack_of(seq_number(our_iss + 2001)));
  const auto out = drain();
  ASSERT_FALSE(out.empty());
  EXPECT_EQ(out[0].h.seq, seq_number(our_iss + 2001));
  EXPECT_TRUE(c->in_recovery());
}

TEST_F(tcp_conn, newreno_full_ack_ends_recovery_with_a_small_window) {
  establish_active(with_mss(1000));
  c->send(bytes::of(pattern(10000)));
  drain();
  for (int i = 0; i < 3; ++i) feed(ack_of(seq_number(our_iss + 1)));
  drain();
  feed(ack_of(seq_number(our_iss + 10001)));
  EXPECT_FALSE(c->in_recovery());
  EXPECT_EQ(c->congestion().cwnd(), 2000u);  // min(ssthresh, max(flight, SMSS) + SMSS)
}

TEST_F(tcp_conn, sack_recovery_starts_when_the_first_segment_is_lost) {
  options o = with_mss(1000);
  o.sack_permitted = true;
  establish_active(o);
  c->send(bytes::of(pattern(10000)));
  drain();
  repr dup = ack_of(seq_number(our_iss + 1));
  dup.opts.add_sack({seq_number(our_iss + 1001), seq_number(our_iss + 4001)});
  feed(dup);
  EXPECT_TRUE(c->in_recovery());
  const auto out = drain();
  ASSERT_EQ(out.size(), 1u);  // pipe (6000 + 1000) leaves no room in cwnd (7000)
  EXPECT_EQ(out[0].h.seq, seq_number(our_iss + 1));
}

TEST_F(tcp_conn, sack_recovery_retransmits_only_the_holes) {
  options o = with_mss(1000);
  o.sack_permitted = true;
  establish_active(o);
  c->send(bytes::of(pattern(10000)));
  drain();
  repr dup = ack_of(seq_number(our_iss + 1));
  dup.opts.add_sack({seq_number(our_iss + 1001), seq_number(our_iss + 2001)});
  dup.opts.add_sack({seq_number(our_iss + 3001), seq_number(our_iss + 7001)});
  feed(dup);
  const auto out = drain();
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].h.seq, seq_number(our_iss + 1));
  EXPECT_EQ(out[1].h.seq, seq_number(our_iss + 2001));
  EXPECT_EQ(out[1].data.size(), 1000u);
}

TEST_F(tcp_conn, forged_sack_blocks_beyond_snd_max_are_ignored) {
  options o = with_mss(1000);
  o.sack_permitted = true;
  establish_active(o);
  c->send(bytes::of(pattern(2000)));
  drain();
  repr dup = ack_of(seq_number(our_iss + 1));
  dup.opts.add_sack({seq_number(our_iss + 5001), seq_number(our_iss + 90001)});
  feed(dup);
  EXPECT_TRUE(c->scoreboard().empty());
  EXPECT_FALSE(c->in_recovery());
}

// --- zero windows -----------------------------------------------------

TEST_F(tcp_conn, a_zero_window_starts_the_persist_timer) {
  establish_active(with_mss(1000), 0);
  c->send(bytes::of(pattern(100)));
  EXPECT_TRUE(drain().empty());
  EXPECT_NE(c->persist_deadline(), mono_never);
  EXPECT_EQ(c->retransmit_deadline(), mono_never);
}

TEST_F(tcp_conn, persist_probes_send_one_byte_and_back_off) {
  establish_active(with_mss(1000), 0, 100ms);
  c->send(bytes::of(pattern(100)));
  drain();
  advance_to_deadline();
  const sent p = drain_one();
  EXPECT_EQ(p.h.seq, seq_number(our_iss + 1));
  EXPECT_EQ(p.data.size(), 1u);
  EXPECT_EQ(st.zero_window_probes, 1u);
  EXPECT_EQ(c->persist_deadline(), now + 600ms);
  advance_to_deadline();
  EXPECT_EQ(drain_one().h.seq, seq_number(our_iss + 1));
  EXPECT_EQ(c->persist_deadline(), now + 1200ms);
}

TEST_F(tcp_conn, a_window_opening_resumes_sending) {
  establish_active(with_mss(1000), 0);
  c->send(bytes::of(pattern(100)));
  drain();
  advance_to_deadline();
  drain();
  feed(ack_of(seq_number(our_iss + 2), 65535));
  const sent s = drain_one();
  EXPECT_EQ(s.h.seq, seq_number(our_iss + 2));
  EXPECT_EQ(s.data.size(), 99u);
  EXPECT_EQ(c->persist_deadline(), mono_never);
}

TEST_F(tcp_conn, a_window_closing_with_data_in_flight_is_probed_not_abandoned) {
  establish_active(with_mss(1000), 65535, 100ms);
  c->send(bytes::of(pattern(3000)));
  EXPECT_EQ(drain().size(), 3u);
  // The peer took the first segment and closed its window; the update
  // that reopens it will be lost.
  feed(ack_of(seq_number(our_iss + 1001), 0));
  EXPECT_EQ(c->retransmit_deadline(), mono_never);
  advance_to_deadline();
  const sent probe = drain_one();
  EXPECT_EQ(probe.h.seq, seq_number(our_iss + 1001));
  EXPECT_EQ(probe.data.size(), 1u);
  // Its answer carries the open window: sending resumes.
  feed(ack_of(seq_number(our_iss + 1001), 65535));
  advance_to_deadline();
  EXPECT_FALSE(drain().empty());
  EXPECT_EQ(c->state(), state::established);
}

TEST_F(tcp_conn, answered_probes_never_time_out) {
  cfg.max_retransmissions = 2;
  establish_active(with_mss(1000), 0);
  c->send(bytes::of(pattern(100)));
  drain();
  for (int i = 0; i < 6; ++i) {
    advance_to_deadline();
    drain();
    feed(ack_of(seq_number(our_iss + 1), 0));
  }
  EXPECT_EQ(c->state(), state::established);
}

TEST_F(tcp_conn, answers_to_zero_window_probes_are_not_duplicate_acks) {
  // Found by the orphan tests: three identical answers to probes entered
  // fast recovery, which sent a full segment into the zero window.
  establish_active(with_mss(1000), 0);
  c->send(bytes::of(pattern(5000)));
  drain();
  for (int i = 0; i < 6; ++i) {
    advance_to_deadline();
    for (const sent& s : drain()) EXPECT_LE(s.data.size(), 1u) << "round " << i;
    feed(ack_of(seq_number(our_iss + 1), 0));
  }
  EXPECT_FALSE(c->in_recovery());
  EXPECT_EQ(st.fast_retransmits, 0u);
}

TEST_F(tcp_conn, unanswered_probes_time_out) {
  cfg.max_retransmissions = 2;
  establish_active(with_mss(1000), 0);
  c->send(bytes::of(pattern(100)));
  drain();
  for (int i = 0; i < 4 && c->state() != state::closed; ++i) {
    advance_to_deadline();
    drain();
  }
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::timed_out);
}

// --- orphans: connections the user closed ------------------------------

TEST_F(tcp_conn, an_orphan_whose_peer_answers_every_probe_with_a_zero_window_is_reset) {
  // The peer stops reading, keeps its window at zero and answers every
  // probe: without a bound the orphan would hold its send buffer for ever.
  cfg.orphan_retries = 4;
  establish_active(with_mss(1000), 0);
  c->send(bytes::of(pattern(5000)));
  drain();
  c->close(now);
  EXPECT_TRUE(c->orphaned());
  EXPECT_EQ(c->state(), state::fin_wait_1);
  std::size_t probes = 0;
  for (int i = 0; i < 20 && c->state() != state::closed; ++i) {
    advance_to_deadline();
    for (const sent& s : drain()) {
      if (s.has(flag::rst)) continue;
      ++probes;
      feed(ack_of(seq_number(our_iss + 1), 0));
    }
  }
  EXPECT_EQ(probes, 4u);
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::timed_out);
  EXPECT_EQ(st.orphan_timeouts, 1u);
  EXPECT_EQ(c->buffer_storage(), 0u);
}

TEST_F(tcp_conn, the_orphan_reset_is_sent_as_a_rst) {
  cfg.orphan_retries = 1;
  establish_active(with_mss(1000), 0);
  c->send(bytes::of(pattern(100)));
  drain();
  c->close(now);
  bool rst = false;
  for (int i = 0; i < 5 && !rst; ++i) {
    advance_to_deadline();
    for (const sent& s : drain()) {
      if (s.has(flag::rst)) rst = true;
      feed(ack_of(seq_number(our_iss + 1), 0));
    }
  }
  EXPECT_TRUE(rst);
}

TEST_F(tcp_conn, a_connection_in_use_keeps_probing_an_answering_peer) {
  // The same peer against a connection its user still holds: the user's
  // own timeouts decide (answered_probes_never_time_out, with more rounds).
  cfg.orphan_retries = 2;
  establish_active(with_mss(1000), 0);
  c->send(bytes::of(pattern(100)));
  c->shutdown_write(now);
  drain();
  for (int i = 0; i < 10; ++i) {
    advance_to_deadline();
    drain();
    feed(ack_of(seq_number(our_iss + 1), 0));
  }
  EXPECT_EQ(c->state(), state::fin_wait_1);
  EXPECT_FALSE(c->orphaned());
}

TEST_F(tcp_conn, an_orphans_retransmissions_are_bounded_by_orphan_retries) {
  cfg.orphan_retries = 3;
  cfg.max_retransmissions = 15;
  establish_active(with_mss(1000));
  c->send(bytes::of(pattern(500)));
  c->close(now);
  drain();
  std::size_t retransmissions = 0;
  for (int i = 0; i < 30 && c->state() != state::closed; ++i) {
    advance_to_deadline();
    for (const sent& s : drain())
      if (!s.has(flag::rst)) ++retransmissions;
  }
  EXPECT_EQ(retransmissions, 3u);
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(st.orphan_timeouts, 1u);
}

TEST_F(tcp_conn, an_orphan_lives_no_longer_than_orphan_timeout) {
  // A peer that takes one byte now and then: never a zero window for
  // long, every ACK new, so neither retries nor probes run out.
  cfg.orphan_timeout = 30s;
  establish_active(with_mss(1000), 1);
  c->send(bytes::of(pattern(10000)));
  c->close(now);
  const mono_time closed_at = now;
  seq_number acked(our_iss + 1);
  for (int i = 0; i < 1000 && c->state() != state::closed; ++i) {
    drain();
    advance(1s);
    acked += 1;
    feed(ack_of(acked, 1));
  }
  drain();
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::timed_out);
  EXPECT_LE(now - closed_at, 31s);
  EXPECT_GE(now - closed_at, 29s);
}

TEST_F(tcp_conn, time_wait_is_not_cut_short_by_the_orphan_timeout) {
  cfg.orphan_timeout = 1s;
  cfg.time_wait = 10s;
  establish_active();
  c->close(now);
  drain();
  feed(ack_of(seq_number(our_iss + 2)));
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 2)));
  drain();
  ASSERT_EQ(c->state(), state::time_wait);
  advance(5s);
  drain();
  EXPECT_EQ(c->state(), state::time_wait);
  EXPECT_EQ(st.orphan_timeouts, 0u);
}

TEST_F(tcp_conn, idle_buffers_give_back_their_storage_after_a_quiet_second) {
  establish_active();
  c->send(bytes::of("request"));
  drain();
  feed(seg(flag::ack, peer_nxt, seq_number(our_iss + 8), "response"));
  peer_nxt += 8;
  read_all();
  EXPECT_GT(c->buffer_storage(), 0u);
  advance(connection::buffer_idle_release);
  drain();
  EXPECT_EQ(c->buffer_storage(), 0u);
  EXPECT_EQ(c->state(), state::established);
}

// --- closing ----------------------------------------------------------

TEST_F(tcp_conn, close_sends_fin_after_the_data) {
  establish_active();
  c->send(bytes::of("abc"));
  c->close(now);
  EXPECT_EQ(c->state(), state::fin_wait_1);
  const sent s = drain_one();
  EXPECT_EQ(s.data, "abc");
  EXPECT_TRUE(s.has(flag::fin));
}

TEST_F(tcp_conn, active_close_goes_through_fin_wait_to_time_wait) {
  establish_active();
  c->close(now);
  drain();
  feed(ack_of(seq_number(our_iss + 2)));
  EXPECT_EQ(c->state(), state::fin_wait_2);
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 2)));
  EXPECT_EQ(c->state(), state::time_wait);
  EXPECT_EQ(drain_one().h.ack, peer_nxt + 1);
}

TEST_F(tcp_conn, fin_with_the_ack_of_ours_goes_straight_to_time_wait) {
  establish_active();
  c->close(now);
  drain();
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 2)));
  EXPECT_EQ(c->state(), state::time_wait);
}

TEST_F(tcp_conn, time_wait_lasts_the_configured_time) {
  cfg.time_wait = 5s;
  establish_active();
  c->close(now);
  drain();
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 2)));
  drain();
  EXPECT_EQ(c->poll_at(), now + 5s);
  advance(5s);
  drain();
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::none);
}

TEST_F(tcp_conn, a_retransmitted_fin_in_time_wait_is_acked_and_restarts_the_wait) {
  cfg.time_wait = 5s;
  establish_active();
  c->close(now);
  drain();
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 2)));
  drain();
  advance(3s);
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 2)));
  EXPECT_EQ(drain_one().h.ack, peer_nxt + 1);
  EXPECT_EQ(c->close_deadline(), now + 5s);
}

TEST_F(tcp_conn, passive_close_goes_through_close_wait_and_last_ack) {
  establish_active();
  feed(data_of("", flag::fin));
  EXPECT_EQ(c->state(), state::close_wait);
  EXPECT_EQ(drain_one().h.ack, seq_number(peer_iss + 2));
  EXPECT_TRUE(c->recv_finished());
  c->close(now);
  EXPECT_EQ(c->state(), state::last_ack);
  EXPECT_TRUE(drain_one().has(flag::fin));
  feed(ack_of(seq_number(our_iss + 2)));
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::none);
}

TEST_F(tcp_conn, simultaneous_close_goes_through_closing) {
  establish_active();
  c->close(now);
  drain();
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 1)));
  EXPECT_EQ(c->state(), state::closing);
  EXPECT_TRUE(drain_one().has(flag::ack));
  feed(seg(flag::ack, peer_nxt + 1, seq_number(our_iss + 2)));
  EXPECT_EQ(c->state(), state::time_wait);
}

TEST_F(tcp_conn, half_close_keeps_receiving) {
  establish_active();
  c->shutdown_write(now);
  EXPECT_TRUE(drain_one().has(flag::fin));
  feed(ack_of(seq_number(our_iss + 2)));
  EXPECT_EQ(c->state(), state::fin_wait_2);
  EXPECT_EQ(c->send(bytes::of("x")), 0u);
  feed(data_of("still here"));
  EXPECT_EQ(read_all(), "still here");
}

TEST_F(tcp_conn, the_peer_half_close_keeps_us_sending) {
  establish_active();
  feed(data_of("", flag::fin));
  drain();
  EXPECT_EQ(c->send(bytes::of("reply")), 5u);
  EXPECT_EQ(drain_one().data, "reply");
}

TEST_F(tcp_conn, close_with_unread_data_sends_rst) {
  establish_active();
  feed(data_of("unread"));
  c->close(now);
  const sent s = drain_one();
  EXPECT_TRUE(s.has(flag::rst));
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::aborted);
}

TEST_F(tcp_conn, data_after_close_is_answered_with_rst) {
  establish_active();
  c->close(now);
  drain();
  feed(ack_of(seq_number(our_iss + 2)));
  feed(data_of("too late"));
  EXPECT_TRUE(drain_one().has(flag::rst));
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(st.drop_after_close, 1u);
}

TEST_F(tcp_conn, an_orphan_in_fin_wait_2_times_out) {
  cfg.fin_wait_2_timeout = 10s;
  establish_active();
  c->close(now);
  drain();
  feed(ack_of(seq_number(our_iss + 2)));
  EXPECT_EQ(c->poll_at(), now + 10s);
  advance(10s);
  drain();
  EXPECT_EQ(c->state(), state::closed);
}

TEST_F(tcp_conn, a_fin_ahead_of_a_hole_waits_for_it) {
  establish_active();
  feed(seg(flag::ack | flag::fin, peer_nxt + 3, c->snd_max(), "def"));
  EXPECT_EQ(c->state(), state::established);
  feed(data_of("abc"));
  EXPECT_EQ(c->state(), state::close_wait);
  EXPECT_EQ(read_all(), "abcdef");
  EXPECT_TRUE(c->recv_finished());
}

TEST_F(tcp_conn, fin_is_retransmitted_after_a_timeout) {
  establish_active();
  c->close(now);
  drain();
  advance_to_deadline();
  const sent s = drain_one();
  EXPECT_TRUE(s.has(flag::fin));
  EXPECT_EQ(s.h.seq, seq_number(our_iss + 1));
}

TEST_F(tcp_conn, abort_sends_rst_and_closes) {
  establish_active();
  c->abort();
  const sent s = drain_one();
  EXPECT_TRUE(s.has(flag::rst));
  EXPECT_EQ(s.h.seq, seq_number(our_iss + 1));
  EXPECT_EQ(c->reason(), close_reason::aborted);
}

TEST_F(tcp_conn, time_wait_yields_to_a_syn_with_a_higher_sequence) {
  establish_active();
  c->close(now);
  drain();
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 2)));
  drain();
  EXPECT_TRUE(c->syn_may_reuse(seg(flag::syn, peer_nxt + 100000, seq_number(0))));
  EXPECT_FALSE(c->syn_may_reuse(seg(flag::syn, peer_nxt - 100000, seq_number(0))));
}

// --- RST and blind injection (RFC 5961) -------------------------------

TEST_F(tcp_conn, rfc5961_rst_at_rcv_nxt_resets) {
  establish_active();
  feed(seg(flag::rst, peer_nxt, seq_number(0)));
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::reset);
  EXPECT_EQ(st.resets_received, 1u);
}

TEST_F(tcp_conn, rfc5961_blind_rst_in_window_is_challenged) {
  establish_active();
  feed(seg(flag::rst, peer_nxt + 100, seq_number(0)));
  EXPECT_EQ(c->state(), state::established);
  const sent s = drain_one();
  EXPECT_EQ(s.h.flags, flag::ack);
  EXPECT_EQ(s.h.ack, peer_nxt);
  EXPECT_EQ(st.challenge_acks, 1u);
}

TEST_F(tcp_conn, rfc5961_rst_outside_the_window_is_ignored) {
  establish_active();
  feed(seg(flag::rst, peer_nxt + 1000000, seq_number(0)));
  EXPECT_EQ(c->state(), state::established);
  EXPECT_TRUE(drain().empty());
  EXPECT_EQ(st.rst_ignored, 1u);
}

TEST_F(tcp_conn, rfc5961_blind_syn_is_challenged) {
  establish_active();
  feed(seg(flag::syn, peer_nxt, seq_number(0)));
  EXPECT_EQ(c->state(), state::established);
  EXPECT_EQ(drain_one().h.flags, flag::ack);
  EXPECT_EQ(st.challenge_acks, 1u);
}

TEST_F(tcp_conn, rfc5961_blind_data_with_an_old_ack_is_dropped) {
  establish_active();
  feed(seg(flag::ack, peer_nxt, seq_number(our_iss + 1) - 200000, "evil"));
  EXPECT_EQ(c->recv_available(), 0u);
  EXPECT_EQ(drain_one().h.flags, flag::ack);
  EXPECT_EQ(st.drop_bad_ack, 1u);
}

TEST_F(tcp_conn, rfc5961_ack_of_unsent_data_is_dropped) {
  establish_active();
  feed(seg(flag::ack, peer_nxt, seq_number(our_iss + 500), "evil"));
  EXPECT_EQ(c->recv_available(), 0u);
  EXPECT_EQ(c->snd_una(), seq_number(our_iss + 1));
  EXPECT_EQ(st.drop_bad_ack, 1u);
}

TEST_F(tcp_conn, rfc5961_challenge_acks_are_rate_limited_per_connection) {
  establish_active();
  for (int i = 0; i < 5; ++i) {
    feed(seg(flag::rst, peer_nxt + 100, seq_number(0)));
    drain();
  }
  EXPECT_EQ(st.challenge_acks, 1u);
  EXPECT_EQ(st.invalid_acks_limited, 4u);
  advance(cfg.invalid_ack_interval);
  feed(seg(flag::rst, peer_nxt + 100, seq_number(0)));
  EXPECT_EQ(drain_one().h.flags, flag::ack);
  EXPECT_EQ(st.challenge_acks, 2u);
}

TEST_F(tcp_conn, rfc5961_challenge_acks_are_rate_limited_across_connections) {
  cfg.challenge_ack_limit = 2;
  cfg.invalid_ack_interval = duration::zero();
  establish_active();
  const std::uint32_t budget = [&] {
    feed(seg(flag::rst, peer_nxt + 100, seq_number(0)));
    drain();
    return limiter.budget();
  }();
  ASSERT_GE(budget, 1u);
  ASSERT_LT(budget, 3u);
  for (int i = 0; i < 5; ++i) {
    feed(seg(flag::rst, peer_nxt + 100, seq_number(0)));
    drain();
  }
  EXPECT_EQ(st.challenge_acks, budget);
  EXPECT_EQ(st.challenge_acks_limited, 6u - budget);
  advance(1s);
  feed(seg(flag::rst, peer_nxt + 100, seq_number(0)));
  EXPECT_EQ(st.challenge_acks, budget + 1);
}

TEST(tcp_challenge_limiter, each_second_draws_a_budget_around_the_limit) {
  // CVE-2016-5696: a fixed budget lets an off-path attacker count the
  // challenge ACKs other connections used up; a drawn one does not.
  challenge_limiter l(1000, 12345);
  std::set<std::uint32_t> budgets;
  mono_time t = mono_from_ns(1'000'000'000);
  for (int second = 0; second < 50; ++second, t += 1s) {
    std::uint32_t allowed = 0;
    while (l.allow(t) && allowed < 5000) ++allowed;
    EXPECT_GE(allowed, 500u);
    EXPECT_LT(allowed, 1500u);
    EXPECT_EQ(allowed, l.budget());
    budgets.insert(allowed);
  }
  EXPECT_GT(budgets.size(), 40u);
}

TEST(tcp_challenge_limiter, a_limit_of_zero_allows_none) {
  challenge_limiter l(0, 1);
  EXPECT_FALSE(l.allow(mono_from_ns(1)));
}

TEST_F(tcp_conn, pure_acks_out_of_window_are_answered_once_per_interval) {
  establish_active();
  for (int i = 0; i < 4; ++i) feed(seg(flag::ack, peer_nxt + 1'000'000, seq_number(our_iss + 1)));
  EXPECT_EQ(drain().size(), 1u);
  EXPECT_EQ(st.invalid_acks_limited, 3u);
  advance(cfg.invalid_ack_interval);
  feed(seg(flag::ack, peer_nxt + 1'000'000, seq_number(our_iss + 1)));
  EXPECT_EQ(drain().size(), 1u);
}

TEST_F(tcp_conn, data_out_of_window_is_always_answered) {
  establish_active();
  for (int i = 0; i < 3; ++i) {
    feed(seg(flag::ack, peer_nxt - 2000, seq_number(our_iss + 1), "old"));
    EXPECT_EQ(drain().size(), 1u);
  }
  EXPECT_EQ(st.invalid_acks_limited, 0u);
}

TEST_F(tcp_conn, rfc1337_rst_in_time_wait_is_ignored) {
  establish_active();
  c->close(now);
  drain();
  feed(seg(flag::fin | flag::ack, peer_nxt, seq_number(our_iss + 2)));
  drain();
  feed(seg(flag::rst, peer_nxt + 1, seq_number(0)));
  EXPECT_EQ(c->state(), state::time_wait);
}

// --- timestamps (RFC 7323) --------------------------------------------

TEST_F(tcp_conn, paws_drops_a_segment_with_an_old_timestamp) {
  options o;
  o.ts = timestamps{1000, 0};
  establish_active(o);
  repr d = data_of("old");
  d.opts.ts = timestamps{900, 0};
  feed(d);
  EXPECT_EQ(c->recv_available(), 0u);
  EXPECT_EQ(st.drop_paws, 1u);
  EXPECT_TRUE(drain_one().has(flag::ack));
}

TEST_F(tcp_conn, the_latest_timestamp_is_echoed) {
  options o;
  o.ts = timestamps{1000, 0};
  establish_active(o);
  repr d = data_of("new");
  d.opts.ts = timestamps{1200, 0};
  feed(d);
  advance(cfg.delayed_ack);
  const sent s = drain_one();
  ASSERT_TRUE(s.h.opts.ts);
  EXPECT_EQ(s.h.opts.ts->echo, 1200u);
}

// --- keepalive --------------------------------------------------------

TEST_F(tcp_conn, keepalive_probes_an_idle_connection) {
  cfg.keepalive = true;
  cfg.keepalive_idle = 10s;
  cfg.keepalive_interval = 1s;
  establish_active();
  EXPECT_EQ(c->poll_at(), now + 10s);
  advance(10s);
  const sent p = drain_one();
  EXPECT_EQ(p.h.seq, seq_number(our_iss));  // SND.NXT - 1
  EXPECT_TRUE(p.data.empty());
  EXPECT_EQ(st.keepalive_probes, 1u);
}

TEST_F(tcp_conn, an_answered_keepalive_restarts_the_idle_time) {
  cfg.keepalive = true;
  cfg.keepalive_idle = 10s;
  cfg.keepalive_interval = 1s;
  establish_active();
  advance(10s);
  drain();
  feed(ack_of(seq_number(our_iss + 1)));
  EXPECT_EQ(c->poll_at(), now + 10s);
}

TEST_F(tcp_conn, unanswered_keepalives_time_out) {
  cfg.keepalive = true;
  cfg.keepalive_idle = 10s;
  cfg.keepalive_interval = 1s;
  cfg.keepalive_probes = 3;
  establish_active();
  for (int i = 0; i < 3; ++i) {
    advance_to_deadline();
    EXPECT_EQ(drain().size(), 1u);
  }
  advance_to_deadline();
  drain();
  EXPECT_EQ(c->state(), state::closed);
  EXPECT_EQ(c->reason(), close_reason::timed_out);
}

}  // namespace
