// TSIG signing and checking (RFC 8945) between fata's own two ends: the
// places in an exchange, each failure in the order of §5.2, and the
// writer's handling of a record that does not fit. dns.tsig-interop
// checks the same against NSD and dig.
#include <fata/dns/tsig.hpp>

#include <gtest/gtest.h>

#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

tsig_key key_of(std::string_view key_name, tsig_algorithm a = tsig_algorithm::hmac_sha256) {
  return tsig_key::from_base64(name::from_text(key_name).value(), a,
                               "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
      .value();
}

struct signed_message {
  std::vector<std::uint8_t> wire;
  tsig_mac mac;
};

signed_message sign(const tsig_key& key, tsig_signing how, bool response = false) {
  signed_message out;
  out.wire.resize(512);
  message_writer w(mut_bytes(out.wire.data(), out.wire.size()));
  header h;
  h.id = 0x1234;
  h.response = response;
  w.set_header(h);
  EXPECT_TRUE(w.add_question(name::from_text("example.").value(), rr_type::soa, 1).has_value());
  auto mac = tsig_sign(w, key, how);
  EXPECT_TRUE(mac.has_value());
  out.mac = *mac;
  out.wire.resize(w.size());
  return out;
}

result<tsig_verified, rcode> check(const signed_message& m, const tsig_key& key, tsig_place place,
                                   bytes prior, std::uint64_t now) {
  auto view = message_view::parse(bytes(m.wire.data(), m.wire.size()));
  EXPECT_TRUE(view.has_value());
  EXPECT_TRUE(view->tsig().has_value());
  return tsig_verify(*view, key, place, prior, now);
}

constexpr std::uint64_t now = 1'764'806'400;  // 2025-12-04

TEST(DnsTsig, EachPlaceOfAnExchangeVerifiesWithTheMacBeforeIt) {
  for (auto a : {tsig_algorithm::hmac_sha256, tsig_algorithm::hmac_sha384,
                 tsig_algorithm::hmac_sha512}) {
    const tsig_key key = key_of("key.example.", a);
    const auto request = sign(key, {.place = tsig_place::request, .now = now});
    EXPECT_EQ(request.mac.size, tsig_mac_size(a));
    auto r = check(request, key, tsig_place::request, {}, now);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->time_signed, now);

    const auto first = sign(key, {.place = tsig_place::first_answer,
                                  .prior_mac = request.mac.view(), .now = now + 1}, true);
    auto f = check(first, key, tsig_place::first_answer, request.mac.view(), now + 1);
    ASSERT_TRUE(f.has_value());
    const auto later = sign(key, {.place = tsig_place::later_answer,
                                  .prior_mac = first.mac.view(), .now = now + 2}, true);
    EXPECT_TRUE(check(later, key, tsig_place::later_answer, f->mac.view(), now + 2).has_value());
    // Each place's MAC covers something else: checked at another, it fails.
    EXPECT_EQ(check(first, key, tsig_place::request, {}, now).error(), rcode::badsig);
    EXPECT_EQ(check(later, key, tsig_place::first_answer, first.mac.view(), now).error(),
              rcode::badsig);
    EXPECT_EQ(check(first, key, tsig_place::first_answer, later.mac.view(), now).error(),
              rcode::badsig);
  }
}

TEST(DnsTsig, FailuresInTheOrderOfRfc8945) {
  const tsig_key key = key_of("key.example.");
  const auto m = sign(key, {.place = tsig_place::request, .now = now, .fudge = 300});
  // Key names compare as names do: case does not matter.
  EXPECT_TRUE(check(m, key_of("KEY.Example."), tsig_place::request, {}, now).has_value());
  EXPECT_EQ(check(m, key_of("other.example."), tsig_place::request, {}, now).error(), rcode::badkey);
  EXPECT_EQ(check(m, key_of("key.example.", tsig_algorithm::hmac_sha512), tsig_place::request, {},
                  now)
                .error(),
            rcode::badkey);
  tsig_key other_secret = key;
  other_secret.secret[0] ^= 1;
  EXPECT_EQ(check(m, other_secret, tsig_place::request, {}, now).error(), rcode::badsig);
  // Within the fudge either way, and not a second beyond.
  EXPECT_TRUE(check(m, key, tsig_place::request, {}, now + 300).has_value());
  EXPECT_TRUE(check(m, key, tsig_place::request, {}, now - 300).has_value());
  EXPECT_EQ(check(m, key, tsig_place::request, {}, now + 301).error(), rcode::badtime);
  EXPECT_EQ(check(m, key, tsig_place::request, {}, now - 301).error(), rcode::badtime);

  // Every octet is covered but the ID, which the TSIG record carries as
  // the original ID so that a forwarder may change it (§4.3.3).
  for (std::size_t i = 2; i < m.wire.size(); ++i) {
    signed_message changed = m;
    changed.wire[i] ^= 0x01;
    auto view = message_view::parse(bytes(changed.wire.data(), changed.wire.size()));
    if (!view || !view->tsig()) continue;  // no longer a signed message at all
    auto r = tsig_verify(*view, key, tsig_place::request, {}, now);
    EXPECT_FALSE(r.has_value()) << "octet " << i;
  }
}

