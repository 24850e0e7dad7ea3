#include <fata/net/tcp/secret.hpp>

#include <cstring>

namespace fata::net::tcp {

namespace {

enum domain : std::uint8_t { isn_domain = 1, timestamp_domain = 2, cookie_domain = 3 };

}  // namespace

secret_hash::secret_hash(std::span<const std::byte, key_size> key)
    : _key(crypto::hash_algorithm::sha256, bytes(std::span<const std::byte>(key))) {}

std::uint64_t secret_hash::hash(std::uint8_t domain, const four_tuple& t,
                                std::uint32_t extra) const {
  // IPv4: domain, the two addresses, the ports, `extra` (17 bytes). IPv6:
  // the same with 16-byte addresses (41 bytes); the lengths differ, so a
  // tuple of one family never hashes as one of the other.
  std::uint8_t msg[41];
  std::size_t at = 0;
  msg[at++] = domain;
  auto put32 = [&](std::uint32_t v) {
    msg[at++] = std::uint8_t(v >> 24);
    msg[at++] = std::uint8_t(v >> 16);
    msg[at++] = std::uint8_t(v >> 8);
    msg[at++] = std::uint8_t(v);
  };
  auto put_address = [&](const ip_addr& a) {
    if (a.is_v4()) {
      put32(a.v4().value);
      return;
    }
    std::memcpy(msg + at, a.octets().data(), 16);
    at += 16;
  };
  put_address(t.local.address);
  put_address(t.remote.address);
  put32(std::uint32_t(t.local.number.value) << 16 | t.remote.number.value);
  put32(extra);
  crypto::hmac h(_key, 8);
  h.add(bytes(msg, at));
  std::array<std::uint8_t, 8> out{};
  h.finish(out);
  std::uint64_t v = 0;
  for (std::uint8_t b : out) v = v << 8 | b;
  return v;
}

seq_number secret_hash::initial_sequence(const four_tuple& t, mono_time now) const {
  const auto m = static_cast<std::uint32_t>(to_ns(now) / 4000);  // 4 us ticks
  return seq_number(m + static_cast<std::uint32_t>(hash(isn_domain, t)));
}

std::uint32_t secret_hash::timestamp_offset(const four_tuple& t) const {
  return static_cast<std::uint32_t>(hash(timestamp_domain, t));
}

std::uint8_t secret_hash::cookie_mss_index(std::uint16_t mss) {
  std::uint8_t best = 0;
  for (std::uint8_t i = 0; i < cookie_mss.size(); ++i)
    if (cookie_mss[i] <= mss) best = i;
  return best;
}

std::uint32_t secret_hash::cookie_hash(const four_tuple& t, seq_number client_isn,
                                       std::uint32_t counter) const {
  const std::uint64_t h = hash(cookie_domain, t, client_isn.value ^ (counter * 0x9e3779b9u));
  return static_cast<std::uint32_t>(h) & 0xffffff;
}

seq_number secret_hash::make_cookie(const four_tuple& t, seq_number client_isn, mono_time now,
                                    std::uint8_t mss_index) const {
  const auto counter = static_cast<std::uint32_t>(to_ns(now) / to_ns(duration(cookie_period)));
  return seq_number((counter & 31) << 27 | std::uint32_t(mss_index & 7) << 24 |
                    cookie_hash(t, client_isn, counter));
}

std::optional<std::uint8_t> secret_hash::check_cookie(const four_tuple& t, seq_number client_isn,
                                                      seq_number cookie, mono_time now) const {
  const auto counter = static_cast<std::uint32_t>(to_ns(now) / to_ns(duration(cookie_period)));
  const std::uint32_t c = cookie.value;
  for (std::uint32_t age = 0; age < 2; ++age) {
    const std::uint32_t made = counter - age;
    if ((c >> 27) != (made & 31)) continue;
    if ((c & 0xffffff) == cookie_hash(t, client_isn, made)) return std::uint8_t((c >> 24) & 7);
  }
  return std::nullopt;
}

}  // namespace fata::net::tcp
