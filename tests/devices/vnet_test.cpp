// Completing the partial checksum a TAP with TUN_F_CSUM leaves in a frame.
#include "vnet.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace {

using fata::platform::vnet::complete_checksum;

// RFC 1071, one big-endian word at a time: the reference.
std::uint32_t add_words(const std::vector<std::byte>& d, std::size_t from, std::size_t to, std::uint32_t sum) {
  for (std::size_t i = from; i < to; i += 2) {
    std::uint32_t w = std::uint32_t(d[i]) << 8;
    if (i + 1 < to) w |= std::uint32_t(d[i + 1]);
    sum += w;
  }
  return sum;
}
std::uint16_t fold(std::uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}
std::uint16_t be16(const std::vector<std::byte>& d, std::size_t at) {
  return static_cast<std::uint16_t>((std::uint32_t(d[at]) << 8) | std::uint32_t(d[at + 1]));
}
void put16(std::vector<std::byte>& d, std::size_t at, std::uint16_t v) {
  d[at] = std::byte(v >> 8);
  d[at + 1] = std::byte(v & 0xff);
}

// Ethernet (14) + IPv4 (20) + TCP (20) + payload, with the TCP checksum
// field holding the pseudo-header sum as Linux leaves it.
constexpr std::size_t tcp_at = 34;
std::vector<std::byte> partial_tcp_frame(std::size_t payload) {
  std::vector<std::byte> f(tcp_at + 20 + payload);
  for (std::size_t i = 0; i < f.size(); ++i) f[i] = std::byte((i * 131 + 17) & 0xff);
  const std::size_t tcp_len = 20 + payload;
  // Pseudo header: source, destination, protocol 6, TCP length.
  std::uint32_t pseudo = add_words(f, 26, 34, 0) + 6 + std::uint32_t(tcp_len);
  put16(f, tcp_at + 16, fold(pseudo));
  return f;
}
// A receiver's check: the sum over pseudo header and segment folds to 0xffff.
bool tcp_checksum_ok(const std::vector<std::byte>& f) {
  const std::size_t tcp_len = f.size() - tcp_at;
  std::uint32_t sum = add_words(f, 26, 34, 0) + 6 + std::uint32_t(tcp_len);
  return fold(add_words(f, tcp_at, f.size(), sum)) == 0xffff;
}

TEST(vnet, completes_a_partial_tcp_checksum) {
  auto f = partial_tcp_frame(1000);
  ASSERT_FALSE(tcp_checksum_ok(f));
  ASSERT_TRUE(complete_checksum(f, tcp_at, 16));
  EXPECT_TRUE(tcp_checksum_ok(f));
}

TEST(vnet, completes_the_checksum_of_a_64_kib_segment_with_an_odd_length) {
  auto f = partial_tcp_frame(65535 - 40 - 0);  // odd, the largest IPv4 packet
  ASSERT_EQ(f.size() % 2, 1u);
  ASSERT_TRUE(complete_checksum(f, tcp_at, 16));
  EXPECT_TRUE(tcp_checksum_ok(f));
}

TEST(vnet, stores_a_zero_checksum_as_0xffff) {
  // Data summing to 0xffff: the complement is 0, written as 0xffff.
  std::vector<std::byte> f{std::byte{0xff}, std::byte{0x00}, std::byte{0x00}, std::byte{0xff},
                           std::byte{0x00}, std::byte{0x00}};
  ASSERT_TRUE(complete_checksum(f, 0, 4));
  EXPECT_EQ(be16(f, 4), 0xffff);
}

TEST(vnet, refuses_a_checksum_field_outside_the_frame) {
  auto f = partial_tcp_frame(10);
  const auto before = f;
  EXPECT_FALSE(complete_checksum(f, tcp_at, f.size() - tcp_at - 1));
  EXPECT_FALSE(complete_checksum(f, f.size() + 1, 0));
  EXPECT_FALSE(complete_checksum(f, tcp_at, 70000));
  EXPECT_EQ(f, before);
}

}  // namespace
