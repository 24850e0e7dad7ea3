// A fixture that drives one tcp::connection by hand: the test plays the
// peer, builds its segments, feeds them with explicit times and inspects
// what the connection sends.
#pragma once

#include <fata/net/tcp/connection.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fata::net::tcp::testing {

// One segment the connection sent, with its payload copied out.
struct sent {
  repr h;
  std::string data;
  bool has(std::uint8_t f) const { return h.has(f); }
  seq_number end() const {
    return h.seq + data.size() + (has(flag::syn) ? 1 : 0) + (has(flag::fin) ? 1 : 0);
  }
};

struct conn_fixture : ::testing::Test {
  static constexpr std::uint32_t our_iss = 1000;
  static constexpr std::uint32_t peer_iss = 5000;

  config cfg;
  stats st;
  challenge_limiter limiter{1000};
  mono_time now = mono_from_ns(1'000'000'000);
  four_tuple tuple{{ipv4_addr(10, 0, 0, 1), port(80)}, {ipv4_addr(10, 0, 0, 2), port(40000)}};
  std::unique_ptr<connection> c;
  std::deque<std::string> payloads;  // keeps fed payloads alive

  // The peer's next sequence number and the last ACK it sent.
  seq_number peer_nxt{peer_iss + 1};
  std::uint32_t peer_ts = 100;

  void make(std::size_t mss = 1460) {
    limiter.set_limit(cfg.challenge_ack_limit);
    c = std::make_unique<connection>(environment{&cfg, &st, &limiter}, tuple, mss, 0);
  }

  std::vector<sent> drain() {
    std::vector<sent> out;
    segment_out s;
    while (c->poll_output(now, s)) {
      sent x{s.header, {}};
      for (bytes p : s.payload) x.data.append(p.chars());
      x.h.payload = {};
      out.push_back(x);
      if (out.size() > 10000) break;
    }
    // Drained: no deadline may be left in the past (it would spin the loop).
    EXPECT_GT(c->poll_at(), now);
    return out;
  }
  sent drain_one() {
    auto v = drain();
    EXPECT_EQ(v.size(), 1u);
    return v.empty() ? sent{} : v.front();
  }
  void advance(duration d) { now += d; }
  // Moves the clock to the connection's next deadline.
  void advance_to_deadline() {
    const mono_time t = c->poll_at();
    ASSERT_NE(t, mono_never);
    if (t > now) now = t;
  }

  repr seg(std::uint8_t flags, seq_number seq, seq_number ack, std::string_view data = {},
           std::uint16_t window = 65535) {
    repr r;
    r.source_port = tuple.remote.number;
    r.destination_port = tuple.local.number;
    r.seq = seq;
    r.ack = ack;
    r.flags = flags;
    r.window = window;
    if (!data.empty()) {
      payloads.emplace_back(data);
      r.payload = bytes::of(payloads.back());
    }
    return r;
  }
  std::optional<rst_reply> feed(const repr& r) { return c->on_segment(r, now); }

  // A peer ACK of everything up to `ack`, from the peer's current sequence.
  repr ack_of(seq_number ack, std::uint16_t window = 65535) {
    return seg(flag::ack, peer_nxt, ack, {}, window);
  }
  // Peer data at its current sequence; advances it.
  repr data_of(std::string_view data, std::uint8_t extra = 0) {
    repr r = seg(flag::ack | extra, peer_nxt, c->snd_max(), data);
    peer_nxt += data.size() + ((extra & flag::fin) ? 1 : 0);
    return r;
  }

  // Active open to ESTABLISHED. `synack_opts` are the peer's options.
  void establish_active(options synack_opts = {}, std::uint16_t window = 65535,
                        duration rtt = 100ms) {
    make();
    c->open_active(seq_number(our_iss), now);
    auto syn = drain_one();
    ASSERT_TRUE(syn.has(flag::syn));
    advance(rtt);
    repr sa = seg(flag::syn | flag::ack, seq_number(peer_iss), seq_number(our_iss + 1), {}, window);
    sa.opts = synack_opts;
    feed(sa);
    auto ack = drain_one();
    ASSERT_TRUE(ack.has(flag::ack));
    ASSERT_EQ(c->state(), state::established);
    peer_nxt = seq_number(peer_iss + 1);
  }
  // Passive open to ESTABLISHED with the peer's SYN options.
  void establish_passive(options syn_opts = {}, std::uint16_t window = 65535,
                         duration rtt = 100ms) {
    make();
    repr syn = seg(flag::syn, seq_number(peer_iss), seq_number(0), {}, window);
    syn.opts = syn_opts;
    c->open_passive(syn, seq_number(our_iss), now);
    auto sa = drain_one();
    ASSERT_TRUE(sa.has(flag::syn) && sa.has(flag::ack));
    peer_nxt = seq_number(peer_iss + 1);
    advance(rtt);
    feed(ack_of(seq_number(our_iss + 1), window));
    ASSERT_EQ(c->state(), state::established);
  }

  // Queues `n` bytes of a recognisable pattern.
  std::string pattern(std::size_t n, std::size_t from = 0) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; ++i) s[i] = char('a' + (from + i) % 26);
    return s;
  }
  std::string read_all() {
    std::string out(c->recv_available(), '\0');
    c->recv(mut_bytes(out.data(), out.size()), now);
    return out;
  }
};

}  // namespace fata::net::tcp::testing
