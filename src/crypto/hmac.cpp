#include <fata/crypto/hmac.hpp>

#include <bearssl.h>

#include <fata/core/assert.hpp>

namespace fata::crypto {

namespace {

const br_hash_class* hash_of(hash_algorithm a) {
  switch (a) {
    case hash_algorithm::sha256: return &br_sha256_vtable;
    case hash_algorithm::sha384: return &br_sha384_vtable;
    case hash_algorithm::sha512: return &br_sha512_vtable;
  }
  return &br_sha256_vtable;
}

template <class T, std::size_t N>
T* state_of(std::byte (&storage)[N]) {
  static_assert(sizeof(T) <= N && alignof(T) <= 8);
  return reinterpret_cast<T*>(storage);
}
template <class T, std::size_t N>
const T* state_of(const std::byte (&storage)[N]) {
  static_assert(sizeof(T) <= N && alignof(T) <= 8);
  return reinterpret_cast<const T*>(storage);
}

template <std::size_t N>
void wipe(std::byte (&storage)[N]) {
  volatile std::byte* p = storage;
  for (std::size_t i = 0; i < N; ++i) p[i] = std::byte{0};
}

}  // namespace

std::size_t mac_size(hash_algorithm a) noexcept {
  switch (a) {
    case hash_algorithm::sha256: return 32;
    case hash_algorithm::sha384: return 48;
    case hash_algorithm::sha512: return 64;
  }
  return 32;
}

hmac_key::hmac_key(hash_algorithm a, bytes key) {
  br_hmac_key_init(state_of<br_hmac_key_context>(_state), hash_of(a), key.data(), key.size());
}

hmac_key::~hmac_key() { wipe(_state); }

hmac::hmac(const hmac_key& key, std::size_t truncate_to) {
  br_hmac_init(state_of<br_hmac_context>(_state), state_of<br_hmac_key_context>(key._state),
               truncate_to);
}

hmac::~hmac() { wipe(_state); }

void hmac::add(bytes data) {
  br_hmac_update(state_of<br_hmac_context>(_state), data.data(), data.size());
}

std::size_t hmac::finish(std::span<std::uint8_t> out) {
  br_hmac_context* h = state_of<br_hmac_context>(_state);
  FATA_ASSERT(out.size() >= br_hmac_size(h));
  return br_hmac_out(h, out.data());
}

}  // namespace fata::crypto
