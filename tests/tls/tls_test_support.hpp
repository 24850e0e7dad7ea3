// Helpers for TLS tests: the test PKI (tests/tls/make-test-pki, generated
// at build time into FATA_TEST_PKI_DIR) and contexts built from it.
#pragma once

#include <fata/tls/context.hpp>
#include <fata/tls/keys.hpp>

#include <fstream>
#include <sstream>
#include <string>

namespace fata::tls::test {

inline std::string pki_file(const std::string& name) {
  std::ifstream in(std::string(FATA_TEST_PKI_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline certificate_chain chain_of(const std::string& name) {
  auto text = pki_file(name + ".pem");
  auto c = certificate_chain::parse(bytes::of(text));
  return c ? *c : certificate_chain{};
}

inline private_key key_of(const std::string& name) {
  auto text = pki_file(name + ".key");
  auto k = private_key::parse(bytes::of(text));
  return k ? *k : private_key{};
}

inline trust_anchors test_ca() {
  auto text = pki_file("ca.pem");
  auto a = trust_anchors::parse(bytes::of(text));
  return a ? *a : trust_anchors{};
}

}  // namespace fata::tls::test
