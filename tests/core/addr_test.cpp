#include <fata/core/addr.hpp>
#include <fata/sig/stack.hpp>

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

TEST(addr, ip_addr_holds_either_family_and_tells_them_apart) {
  const ip_addr v4 = ipv4_addr(192, 0, 2, 1);
  const ip_addr v6 = *ipv6_addr::parse("2001:db8::1");
  const ip_addr mapped = *ipv6_addr::parse("::ffff:192.0.2.1");
  EXPECT_TRUE(v4.is_v4());
  EXPECT_TRUE(v6.is_v6());
  EXPECT_EQ(v4.v4(), ipv4_addr(192, 0, 2, 1));
  // The mapped form is IPv6 until unmapped: the family tag decides.
  EXPECT_TRUE(mapped.is_v6());
  EXPECT_NE(mapped, v4);
  EXPECT_EQ(mapped.unmapped(), v4);
  EXPECT_EQ(v6.unmapped(), v6);
  EXPECT_EQ(format("{}", v4), "192.0.2.1");
  EXPECT_EQ(format("{}", v6), "2001:db8::1");
  EXPECT_EQ(ip_addr::parse("10.0.0.1"), ip_addr(ipv4_addr(10, 0, 0, 1)));
  EXPECT_EQ(ip_addr::parse("fe80::1"), ip_addr(*ipv6_addr::parse("fe80::1")));
  for (const char* bad : {"", "10.0.0", "fe80::1::2", "[::1]", "1.2.3.4:80"}) EXPECT_FALSE(ip_addr::parse(bad)) << bad;
  EXPECT_TRUE(ip_addr().is_any() && ip_addr().is_v4());
  EXPECT_TRUE(ip_addr(ipv6_addr::any()).is_any());
  EXPECT_TRUE(ip_addr(ipv4_addr::broadcast()).is_broadcast());
  EXPECT_FALSE(ip_addr(*ipv6_addr::parse("ff02::1")).is_broadcast());
  EXPECT_TRUE(ip_addr(*ipv6_addr::parse("ff02::1")).is_multicast());
  EXPECT_TRUE(ip_addr(ipv6_addr::loopback()).is_loopback());
}

TEST(addr, endpoints_format_ipv6_in_brackets) {
  EXPECT_EQ(format("{}", sig::ip_endpoint{ipv4_addr(192, 0, 2, 1), port(80)}), "192.0.2.1:80");
  EXPECT_EQ(format("{}", sig::ip_endpoint{*ipv6_addr::parse("2001:db8::1"), port(443)}), "[2001:db8::1]:443");
  const sig::ipv4_endpoint old{ipv4_addr(10, 0, 0, 1), port(53)};
  const sig::ip_endpoint e = old;
  EXPECT_EQ(e.v4(), old);
}

TEST(addr, peer_key_is_the_ipv4_address_or_the_ipv6_slash_64) {
  EXPECT_EQ(peer_key(ipv4_addr(10, 0, 0, 1)), 0x0a000001u);
  const ip_addr a = *ipv6_addr::parse("2001:db8:1:2::1");
  const ip_addr b = *ipv6_addr::parse("2001:db8:1:2:ffff:ffff:ffff:ffff");
  const ip_addr c = *ipv6_addr::parse("2001:db8:1:3::1");
  EXPECT_EQ(peer_key(a), peer_key(b));
  EXPECT_NE(peer_key(a), peer_key(c));
  // An IPv6 /64 never collides with an IPv4 address.
  EXPECT_NE(peer_key(*ipv6_addr::parse("::")), peer_key(ipv4_addr::any()));
}

}  // namespace
