#include <fata/core/time.hpp>

#include <gtest/gtest.h>

namespace {

using namespace fata;

TEST(time, civil_conversion_round_trips) {
  const civil_time c = to_civil(wall_from_ns(0));
  EXPECT_EQ(c.year, 1970);
  EXPECT_EQ(c.month, 1);
  EXPECT_EQ(c.day, 1);
  EXPECT_EQ(c.weekday, 4);  // Thursday
  // 2024-02-29T12:34:56Z, a leap day.
  const wall_time t = wall_from_ns(1'709'210'096'000'000'000);
  const civil_time d = to_civil(t);
  EXPECT_EQ(d.year, 2024);
  EXPECT_EQ(d.month, 2);
  EXPECT_EQ(d.day, 29);
  EXPECT_EQ(d.hour, 12);
  EXPECT_EQ(d.minute, 34);
  EXPECT_EQ(d.second, 56);
  EXPECT_EQ(d.weekday, 4);
  EXPECT_EQ(from_civil(d), t);
}

TEST(time, saturating_add_never_wraps) {
  EXPECT_EQ(saturating_add(mono_never, 1s), mono_never);
  EXPECT_EQ(saturating_add(mono_from_ns(5), 10ns), mono_from_ns(15));
  EXPECT_EQ(saturating_add(mono_from_ns(INT64_MAX - 5), 10ns), mono_never);
}

}  // namespace
