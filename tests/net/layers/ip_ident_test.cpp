// IPv4 Identification (RFC 7739 §5.3): per-tuple sequences from hashed
// counters, and what reassembly needs of them (no repeat within 65536
// datagrams of a tuple), alone and through the IPv4 layer.
#include <fata/net/ipv4.hpp>
#include <fata/net/ip_ident.hpp>
#include <fata/net/wire/ipv4.hpp>

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;

constexpr ipv4_addr self(10, 0, 0, 2);
constexpr ipv4_addr a(10, 0, 0, 1);
constexpr ipv4_addr b(10, 0, 0, 3);

std::array<std::byte, ip_ident::key_size> key_of(std::uint8_t seed) {
  std::array<std::byte, ip_ident::key_size> k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = std::byte(seed * 31 + i);
  return k;
}

// A destination on another counter than `d` (for tests that need two).
ipv4_addr other_counter_than(ip_ident& g, ipv4_addr d) {
  for (std::uint32_t i = 1;; ++i) {
    const ipv4_addr x(d.value + i);
    if (g.counter_of(self, x, 17) != g.counter_of(self, d, 17)) return x;
  }
}

TEST(ip_ident, one_destination_does_not_repeat_within_65536_datagrams) {
  ip_ident g(key_of(1));
  std::vector<bool> seen(65536, false);
  const std::uint16_t first = g.next(self, a, 17);
  seen[first] = true;
  std::uint16_t last = first;
  for (int i = 1; i < 65536; ++i) {
    const std::uint16_t id = g.next(self, a, 17);
    ASSERT_FALSE(seen[id]) << "repeated after " << i << " datagrams";
    EXPECT_EQ(id, std::uint16_t(last + 1));
    seen[id] = true;
    last = id;
  }
  // The 65537th wraps around to the first: the sequence is a full cycle.
  EXPECT_EQ(g.next(self, a, 17), first);
}

TEST(ip_ident, traffic_to_one_destination_does_not_show_in_another_ones_ids) {
  ip_ident g(key_of(1));
  const ipv4_addr other = other_counter_than(g, a);
  const std::uint16_t before = g.next(self, a, 17);
  for (int i = 0; i < 1000; ++i) (void)g.next(self, other, 17);
  // A global counter would have moved by 1001.
  EXPECT_EQ(g.next(self, a, 17), std::uint16_t(before + 1));
}

TEST(ip_ident, two_destinations_are_not_one_sequence) {
  ip_ident g(key_of(1));
  const ipv4_addr other = other_counter_than(g, a);
  const std::uint16_t x = g.next(self, a, 17);
  const std::uint16_t y = g.next(self, other, 17);
  // Each starts at its own point: not the next value of one counter.
  EXPECT_NE(y, std::uint16_t(x + 1));
  EXPECT_NE(x, y);
}

TEST(ip_ident, the_key_decides_the_starting_points) {
  ip_ident g1(key_of(1)), g1_again(key_of(1)), g2(key_of(2));
  std::vector<std::uint16_t> s1, s1_again, s2;
  for (std::uint32_t i = 0; i < 16; ++i) {
    const ipv4_addr d(a.value + i);
    s1.push_back(g1.next(self, d, 6));
    s1_again.push_back(g1_again.next(self, d, 6));
    s2.push_back(g2.next(self, d, 6));
  }
  EXPECT_EQ(s1, s1_again);  // reproducible for one key
  std::size_t same = 0;
  for (std::size_t i = 0; i < s1.size(); ++i) same += s1[i] == s2[i];
  EXPECT_LE(same, 1u);      // another key, other IDs
}

TEST(ip_ident, protocol_and_source_are_part_of_the_tuple) {
  ip_ident g(key_of(3));
  std::set<std::size_t> counters = {g.counter_of(self, a, 6), g.counter_of(self, a, 17),
                                    g.counter_of(b, a, 6), g.counter_of(self, a, 1)};
  EXPECT_GE(counters.size(), 3u);
}

