// Loading zones from their files: $INCLUDE followed through the loader's
// steps and through a key-value store, the origin and TTL an included
// file starts with, and every error naming the file and line it is on.
#include <fata/dns/zone_load.hpp>
#include <fata/dns/zone_store.hpp>

#include <gtest/gtest.h>

#include <fata/core/loop.hpp>
#include <fata/devices/kv_mem.hpp>
#include <fata/dns/text.hpp>

#include <string>
#include <string_view>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

name text_name(std::string_view s) { return name::from_text(s).value(); }

wall_time no_time(void*) { return {}; }

constexpr std::string_view head =
    "$TTL 300\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.1\n";

// The zone's records as "owner TTL TYPE" lines, in canonical order.
std::vector<std::string> listing(zone_builder& builder) {
  const zone z = std::move(builder).take();
  std::vector<std::string> out;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const zone_entry e = z.at(i);
    std::string line;
    format_sink sink = string_sink(line);
    write_name_text(sink, e.owner);
    format_to(sink, " {} ", e.ttl);
    write_type_text(sink, e.type);
    out.push_back(line);
  }
  return out;
}

struct store_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  devices::kv_mem store{1 << 20, &no_time, nullptr};
  memory_budget budget;
  zone_builder builder{text_name("example."), budget};

  void put(std::string_view key, std::string_view value) {
    ASSERT_TRUE(loop.run(store.set(key, value)).value().has_value());
  }
  // What load_zone says, as text: "" when the zone loaded.
  std::string load(std::string_view key) {
    auto loaded = loop.run(load_zone(store, std::string(key), builder));
    EXPECT_TRUE(loaded.has_value());
    if (!loaded) return "the loop refused";
    return *loaded ? std::string() : format("{}", loaded->error());
  }
};

TEST(DnsZoneLoader, AsksForEachIncludeAndReadsItWithItsOriginAndTheIncludersTtl) {
  memory_budget budget;
  zone_builder builder(text_name("example."), budget);
  const std::string top = std::string(head) +
                          "$TTL 600\n"
                          "$INCLUDE hosts.zone sub\n"
                          "after A 192.0.2.9\n";
  const std::string hosts =
      "www A 192.0.2.2\n"
      "$ORIGIN elsewhere.example.\n"
      "mail 60 A 192.0.2.3\n";
  zone_loader loader(builder, "top.zone", top);
  auto step = loader.run();
  ASSERT_TRUE(step.has_value());
  ASSERT_TRUE(step->has_value());
  EXPECT_EQ(**step, "hosts.zone");
  loader.provide(hosts);
  step = loader.run();
  ASSERT_TRUE(step.has_value());
  EXPECT_FALSE(step->has_value());
  // The include's $ORIGIN stays in it: "after" is under example. again.
  EXPECT_EQ(listing(builder), (std::vector<std::string>{
                                  "example. 300 NS",
                                  "example. 300 SOA",
                                  "after.example. 600 A",
                                  "mail.elsewhere.example. 60 A",
                                  "ns1.example. 300 A",
                                  "www.sub.example. 600 A",
                              }));
}

TEST(DnsZoneLoader, AnErrorInAnIncludedFileNamesThatFileAndLine) {
  memory_budget budget;
  zone_builder builder(text_name("example."), budget);
  const std::string top = std::string(head) + "$INCLUDE bad.zone\n";
  zone_loader loader(builder, "top.zone", top);
  ASSERT_TRUE(loader.run().value().has_value());
  loader.provide("ok A 192.0.2.5\nbroken A 192.0.2.256\n");
  auto step = loader.run();
  ASSERT_FALSE(step.has_value());
  EXPECT_EQ(step.error().what, zone_load_error::kind::file);
  EXPECT_EQ(format("{}", step.error()), "bad.zone:2: bad address");
}

TEST(DnsZoneLoader, IncludesNestDeeperThanTheLimitEndInAnError) {
  memory_budget budget;
  zone_builder builder(text_name("example."), budget);
  constexpr std::string_view itself = "$INCLUDE self.zone\n";
  zone_loader loader(builder, "self.zone", itself);
  std::size_t asked = 0;
  for (;;) {
    auto step = loader.run();
    if (!step) {
      EXPECT_EQ(step.error().what, zone_load_error::kind::include_depth);
      EXPECT_EQ(format("{}", step.error()), "self.zone: $INCLUDE nested deeper than 8 files");
      break;
    }
    ASSERT_TRUE(step->has_value()) << "a file including itself loaded";
    loader.provide(itself);
    ++asked;
  }
  EXPECT_EQ(asked, max_include_depth);
}

TEST(DnsZoneLoader, WhatTheZoneRefusesNamesOwnerAndTypeAndWhereItWasRead) {
  memory_budget budget;
  zone_builder builder(text_name("example."), budget);
  const std::string top = std::string(head) + "www.other. A 192.0.2.7\n";
  zone_loader loader(builder, "top.zone", top);
  auto step = loader.run();
  ASSERT_FALSE(step.has_value());
  EXPECT_EQ(format("{}", step.error()), "top.zone: zone: www.other. A: out of zone");

  // A check after the last record belongs to no file.
  memory_budget budget2;
  zone_builder no_ns(text_name("example."), budget2);
  zone_loader loader2(no_ns, "top.zone", "$TTL 1\n@ SOA ns1 h 1 2 3 4 5\n");
  step = loader2.run();
  ASSERT_FALSE(step.has_value());
  EXPECT_EQ(format("{}", step.error()), "zone: example. NS: no NS at the apex");
}

TEST_F(store_fixture, LoadsAZoneAndItsIncludesFromTheStore) {
  put("zones/example.zone", std::string(head) + "$INCLUDE zones/www.zone www\n");
  put("zones/www.zone", "@ AAAA 2001:db8::1\n");
  EXPECT_EQ(load("zones/example.zone"), "");
  EXPECT_EQ(listing(builder), (std::vector<std::string>{
                                  "example. 300 NS",
                                  "example. 300 SOA",
                                  "ns1.example. 300 A",
                                  "www.example. 300 AAAA",
                              }));
}

TEST_F(store_fixture, AMissingFileIsTheStoresErrorWithItsKey) {
  EXPECT_EQ(load("zones/none.zone"), "zones/none.zone: key not found");
}

TEST_F(store_fixture, AMissingIncludeIsTheStoresErrorWithItsKey) {
  put("zones/example.zone", std::string(head) + "$INCLUDE zones/gone.zone\n");
  EXPECT_EQ(load("zones/example.zone"), "zones/gone.zone: key not found");
}

TEST_F(store_fixture, ErrorsKeepTheirFileAfterTheTextsAreGone) {
  put("zones/example.zone", std::string(head) + "$INCLUDE zones/bad.zone\n");
  put("zones/bad.zone", "\n\nx MX ten mail\n");
  EXPECT_EQ(load("zones/example.zone"), "zones/bad.zone:3: bad number");
}

}  // namespace
