#include <fata/core/log.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace fata;

struct captured {
  std::vector<std::string> lines;
};

struct log_fixture : ::testing::Test {
  captured out;
  void SetUp() override {
    log::reset();
    log::set_output(
        [](void* ctx, const log::record& r) {
          std::string line;
          format_sink s = string_sink(line);
          log::format_record(s, r);
          static_cast<captured*>(ctx)->lines.push_back(line);
        },
        &out);
    log::set_clock([](void*) { return wall_from_ns(1'700'000'000'123'000'000); }, nullptr);
  }
  void TearDown() override {
    log::set_output(nullptr, nullptr);
    log::set_clock(nullptr, nullptr);
    log::reset();
  }
};

TEST_F(log_fixture, records_carry_time_level_source_and_message) {
  log::source src{"test.a", "A"};
  src.info("hello {}", 42);
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_EQ(out.lines[0], "2023-11-14T22:13:20.123Z INFO  [test.a] hello 42\n");
}

TEST_F(log_fixture, default_level_is_info) {
  log::source src{"test.a", "A"};
  src.debug("hidden");
  src.warn("shown");
  ASSERT_EQ(out.lines.size(), 1u);
  EXPECT_NE(out.lines[0].find("WARN  [test.a] shown"), std::string::npos);
}

TEST_F(log_fixture, specifications_apply_in_order_with_wildcards) {
  log::source tcp{"net.tcp", ""}, arp{"net.arp", ""}, app{"app", ""};
  ASSERT_TRUE(log::configure("*:warning,net.*:debug,net.arp:error"));
  EXPECT_EQ(tcp.threshold(), log::level::debug);
  EXPECT_EQ(arp.threshold(), log::level::error);
  EXPECT_EQ(app.threshold(), log::level::warning);
  // Sources created later pick up the rules too.
  log::source udp{"net.udp", ""};
  EXPECT_EQ(udp.threshold(), log::level::debug);
}

TEST_F(log_fixture, a_bare_level_sets_every_source) {
  log::source a{"a", ""};
  ASSERT_TRUE(log::configure("quiet"));
  a.error("nothing");
  EXPECT_TRUE(out.lines.empty());
}

TEST_F(log_fixture, bad_specifications_are_rejected_with_a_message) {
  auto r = log::configure("net.tcp:loud");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), "unknown log level 'loud' (expected quiet, error, warning, info or debug)");
  EXPECT_FALSE(log::configure("a:debug,,b:info"));
  EXPECT_FALSE(log::configure(":debug"));
}

}  // namespace
