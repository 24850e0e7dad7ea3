#include <fata/devices/random.hpp>

#include <bearssl.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

namespace {

using fata::mut_bytes;
using fata::devices::random;
using fata::devices::random_policy;
using fata::platform::status;
using fata::sig::random_error;

// A scripted entropy source: a known byte stream, which can be made to
// fail. Function pointers cannot capture, hence the globals.
struct scripted_source {
  std::size_t position = 0;
  bool failing = false;
  std::size_t calls = 0;

  static std::byte byte_at(std::size_t i) { return std::byte(static_cast<std::uint8_t>(i * 7 + 3)); }
  std::vector<std::byte> next(std::size_t n) {
    std::vector<std::byte> out(n);
    for (auto& b : out) b = byte_at(position++);
    return out;
  }
};
scripted_source source;

status scripted(std::span<std::byte> out) {
  ++source.calls;
  if (source.failing) return status::unavailable;
  auto bytes = source.next(out.size());
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return status::ok;
}

status no_entropy(std::span<std::byte>) { return status::unavailable; }

// The same DRBG driven by hand, as the reference.
struct reference {
  br_hmac_drbg_context ctx;
  scripted_source stream;
  reference() {
    auto seed = stream.next(random::seed_size);
    br_hmac_drbg_init(&ctx, &br_sha256_vtable, seed.data(), seed.size());
  }
  std::vector<std::byte> generate(std::size_t n) {
    std::vector<std::byte> out(n);
    br_hmac_drbg_generate(&ctx, out.data(), n);
    return out;
  }
  void reseed() {
    auto fresh = stream.next(random::reseed_size);
    br_hmac_drbg_update(&ctx, fresh.data(), fresh.size());
  }
};

struct random_test : ::testing::Test {
  void SetUp() override { source = scripted_source{}; }

  random make(const random_policy& policy = {}) {
    auto r = random::create_from(&scripted, policy);
    EXPECT_TRUE(r.has_value());
    return std::move(*r);
  }
  static std::vector<std::byte> fill(random& r, std::size_t n) {
    std::vector<std::byte> out(n);
    EXPECT_TRUE(r.fill(mut_bytes(out.data(), n)).has_value());
    return out;
  }
  static void append(std::vector<std::byte>& to, const std::vector<std::byte>& more) {
    to.insert(to.end(), more.begin(), more.end());
  }
};

TEST_F(random_test, platform_generator_is_created_on_hosted) {
  auto r = random::create();
  ASSERT_TRUE(r.has_value());
  std::array<std::byte, 64> out{};
  EXPECT_TRUE(r->fill(mut_bytes(out.data(), out.size())).has_value());
}

TEST_F(random_test, creation_fails_with_no_entropy_when_the_source_has_none) {
  auto r = random::create_from(&no_entropy);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), random_error::no_entropy);
}

TEST_F(random_test, creation_draws_seed_size_bytes_once) {
  auto r = make();
  EXPECT_EQ(source.calls, 1u);
  EXPECT_EQ(source.position, random::seed_size);
}

TEST_F(random_test, output_is_bearssl_hmac_drbg_sha256_over_the_seed) {
  auto r = make();
  reference ref;
  EXPECT_EQ(fill(r, 100), ref.generate(100));
  EXPECT_EQ(fill(r, 33), ref.generate(33));
}

