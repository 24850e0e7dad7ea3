#include <fata/core/bytes.hpp>

#include <gtest/gtest.h>

namespace {

using namespace fata;

TEST(bytes, big_and_little_endian_fields) {
  std::byte raw[8]{};
  mut_bytes v(raw, sizeof raw);
  v.set_be16(0, 0x1234);
  v.set_be32(2, 0xdeadbeef);
  v.set_le16(6, 0xabcd);
  EXPECT_EQ(v.u8(0), 0x12);
  EXPECT_EQ(v.u8(1), 0x34);
  EXPECT_EQ(v.be16(0), 0x1234);
  EXPECT_EQ(v.be32(2), 0xdeadbeefu);
  EXPECT_EQ(v.u8(6), 0xcd);
  EXPECT_EQ(v.le16(6), 0xabcd);
  v.set_be64(0, 0x0102030405060708ull);
  EXPECT_EQ(v.be64(0), 0x0102030405060708ull);
  EXPECT_EQ(v.le64(0), 0x0807060504030201ull);
}

TEST(bytes, slices_share_memory_without_copying) {
  std::byte raw[16]{};
  mut_bytes v(raw, sizeof raw);
  mut_bytes mid = v.sub(4, 8);
  mid.set_u8(0, 0x55);
  EXPECT_EQ(v.u8(4), 0x55);
  EXPECT_EQ(mid.data(), raw + 4);
  EXPECT_EQ(mid.skip(2).size(), 6u);
  EXPECT_EQ(mid.last(3).data(), raw + 9);
  bytes ro = mid;
  EXPECT_EQ(ro.first(1).u8(0), 0x55);
}

TEST(bytes, equality_compares_contents) {
  EXPECT_EQ(bytes::of("abc"), bytes::of("abc"));
  EXPECT_FALSE(bytes::of("abc") == bytes::of("abd"));
  EXPECT_EQ(bytes::of("hello").sub(1, 3).chars(), "ell");
}

TEST(bytes, buffer_owns_and_copies) {
  buffer b = buffer::copy_of(bytes::of("xyz"));
  ASSERT_TRUE(b.valid());
  EXPECT_EQ(b.size(), 3u);
  buffer moved = std::move(b);
  EXPECT_EQ(moved.view().chars(), "xyz");
  EXPECT_EQ(b.size(), 0u);
}

TEST(bytes_death, out_of_range_access_is_a_contract_violation) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  std::byte raw[4]{};
  bytes v(raw, sizeof raw);
  EXPECT_DEATH((void)v.be32(1), "contract violated");
  EXPECT_DEATH((void)v.sub(2, 3), "contract violated");
  EXPECT_DEATH((void)v.u8(4), "contract violated");
}

}  // namespace
