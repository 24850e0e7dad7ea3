// HMAC (RFC 2104) with SHA-256, -384 or -512, on BearSSL: the one keyed
// hash behind TSIG, DNS cookies, TCP's initial sequence numbers and SYN
// cookies, IPv4 identifiers and stable IPv6 addresses.
//
//   const hmac_key key(hash_algorithm::sha256, secret);   // expanded once
//   hmac h(key);
//   h.add(domain); h.add(message);
//   std::array<std::uint8_t, hmac::max_size> mac;
//   const std::size_t n = h.finish(mac);                  // 32 octets
//
// A key can sign any number of messages, one hmac each. Both hold
// BearSSL's state in storage of their own, so this header does not bring
// in bearssl.h, and both wipe it when they go. Neither can be copied: a
// copy of keyed state is a copy left behind.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <fata/core/bytes.hpp>

namespace fata::crypto {

enum class hash_algorithm : std::uint8_t { sha256, sha384, sha512 };

// The octets a full MAC of `a` takes.
std::size_t mac_size(hash_algorithm a) noexcept;

class hmac_key {
 public:
  hmac_key(hash_algorithm a, bytes key);
  hmac_key(const hmac_key&) = delete;
  hmac_key& operator=(const hmac_key&) = delete;
  ~hmac_key();

 private:
  friend class hmac;
  alignas(8) std::byte _state[160];
};

class hmac {
 public:
  static constexpr std::size_t max_size = 64;

  // `truncate_to` octets of output (0: the hash's full size), which lets
  // BearSSL skip none of the work but keeps callers from slicing.
  explicit hmac(const hmac_key& key, std::size_t truncate_to = 0);
  hmac(const hmac&) = delete;
  hmac& operator=(const hmac&) = delete;
  ~hmac();

  void add(bytes data);
  void add(std::span<const std::uint8_t> data) { add(bytes(data.data(), data.size())); }
  void add_u8(std::uint8_t v) { add(bytes(&v, 1)); }
  // Writes the MAC to the front of `out` (at least the output's size) and
  // returns its size. The hmac is spent.
  std::size_t finish(std::span<std::uint8_t> out);

 private:
  alignas(8) std::byte _state[512];
};

}  // namespace fata::crypto
