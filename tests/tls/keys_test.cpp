// Loading certificates, keys and trust anchors (PEM and DER), matching keys
// to chains, and the names a certificate is for.
#include <fata/tls/context.hpp>
#include <fata/tls/keys.hpp>

#include <gtest/gtest.h>

#include "tls_test_support.hpp"

namespace {

using namespace fata;
using namespace fata::tls;
using namespace fata::tls::test;

TEST(tls_keys, ec_chain_has_leaf_then_ca_and_its_names) {
  auto text = pki_file("ec.pem");
  auto c = certificate_chain::parse(bytes::of(text));
  ASSERT_TRUE(c) << describe(c.error());
  EXPECT_EQ(c->size(), 2u);
  EXPECT_EQ(c->leaf_key_type(), key_type::ec);
  EXPECT_EQ(c->names(), (std::vector<std::string>{"localhost", "test.example"}));
  EXPECT_TRUE(c->matches("LOCALHOST"));
  EXPECT_FALSE(c->matches("other.example"));
}

TEST(tls_keys, rsa_chain_and_pkcs8_key) {
  auto c = chain_of("rsa");
  auto k = key_of("rsa");
  ASSERT_FALSE(c.empty());
  ASSERT_TRUE(k.valid());
  EXPECT_EQ(c.leaf_key_type(), key_type::rsa);
  EXPECT_EQ(k.type(), key_type::rsa);
  EXPECT_TRUE(k.matches(c));
}

TEST(tls_keys, ec_key_matches_only_its_chain) {
  EXPECT_TRUE(key_of("ec").matches(chain_of("ec")));
  EXPECT_FALSE(key_of("ec").matches(chain_of("other")));
  EXPECT_FALSE(key_of("ec").matches(chain_of("rsa")));
}

TEST(tls_keys, server_refuses_a_key_that_is_not_the_leafs) {
  server_context ctx;
  auto r = ctx.add(chain_of("ec"), key_of("other"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), key_error::key_mismatch);
  EXPECT_TRUE(ctx.add(chain_of("ec"), key_of("ec")));
  EXPECT_EQ(ctx.chains(), 1u);
}

TEST(tls_keys, der_input_is_accepted) {
  auto text = pki_file("ec.pem");
  auto objects = decode_pem(bytes::of(text));
  ASSERT_TRUE(objects);
  ASSERT_EQ(objects->size(), 2u);
  EXPECT_EQ((*objects)[0].label, "CERTIFICATE");
  const auto& der = (*objects)[0].der;
  auto c = certificate_chain::parse(bytes(der.data(), der.size()));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->size(), 1u);
  auto key_text = pki_file("ec.key");
  auto key_objects = decode_pem(bytes::of(key_text));
  ASSERT_TRUE(key_objects);
  const auto& kder = key_objects->back().der;
  auto k = private_key::parse(bytes(kder.data(), kder.size()));
  ASSERT_TRUE(k);
  EXPECT_TRUE(k->matches(*c));
}

TEST(tls_keys, malformed_inputs_are_errors) {
  EXPECT_EQ(certificate_chain::parse(bytes::of("-----BEGIN CERTIFICATE-----\n!!!\n")).error(),
            key_error::bad_pem);
  EXPECT_EQ(certificate_chain::parse(bytes::of("")).error(), key_error::no_object);
  EXPECT_EQ(certificate_chain::parse(bytes::of("not a certificate at all")).error(),
            key_error::bad_certificate);
  auto key_text = pki_file("ec.key");
  EXPECT_EQ(certificate_chain::parse(bytes::of(key_text)).error(), key_error::no_object);
  EXPECT_EQ(private_key::parse(bytes::of("garbage")).error(), key_error::bad_key);
}

TEST(tls_keys, trust_anchors_accumulate) {
  auto ca = pki_file("ca.pem");
  auto rogue = pki_file("rogue-ca.pem");
  auto a = trust_anchors::parse(bytes::of(ca));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->size(), 1u);
  ASSERT_TRUE(a->add(bytes::of(rogue)));
  EXPECT_EQ(a->size(), 2u);
}

TEST(tls_suites, openssl_names) {
  EXPECT_EQ(openssl_name(cipher_suite::ecdhe_rsa_chacha20_poly1305_sha256),
            "ECDHE-RSA-CHACHA20-POLY1305");
  EXPECT_EQ(all_suites().size(), 6u);
}

}  // namespace
