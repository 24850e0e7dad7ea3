// IPv4 and IPv6 Identification values that an off-path observer cannot
// predict
// (RFC 7739 §5.3, "hash-based IP ID generator"; RFC 6274 §3.5.1.2).
//
// A single global counter tells anyone who can make the host answer
// (a ping, a SYN) how many datagrams it sends in between, to everyone, and
// lets them guess the ID of a datagram to a third party and forge
// fragments that collide with it in the receiver's reassembly. Here a
// keyed hash of (source, destination, protocol) picks one of
// `table_size` counters and an offset:
//
//   ID = offset(src, dst, proto) + counter[index(src, dst, proto)]++
//
// so the IDs towards one destination advance by one from an unguessable
// starting point, and sending to one destination says nothing about the
// IDs towards another unless the two share a counter (one in
// `table_size`; RFC 7739 §5.3 discusses that residual leak).
//
// Uniqueness, which is what reassembly needs (RFC 791, RFC 6864 §4.1):
// the IDs of one (source, destination, protocol) repeat only after 65536
// datagrams that used its counter (its own and those of tuples sharing
// the counter). Non-atomic datagrams (DF clear, which is every datagram
// fata sends: see ipv4.hpp) need that; it is the same bound a per-
// destination counter gives.
//
// The keyed hash is BearSSL's HMAC-SHA-256 (fata writes no cryptographic
// primitive). A 64-entry cache of recent tuples keeps the hash off the
// path of bulk traffic to a few peers; it only remembers the hash's
// output, so it changes no value. Pure: no clock, no I/O, no allocation.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include <fata/core/addr.hpp>
#include <fata/crypto/hmac.hpp>

namespace fata::net {

class ip_ident {
 public:
  static constexpr std::size_t key_size = 32;
  static constexpr std::size_t table_size = 2048;  // counters, as Linux's ip_idents
  static constexpr std::size_t cache_size = 64;

  explicit ip_ident(std::span<const std::byte, key_size> key);
  ip_ident(const ip_ident&) = delete;
  ip_ident& operator=(const ip_ident&) = delete;

  // The Identification of the next datagram of this tuple (advances its
  // counter).
  std::uint16_t next(ipv4_addr source, ipv4_addr destination, std::uint8_t protocol);
  // The Identification of the next fragmented IPv6 packet from `source` to
  // `destination` (RFC 8200 §4.5 asks for RFC 7739's algorithms): the same
  // table, a 32-bit offset. No cache: IPv6 fragments only what the
  // application sends over the path MTU (TCP never), so one HMAC per
  // such datagram is nothing beside its copies.
  std::uint32_t next(const ipv6_addr& source, const ipv6_addr& destination);

  // Which counter the tuple uses (for tests of the bucket spread).
  std::size_t counter_of(ipv4_addr source, ipv4_addr destination, std::uint8_t protocol);
  // Cache hits and misses (misses cost one HMAC).
  std::uint64_t cache_hits() const { return _hits; }
  std::uint64_t cache_misses() const { return _misses; }

 private:
  struct choice {
    std::uint16_t index;
    std::uint16_t offset;
  };
  struct cached {
    std::uint32_t source = 0;
    std::uint32_t destination = 0;
    std::uint8_t protocol = 0;
    bool valid = false;
    choice c{};
  };
  choice choose(ipv4_addr source, ipv4_addr destination, std::uint8_t protocol);
  void keyed_hash(std::uint8_t domain, std::span<const std::uint8_t> message,
                  std::span<std::uint8_t> out) const;

  crypto::hmac_key _key;
  std::uint64_t _cache_seed = 0;
  std::array<std::uint16_t, table_size> _counters{};
  std::array<cached, cache_size> _cache{};
  std::uint64_t _hits = 0;
  std::uint64_t _misses = 0;
};

}  // namespace fata::net
