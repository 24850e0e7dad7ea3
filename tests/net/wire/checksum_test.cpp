// The Internet checksum (RFC 1071): the word-at-a-time accumulator against
// a byte-by-byte reference, at every length, alignment and split.
#include <fata/net/wire/checksum.hpp>

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace {

using namespace fata;
using fata::net::wire::checksum_accumulator;
using fata::net::wire::internet_checksum;

// RFC 1071 §4.1, one big-endian 16-bit word at a time.
std::uint16_t reference(const std::uint8_t* p, std::size_t n) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i < n; i += 2) sum += std::uint32_t(p[i]) << 8 | (i + 1 < n ? p[i + 1] : 0);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return std::uint16_t(~sum);
}

std::vector<std::uint8_t> noise(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> v(n);
  for (auto& b : v) {
    seed = seed * 1664525u + 1013904223u;
    b = std::uint8_t(seed >> 24);
  }
  return v;
}

TEST(internet_checksum, matches_the_rfc_1071_example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2.
  const std::uint8_t d[] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(internet_checksum(bytes(reinterpret_cast<const std::byte*>(d), sizeof d)), 0xffff - 0xddf2);
}

TEST(internet_checksum, matches_the_reference_at_every_length_and_alignment) {
  const auto data = noise(600, 1);
  for (std::size_t start = 0; start < 8; ++start)
    for (std::size_t n = 0; n + start <= data.size(); ++n)
      ASSERT_EQ(internet_checksum(bytes(reinterpret_cast<const std::byte*>(data.data() + start), n)),
                reference(data.data() + start, n))
          << "start " << start << " length " << n;
}

TEST(internet_checksum, all_ones_words_do_not_overflow) {
  const std::vector<std::uint8_t> data(65535, 0xff);
  EXPECT_EQ(internet_checksum(bytes(reinterpret_cast<const std::byte*>(data.data()), data.size())),
            reference(data.data(), data.size()));
}

TEST(internet_checksum, pieces_of_any_length_sum_like_the_whole) {
  const auto data = noise(1500, 7);
  const auto* p = reinterpret_cast<const std::byte*>(data.data());
  std::uint32_t seed = 3;
  for (int round = 0; round < 200; ++round) {
    checksum_accumulator acc;
    std::size_t at = 0;
    while (at < data.size()) {
      seed = seed * 1664525u + 1013904223u;
      const std::size_t left = data.size() - at;
      const std::size_t n = std::min<std::size_t>(left, seed >> 24);  // 0..255, odd ones too
      acc.add(bytes(p + at, n));
      at += n;
    }
    ASSERT_EQ(acc.finish(), reference(data.data(), data.size())) << "round " << round;
  }
}

}  // namespace