// A MAC cut to its first octets (RFC 8945 §5.2.2.1): accepted down to
// half the algorithm's size and 10 octets, BADTRUNC below, FORMERR above
// the full size.
TEST(DnsTsig, TruncatedMacs) {
  const tsig_key key = key_of("key.example.");
  const auto full = sign(key, {.place = tsig_place::request, .now = now});
  auto with_mac_size = [&](std::size_t size) {
    // Rebuild the TSIG data with the MAC cut (or padded) to `size`.
    auto view = message_view::parse(bytes(full.wire.data(), full.wire.size())).value();
    const auto t = view.tsig().value();
    const std::size_t algorithm_size = tsig_algorithm_name(key.algorithm).wire_size();
    const std::size_t mac_at = t.rdata_offset + algorithm_size + 8;
    signed_message out;
    out.wire.assign(full.wire.begin(), full.wire.begin() + std::ptrdiff_t(mac_at));
    out.wire.push_back(std::uint8_t(size >> 8));
    out.wire.push_back(std::uint8_t(size));
    for (std::size_t i = 0; i < size; ++i) out.wire.push_back(i < 32 ? full.mac.octets[i] : 0);
    out.wire.insert(out.wire.end(), full.wire.begin() + std::ptrdiff_t(mac_at + 2 + 32),
                    full.wire.end());
    const std::size_t rdlength = t.rdata.size() - 32 + size;
    out.wire[t.rdata_offset - 2] = std::uint8_t(rdlength >> 8);
    out.wire[t.rdata_offset - 1] = std::uint8_t(rdlength);
    return out;
  };
  EXPECT_TRUE(check(with_mac_size(16), key, tsig_place::request, {}, now).has_value());
  EXPECT_EQ(check(with_mac_size(16), key, tsig_place::request, {}, now)->mac.size, 16u);
  EXPECT_EQ(check(with_mac_size(15), key, tsig_place::request, {}, now).error(), rcode::badtrunc);
  EXPECT_EQ(check(with_mac_size(0), key, tsig_place::request, {}, now).error(), rcode::badsig);
  EXPECT_EQ(check(with_mac_size(33), key, tsig_place::request, {}, now).error(), rcode::formerr);
}

TEST(DnsTsig, ARecordThatDoesNotFitLeavesTheMessageAsItWas) {
  const tsig_key key = key_of("a-rather-long-key-name.example.");
  std::vector<std::uint8_t> wire(60);
  message_writer w(mut_bytes(wire.data(), wire.size()));
  ASSERT_TRUE(w.add_question(name::from_text("example.").value(), rr_type::soa, 1).has_value());
  const std::size_t before = w.size();
  auto mac = tsig_sign(w, key, {.place = tsig_place::request, .now = now});
  ASSERT_FALSE(mac.has_value());
  EXPECT_EQ(mac.error(), dns_error::no_space);
  EXPECT_EQ(w.size(), before);
  EXPECT_EQ(w.count(section::additional), 0u);
}

TEST(DnsTsig, SecretsAreBase64) {
  EXPECT_FALSE(tsig_key::from_base64(name(), tsig_algorithm::hmac_sha256, "not base64!").has_value());
  EXPECT_FALSE(tsig_key::from_base64(name(), tsig_algorithm::hmac_sha256, "").has_value());
  EXPECT_EQ(tsig_algorithm_from_name(name::from_text("HMAC-SHA512.").value()),
            tsig_algorithm::hmac_sha512);
  EXPECT_EQ(tsig_algorithm_from_name(name::from_text("hmac-md5.sig-alg.reg.int.").value()),
            std::nullopt);
}

}  // namespace
