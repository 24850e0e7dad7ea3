// Keys, certificate chains and trust anchors for fata's TLS, decoded from
// PEM or DER with BearSSL's decoders (no cryptography of our own).
//
//   auto chain = fata::tls::certificate_chain::parse(pem_bytes);   // leaf first
//   auto key   = fata::tls::private_key::parse(key_pem);          // RSA or EC
//   auto cas   = fata::tls::trust_anchors::parse(ca_bundle_pem);
//
// Input is PEM (any number of objects; unrelated ones such as "EC
// PARAMETERS" are skipped) or raw DER (one object). Private keys may be
// PKCS#8 or the traditional RSA/EC forms, unencrypted. Objects own their
// bytes and are cheap to copy (shared, immutable storage), so a server
// context can keep them for the life of the image.
//
// A chain knows the DNS names its leaf certificate is for (subjectAltName
// dNSName entries, or the subject's common name when there are none): SNI
// picks a chain by them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/kv.hpp>
#include <fata/tls/error.hpp>

namespace fata::tls {

enum class key_type : std::uint8_t { rsa = 1, ec = 2 };

constexpr std::string_view describe(key_type t) noexcept {
  return t == key_type::rsa ? "RSA" : "ECDSA";
}

namespace detail {
struct chain_storage;
struct key_storage;
struct anchor_storage;
}  // namespace detail

// One decoded PEM object.
struct pem_object {
  std::string label;  // "CERTIFICATE", "PRIVATE KEY", ...
  std::vector<std::byte> der;
};

// Decodes every PEM object in `text`. Input of at most 1 MiB.
result<std::vector<pem_object>, key_error> decode_pem(bytes text);
// True if `data` looks like PEM (contains a "-----BEGIN " line).
bool is_pem(bytes data);

class certificate_chain {
 public:
  certificate_chain() = default;
  // Certificates in order, leaf first.
  static result<certificate_chain, key_error> parse(bytes pem_or_der);

  std::size_t size() const;
  bool empty() const { return size() == 0; }
  // The DER bytes of certificate `i`.
  bytes certificate(std::size_t i) const;
  // The leaf's public key type.
  key_type leaf_key_type() const;
  // The DNS names the leaf is for, lower-cased ("*.example.org" for a
  // wildcard).
  const std::vector<std::string>& names() const;
  // True if `host` is one of names(), a wildcard matching one label.
  bool matches(std::string_view host) const;

  const detail::chain_storage* storage() const { return _s.get(); }

 private:
  std::shared_ptr<const detail::chain_storage> _s;
};

class private_key {
 public:
  private_key() = default;
  static result<private_key, key_error> parse(bytes pem_or_der);

  bool valid() const { return _s != nullptr; }
  key_type type() const;
  // True if this is the private half of the chain's leaf key.
  bool matches(const certificate_chain& chain) const;

  const detail::key_storage* storage() const { return _s.get(); }

 private:
  std::shared_ptr<const detail::key_storage> _s;
};

class trust_anchors {
 public:
  trust_anchors() = default;
  // Every certificate in the input becomes a CA anchor.
  static result<trust_anchors, key_error> parse(bytes pem_or_der);
  // Adds the certificates of another input.
  result<void, key_error> add(bytes pem_or_der);

  std::size_t size() const;
  const detail::anchor_storage* storage() const { return _s.get(); }

 private:
  std::shared_ptr<detail::anchor_storage> _s;
};

// The DNS names of a DER certificate (see certificate_chain::names).
result<std::vector<std::string>, key_error> certificate_names(bytes der);

// Reads `key` from a store, or takes `spec` itself when it is inline PEM
// (starts with "-----BEGIN"): what runtime keys such as --tls-cert hold.
template <sig::kv_ro Store>
task<result<std::string, key_error>> load_material(Store& store, std::string_view spec) {
  if (spec.substr(0, 10) == "-----BEGIN") co_return std::string(spec);
  auto got = co_await store.get(spec);
  if (!got) {
    co_return unexpected(got.error() == sig::kv_error::not_found ? key_error::not_found
                                                                 : key_error::io);
  }
  co_return std::move(*got);
}

}  // namespace fata::tls
