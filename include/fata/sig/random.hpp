// Signature: random. A cryptographically secure generator: every byte is
// unpredictable to an observer of the others. Seeded from the platform's
// entropy source only.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>

namespace fata::sig {

enum class random_error : std::uint8_t {
  no_entropy = 1,  // the platform has no entropy source to seed from
};

constexpr std::string_view describe(random_error e) noexcept {
  switch (e) {
    case random_error::no_entropy: return "no entropy source on this platform";
  }
  return "unknown random error";
}

// `fill(out)` writes random bytes over all of `out`; it does not suspend.
template <class R>
concept random = requires(R& r, mut_bytes out) {
  { r.fill(out) } -> std::same_as<result<void, random_error>>;
};

// A uniformly random integer from a generator.
template <random R>
result<std::uint64_t, random_error> random_u64(R& r) {
  std::byte b[8];
  if (auto f = r.fill(mut_bytes(b, 8)); !f) return unexpected(f.error());
  return mut_bytes(b, 8).be64(0);
}

}  // namespace fata::sig
