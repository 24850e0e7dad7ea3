// RFC 7217 interface identifiers (checked against Python's hmac module
// computing the same HMAC-SHA-256) and the address list's SLAAC rules
// (RFC 4862 §5.5.3), DAD outcomes and lifetimes on explicit times.
#include <fata/net/slaac.hpp>

#include <gtest/gtest.h>

#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using state = address_list::state;

const mono_time t0 = mono_from_ns(1'000'000'000);
constexpr mac_addr mac{{0x02, 0, 0, 0, 0, 0x2a}};

std::vector<std::byte> secret() {
  std::vector<std::byte> s;
  for (int i = 0; i < 16; ++i) s.push_back(std::byte(i));
  return s;
}

wire::ndp_prefix_info prefix(std::string_view p, std::uint32_t valid, std::uint32_t preferred, bool autonomous = true) {
  wire::ndp_prefix_info info;
  info.prefix = *ipv6_prefix::parse(p);
  info.on_link = true;
  info.autonomous = autonomous;
  info.valid_lifetime = valid;
  info.preferred_lifetime = preferred;
  return info;
}

address_list make() { return address_list({secret(), mac}); }

TEST(slaac, stable_identifiers_are_rfc_7217s_hmac_and_differ_by_network_and_counter) {
  const auto s = secret();
  // Python: hmac.new(bytes(range(16)), prefix[:8] + mac + bytes([counter]), sha256).digest()[:8]
  EXPECT_EQ(stable_address(s, *ipv6_addr::parse("fe80::"), mac, 0), *ipv6_addr::parse("fe80::fea7:af2c:a2b4:94aa"));
  EXPECT_EQ(stable_address(s, *ipv6_addr::parse("2001:db8:1::"), mac, 0),
            *ipv6_addr::parse("2001:db8:1:0:7b7b:771a:b49f:eb58"));
  EXPECT_EQ(stable_address(s, *ipv6_addr::parse("2001:db8:1::"), mac, 1),
            *ipv6_addr::parse("2001:db8:1:0:722b:5cd6:985:22f0"));
  // Only the prefix's first 64 bits count.
  EXPECT_EQ(stable_address(s, *ipv6_addr::parse("2001:db8:1::ffff"), mac, 0),
            stable_address(s, *ipv6_addr::parse("2001:db8:1::"), mac, 0));
  auto other = s;
  other[0] = std::byte{0xff};
  EXPECT_NE(stable_address(other, *ipv6_addr::parse("fe80::"), mac, 0), stable_address(s, *ipv6_addr::parse("fe80::"), mac, 0));
}

TEST(slaac, a_prefix_forms_a_tentative_address_usable_after_dad) {
  auto list = make();
  EXPECT_EQ(list.on_prefix(prefix("2001:db8:1::/64", 86400, 3600), t0), address_list::prefix_outcome::formed);
  ASSERT_EQ(list.addresses().size(), 1u);
  const ipv6_addr a = list.addresses()[0].prefix.address;
  EXPECT_EQ(a, *ipv6_addr::parse("2001:db8:1:0:7b7b:771a:b49f:eb58"));
  EXPECT_TRUE(list.holds(a));
  EXPECT_FALSE(list.usable(a));  // tentative
  EXPECT_FALSE(list.source_for(*ipv6_addr::parse("2001:db8:2::1")));
  list.dad_succeeded(a, t0 + 1s);
  EXPECT_TRUE(list.usable(a));
  EXPECT_EQ(list.source_for(*ipv6_addr::parse("2001:db8:2::1")), a);
}

TEST(slaac, prefixes_rfc_4862_says_to_ignore_are_ignored) {
  auto list = make();
  using o = address_list::prefix_outcome;
  EXPECT_EQ(list.on_prefix(prefix("2001:db8:1::/64", 86400, 3600, false), t0), o::ignored);  // no A flag
  EXPECT_EQ(list.on_prefix(prefix("fe80::/64", 86400, 3600), t0), o::ignored);               // link-local
  EXPECT_EQ(list.on_prefix(prefix("2001:db8:1::/64", 100, 200), t0), o::ignored);            // preferred > valid
  EXPECT_EQ(list.on_prefix(prefix("2001:db8:1::/48", 86400, 3600), t0), o::ignored);         // not /64
  EXPECT_EQ(list.on_prefix(prefix("2001:db8:1::/64", 0, 0), t0), o::ignored);                // valid 0, new
  EXPECT_TRUE(list.addresses().empty());
}

TEST(slaac, an_advertisement_cannot_cut_a_valid_lifetime_below_two_hours) {
  auto list = make();
  list.on_prefix(prefix("2001:db8:1::/64", 86400, 3600), t0);
  const ipv6_addr a = list.addresses()[0].prefix.address;
  list.dad_succeeded(a, t0);
  // A forged RA asking for 10 s: two hours.
  EXPECT_EQ(list.on_prefix(prefix("2001:db8:1::/64", 10, 0), t0 + 1s), address_list::prefix_outcome::updated);
  EXPECT_EQ(list.find(a)->valid_until, t0 + 1s + 2h);
  // Longer is always taken.
  list.on_prefix(prefix("2001:db8:1::/64", 100000, 3600), t0 + 2s);
  EXPECT_EQ(list.find(a)->valid_until, t0 + 2s + 100000s);
  // Within the last two hours the lifetime is left alone.
  list.on_prefix(prefix("2001:db8:1::/64", 3600, 0), t0 + 2s + 100000s - 1h);
  EXPECT_EQ(list.find(a)->valid_until, t0 + 2s + 100000s);
}

TEST(slaac, lifetimes_deprecate_then_remove) {
  auto list = make();
  list.on_prefix(prefix("2001:db8:1::/64", 7200, 600), t0);
  const ipv6_addr a = list.addresses()[0].prefix.address;
  list.dad_succeeded(a, t0);
  EXPECT_EQ(list.poll_at(), t0 + 600s);
  list.poll(t0 + 600s);
  EXPECT_EQ(list.find(a)->what, state::deprecated);
  EXPECT_TRUE(list.usable(a));  // still a source when nothing better
  EXPECT_EQ(list.poll_at(), t0 + 7200s);
  list.poll(t0 + 7200s);
  EXPECT_FALSE(list.find(a));
}

TEST(slaac, a_dad_conflict_forms_the_next_address_then_gives_up) {
  auto list = make();
  list.on_prefix(prefix("2001:db8:1::/64", 86400, 3600), t0);
  ipv6_addr a = list.addresses()[0].prefix.address;
  auto next = list.dad_failed(a);
  ASSERT_TRUE(next);
  EXPECT_EQ(*next, *ipv6_addr::parse("2001:db8:1:0:722b:5cd6:985:22f0"));
  EXPECT_FALSE(list.holds(a));
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(next = list.dad_failed(*next));
  EXPECT_FALSE(list.dad_failed(*next));
  EXPECT_EQ(list.find(*next)->what, state::duplicate);
  EXPECT_FALSE(list.holds(*next));
  // A static address that conflicts is simply unusable.
  auto s = list.add_static(*ipv6_prefix::parse("2001:db8:9::1/64"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(list.dad_failed(s->prefix.address));
  EXPECT_EQ(list.find(s->prefix.address)->what, state::duplicate);
}

TEST(slaac, the_source_matches_the_destinations_scope_preferred_first) {
  auto list = make();
  const ipv6_addr ll = list.add_link_local(t0).prefix.address;
  EXPECT_EQ(ll, *ipv6_addr::parse("fe80::fea7:af2c:a2b4:94aa"));
  list.dad_succeeded(ll, t0);
  list.on_prefix(prefix("2001:db8:1::/64", 86400, 0), t0);  // deprecated at once
  list.on_prefix(prefix("2001:db8:2::/64", 86400, 3600), t0);
  for (const auto& x : std::vector<address_list::address>(list.addresses())) list.dad_succeeded(x.prefix.address, t0);
  EXPECT_EQ(list.source_for(*ipv6_addr::parse("fe80::1")), ll);
  EXPECT_EQ(list.source_for(*ipv6_addr::parse("ff02::1")), ll);
  const auto global = list.source_for(*ipv6_addr::parse("2001:db8:1::99"));
  ASSERT_TRUE(global);
  EXPECT_TRUE(ipv6_prefix::parse("2001:db8:2::/64")->contains(*global));  // preferred beats a longer match
  // Bounded.
  for (int i = 3; i < 20; ++i)
    list.on_prefix(prefix("2001:db8:" + std::to_string(i) + "::/64", 86400, 3600), t0);
  EXPECT_EQ(list.addresses().size(), 8u);
  EXPECT_EQ(list.on_prefix(prefix("2001:db8:99::/64", 86400, 3600), t0), address_list::prefix_outcome::full);
}

}  // namespace
