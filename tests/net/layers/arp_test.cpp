// The ARP cache, driven with explicit times and typed packets.
#include <fata/net/arp.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using wire::arp_operation;
using wire::arp_repr;

constexpr mac_addr own_mac{{0x02, 0, 0, 0, 0, 0x10}};
constexpr mac_addr peer_mac{{0x02, 0, 0, 0, 0, 0x20}};
constexpr mac_addr other_mac{{0x02, 0, 0, 0, 0, 0x30}};
constexpr ipv4_addr own_ip(10, 0, 0, 2);
constexpr ipv4_addr peer_ip(10, 0, 0, 1);
constexpr ipv4_addr other_ip(10, 0, 0, 3);

struct recorder : arp_sink {
  struct sent_arp {
    mac_addr to;
    arp_repr packet;
  };
  std::vector<sent_arp> arps;
  std::vector<std::pair<mac_addr, std::string>> resolved;
  void send_arp(mac_addr to, const arp_repr& p) override { arps.push_back({to, p}); }
  void send_resolved(mac_addr to, bytes packet) override {
    resolved.emplace_back(to, std::string(packet.chars()));
  }
};

struct arp_fixture : ::testing::Test {
  mono_time t0 = mono_from_ns(1'000'000'000);
  arp_config cfg;
  arp_cache cache{own_mac, cfg};
  recorder out;
  arp_fixture() { cache.set_address(own_ip); }

  arp_repr request_for_us(mac_addr from_mac, ipv4_addr from_ip) {
    return {arp_operation::request, from_mac, from_ip, mac_addr{}, own_ip};
  }
  result<void, ip_error> enqueue(ipv4_addr ip, std::string_view data, mono_time now) {
    const bytes parts[1] = {bytes::of(data)};
    return cache.enqueue(ip, parts, now, out);
  }
};

TEST_F(arp_fixture, answers_a_request_for_its_address_and_learns_the_sender) {
  cache.input(request_for_us(peer_mac, peer_ip), t0, out);
  ASSERT_EQ(out.arps.size(), 1u);
  EXPECT_EQ(out.arps[0].to, peer_mac);
  const arp_repr& r = out.arps[0].packet;
  EXPECT_EQ(r.operation, arp_operation::reply);
  EXPECT_EQ(r.sender_mac, own_mac);
  EXPECT_EQ(r.sender_ip, own_ip);
  EXPECT_EQ(r.target_mac, peer_mac);
  EXPECT_EQ(r.target_ip, peer_ip);
  EXPECT_EQ(cache.lookup(peer_ip, t0, out), std::optional<mac_addr>(peer_mac));
}

TEST_F(arp_fixture, does_not_answer_requests_for_other_addresses) {
  cache.input({arp_operation::request, peer_mac, peer_ip, mac_addr{}, other_ip}, t0, out);
  EXPECT_TRUE(out.arps.empty());
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(arp_fixture, an_unsolicited_reply_does_not_fill_the_cache) {
  cache.input({arp_operation::reply, peer_mac, peer_ip, own_mac, other_ip}, t0, out);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.stats().ignored, 1u);
}

TEST_F(arp_fixture, a_known_entry_is_updated_by_any_packet_from_its_owner) {
  cache.input(request_for_us(peer_mac, peer_ip), t0, out);
  cache.input({arp_operation::request, other_mac, peer_ip, mac_addr{}, other_ip}, t0 + 1s, out);
  EXPECT_EQ(cache.lookup(peer_ip, t0 + 1s, out), std::optional<mac_addr>(other_mac));
}

TEST_F(arp_fixture, a_claim_on_our_address_is_counted_as_a_conflict_and_not_learned) {
  cache.input({arp_operation::request, peer_mac, own_ip, mac_addr{}, own_ip}, t0, out);
  EXPECT_EQ(cache.stats().conflicts, 1u);
  EXPECT_TRUE(out.arps.empty());
}

TEST_F(arp_fixture, broadcast_senders_and_bogus_addresses_are_never_learned) {
  cache.input(request_for_us(mac_addr::broadcast(), peer_ip), t0, out);
  cache.input(request_for_us(peer_mac, ipv4_addr::broadcast()), t0, out);
  cache.input(request_for_us(peer_mac, ipv4_addr(224, 0, 0, 1)), t0, out);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(arp_fixture, a_probe_from_0_0_0_0_is_answered_but_not_learned) {
  cache.input(request_for_us(peer_mac, ipv4_addr::any()), t0, out);
  EXPECT_EQ(out.arps.size(), 1u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(arp_fixture, announce_sends_a_gratuitous_request_for_our_own_address) {
  cache.announce(out);
  ASSERT_EQ(out.arps.size(), 1u);
  EXPECT_EQ(out.arps[0].to, mac_addr::broadcast());
  EXPECT_EQ(out.arps[0].packet.sender_ip, own_ip);
  EXPECT_EQ(out.arps[0].packet.target_ip, own_ip);
  EXPECT_EQ(out.arps[0].packet.operation, arp_operation::request);
}

TEST_F(arp_fixture, enqueue_requests_once_and_releases_packets_in_order_on_reply) {
  ASSERT_TRUE(enqueue(peer_ip, "one", t0));
  ASSERT_TRUE(enqueue(peer_ip, "two", t0));
  ASSERT_EQ(out.arps.size(), 1u);
  EXPECT_EQ(out.arps[0].to, mac_addr::broadcast());
  EXPECT_EQ(out.arps[0].packet.target_ip, peer_ip);
  EXPECT_EQ(cache.pending_bytes(), 6u);
  cache.input({arp_operation::reply, peer_mac, peer_ip, own_mac, own_ip}, t0 + 1ms, out);
  ASSERT_EQ(out.resolved.size(), 2u);
  EXPECT_EQ(out.resolved[0], std::make_pair(peer_mac, std::string("one")));
  EXPECT_EQ(out.resolved[1], std::make_pair(peer_mac, std::string("two")));
  EXPECT_EQ(cache.pending_bytes(), 0u);
}

TEST_F(arp_fixture, requests_are_retried_with_exponential_back_off_then_given_up) {
  ASSERT_TRUE(enqueue(peer_ip, "x", t0));
  std::vector<duration> sent_at{0ms};
  mono_time now = t0;
  while (now < t0 + 60s) {
    const mono_time at = cache.poll_at();
    if (at == mono_never) break;
    now = at;
    const std::size_t before = out.arps.size();
    cache.poll(now, out);
    if (out.arps.size() > before) sent_at.push_back(now - t0);
  }
  // 250 ms, then doubling: 0, 250, 750, 1750, 3750, 7750 ms.
  EXPECT_EQ(sent_at, (std::vector<duration>{0ms, 250ms, 750ms, 1750ms, 3750ms, 7750ms}));
  EXPECT_EQ(cache.stats().resolution_failed, 1u);
  EXPECT_EQ(cache.stats().pending_dropped, 1u);
  EXPECT_EQ(cache.pending_bytes(), 0u);
  EXPECT_EQ(cache.size(), 0u);  // the failure hold has ended too
}

TEST_F(arp_fixture, a_failed_address_is_refused_during_the_hold) {
  ASSERT_TRUE(enqueue(peer_ip, "x", t0));
  for (int i = 0; i < 6; ++i) cache.poll(cache.poll_at(), out);
  const mono_time failed_at = t0 + 15750ms;
  const std::size_t requests = cache.stats().requests_out;
  auto r = enqueue(peer_ip, "y", failed_at + 1s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ip_error::unresolved);
  EXPECT_EQ(cache.stats().requests_out, requests);
  EXPECT_TRUE(enqueue(peer_ip, "z", failed_at + cfg.failed_hold + 1s));
  EXPECT_EQ(cache.stats().requests_out, requests + 1);
}

TEST_F(arp_fixture, the_wait_queue_per_address_is_bounded) {
  for (std::size_t i = 0; i < cfg.max_pending_packets; ++i) ASSERT_TRUE(enqueue(peer_ip, "p", t0));
  auto r = enqueue(peer_ip, "p", t0);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), ip_error::unresolved);
  EXPECT_EQ(cache.stats().queue_full, 1u);
}

TEST_F(arp_fixture, the_wait_queue_bytes_are_bounded_across_addresses) {
  const std::string big(cfg.max_pending_bytes / 2, 'b');
  ASSERT_TRUE(enqueue(peer_ip, big, t0));
  ASSERT_TRUE(enqueue(other_ip, big, t0));
  EXPECT_FALSE(enqueue(ipv4_addr(10, 0, 0, 9), "more", t0));
}

TEST_F(arp_fixture, entries_expire_after_their_lifetime) {
  cache.input(request_for_us(peer_mac, peer_ip), t0, out);
  EXPECT_TRUE(cache.lookup(peer_ip, t0 + cfg.entry_lifetime - 1ms, out));
  cache.poll(t0 + cfg.entry_lifetime, out);
  EXPECT_FALSE(cache.lookup(peer_ip, t0 + cfg.entry_lifetime, out));
  EXPECT_EQ(cache.size(), 0u);
}

TEST_F(arp_fixture, an_entry_in_use_is_refreshed_by_unicast_before_it_expires) {
  cache.input(request_for_us(peer_mac, peer_ip), t0, out);
  out.arps.clear();
  const mono_time near_end = t0 + cfg.entry_lifetime - cfg.refresh_before + 1s;
  EXPECT_TRUE(cache.lookup(peer_ip, near_end, out));
  ASSERT_EQ(out.arps.size(), 1u);
  EXPECT_EQ(out.arps[0].to, peer_mac);
  EXPECT_EQ(out.arps[0].packet.target_ip, peer_ip);
  cache.input({arp_operation::reply, peer_mac, peer_ip, own_mac, own_ip}, near_end + 1ms, out);
  EXPECT_TRUE(cache.lookup(peer_ip, t0 + cfg.entry_lifetime + 1s, out));
}

TEST_F(arp_fixture, a_full_cache_evicts_the_entry_closest_to_expiry) {
  arp_config small;
  small.max_entries = 2;
  arp_cache c(own_mac, small);
  c.set_address(own_ip);
  c.input(request_for_us(peer_mac, peer_ip), t0, out);
  c.input(request_for_us(other_mac, other_ip), t0 + 1s, out);
  c.input(request_for_us(peer_mac, ipv4_addr(10, 0, 0, 4)), t0 + 2s, out);
  EXPECT_EQ(c.size(), 2u);
  EXPECT_FALSE(c.lookup(peer_ip, t0 + 2s, out));
  EXPECT_TRUE(c.lookup(other_ip, t0 + 2s, out));
  EXPECT_EQ(c.stats().evicted, 1u);
}

TEST_F(arp_fixture, a_probe_has_no_sender_address_and_a_watched_address_reports_its_claims) {
  cache.probe(other_ip, out);
  ASSERT_EQ(out.arps.size(), 1u);
  EXPECT_EQ(out.arps[0].to, mac_addr::broadcast());
  EXPECT_TRUE(out.arps[0].packet.sender_ip.is_any());
  EXPECT_EQ(out.arps[0].packet.target_ip, other_ip);
  EXPECT_EQ(cache.stats().probes_out, 1u);

  std::vector<ipv4_addr> claims;
  cache.on_claim = [](void* c, ipv4_addr a) { static_cast<std::vector<ipv4_addr>*>(c)->push_back(a); };
  cache.claim_context = &claims;
  // Unwatched: nothing reported.
  cache.input({arp_operation::reply, peer_mac, other_ip, own_mac, own_ip}, t0, out);
  EXPECT_TRUE(claims.empty());
  cache.watch(other_ip);
  // RFC 5227 §2.1.1: a packet whose sender is the address, or another
  // host's probe for it; our own probe reflected back is not a claim.
  cache.input({arp_operation::reply, peer_mac, other_ip, own_mac, own_ip}, t0, out);
  cache.input({arp_operation::request, peer_mac, ipv4_addr::any(), mac_addr{}, other_ip}, t0, out);
  cache.input({arp_operation::request, own_mac, ipv4_addr::any(), mac_addr{}, other_ip}, t0, out);
  cache.input({arp_operation::request, peer_mac, peer_ip, mac_addr{}, other_ip}, t0, out);
  EXPECT_EQ(claims, (std::vector<ipv4_addr>{other_ip, other_ip}));
  cache.watch(ipv4_addr::any());
  cache.input({arp_operation::reply, peer_mac, other_ip, own_mac, own_ip}, t0, out);
  EXPECT_EQ(claims.size(), 2u);
}

}  // namespace
