#include <fata/devices/random.hpp>

#include <bearssl.h>

#include <algorithm>
#include <cstring>

namespace fata::devices {

namespace {

br_hmac_drbg_context* drbg_of(std::byte* storage) {
  return reinterpret_cast<br_hmac_drbg_context*>(storage);
}

// Zeroes secret memory in a way the compiler may not drop as a dead store.
void secure_zero(void* p, std::size_t n) {
  volatile unsigned char* v = static_cast<volatile unsigned char*>(p);
  while (n-- > 0) *v++ = 0;
}

}  // namespace

result<random, sig::random_error> random::create(const random_policy& policy) {
  return create_from(&platform::random_bytes, policy);
}

result<random, sig::random_error> random::create_from(entropy_source source,
                                                      const random_policy& policy) {
  static_assert(sizeof(br_hmac_drbg_context) <= sizeof(_drbg));
  static_assert(alignof(br_hmac_drbg_context) <= 8);
  FATA_ASSERT(source != nullptr);
  std::byte seed[seed_size];
  if (source(std::span<std::byte>(seed)) != platform::status::ok) {
    secure_zero(seed, sizeof seed);
    return unexpected(sig::random_error::no_entropy);
  }
  random r(source, policy);
  br_hmac_drbg_init(drbg_of(r._drbg), &br_sha256_vtable, seed, sizeof seed);
  secure_zero(seed, sizeof seed);
  r._seeded = true;
  return r;
}

random::random(random&& other) noexcept
    : _source(other._source),
      _policy(other._policy),
      _stats(other._stats),
      _bytes_since_seed(other._bytes_since_seed),
      _requests_since_seed(other._requests_since_seed),
      _seeded(other._seeded) {
  // The DRBG context holds no pointer into itself: a byte copy is a move.
  std::memcpy(_drbg, other._drbg, sizeof _drbg);
  other.wipe();
}

random& random::operator=(random&& other) noexcept {
  if (this != &other) {
    wipe();
    std::memcpy(_drbg, other._drbg, sizeof _drbg);
    _source = other._source;
    _policy = other._policy;
    _stats = other._stats;
    _bytes_since_seed = other._bytes_since_seed;
    _requests_since_seed = other._requests_since_seed;
    _seeded = other._seeded;
    other.wipe();
  }
  return *this;
}

random::~random() { wipe(); }

void random::wipe() {
  secure_zero(_drbg, sizeof _drbg);
  _seeded = false;
}

bool random::reseed() {
  std::byte fresh[reseed_size];
  if (_source(std::span<std::byte>(fresh)) != platform::status::ok) {
    secure_zero(fresh, sizeof fresh);
    ++_stats.failed_reseeds;
    return false;
  }
  br_hmac_drbg_update(drbg_of(_drbg), fresh, sizeof fresh);
  secure_zero(fresh, sizeof fresh);
  ++_stats.reseeds;
  _bytes_since_seed = 0;
  _requests_since_seed = 0;
  return true;
}

result<void, sig::random_error> random::fill(mut_bytes out) {
  FATA_ASSERT(_seeded);
  std::size_t done = 0;
  while (done < out.size()) {
    const bool due = _bytes_since_seed >= _policy.reseed_after_bytes ||
                     _requests_since_seed >= _policy.reseed_after_requests;
    if (due && !reseed() && _bytes_since_seed >= _policy.refuse_after_bytes) {
      // Nothing of this call may be used: wipe what was already written
      // rather than hand out a partial fill.
      if (done != 0) secure_zero(out.data(), done);
      return unexpected(sig::random_error::no_entropy);
    }
    // A request never straddles a reseed point, so the reseed happens
    // exactly after reseed_after_bytes bytes.
    std::size_t n = std::min(out.size() - done, max_request_size);
    if (_bytes_since_seed < _policy.reseed_after_bytes)
      n = static_cast<std::size_t>(
          std::min<std::uint64_t>(n, _policy.reseed_after_bytes - _bytes_since_seed));
    br_hmac_drbg_generate(drbg_of(_drbg), out.data() + done, n);
    done += n;
    _bytes_since_seed += n;
    ++_requests_since_seed;
    _stats.bytes_generated += n;
  }
  return {};
}

}  // namespace fata::devices
