// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
// generators", OOPSLA 2014): a 64-bit mix and the seeded generator built on
// it. Fast, small and the same on every machine, so simulations replay from
// a seed. Neither is a keyed hash or a cryptographic generator: use them
// for spread (timer jitter, hash-table slots under a secret seed, simulated
// faults), never for values a peer must not predict.
#pragma once

#include <cstdint>

namespace fata {

// SplitMix64's finaliser: a bijection on 64-bit values whose every output
// bit depends on every input bit.
constexpr std::uint64_t splitmix64_mix(std::uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

class splitmix64 {
 public:
  explicit constexpr splitmix64(std::uint64_t seed) : _state(seed) {}

  constexpr std::uint64_t next() { return splitmix64_mix(_state += 0x9e3779b97f4a7c15ull); }
  // Uniform in [0, 1), from the top 53 bits.
  constexpr double unit() { return double(next() >> 11) * 0x1.0p-53; }
  constexpr bool chance(double p) { return p > 0 && unit() < p; }
  // next() % n, so biased by at most n / 2^64; 0 when n is 0.
  constexpr std::uint64_t below(std::uint64_t n) { return n ? next() % n : 0; }

 private:
  std::uint64_t _state;
};

}  // namespace fata
