// The TCP layer's secret and what is derived from it: initial sequence
// numbers (RFC 6528), SYN cookies, per-connection timestamp offsets
// (RFC 7323 §7.1) and the seed of the connection table's hash.
//
// The keyed hash is BearSSL's HMAC-SHA-256 over the connection's
// addresses and ports (fata writes no cryptographic primitive). The key is
// 32 bytes drawn once from the random device; without it an observer can
// neither predict the ISN of a new connection nor forge a SYN cookie.
//
// RFC 6528 §3: ISN = M + F(localip, localport, remoteip, remoteport,
// secretkey), where M is a timer ticking every 4 microseconds, here read
// from the time passed in.
//
// SYN cookies (the layout is this stack's own): the 32-bit ISN of the
// SYN-ACK is  [5 bits: minute counter mod 32][3 bits: MSS index][24 bits:
// hash of the 4-tuple, the client's ISN and the counter]. A cookie is
// valid for the counter it was made in and the one before (64 to 128 s).
// When the client offered timestamps, the SYN-ACK's TSval carries the
// window scale and SACK-permitted in its low 5 bits so they survive too.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <fata/core/addr.hpp>
#include <fata/core/time.hpp>
#include <fata/crypto/hmac.hpp>
#include <fata/net/tcp/seq.hpp>
#include <fata/sig/stack.hpp>

namespace fata::net::tcp {

// A connection's identity.
struct four_tuple {
  sig::ip_endpoint local;   // of the remote's family
  sig::ip_endpoint remote;
  friend constexpr bool operator==(const four_tuple&, const four_tuple&) = default;
};

class secret_hash {
 public:
  static constexpr std::size_t key_size = 32;

  explicit secret_hash(std::span<const std::byte, key_size> key);
  secret_hash(const secret_hash&) = delete;
  secret_hash& operator=(const secret_hash&) = delete;

  // HMAC-SHA-256(key, domain || tuple || extra), first 8 bytes.
  std::uint64_t hash(std::uint8_t domain, const four_tuple& t, std::uint32_t extra = 0) const;

  // RFC 6528 §3.
  seq_number initial_sequence(const four_tuple& t, mono_time now) const;
  // RFC 7323 §7.1: a per-connection offset added to the timestamp clock.
  std::uint32_t timestamp_offset(const four_tuple& t) const;

  // The MSS values a cookie can encode (index 0..7).
  static constexpr std::array<std::uint16_t, 8> cookie_mss = {536,  1220, 1360, 1400,
                                                              1440, 1460, 4312, 8960};
  // The largest table entry not above `mss`.
  static std::uint8_t cookie_mss_index(std::uint16_t mss);
  // The ISN of a SYN-ACK sent without keeping state.
  seq_number make_cookie(const four_tuple& t, seq_number client_isn, mono_time now,
                         std::uint8_t mss_index) const;
  // The MSS index if `cookie` (the ACK's acknowledgement number minus 1)
  // is one this layer made for `t` and `client_isn` (the ACK's sequence
  // number minus 1) within the last two counter periods.
  std::optional<std::uint8_t> check_cookie(const four_tuple& t, seq_number client_isn,
                                           seq_number cookie, mono_time now) const;
  // 64 s per counter tick.
  static constexpr duration cookie_period = 64s;

 private:
  std::uint32_t cookie_hash(const four_tuple& t, seq_number client_isn, std::uint32_t counter) const;
  crypto::hmac_key _key;
};

}  // namespace fata::net::tcp
