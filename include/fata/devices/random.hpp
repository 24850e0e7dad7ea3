// The random device: a cryptographically secure generator modelling
// fata::sig::random.
//
// The generator is BearSSL's HMAC-DRBG over SHA-256 (NIST SP 800-90A),
// seeded only from the platform's entropy source (platform::random_bytes:
// getrandom on hosted, RDRAND or virtio-rng in a VM). fata writes no
// cryptographic primitive itself.
//
// Seeding and reseeding policy:
// - creation draws seed_size (48) bytes from the platform: 256 bits of
//   entropy plus a 128-bit nonce, as SP 800-90A asks for a 256-bit
//   security strength. If the platform has no entropy source, or it fails,
//   creation fails with random_error::no_entropy: a service that needs
//   randomness cannot start without it.
// - every fill is cut into requests of at most max_request_size bytes (the
//   SP 800-90A limit of 2^19 bits per request).
// - after `reseed_after_bytes` bytes or `reseed_after_requests` requests
//   (whichever comes first) since the last (re)seed, the next request first
//   mixes reseed_size (32) fresh platform bytes into the state. Reseeding
//   bounds how much output an attacker who once learned the state can
//   predict; it does not make the output of a sound state any better.
// - if the platform fails at a reseed, generation goes on from the current
//   state (still a sound DRBG) and the reseed is retried at every following
//   request; `stats().failed_reseeds` counts the failures. Once
//   `refuse_after_bytes` bytes have been produced since the last successful
//   (re)seed, fill fails with no_entropy (writing nothing) until a reseed
//   succeeds.
//
// The state lives inside the object (no allocation) and is wiped on
// destruction and when moved from. Not copyable: two copies would produce
// the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/platform/abi.hpp>
#include <fata/sig/random.hpp>

namespace fata::devices {

struct random_policy {
  std::uint64_t reseed_after_bytes = std::uint64_t(1) << 20;     // 1 MiB
  std::uint32_t reseed_after_requests = std::uint32_t(1) << 16;  // 65536 requests
  std::uint64_t refuse_after_bytes = std::uint64_t(1) << 30;     // 1 GiB
};

struct random_stats {
  std::uint64_t bytes_generated = 0;
  std::uint64_t reseeds = 0;         // successful reseeds after creation
  std::uint64_t failed_reseeds = 0;  // reseeds the platform could not serve
};

class random {
 public:
  static constexpr std::size_t seed_size = 48;
  static constexpr std::size_t reseed_size = 32;
  static constexpr std::size_t max_request_size = 65536;

  // Where seeds come from: fills `out` completely or reports failure.
  using entropy_source = platform::status (*)(std::span<std::byte> out);

  // A generator seeded from the platform. no_entropy if it has none.
  static result<random, sig::random_error> create(const random_policy& policy = {});
  // A generator seeded from `source` instead of the platform. Images use
  // create(); this exists so that tests can model a failing source.
  static result<random, sig::random_error> create_from(entropy_source source,
                                                       const random_policy& policy = {});

  random(random&& other) noexcept;
  random& operator=(random&& other) noexcept;
  random(const random&) = delete;
  random& operator=(const random&) = delete;
  ~random();

  // Writes random bytes over all of `out`; never suspends. no_entropy only
  // under the refusal rule above; then nothing in `out` is random output
  // (bytes this call had already produced are zeroed).
  // Contract: not called on a moved-from generator.
  result<void, sig::random_error> fill(mut_bytes out);

  const random_stats& stats() const { return _stats; }
  const random_policy& policy() const { return _policy; }

 private:
  random(entropy_source source, const random_policy& policy) : _source(source), _policy(policy) {}
  bool reseed();
  void wipe();

  // br_hmac_drbg_context, opaque so that this header does not pull in
  // BearSSL's; its size is checked in random.cpp.
  alignas(8) std::byte _drbg[144];
  entropy_source _source;
  random_policy _policy;
  random_stats _stats;
  std::uint64_t _bytes_since_seed = 0;
  std::uint32_t _requests_since_seed = 0;
  bool _seeded = false;
};

static_assert(sig::random<random>);

}  // namespace fata::devices
