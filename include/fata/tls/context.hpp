// TLS configuration shared by the connections of a server or a client:
// certificates and keys, trust anchors, cipher suites, ALPN, the session
// cache for resumption, and timeouts.
//
// fata speaks TLS 1.2 (RFC 5246) with ECDHE key exchange only, ECDSA or
// RSA certificates, and AEAD record protection: AES-128-GCM, AES-256-GCM
// (RFC 5288) and ChaCha20-Poly1305 (RFC 7905). Every primitive is
// BearSSL's (with AES-NI / PCLMULQDQ where the CPU has them).
//
// A server holds any number of certificate chains; the first is the
// default, and SNI (RFC 6066 §3) picks the chain whose names match the
// requested host. Sessions are resumed by session ID (RFC 5246 §7.4.1.2)
// from an LRU cache of `session_cache_bytes`. A client validates the
// server's chain against its trust anchors at the time of its clock,
// checks the host name, and remembers the last session of each host to
// resume it.
//
// Contexts are not copyable (BearSSL's cache refers to itself); they must
// outlive every connection made with them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/tls/error.hpp>
#include <fata/tls/keys.hpp>

namespace fata::tls {

// The cipher suites fata offers, by their IANA numbers.
enum class cipher_suite : std::uint16_t {
  ecdhe_ecdsa_aes128_gcm_sha256 = 0xC02B,
  ecdhe_ecdsa_aes256_gcm_sha384 = 0xC02C,
  ecdhe_rsa_aes128_gcm_sha256 = 0xC02F,
  ecdhe_rsa_aes256_gcm_sha384 = 0xC030,
  ecdhe_rsa_chacha20_poly1305_sha256 = 0xCCA8,
  ecdhe_ecdsa_chacha20_poly1305_sha256 = 0xCCA9,
};

// The OpenSSL name of a suite ("ECDHE-ECDSA-AES128-GCM-SHA256").
std::string_view openssl_name(cipher_suite s);
// Every suite, in fata's default preference order.
const std::vector<cipher_suite>& all_suites();

struct server_options {
  // ALPN protocols (RFC 7301) in preference order, e.g. {"http/1.1"}.
  std::vector<std::string> alpn;
  // Suites offered; empty means all_suites().
  std::vector<cipher_suite> suites;
  // Choose by the server's order of suites rather than the client's.
  bool prefer_server_suites = false;
  // Bytes of the session cache (about 100 bytes per session); 0 disables
  // resumption.
  std::size_t session_cache_bytes = 64 * 1024;
  // The handshake must complete within this time.
  duration handshake_timeout = 10s;
  // A read that receives no record for this long fails with timed_out
  // (0: no limit; protocols above usually have their own).
  duration idle_timeout = duration::zero();
};

// The options given by the runtime keys (group TLS: --tls-handshake-timeout),
// over `base`.
server_options server_options_from_keys(server_options base = {});

// The heap bytes one connection's TLS session takes (BearSSL's engine
// context and its bidirectional record buffer), for services that charge
// connections to a memory budget.
std::size_t session_memory();

namespace detail {
struct server_shared;
struct client_shared;
}  // namespace detail

class server_context {
 public:
  explicit server_context(server_options options = {});
  ~server_context();
  server_context(const server_context&) = delete;
  server_context& operator=(const server_context&) = delete;

  // Adds a certificate chain and its key; the first added is the default.
  // `extra_names` adds SNI names beyond the certificate's own.
  // key_mismatch if the key is not the leaf's.
  result<void, key_error> add(certificate_chain chain, private_key key,
                              std::vector<std::string> extra_names = {});
  std::size_t chains() const;

  const server_options& options() const;
  detail::server_shared* shared() { return _shared.get(); }

 private:
  std::unique_ptr<detail::server_shared> _shared;
};

struct client_options {
  std::vector<std::string> alpn;
  std::vector<cipher_suite> suites;
  duration handshake_timeout = 10s;
  duration idle_timeout = duration::zero();
  // Hosts whose last session is kept for resumption (0: no resumption).
  std::size_t session_slots = 32;
};

class client_context {
 public:
  // Validates servers against `anchors`.
  explicit client_context(trust_anchors anchors, client_options options = {});
  // Accepts any certificate without validation: only for tests and for
  // talking to a known self-signed demo server. Names it in every log.
  static client_context insecure(client_options options = {});
  ~client_context();
  client_context(client_context&&) noexcept;
  client_context& operator=(client_context&&) noexcept;

  const client_options& options() const;
  bool verifies() const;
  // Forgets the remembered sessions.
  void forget_sessions();
  detail::client_shared* shared() { return _shared.get(); }

 private:
  client_context() = default;
  std::unique_ptr<detail::client_shared> _shared;
};

}  // namespace fata::tls
