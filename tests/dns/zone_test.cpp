// The zone in memory: canonical order, lookups, duplicates and TTLs, the
// memory budget, and every load-time check with the owner it names.
#include <fata/dns/zone.hpp>

#include <gtest/gtest.h>

#include <fata/dns/zone_load.hpp>

#include <optional>
#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

name text_name(std::string_view s) { return name::from_text(s).value(); }

constexpr std::string_view good_head =
    "$TTL 300\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.1\n";

// The zone, or the problem that stopped it. (A pair rather than a
// result<zone>: see zone_builder::finish.)
struct loaded {
  std::optional<zone> z;
  zone_problem problem;
  bool has_value() const { return z.has_value(); }
  const zone* operator->() const { return &*z; }
  const zone_problem& error() const { return problem; }
};

loaded load(std::string_view text, memory_budget& budget) {
  zone_builder builder(text_name("example."), budget);
  zone_loader loader(builder, "test.zone", text);
  auto step = loader.run();
  EXPECT_TRUE(step || step.error().what == zone_load_error::kind::zone) << format("{}", step.error());
  EXPECT_FALSE(step && *step) << "an $INCLUDE";
  if (!step) return {std::nullopt, step.error().problem};
  return {std::move(builder).take(), {}};
}

loaded load(std::string_view text) {
  static memory_budget unlimited;
  return load(text, unlimited);
}

std::string owner_text(const name& n) {
  char text[max_name_text];
  return std::string(text, n.to_text(text));
}

TEST(DnsZone, KeepsRecordsInCanonicalOrderAndFindsThem) {
  auto z = load(std::string(good_head) +
                "z A 192.0.2.9\n"
                "*.z A 192.0.2.8\n"
                "a AAAA 2001:db8::1\n"
                "a A 192.0.2.3\n"
                "a A 192.0.2.2\n"
                "A TXT \"case\"\n");
  ASSERT_TRUE(z.has_value()) << describe(z.error().error);
  std::vector<std::string> owners;
  for (std::size_t i = 0; i < z->size(); ++i) owners.push_back(owner_text(z->at(i).owner));
  // RFC 4034 §6.1: the apex, then by labels from the right, case ignored.
  EXPECT_EQ(owners, (std::vector<std::string>{"example.", "example.", "a.example.", "a.example.",
                                              "A.example.", "a.example.", "ns1.example.",
                                              "z.example.", "*.z.example."}));
  const auto a = z->find(text_name("A.EXAMPLE."), rr_type::a);
  ASSERT_EQ(a.last - a.first, 2u);
  EXPECT_EQ(z->at(a.first).rdata.u8(3), 2);  // data in order too
  EXPECT_EQ(z->at(a.first + 1).rdata.u8(3), 3);
  EXPECT_EQ(z->find(text_name("a.example.")).last - z->find(text_name("a.example.")).first, 4u);
  EXPECT_TRUE(z->find(text_name("b.example."), rr_type::a).empty());
  EXPECT_TRUE(z->find(text_name("a.example."), rr_type::mx).empty());
  EXPECT_EQ(z->find(text_name("example."), rr_type::soa).last - z->find(text_name("example."), rr_type::soa).first, 1u);
}

TEST(DnsZone, DropsDuplicatesAndGivesAnRrsetItsLowestTtl) {
  auto z = load(std::string(good_head) +
                "a 60 A 192.0.2.2\n"
                "a 30 A 192.0.2.3\n"
                "a 90 A 192.0.2.2\n");
  ASSERT_TRUE(z.has_value());
  EXPECT_EQ(z->duplicates_dropped(), 1u);
  const auto r = z->find(text_name("a.example."), rr_type::a);
  ASSERT_EQ(r.last - r.first, 2u);
  EXPECT_EQ(z->at(r.first).ttl, 30u);
  EXPECT_EQ(z->at(r.first + 1).ttl, 30u);
  EXPECT_EQ(z->ttls_lowered(), 1u);
  // RRSIGs keep the TTLs of the RRsets they cover.
  auto signed_zone = load(std::string(good_head) +
                          "a 60 A 192.0.2.2\n"
                          "a 600 TXT \"t\"\n"
                          "a 60 RRSIG A 13 2 60 20270101000000 20261201000000 1 example. AQID\n"
                          "a 600 RRSIG TXT 13 2 600 20270101000000 20261201000000 1 example. AQID\n");
  ASSERT_TRUE(signed_zone.has_value());
  const auto sigs = signed_zone->find(text_name("a.example."), rr_type::rrsig);
  ASSERT_EQ(sigs.last - sigs.first, 2u);
  EXPECT_EQ(signed_zone->at(sigs.first).ttl + signed_zone->at(sigs.first + 1).ttl, 660u);
  EXPECT_EQ(signed_zone->ttls_lowered(), 0u);
}

