// What router advertisements teach (RFC 4861 §6.3.4, RFC 8106) on
// explicit times: routers, on-link prefixes, DNS servers and the MTU,
// with their lifetimes, removals and bounds, and RFC 4861 §6.3.6's
// choice of default router.
#include <fata/net/router_list.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using namespace std::chrono_literals;

const mono_time t0 = mono_from_ns(1'000'000'000);
const ipv6_addr r1 = *ipv6_addr::parse("fe80::1");
const ipv6_addr r2 = *ipv6_addr::parse("fe80::2");

wire::ndp_prefix_info on_link(std::string_view prefix, std::uint32_t valid) {
  wire::ndp_prefix_info p;
  p.prefix = *ipv6_prefix::parse(prefix);
  p.on_link = true;
  p.valid_lifetime = valid;
  p.preferred_lifetime = valid;
  return p;
}

// An RDNSS option's value: reserved, lifetime, addresses.
std::vector<std::byte> rdnss(std::uint32_t lifetime, std::vector<std::string_view> servers) {
  std::vector<std::byte> v(6);
  for (int i = 0; i < 4; ++i) v[2 + i] = std::byte(lifetime >> (24 - 8 * i));
  for (auto s : servers) {
    const ipv6_addr a = *ipv6_addr::parse(s);
    for (auto o : a.octets) v.push_back(std::byte(o));
  }
  return v;
}

TEST(router_list, a_router_lasts_its_lifetime_and_lifetime_zero_removes_it) {
  router_list l({}, 1500);
  l.on_router(r1, 30, t0);
  ASSERT_EQ(l.routers().size(), 1u);
  EXPECT_EQ(l.poll_at(), t0 + 30s);
  l.on_router(r1, 60, t0 + 10s);  // refreshed, not added twice
  ASSERT_EQ(l.routers().size(), 1u);
  l.poll(t0 + 40s);
  EXPECT_EQ(l.routers().size(), 1u);
  l.poll(t0 + 70s);
  EXPECT_TRUE(l.routers().empty());
  l.on_router(r2, 30, t0 + 80s);
  l.on_router(r2, 0, t0 + 81s);
  EXPECT_TRUE(l.routers().empty());
  EXPECT_EQ(l.stats().routers_added, 2u);
  EXPECT_EQ(l.stats().routers_removed, 2u);
  // A lifetime of 0 from an unknown router adds nothing.
  l.on_router(r1, 0, t0 + 90s);
  EXPECT_TRUE(l.routers().empty());
}

TEST(router_list, a_full_list_ignores_new_routers_and_counts_them) {
  router_list_config cfg;
  cfg.max_routers = 2;
  router_list l(cfg, 1500);
  for (int i = 1; i <= 5; ++i) {
    ipv6_addr a = r1;
    a.octets[15] = std::uint8_t(i);
    l.on_router(a, 1800, t0);
  }
  EXPECT_EQ(l.routers().size(), 2u);
  EXPECT_EQ(l.stats().routers_ignored, 3u);
}

TEST(router_list, a_configured_router_comes_first_and_advertisements_do_not_remove_it) {
  router_list l({}, 1500);
  l.on_router(r2, 1800, t0);
  l.add_configured_router(r1);
  ASSERT_EQ(l.routers().size(), 2u);
  EXPECT_EQ(l.routers()[0].address, r1);
  l.on_router(r1, 0, t0 + 1s);
  l.poll(t0 + 100h);
  ASSERT_EQ(l.routers().size(), 1u);
  EXPECT_EQ(l.routers()[0].address, r1);
}

TEST(router_list, default_router_prefers_a_reachable_one_and_otherwise_takes_turns) {
  router_list l({}, 1500);
  l.on_router(r1, 1800, t0);
  l.on_router(r2, 1800, t0);
  EXPECT_EQ(l.default_router([&](const ipv6_addr& a) { return a == r2; }), r2);
  const auto none = [](const ipv6_addr&) { return false; };
  const auto first = l.default_router(none);
  const auto second = l.default_router(none);
  ASSERT_TRUE(first && second);
  EXPECT_NE(*first, *second);  // a dead router is not used forever
  router_list empty({}, 1500);
  EXPECT_FALSE(empty.default_router(none));
}

TEST(router_list, on_link_prefixes_are_compared_masked_and_expire) {
  router_list l({}, 1500);
  // Bits past the length are not part of the prefix (RFC 4861 §4.6.2).
  l.on_prefix(on_link("2001:db8:1::ffff/64", 600), t0);
  ASSERT_EQ(l.prefixes().size(), 1u);
  EXPECT_EQ(l.prefixes()[0].on_link, *ipv6_prefix::parse("2001:db8:1::/64"));
  EXPECT_TRUE(l.on_link(*ipv6_addr::parse("2001:db8:1::42")));
  EXPECT_FALSE(l.on_link(*ipv6_addr::parse("2001:db8:2::42")));
  EXPECT_TRUE(l.on_link(*ipv6_addr::parse("fe80::42")));  // link-local always
  l.on_prefix(on_link("2001:db8:1::/64", 1200), t0 + 500s);  // refreshed
  l.poll(t0 + 700s);
  EXPECT_TRUE(l.on_link(*ipv6_addr::parse("2001:db8:1::42")));
  l.poll(t0 + 1700s);
  EXPECT_FALSE(l.on_link(*ipv6_addr::parse("2001:db8:1::42")));
  // Infinite, then removed by a valid lifetime of 0.
  l.on_prefix(on_link("2001:db8:3::/48", 0xffffffffu), t0);
  l.poll(t0 + 100000h);
  EXPECT_TRUE(l.on_link(*ipv6_addr::parse("2001:db8:3:7::1")));
  l.on_prefix(on_link("2001:db8:3::/48", 0), t0);
  EXPECT_FALSE(l.on_link(*ipv6_addr::parse("2001:db8:3:7::1")));
}

TEST(router_list, link_local_and_off_link_prefixes_and_a_full_list_add_nothing) {
  router_list_config cfg;
  cfg.max_prefixes = 1;
  router_list l(cfg, 1500);
  l.on_prefix(on_link("fe80::/64", 600), t0);
  auto off = on_link("2001:db8:9::/64", 600);
  off.on_link = false;  // autonomous-only prefixes are not on-link
  l.on_prefix(off, t0);
  EXPECT_TRUE(l.prefixes().empty());
  l.on_prefix(on_link("2001:db8:1::/64", 600), t0);
  l.on_prefix(on_link("2001:db8:2::/64", 600), t0);
  EXPECT_EQ(l.prefixes().size(), 1u);
  EXPECT_EQ(l.stats().prefixes_ignored, 2u);  // the link-local and the one over the bound
}

TEST(router_list, rdnss_servers_are_learned_refreshed_removed_and_bounded) {
  router_list_config cfg;
  cfg.max_dns_servers = 2;
  router_list l(cfg, 1500);
  auto v = rdnss(600, {"2001:db8::53", "2001:db8::54", "2001:db8::55"});
  l.on_dns_option(bytes(v.data(), v.size()), t0);
  ASSERT_EQ(l.dns_servers().size(), 2u);
  EXPECT_EQ(l.dns_servers()[0].address, *ipv6_addr::parse("2001:db8::53"));
  EXPECT_EQ(l.stats().dns_ignored, 1u);
  auto gone = rdnss(0, {"2001:db8::53"});
  l.on_dns_option(bytes(gone.data(), gone.size()), t0 + 1s);
  ASSERT_EQ(l.dns_servers().size(), 1u);
  l.poll(t0 + 601s);
  EXPECT_TRUE(l.dns_servers().empty());
  // Malformed: no address, or a partial one; a multicast server.
  auto empty = rdnss(600, {});
  l.on_dns_option(bytes(empty.data(), empty.size()), t0);
  auto partial = rdnss(600, {"2001:db8::53"});
  partial.pop_back();
  l.on_dns_option(bytes(partial.data(), partial.size()), t0);
  auto group = rdnss(600, {"ff02::1"});
  l.on_dns_option(bytes(group.data(), group.size()), t0);
  EXPECT_TRUE(l.dns_servers().empty());
  EXPECT_EQ(l.stats().dns_ignored, 4u);
}

TEST(router_list, an_advertised_mtu_is_taken_only_between_1280_and_the_links) {
  router_list l({}, 1500);
  EXPECT_EQ(l.mtu(), 1500u);
  l.on_mtu(1400);
  EXPECT_EQ(l.mtu(), 1400u);
  l.on_mtu(1279);
  l.on_mtu(9000);
  EXPECT_EQ(l.mtu(), 1400u);
  EXPECT_EQ(l.stats().mtu_ignored, 2u);
}

}  // namespace