TEST_F(random_test, large_fills_are_cut_into_requests_of_64_kib) {
  auto r = make();
  reference ref;
  // HMAC-DRBG output depends on how it is split into requests, so this
  // fails unless the device splits exactly at max_request_size.
  std::vector<std::byte> expected = ref.generate(random::max_request_size);
  append(expected, ref.generate(100'000 - random::max_request_size));
  EXPECT_EQ(fill(r, 100'000), expected);
}

TEST_F(random_test, reseeds_from_the_source_after_reseed_after_bytes) {
  random_policy p;
  p.reseed_after_bytes = 1000;
  auto r = make(p);
  reference ref;
  std::vector<std::byte> expected = ref.generate(1000);
  ref.reseed();
  append(expected, ref.generate(500));
  EXPECT_EQ(fill(r, 1500), expected);
  EXPECT_EQ(r.stats().reseeds, 1u);
  EXPECT_EQ(source.position, random::seed_size + random::reseed_size);
}

TEST_F(random_test, reseeds_from_the_source_after_reseed_after_requests) {
  random_policy p;
  p.reseed_after_requests = 3;
  auto r = make(p);
  reference ref;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(fill(r, 10), ref.generate(10));
  EXPECT_EQ(r.stats().reseeds, 0u);
  ref.reseed();
  EXPECT_EQ(fill(r, 10), ref.generate(10));
  EXPECT_EQ(r.stats().reseeds, 1u);
}

TEST_F(random_test, keeps_generating_and_counts_when_a_reseed_fails) {
  random_policy p;
  p.reseed_after_bytes = 100;
  auto r = make(p);
  source.failing = true;
  fill(r, 100);
  auto more = std::vector<std::byte>(50);
  EXPECT_TRUE(r.fill(mut_bytes(more.data(), more.size())).has_value());
  EXPECT_TRUE(r.fill(mut_bytes(more.data(), more.size())).has_value());
  EXPECT_EQ(r.stats().failed_reseeds, 2u);
  EXPECT_EQ(r.stats().reseeds, 0u);
  source.failing = false;
  fill(r, 1);
  EXPECT_EQ(r.stats().reseeds, 1u);
}

TEST_F(random_test, refuses_with_no_entropy_once_overdue_past_refuse_after_bytes) {
  random_policy p;
  p.reseed_after_bytes = 1000;
  p.refuse_after_bytes = 2000;
  auto r = make(p);
  source.failing = true;
  fill(r, 1500);
  fill(r, 600);  // 2100 bytes since the seed: the next request must reseed
  std::vector<std::byte> out(16, std::byte{0xaa});
  auto refused = r.fill(mut_bytes(out.data(), out.size()));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error(), random_error::no_entropy);
  source.failing = false;
  EXPECT_TRUE(r.fill(mut_bytes(out.data(), out.size())).has_value());
  EXPECT_EQ(r.stats().reseeds, 1u);
}

TEST_F(random_test, a_refused_fill_leaves_no_generated_bytes_behind) {
  random_policy p;
  p.reseed_after_bytes = 1000;
  p.refuse_after_bytes = 1000;
  auto r = make(p);
  fill(r, 900);
  source.failing = true;
  // The first 100 bytes are generated before the reseed point; the rest
  // is refused, and those 100 bytes must not be handed out.
  std::vector<std::byte> out(300, std::byte{0xaa});
  ASSERT_FALSE(r.fill(mut_bytes(out.data(), out.size())).has_value());
  EXPECT_TRUE(std::all_of(out.begin(), out.begin() + 100, [](std::byte b) { return b == std::byte{0}; }));
}

TEST_F(random_test, two_generators_from_the_platform_differ) {
  auto a = random::create();
  auto b = random::create();
  ASSERT_TRUE(a && b);
  std::array<std::byte, 32> x{}, y{};
  ASSERT_TRUE(a->fill(mut_bytes(x.data(), x.size())));
  ASSERT_TRUE(b->fill(mut_bytes(y.data(), y.size())));
  EXPECT_NE(x, y);
}

TEST_F(random_test, output_bytes_are_roughly_uniform) {
  auto r = random::create();
  ASSERT_TRUE(r);
  std::vector<std::byte> out(1 << 20);
  ASSERT_TRUE(r->fill(mut_bytes(out.data(), out.size())));
  std::array<std::size_t, 256> counts{};
  for (std::byte b : out) ++counts[static_cast<std::uint8_t>(b)];
  // Expected 4096 per value, standard deviation ~64: 10 sigma either way.
  for (std::size_t c : counts) {
    EXPECT_GT(c, 4096u - 640u);
    EXPECT_LT(c, 4096u + 640u);
  }
}

TEST_F(random_test, moving_transfers_the_state_and_disables_the_source) {
  auto a = make();
  reference ref;
  EXPECT_EQ(fill(a, 10), ref.generate(10));
  random b = std::move(a);
  EXPECT_EQ(fill(b, 10), ref.generate(10));
  EXPECT_DEATH(
      {
        std::byte x[1];
        (void)a.fill(mut_bytes(x, 1));  // NOLINT(bugprone-use-after-move)
      },
      "contract violated");
}

TEST_F(random_test, random_u64_reads_eight_bytes) {
  auto r = make();
  reference ref;
  auto v = fata::sig::random_u64(r);
  ASSERT_TRUE(v);
  EXPECT_EQ(*v, fata::bytes(ref.generate(8).data(), 8).be64(0));
}

}  // namespace