TEST(DnsZone, DelegationsWithGlue) {
  auto z = load(std::string(good_head) +
                "sub NS ns.sub\n"
                "sub NS ns.elsewhere.test.\n"
                "sub DS 1 13 2 00\n"
                "ns.sub A 192.0.2.53\n"
                "ns.sub AAAA 2001:db8::53\n"
                "after A 192.0.2.4\n"
                // A name server named as the delegation itself, with its glue there.
                "self NS self\n"
                "self A 192.0.2.54\n");
  ASSERT_TRUE(z.has_value()) << describe(z.error().error) << " " << owner_text(z.error().owner);
}

void expect_problem(std::string_view body, zone_error error, std::string_view owner,
                    rr_type type, bool with_head = true) {
  auto z = load(with_head ? std::string(good_head) + std::string(body) : std::string(body));
  ASSERT_FALSE(z.has_value()) << body;
  EXPECT_EQ(z.error().error, error) << body << ": " << describe(z.error().error);
  EXPECT_EQ(owner_text(z.error().owner), owner) << body;
  EXPECT_EQ(z.error().type, type) << body;
}

TEST(DnsZone, EveryLoadTimeCheckNamesItsOwner) {
  expect_problem("x.other. A 192.0.2.1\n", zone_error::out_of_zone, "x.other.", rr_type::a);
  expect_problem("$TTL 300\n@ NS ns1\nns1 A 192.0.2.1\n", zone_error::no_soa, "example.",
                 rr_type::soa, false);
  expect_problem("@ SOA ns2 hostmaster 2 7200 3600 1209600 300\n", zone_error::several_soas,
                 "example.", rr_type::soa);
  expect_problem("sub SOA ns1 hostmaster 1 7200 3600 1209600 300\n", zone_error::soa_not_at_apex,
                 "sub.example.", rr_type::soa);
  expect_problem("$TTL 300\n@ SOA ns1 hostmaster 1 7200 3600 1209600 300\nns1 A 192.0.2.1\n",
                 zone_error::no_apex_ns, "example.", rr_type::ns, false);
  expect_problem("@ DS 1 13 2 00\n", zone_error::ds_at_apex, "example.", rr_type::ds);
  expect_problem("www CNAME ns1\nwww A 192.0.2.7\n", zone_error::cname_and_other, "www.example.",
                 rr_type::a);
  expect_problem("www CNAME ns1\nwww CNAME ns2\n", zone_error::cname_and_other, "www.example.",
                 rr_type::cname);
  expect_problem("d DNAME elsewhere.test.\nx.d A 192.0.2.7\n", zone_error::below_dname,
                 "x.d.example.", rr_type::a);
  expect_problem("sub NS ns.elsewhere.test.\nsub TXT \"hidden\"\n", zone_error::occluded,
                 "sub.example.", rr_type::txt);
  expect_problem("sub NS ns.elsewhere.test.\nhost.sub TXT \"hidden\"\n", zone_error::occluded,
                 "host.sub.example.", rr_type::txt);
  expect_problem("sub NS ns.elsewhere.test.\ndeeper.sub NS ns.elsewhere.test.\n",
                 zone_error::occluded, "deeper.sub.example.", rr_type::ns);
  expect_problem("sub NS ns.sub\n", zone_error::missing_glue, "sub.example.", rr_type::ns);
}

TEST(DnsZone, CnamesMayHaveDnssecRecordsBesideThem) {
  EXPECT_TRUE(load(std::string(good_head) +
                   "www CNAME ns1\n"
                   "www RRSIG CNAME 13 2 300 20270101000000 20261201000000 1 example. AQID\n"
                   "www NSEC zz.example. CNAME RRSIG NSEC\n")
                  .has_value());
}

TEST(DnsZone, ChargesItsMemoryAndRefusesPastTheBudget) {
  std::string big(good_head);
  for (int i = 0; i < 1000; ++i) big += "h" + std::to_string(i) + " A 192.0.2.1\n";
  memory_budget budget(1 << 20);
  {
    auto z = load(big, budget);
    ASSERT_TRUE(z.has_value());
    EXPECT_EQ(budget.used(), z->memory());
    EXPECT_GT(z->memory(), 1000u * 20);
  }
  EXPECT_EQ(budget.used(), 0u);  // given back with the zone
  memory_budget small(8 << 10);
  auto z = load(big, small);
  ASSERT_FALSE(z.has_value());
  EXPECT_EQ(z.error().error, zone_error::over_budget);
  EXPECT_EQ(small.used(), 0u);  // and with a builder that gave up
}

}  // namespace
