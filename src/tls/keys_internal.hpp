// The storage behind tls::certificate_chain, private_key and trust_anchors:
// BearSSL structures whose pointers refer into buffers owned alongside
// them (so the objects never move once built).
#pragma once

#include <bearssl.h>

#include <memory>
#include <string>
#include <vector>

#include <fata/tls/keys.hpp>

namespace fata::tls::detail {

struct chain_storage {
  std::vector<std::vector<unsigned char>> der;
  std::vector<br_x509_certificate> certs;  // point into der
  std::vector<std::string> names;
  key_type leaf_type = key_type::ec;
  // The leaf's public key, for matching a private key.
  std::vector<unsigned char> pub_a;  // RSA modulus / EC point
  std::vector<unsigned char> pub_b;  // RSA exponent
  int curve = 0;
};

struct key_storage {
  key_type type = key_type::ec;
  std::vector<unsigned char> data;  // every component, back to back
  br_rsa_private_key rsa{};
  br_ec_private_key ec{};
};

struct anchor_storage {
  // Each anchor's DN and key bytes, owned.
  struct owned {
    std::vector<unsigned char> dn;
    std::vector<unsigned char> a;  // RSA modulus / EC point
    std::vector<unsigned char> b;  // RSA exponent
  };
  std::vector<std::unique_ptr<owned>> data;
  std::vector<br_x509_trust_anchor> anchors;
};

}  // namespace fata::tls::detail
