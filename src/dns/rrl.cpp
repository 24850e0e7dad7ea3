#include <fata/dns/rrl.hpp>

#include <algorithm>
#include <chrono>

#include <fata/dns/message.hpp>

namespace fata::dns {

namespace {

// The client's network as a number: the first 3 octets of IPv4, the
// first 7 of IPv6, with the family in the top bits.
std::uint64_t network_of(bytes address) {
  const std::size_t kept = address.size() == 4 ? 3 : 7;
  std::uint64_t n = address.size() == 4 ? 4 : 6;
  for (std::size_t i = 0; i < kept && i < address.size(); ++i) n = n << 8 | address.u8(i);
  return n;
}

// splitmix64's finaliser over the network and the key: a keyed spread.
std::uint64_t spread(std::uint64_t x, std::uint64_t key) {
  x ^= key;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

response_rate_limiter::response_rate_limiter(const rrl_config& config)
    : _config(config), _buckets(config.rate == 0 ? 0 : std::max<std::size_t>(config.buckets, 1)) {}

rrl_verdict response_rate_limiter::judge(bytes client_address, mono_time now) {
  if (_config.rate == 0) return rrl_verdict::send;
  const std::uint64_t network = network_of(client_address);
  bucket& b = _buckets[spread(network, _config.hash_key) % _buckets.size()];
  const std::uint64_t full = std::uint64_t(_config.rate) * 1000;
  if (!b.used) {
    b = bucket{now, full, 0, true};
  } else if (now > b.last) {
    const auto elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - b.last).count();
    b.tokens_milli = std::min(full, b.tokens_milli + std::uint64_t(elapsed_ms) * _config.rate);
    // Whole milliseconds only: replies closer together than that must not
    // each lose the fraction and never refill.
    b.last += std::chrono::milliseconds(elapsed_ms);
  }
  if (b.tokens_milli >= 1000) {
    b.tokens_milli -= 1000;
    return rrl_verdict::send;
  }
  ++_stats.limited;
  ++b.limited;
  if (_config.slip != 0 && b.limited % _config.slip == 0) {
    ++_stats.slipped;
    return rrl_verdict::slip;
  }
  return rrl_verdict::drop;
}

bytes truncate_to_question(mut_bytes reply) {
  auto view = message_view::parse(reply);
  std::size_t end = header_size;
  std::uint16_t questions = 0;
  if (view && view->count(section::question) == 1) {
    // The question is the first name after the header, uncompressed, and
    // its type and class.
    auto q = read_name(reply, header_size);
    if (q && q->end + 4 <= reply.size()) {
      end = q->end + 4;
      questions = 1;
    }
  }
  reply.set_be16(4, questions);
  reply.set_be16(6, 0);
  reply.set_be16(8, 0);
  reply.set_be16(10, 0);
  reply.set_u8(2, std::uint8_t(reply.u8(2) | 0x02));  // TC
  return bytes(reply.data(), end);
}

}  // namespace fata::dns
