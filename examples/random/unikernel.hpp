// random: the random device (MirageOS's device-usage/prng). The device is
// a DRBG seeded from the platform's entropy; the unikernel only sees
// fata::sig::random.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include <fata/core/bytes.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/random.hpp>

namespace example {

inline fata::log::source random_log{"random", "The random example"};

template <fata::sig::random Random>
struct random {
  fata::task<int> start(Random& random) {
    std::array<std::byte, 16> first{};
    std::array<std::byte, 16> second{};
    auto a = random.fill(fata::mut_bytes(first.data(), first.size()));
    auto b = random.fill(fata::mut_bytes(second.data(), second.size()));
    if (!a || !b) {
      random_log.error("no random bytes: {}", !a ? a.error() : b.error());
      co_return 1;
    }
    random_log.info("16 random bytes: {}", hex(first));
    random_log.info("16 more:         {}", hex(second));
    if (first == second) {
      random_log.error("two draws gave the same bytes");
      co_return 1;
    }

    // Draws fall evenly into buckets (expected 625 each; a fair generator
    // stays inside 450..800 except with negligible probability).
    constexpr int draws = 10000;
    std::array<int, 16> buckets{};
    for (int i = 0; i < draws; ++i) {
      auto v = fata::sig::random_u64(random);
      if (!v) co_return 1;
      ++buckets[*v % buckets.size()];
    }
    int low = draws;
    int high = 0;
    for (int n : buckets) {
      low = n < low ? n : low;
      high = n > high ? n : high;
    }
    random_log.info("{} draws into 16 buckets: between {} and {} each", draws, low, high);
    if (low < 450 || high > 800) {
      random_log.error("the draws are not uniform");
      co_return 1;
    }
    random_log.info("random: ok");
    co_return 0;
  }

 private:
  static std::string hex(const std::array<std::byte, 16>& b) {
    std::string out;
    for (std::byte x : b) fata::format_append(out, "{:02x}", static_cast<unsigned>(x));
    return out;
  }
};

}  // namespace example