TEST(ip_ident, tuples_spread_over_the_counters) {
  ip_ident g(key_of(4));
  std::set<std::size_t> used;
  for (std::uint32_t i = 0; i < ip_ident::table_size * 2; ++i)
    used.insert(g.counter_of(self, ipv4_addr(0x0a000000u + i), 6));
  // Uniform hashing of 4096 tuples into 2048 counters fills about 86% of
  // them (1 - e^-2); a global counter or a weak hash fills far fewer.
  EXPECT_GT(used.size(), ip_ident::table_size * 8 / 10);
}

TEST(ip_ident, the_cache_remembers_without_changing_values) {
  ip_ident g(key_of(5));
  const std::size_t counter = g.counter_of(self, a, 17);
  const std::uint16_t first = g.next(self, a, 17);
  EXPECT_EQ(g.next(self, a, 17), std::uint16_t(first + 1));
  EXPECT_GE(g.cache_hits(), 2u);
  // Thrash the cache (counter_of moves no counter), then ask again.
  for (std::uint32_t i = 0; i < 10 * ip_ident::cache_size; ++i)
    (void)g.counter_of(b, ipv4_addr(0xc0000200u + i), 6);
  const std::uint64_t misses = g.cache_misses();
  EXPECT_EQ(g.counter_of(self, a, 17), counter);
  EXPECT_EQ(g.cache_misses(), misses + 1);
  EXPECT_EQ(g.next(self, a, 17), std::uint16_t(first + 2));
}

// --- through the layer ---------------------------------------------------------------

struct recording_link : ipv4_link {
  std::vector<std::vector<std::byte>> packets;
  result<void, ip_error> transmit(ipv4_addr, std::span<const bytes> parts) override {
    std::vector<std::byte> p;
    for (bytes x : parts) p.insert(p.end(), x.begin(), x.end());
    packets.push_back(std::move(p));
    return {};
  }
  std::size_t mtu() const override { return 1500; }
};

struct ident_layer : ::testing::Test {
  recording_link link;
  ipv4_config cfg = [] {
    ipv4_config c;
    c.address = *ipv4_prefix::parse("10.0.0.2/24");
    return c;
  }();

  // IDs and DF of `n` datagrams through `ip` to `to`.
  std::vector<std::uint16_t> send(ipv4_layer& ip, ipv4_addr to, int n, bool* any_df = nullptr) {
    std::vector<std::uint16_t> ids;
    const bytes parts[1] = {bytes::of("x")};
    for (int i = 0; i < n; ++i) {
      link.packets.clear();
      EXPECT_TRUE(ip.send(ipv4_addr::any(), to, 17, parts));
      auto p = wire::ipv4_packet::parse(bytes(link.packets.at(0).data(), link.packets[0].size()));
      EXPECT_TRUE(p);
      ids.push_back(p->ident());
      if (any_df && p->dont_fragment()) *any_df = true;
    }
    return ids;
  }
};

TEST_F(ident_layer, datagrams_to_two_peers_are_separate_sequences) {
  ipv4_layer ip(link, cfg);
  const auto to_a = send(ip, a, 1);
  const auto to_b = send(ip, b, 50);
  const auto to_a_again = send(ip, a, 1);
  // A single counter would have advanced by 51 between the two.
  EXPECT_EQ(to_a_again[0], std::uint16_t(to_a[0] + 1));
  EXPECT_NE(to_b[0], std::uint16_t(to_a[0] + 1));
}

TEST_F(ident_layer, the_configured_key_is_used) {
  ipv4_config other = cfg;
  other.ident_key = key_of(9);
  ipv4_layer zero_key(link, cfg);
  ipv4_layer keyed(link, other);
  EXPECT_NE(send(zero_key, a, 4), send(keyed, a, 4));
  // The layer keeps no copy of the key in its configuration.
  for (std::byte x : keyed.config().ident_key) EXPECT_EQ(x, std::byte{0});
}

TEST_F(ident_layer, dont_fragment_is_never_set) {
  ipv4_layer ip(link, cfg);
  bool df = false;
  (void)send(ip, a, 3, &df);
  EXPECT_FALSE(df) << "DF without path MTU discovery black-holes smaller paths";
}

}  // namespace
