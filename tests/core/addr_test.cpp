#include <fata/core/addr.hpp>

#include <gtest/gtest.h>

namespace {

using namespace fata;

TEST(addr, ipv4_round_trips_and_rejects_junk) {
  auto a = ipv4_addr::parse("192.168.1.254");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0xc0a801feu);
  EXPECT_EQ(format("{}", *a), "192.168.1.254");
  for (const char* bad : {"", "1.2.3", "1.2.3.4.", "1..2.3", "a.b.c.d", "1.2.3.256", "01.2.3.4",
                          " 1.2.3.4", "1.2.3.4 "})
    EXPECT_FALSE(ipv4_addr::parse(bad)) << bad;
}

TEST(addr, ipv4_prefix_membership) {
  auto p = ipv4_prefix::parse("10.0.0.2/24");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(ipv4_addr(10, 0, 0, 77)));
  EXPECT_FALSE(p->contains(ipv4_addr(10, 0, 1, 1)));
  EXPECT_EQ(p->network(), ipv4_addr(10, 0, 0, 0));
  EXPECT_EQ(p->broadcast(), ipv4_addr(10, 0, 0, 255));
  EXPECT_EQ(p->netmask(), ipv4_addr(255, 255, 255, 0));
  EXPECT_EQ(format("{}", *p), "10.0.0.2/24");
  auto all = ipv4_prefix::parse("0.0.0.0/0");
  ASSERT_TRUE(all);
  EXPECT_TRUE(all->contains(ipv4_addr(8, 8, 8, 8)));
}

TEST(addr, ipv6_parses_every_text_form) {
  struct c {
    const char* in;
    const char* canonical;
  } cases[] = {
      {"::", "::"},
      {"::1", "::1"},
      {"1::", "1::"},
      {"2001:db8::1", "2001:db8::1"},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},
      {"fe80::1:2:3:4", "fe80::1:2:3:4"},
      {"::ffff:192.0.2.1", "::ffff:c000:201"},
      {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
      {"2001:DB8::A", "2001:db8::a"},
      {"1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"},
  };
  for (const c& t : cases) {
    auto a = ipv6_addr::parse(t.in);
    ASSERT_TRUE(a) << t.in;
    EXPECT_EQ(format("{}", *a), t.canonical) << t.in;
  }
  for (const char* bad : {"", ":", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "1:2:3:4:5:6:7",
                          "g::1", "1:", ":1", "::1.2.3", "1.2.3.4::"})
    EXPECT_FALSE(ipv6_addr::parse(bad)) << bad;
}

TEST(addr, mac_parse_and_format) {
  auto m = mac_addr::parse("02:AB:cd:00:00:01");
  ASSERT_TRUE(m);
  EXPECT_EQ(format("{}", *m), "02:ab:cd:00:00:01");
  EXPECT_FALSE(m->is_multicast());
  EXPECT_TRUE(mac_addr::broadcast().is_broadcast());
  EXPECT_FALSE(mac_addr::parse("02:ab:cd:00:00"));
  EXPECT_FALSE(mac_addr::parse("02:ab:cd-00:00:01"));
}

}  // namespace
