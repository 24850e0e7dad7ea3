// HMAC-SHA-256/384/512 against RFC 4231's test cases 2 (a short key) and
// 6 (a key longer than the hash's block), fed in pieces, and truncated
// output (case 5).
#include <fata/crypto/hmac.hpp>

#include <gtest/gtest.h>

#include <fata/core/base_encoding.hpp>

#include <array>
#include <string>
#include <string_view>

using namespace fata;
using namespace fata::crypto;

namespace {

std::string mac_hex(hash_algorithm a, bytes key, std::string_view message,
                    std::size_t truncate_to = 0) {
  const hmac_key k(a, key);
  hmac h(k, truncate_to);
  // In two pieces: the state carries over between calls.
  h.add(bytes::of(message.substr(0, message.size() / 2)));
  h.add(bytes::of(message.substr(message.size() / 2)));
  std::array<std::uint8_t, hmac::max_size> out{};
  const std::size_t n = h.finish(out);
  std::string text = encoded(base_encoding::hex, bytes(out.data(), n));
  for (char& c : text) c = static_cast<char>(c >= 'A' && c <= 'F' ? c - 'A' + 'a' : c);
  return text;
}

TEST(Hmac, Rfc4231Case2ShortKey) {
  const bytes key = bytes::of("Jefe");
  constexpr std::string_view message = "what do ya want for nothing?";
  EXPECT_EQ(mac_hex(hash_algorithm::sha256, key, message),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  EXPECT_EQ(mac_hex(hash_algorithm::sha384, key, message),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
            "8e2240ca5e69e2c78b3239ecfab21649");
  EXPECT_EQ(mac_hex(hash_algorithm::sha512, key, message),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
            "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
}

TEST(Hmac, Rfc4231Case6KeyLongerThanTheBlock) {
  const std::string key(131, '\xaa');
  EXPECT_EQ(mac_hex(hash_algorithm::sha256, bytes::of(key),
                    "Test Using Larger Than Block-Size Key - Hash Key First"),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(Hmac, Rfc4231Case5TruncatedOutput) {
  const std::string key(20, '\x0c');
  EXPECT_EQ(mac_hex(hash_algorithm::sha256, bytes::of(key), "Test With Truncation", 16),
            "a3b6167473100ee06e0c796c2955552b");
}

TEST(Hmac, SizesAreTheHashes) {
  EXPECT_EQ(mac_size(hash_algorithm::sha256), 32u);
  EXPECT_EQ(mac_size(hash_algorithm::sha384), 48u);
  EXPECT_EQ(mac_size(hash_algorithm::sha512), 64u);
}

}  // namespace
