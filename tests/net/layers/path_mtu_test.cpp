// The IPv6 path MTU cache on explicit times: lowered by Packet Too Big,
// never below 1280 or up, aged out after its lifetime, bounded.
#include <fata/net/path_mtu.hpp>

#include <gtest/gtest.h>

namespace {

using namespace fata;
using namespace fata::net;

const mono_time t0 = mono_from_ns(1'000'000'000);
const ipv6_addr far_host = *ipv6_addr::parse("2001:db8:9::1");

TEST(path_mtu_cache, a_packet_too_big_lowers_the_estimate_but_never_below_1280_or_up) {
  path_mtu_cache c;
  EXPECT_FALSE(c.lookup(far_host));
  EXPECT_EQ(c.too_big(far_host, 1400, 1500, t0), 1400u);
  EXPECT_EQ(c.lookup(far_host), 1400u);
  EXPECT_FALSE(c.too_big(far_host, 1450, 1400, t0));  // up: ignored
  EXPECT_FALSE(c.too_big(far_host, 9000, 1500, t0));  // over the link's
  EXPECT_EQ(c.too_big(far_host, 500, 1400, t0), 1280u);  // RFC 8201 §4: 1280 at least
  EXPECT_FALSE(c.too_big(far_host, 0, 1280, t0));
  EXPECT_EQ(c.stats().reductions, 2u);
  EXPECT_EQ(c.stats().ignored, 3u);
}

TEST(path_mtu_cache, estimates_age_out_after_their_lifetime) {
  path_mtu_cache c({.max_entries = 4, .lifetime = std::chrono::minutes(10)});
  ASSERT_TRUE(c.too_big(far_host, 1300, 1500, t0));
  EXPECT_EQ(c.poll_at(), t0 + std::chrono::minutes(10));
  c.poll(t0 + std::chrono::minutes(10) - 1ns);
  EXPECT_EQ(c.lookup(far_host), 1300u);
  c.poll(t0 + std::chrono::minutes(10));
  EXPECT_FALSE(c.lookup(far_host));
  EXPECT_EQ(c.stats().expired, 1u);
  EXPECT_EQ(c.poll_at(), mono_never);
}

TEST(path_mtu_cache, a_flood_of_destinations_stays_within_the_bound) {
  path_mtu_cache c({.max_entries = 8, .lifetime = std::chrono::minutes(10)});
  for (int i = 0; i < 1000; ++i) {
    ipv6_addr a = far_host;
    a.octets[14] = static_cast<std::uint8_t>(i >> 8);
    a.octets[15] = static_cast<std::uint8_t>(i);
    ASSERT_TRUE(c.too_big(a, 1300, 1500, t0 + std::chrono::milliseconds(i)));
    ASSERT_LE(c.size(), 8u);
  }
  EXPECT_EQ(c.stats().evicted, 992u);
  // The newest are the ones kept.
  ipv6_addr newest = far_host;
  newest.octets[14] = 999 >> 8;
  newest.octets[15] = 999 & 0xff;
  EXPECT_EQ(c.lookup(newest), 1300u);
}

}  // namespace
