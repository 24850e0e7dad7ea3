#include <fata/net/ip_ident.hpp>

#include <fata/core/splitmix.hpp>


namespace fata::net {

namespace {

// Hash domains: the tuple's choice, the counters' starting values, the
// cache's slot seed.
enum domain : std::uint8_t { tuple_domain = 1, table_domain = 2, seed_domain = 3 };

std::uint64_t load64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | p[i];
  return v;
}

}  // namespace

ip_ident::ip_ident(std::span<const std::byte, key_size> key)
    : _key(crypto::hash_algorithm::sha256, bytes(std::span<const std::byte>(key))) {
  static_assert((table_size & (table_size - 1)) == 0 && table_size <= 65536);
  // RFC 7739 §5.3: every counter starts at a random value (here one the
  // key determines: 32 bytes of HMAC output give 16 counters).
  for (std::size_t i = 0; i < table_size; i += 16) {
    const std::uint8_t block[4] = {std::uint8_t(i >> 24), std::uint8_t(i >> 16), std::uint8_t(i >> 8),
                                   std::uint8_t(i)};
    std::uint8_t out[32];
    keyed_hash(table_domain, block, out);
    for (std::size_t j = 0; j < 16; ++j)
      _counters[i + j] = static_cast<std::uint16_t>(out[2 * j] << 8 | out[2 * j + 1]);
  }
  std::uint8_t seed[8];
  keyed_hash(seed_domain, {}, seed);
  _cache_seed = load64(seed);
}

void ip_ident::keyed_hash(std::uint8_t domain, std::span<const std::uint8_t> message,
                            std::span<std::uint8_t> out) const {
  crypto::hmac h(_key, out.size());
  h.add_u8(domain);
  h.add(message);
  h.finish(out);
}

ip_ident::choice ip_ident::choose(ipv4_addr source, ipv4_addr destination,
                                      std::uint8_t protocol) {
  const std::uint32_t s = source.value, d = destination.value;
  // The cache slot: a keyed mix (SplitMix64's finaliser) of the tuple. It
  // only decides where a result is remembered, never the result.
  const std::uint64_t x =
      splitmix64_mix(_cache_seed ^ (std::uint64_t(s) << 32 | d) ^ (std::uint64_t(protocol) << 17));
  cached& slot = _cache[x % cache_size];
  if (slot.valid && slot.source == s && slot.destination == d && slot.protocol == protocol) {
    ++_hits;
    return slot.c;
  }
  ++_misses;
  const std::uint8_t message[9] = {std::uint8_t(s >> 24), std::uint8_t(s >> 16), std::uint8_t(s >> 8),
                                   std::uint8_t(s),       std::uint8_t(d >> 24), std::uint8_t(d >> 16),
                                   std::uint8_t(d >> 8),  std::uint8_t(d),       protocol};
  std::uint8_t out[8];
  keyed_hash(tuple_domain, message, out);
  const std::uint64_t h = load64(out);
  // Index and offset from independent bits of one output (RFC 7739's G
  // and F with one key).
  slot = cached{s, d, protocol, true,
                choice{static_cast<std::uint16_t>(h % table_size), static_cast<std::uint16_t>(h >> 48)}};
  return slot.c;
}

std::uint16_t ip_ident::next(ipv4_addr source, ipv4_addr destination, std::uint8_t protocol) {
  const choice c = choose(source, destination, protocol);
  return static_cast<std::uint16_t>(c.offset + _counters[c.index]++);
}

std::uint32_t ip_ident::next(const ipv6_addr& source, const ipv6_addr& destination) {
  std::uint8_t message[33];
  for (std::size_t i = 0; i < 16; ++i) {
    message[i] = static_cast<std::uint8_t>(source.octets[i]);
    message[16 + i] = static_cast<std::uint8_t>(destination.octets[i]);
  }
  message[32] = 44;  // the Fragment header's number: IPv6 apart from IPv4's tuples
  std::uint8_t out[8];
  keyed_hash(tuple_domain, message, out);
  const std::uint64_t h = load64(out);
  const auto index = static_cast<std::size_t>(h % table_size);
  return static_cast<std::uint32_t>(h >> 32) + _counters[index]++;
}

std::size_t ip_ident::counter_of(ipv4_addr source, ipv4_addr destination, std::uint8_t protocol) {
  return choose(source, destination, protocol).index;
}

}  // namespace fata::net
