#include <fata/core/budget.hpp>

#include <gtest/gtest.h>

namespace {

using fata::memory_budget;
using fata::memory_charge;

TEST(memory_budget, charges_up_to_the_limit_and_counts_refusals) {
  memory_budget b(100);
  EXPECT_TRUE(b.try_charge(60));
  EXPECT_FALSE(b.try_charge(41));
  EXPECT_TRUE(b.try_charge(40));
  EXPECT_EQ(b.available(), 0u);
  EXPECT_EQ(b.refusals(), 1u);
  b.release(100);
  EXPECT_EQ(b.used(), 0u);
  EXPECT_EQ(b.peak(), 100u);
}

TEST(memory_budget, a_charge_larger_than_the_limit_does_not_wrap) {
  memory_budget b(100);
  EXPECT_TRUE(b.try_charge(50));
  EXPECT_FALSE(b.try_charge(memory_budget::unlimited));
  EXPECT_FALSE(b.try_charge(memory_budget::unlimited - 20));
  EXPECT_EQ(b.used(), 50u);
}

TEST(memory_budget, a_charge_gives_itself_back_and_moves) {
  memory_budget b(100);
  {
    memory_charge c(&b, 70);
    EXPECT_TRUE(c.ok());
    memory_charge refused(&b, 70);
    EXPECT_FALSE(refused.ok());
    memory_charge moved(std::move(c));
    EXPECT_EQ(b.used(), 70u);
    c = std::move(moved);
    EXPECT_EQ(b.used(), 70u);
  }
  EXPECT_EQ(b.used(), 0u);
  memory_charge unbudgeted(nullptr, 1000);
  EXPECT_TRUE(unbudgeted.ok());
}

TEST(memory_budget, shares_of_the_heap_keep_the_reserve_out) {
  constexpr std::size_t mib = 1024 * 1024;
  EXPECT_EQ(fata::heap_reserve(64 * mib), 8 * mib);
  EXPECT_EQ(fata::heap_reserve(4 * mib), mib);
  EXPECT_EQ(fata::share_of_heap(64 * mib, 1, 4, 7), 14 * mib);
  EXPECT_EQ(fata::share_of_heap(0, 1, 4, 7), 7u);
  EXPECT_EQ(fata::share_of_heap(mib / 2, 1, 4, 7), 0u);
}

}  // namespace
