// resolve_addresses (client.hpp) over a scripted sig::dns_client: address
// literals asked of nobody, each family's records in RFC 8305's order,
// one family's records sufficing, and which error wins when neither has
// any. dns.lookup-unbound runs the real client through unbound, and
// tcp-fetch by host name through it.
#include <fata/dns/client.hpp>

#include <gtest/gtest.h>

#include <fata/core/loop.hpp>
#include <fata/dns/text.hpp>

#include <map>
#include <utility>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

// Answers from a table; a question not in it is NXDOMAIN. Counts what it
// was asked.
struct scripted_client {
  std::map<std::pair<std::string, rr_type>, result<lookup_result, lookup_error>> answers;
  std::vector<std::pair<std::string, rr_type>> asked;

  task<result<lookup_result, lookup_error>> lookup(name qname, rr_type qtype) {
    const std::string text = format("{}", qname);
    asked.emplace_back(text, qtype);
    const auto it = answers.find({text, qtype});
    if (it == answers.end()) co_return unexpected(lookup_error::nxdomain);
    co_return it->second;
  }
};
static_assert(sig::dns_client<scripted_client>);

lookup_result records(rr_type type, std::vector<std::vector<std::uint8_t>> rdatas) {
  lookup_result r;
  r.type = type;
  r.ttl = 60;
  for (const auto& d : rdatas) r.add(bytes(reinterpret_cast<const std::byte*>(d.data()), d.size()));
  return r;
}

struct resolve_fixture : ::testing::Test {
  virtual_backend clock;
  loop event_loop{clock};
  scripted_client client;

  result<std::vector<ip_addr>, lookup_error> resolve(std::string host, address_families families) {
    auto run = event_loop.run(resolve_addresses(client, host, families));
    EXPECT_TRUE(run.has_value());
    return run ? *run : unexpected(lookup_error::no_memory);
  }
};

std::vector<std::uint8_t> v6_loopback() {
  std::vector<std::uint8_t> a(16, 0);
  a[15] = 1;
  return a;
}

TEST_F(resolve_fixture, an_address_literal_is_not_looked_up) {
  auto v4 = resolve("192.0.2.1", address_families::ipv4_ipv6);
  ASSERT_TRUE(v4);
  EXPECT_EQ(*v4, std::vector<ip_addr>{ip_addr(ipv4_addr(192, 0, 2, 1))});
  auto v6 = resolve("::1", address_families::ipv4);
  ASSERT_TRUE(v6);
  EXPECT_EQ(*v6, std::vector<ip_addr>{ip_addr(ipv6_addr::loopback())});
  EXPECT_TRUE(client.asked.empty());
}

TEST_F(resolve_fixture, ipv4_asks_for_a_records_only) {
  client.answers.insert({{"host.example.", rr_type::a}, records(rr_type::a, {{192, 0, 2, 7}, {192, 0, 2, 8}})});
  auto found = resolve("host.example", address_families::ipv4);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, (std::vector<ip_addr>{ipv4_addr(192, 0, 2, 7), ipv4_addr(192, 0, 2, 8)}));
  ASSERT_EQ(client.asked.size(), 1u);
  EXPECT_EQ(client.asked[0].second, rr_type::a);
}

TEST_F(resolve_fixture, both_families_put_ipv6_first) {
  client.answers.insert({{"host.example.", rr_type::a}, records(rr_type::a, {{127, 0, 0, 1}})});
  client.answers.insert({{"host.example.", rr_type::aaaa}, records(rr_type::aaaa, {v6_loopback()})});
  auto found = resolve("host.example.", address_families::ipv4_ipv6);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, (std::vector<ip_addr>{ipv6_addr::loopback(), ipv4_addr(127, 0, 0, 1)}));
}

TEST_F(resolve_fixture, one_familys_records_suffice) {
  client.answers.insert({{"v4only.example.", rr_type::a}, records(rr_type::a, {{10, 0, 0, 1}})});
  client.answers.insert({{"v4only.example.", rr_type::aaaa}, unexpected(lookup_error::no_data)});
  auto found = resolve("v4only.example", address_families::ipv4_ipv6);
  ASSERT_TRUE(found);
  EXPECT_EQ(*found, std::vector<ip_addr>{ipv4_addr(10, 0, 0, 1)});
}

TEST_F(resolve_fixture, nxdomain_wins_over_no_data_which_wins_over_failures) {
  client.answers.insert({{"gone.example.", rr_type::aaaa}, unexpected(lookup_error::timed_out)});
  auto gone = resolve("gone.example", address_families::ipv4_ipv6);  // A: NXDOMAIN (not in the table)
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error(), lookup_error::nxdomain);

  client.answers.insert({{"empty.example.", rr_type::aaaa}, unexpected(lookup_error::server_failure)});
  client.answers.insert({{"empty.example.", rr_type::a}, unexpected(lookup_error::no_data)});
  auto empty = resolve("empty.example", address_families::ipv4_ipv6);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error(), lookup_error::no_data);

  client.answers.insert({{"down.example.", rr_type::a}, unexpected(lookup_error::timed_out)});
  auto down = resolve("down.example", address_families::ipv4);
  ASSERT_FALSE(down);
  EXPECT_EQ(down.error(), lookup_error::timed_out);
}

TEST_F(resolve_fixture, records_of_the_wrong_size_are_skipped) {
  client.answers.insert({{"odd.example.", rr_type::a}, records(rr_type::a, {{1, 2, 3}})});
  auto odd = resolve("odd.example", address_families::ipv4);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error(), lookup_error::no_data);
}

TEST_F(resolve_fixture, a_malformed_or_empty_name_is_bad_without_asking) {
  for (const char* host : {"", "bad..name", "a\\"}) {
    auto r = resolve(host, address_families::ipv4);
    ASSERT_FALSE(r) << host;
    EXPECT_EQ(r.error(), lookup_error::bad_name) << host;
  }
  EXPECT_TRUE(client.asked.empty());
}

}  // namespace
