// The neighbour cache (RFC 4861 §7.3) on explicit times: resolution,
// every NUD transition, the override rule, bounds and failure.
#include <fata/net/ndp.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using state = neighbor_cache::state;

const mono_time t0 = mono_from_ns(1'000'000'000);
const ipv6_addr peer = *ipv6_addr::parse("fe80::1");
constexpr mac_addr peer_mac{{0x02, 0, 0, 0, 0, 1}};
constexpr mac_addr other_mac{{0x02, 0, 0, 0, 0, 9}};

struct recorder : ndp_sink {
  struct solicitation {
    ipv6_addr target;
    std::optional<mac_addr> to;
  };
  std::vector<solicitation> solicited;
  std::vector<std::pair<mac_addr, std::string>> sent;
  void send_solicitation(const ipv6_addr& target, std::optional<mac_addr> to) override {
    solicited.push_back({target, to});
  }
  void send_resolved(mac_addr to, bytes packet) override { sent.emplace_back(to, std::string(packet.chars())); }
};

struct ndp_fixture : ::testing::Test {
  ndp_config cfg;
  recorder out;
  std::optional<neighbor_cache> cache;
  void SetUp() override { cache.emplace(cfg); }
  result<void, ip_error> send(const ipv6_addr& ip, std::string_view data, mono_time now) {
    if (auto mac = cache->lookup(ip, now)) {
      out.sent.emplace_back(*mac, std::string(data));
      return {};
    }
    const bytes parts[1] = {bytes::of(data)};
    return cache->enqueue(ip, parts, now, out);
  }
  // Resolved and REACHABLE at `now`.
  void resolve(mono_time now) {
    ASSERT_TRUE(send(peer, "first", now));
    cache->advertisement(peer, peer_mac, true, true, now, out);
    ASSERT_EQ(cache->state_of(peer), state::reachable);
  }
};

TEST_F(ndp_fixture, resolution_solicits_by_multicast_and_sends_the_waiting_packets) {
  ASSERT_TRUE(send(peer, "one", t0));
  ASSERT_TRUE(send(peer, "two", t0));
  EXPECT_EQ(cache->state_of(peer), state::incomplete);
  ASSERT_EQ(out.solicited.size(), 1u);  // one solicitation for both
  EXPECT_FALSE(out.solicited[0].to);
  cache->advertisement(peer, peer_mac, true, true, t0 + 10ms, out);
  EXPECT_EQ(cache->state_of(peer), state::reachable);
  ASSERT_EQ(out.sent.size(), 2u);
  EXPECT_EQ(out.sent[0].first, peer_mac);
  EXPECT_EQ(out.sent[0].second, "one");
  EXPECT_EQ(out.sent[1].second, "two");
  EXPECT_EQ(cache->pending_bytes(), 0u);
}

TEST_F(ndp_fixture, reachable_goes_stale_then_delay_then_probe_then_reachable_again) {
  resolve(t0);
  // REACHABLE lasts 15-45 s (30 s base, randomized).
  const mono_time until = cache->poll_at();
  EXPECT_GE(until, t0 + 15s);
  EXPECT_LT(until, t0 + 45s);
  cache->poll(until, out);
  EXPECT_EQ(cache->state_of(peer), state::stale);
  EXPECT_EQ(cache->poll_at(), mono_never);  // STALE has no timer
  // Sending uses the stale address at once and starts the delay.
  ASSERT_TRUE(send(peer, "again", until + 1s));
  EXPECT_EQ(out.sent.back().first, peer_mac);
  EXPECT_EQ(cache->state_of(peer), state::delay);
  EXPECT_EQ(cache->poll_at(), until + 6s);
  cache->poll(until + 6s, out);
  EXPECT_EQ(cache->state_of(peer), state::probe);
  ASSERT_EQ(out.solicited.size(), 2u);
  EXPECT_EQ(out.solicited.back().to, peer_mac);  // unicast
  cache->advertisement(peer, peer_mac, true, false, until + 6500ms, out);
  EXPECT_EQ(cache->state_of(peer), state::reachable);
}

TEST_F(ndp_fixture, an_upper_layer_confirmation_spares_the_probe) {
  resolve(t0);
  cache->poll(cache->poll_at(), out);
  ASSERT_TRUE(send(peer, "x", t0 + 50s));
  EXPECT_EQ(cache->state_of(peer), state::delay);
  cache->confirm(peer, t0 + 51s);
  EXPECT_EQ(cache->state_of(peer), state::reachable);
  EXPECT_EQ(out.solicited.size(), 1u);
}

TEST_F(ndp_fixture, an_unanswered_probe_removes_the_neighbour) {
  resolve(t0);
  cache->poll(cache->poll_at(), out);
  ASSERT_TRUE(send(peer, "x", t0 + 50s));
  mono_time now = t0 + 55s;
  for (int i = 0; i < 4; ++i) {
    cache->poll(now, out);
    now = cache->poll_at();
  }
  EXPECT_FALSE(cache->state_of(peer));
  EXPECT_EQ(cache->stats().probes_out, 3u);
  EXPECT_EQ(cache->stats().unreachable, 1u);
}

TEST_F(ndp_fixture, unanswered_resolution_fails_drops_its_packets_and_holds) {
  ASSERT_TRUE(send(peer, "lost", t0));
  cache->poll(t0 + 1s, out);
  cache->poll(t0 + 2s, out);
  cache->poll(t0 + 3s, out);
  EXPECT_EQ(cache->state_of(peer), state::failed);
  EXPECT_EQ(out.solicited.size(), 3u);
  EXPECT_EQ(cache->stats().pending_dropped, 1u);
  EXPECT_EQ(cache->pending_bytes(), 0u);
  // Refused during the hold, with no new solicitation.
  EXPECT_EQ(send(peer, "refused", t0 + 4s).error(), ip_error::unresolved);
  EXPECT_EQ(out.solicited.size(), 3u);
  // After it, resolution starts afresh.
  cache->poll(t0 + 6s, out);
  EXPECT_FALSE(cache->state_of(peer));
  ASSERT_TRUE(send(peer, "retry", t0 + 7s));
  EXPECT_EQ(out.solicited.size(), 4u);
}

TEST_F(ndp_fixture, advertisements_create_nothing_and_without_override_keep_the_address) {
  cache->advertisement(peer, peer_mac, false, true, t0, out);
  EXPECT_FALSE(cache->state_of(peer));
  EXPECT_EQ(cache->stats().unsolicited_ignored, 1u);
  resolve(t0);
  // Another address without the override flag: kept, but no longer trusted.
  cache->advertisement(peer, other_mac, false, false, t0 + 1s, out);
  EXPECT_EQ(cache->state_of(peer), state::stale);
  ASSERT_TRUE(send(peer, "still", t0 + 2s));
  EXPECT_EQ(out.sent.back().first, peer_mac);
  // With the override flag it replaces it.
  cache->advertisement(peer, other_mac, false, true, t0 + 3s, out);
  ASSERT_TRUE(send(peer, "moved", t0 + 4s));
  EXPECT_EQ(out.sent.back().first, other_mac);
  EXPECT_EQ(cache->stats().updated, 1u);
}

TEST_F(ndp_fixture, a_solicitations_link_address_is_learned_stale_and_resolves_a_waiting_packet) {
  cache->link_address_of(peer, peer_mac, t0, out);
  EXPECT_EQ(cache->state_of(peer), state::stale);
  const ipv6_addr other = *ipv6_addr::parse("fe80::2");
  ASSERT_TRUE(send(other, "waiting", t0));
  cache->link_address_of(other, other_mac, t0 + 1ms, out);
  EXPECT_EQ(cache->state_of(other), state::stale);
  ASSERT_EQ(out.sent.size(), 1u);
  EXPECT_EQ(out.sent[0].first, other_mac);
  // A multicast link address is nobody's.
  const ipv6_addr third = *ipv6_addr::parse("fe80::3");
  cache->link_address_of(third, mac_addr::broadcast(), t0, out);
  EXPECT_FALSE(cache->state_of(third));
}

TEST_F(ndp_fixture, queues_and_the_table_are_bounded) {
  cfg.max_pending_packets = 2;
  cfg.max_entries = 3;
  SetUp();
  ASSERT_TRUE(send(peer, "1", t0));
  ASSERT_TRUE(send(peer, "2", t0));
  EXPECT_EQ(send(peer, "3", t0).error(), ip_error::unresolved);
  EXPECT_EQ(cache->stats().queue_full, 1u);
  // Three addresses being resolved fill the table: a fourth is refused,
  // and leaves nothing behind.
  ASSERT_TRUE(send(*ipv6_addr::parse("fe80::2"), "a", t0));
  ASSERT_TRUE(send(*ipv6_addr::parse("fe80::3"), "b", t0));
  EXPECT_EQ(send(*ipv6_addr::parse("fe80::4"), "c", t0).error(), ip_error::unresolved);
  EXPECT_EQ(cache->size(), 3u);
  // A STALE neighbour unused the longest makes room.
  cache->link_address_of(peer, peer_mac, t0, out);
  EXPECT_EQ(cache->state_of(peer), state::stale);
  ASSERT_TRUE(send(*ipv6_addr::parse("fe80::4"), "c", t0 + 1s));
  EXPECT_FALSE(cache->state_of(peer));
  EXPECT_EQ(cache->stats().evicted, 1u);
}

TEST_F(ndp_fixture, reachable_times_vary_between_confirmations) {
  resolve(t0);
  const mono_time a = cache->poll_at();
  cache->advertisement(peer, peer_mac, true, false, t0, out);
  const mono_time b = cache->poll_at();
  EXPECT_NE(a, b);
  cache->set_reachable_time(2s);
  cache->advertisement(peer, peer_mac, true, false, t0, out);
  EXPECT_LE(cache->poll_at(), t0 + 3s);
  EXPECT_GE(cache->poll_at(), t0 + 1s);
}

}  // namespace
