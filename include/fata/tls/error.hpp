// Errors of fata's TLS layer: why a handshake or a session failed, and
// why keys, certificates or trust anchors could not be loaded.
//
// Certificate validation failures each have their own value (wrong host
// name, expired, not yet valid, unknown CA, ...) so that a client can say
// exactly why it refused a server.
#pragma once

#include <cstdint>
#include <string_view>

namespace fata::tls {

enum class tls_error : std::uint8_t {
  // The transport under TLS.
  closed = 1,        // the transport ended during the handshake
  reset,             // the transport was reset
  timed_out,         // the handshake, or a read, took longer than allowed
  cancelled,
  io,                // the transport failed otherwise
  // The protocol.
  bad_record,        // not a TLS record (garbage, a plain-text request...)
  bad_mac,           // a record failed authentication
  unsupported_version,
  handshake_failed,  // no common cipher suite, curve or signature algorithm
  alert_received,    // the peer sent a fatal alert
  protocol,          // any other protocol violation by the peer
  truncated,         // the transport ended without close_notify
  no_certificate,    // the server has no certificate for the client's request
  no_entropy,        // the random device failed
  no_memory,         // the session's engine could not be allocated
  internal,          // an unexpected BearSSL error
  no_host_name,      // connect() was given an empty host name (see tls::no_host_check)
  // Certificate validation (clients).
  cert_wrong_name,       // the certificate is not for the requested host name
  cert_expired,          // the validation time is after the certificate's notAfter
  cert_not_yet_valid,    // the validation time is before its notBefore
  cert_unknown_ca,       // the chain does not lead to a trust anchor
  cert_bad_signature,    // a signature in the chain is invalid
  cert_not_ca,           // an intermediate certificate is not a CA
  cert_bad_key_usage,    // the key may not be used for TLS server authentication
  cert_weak_key,         // the key is too small
  cert_unsupported,      // an algorithm or critical extension is not supported
  cert_malformed,        // the certificate could not be decoded
  cert_empty_chain,      // the server sent no certificate
};

constexpr std::string_view describe(tls_error e) noexcept {
  switch (e) {
    case tls_error::closed: return "connection closed during the TLS handshake";
    case tls_error::reset: return "connection reset";
    case tls_error::timed_out: return "TLS timed out";
    case tls_error::cancelled: return "cancelled";
    case tls_error::io: return "transport I/O error";
    case tls_error::bad_record: return "peer sent something that is not TLS";
    case tls_error::bad_mac: return "TLS record failed authentication";
    case tls_error::unsupported_version: return "unsupported TLS version";
    case tls_error::handshake_failed: return "no common cipher suite or algorithm";
    case tls_error::alert_received: return "peer sent a fatal TLS alert";
    case tls_error::protocol: return "TLS protocol violation";
    case tls_error::truncated: return "connection ended without close_notify";
    case tls_error::no_certificate: return "no certificate configured";
    case tls_error::no_entropy: return "no entropy for TLS";
    case tls_error::no_memory: return "no memory for a TLS session";
    case tls_error::internal: return "internal TLS error";
    case tls_error::no_host_name:
      return "no host name to check the server's certificate against (pass tls::no_host_check to "
             "connect without a host check)";
    case tls_error::cert_wrong_name: return "certificate is not valid for the host name";
    case tls_error::cert_expired: return "certificate has expired";
    case tls_error::cert_not_yet_valid: return "certificate is not yet valid";
    case tls_error::cert_unknown_ca: return "certificate is not signed by a trusted CA";
    case tls_error::cert_bad_signature: return "certificate signature is invalid";
    case tls_error::cert_not_ca: return "certificate chain uses a non-CA certificate as issuer";
    case tls_error::cert_bad_key_usage: return "certificate key usage forbids TLS server use";
    case tls_error::cert_weak_key: return "certificate key is too weak";
    case tls_error::cert_unsupported: return "certificate uses an unsupported algorithm or extension";
    case tls_error::cert_malformed: return "certificate is malformed";
    case tls_error::cert_empty_chain: return "server sent no certificate";
  }
  return "unknown TLS error";
}

// True for the certificate validation failures.
constexpr bool is_certificate_error(tls_error e) noexcept {
  return e >= tls_error::cert_wrong_name && e <= tls_error::cert_empty_chain;
}

enum class key_error : std::uint8_t {
  bad_pem = 1,      // PEM armour could not be decoded
  no_object,        // no certificate (or key) found in the input
  bad_certificate,  // a certificate could not be decoded
  bad_key,          // a private key could not be decoded
  unsupported_key,  // a key type or curve BearSSL does not support
  key_mismatch,     // the private key does not belong to the certificate
  too_large,        // input beyond the loader's limits
  not_found,        // the named key (in a store) does not exist
  io,               // the store failed
  no_memory,        // an allocation failed
};

constexpr std::string_view describe(key_error e) noexcept {
  switch (e) {
    case key_error::bad_pem: return "malformed PEM";
    case key_error::no_object: return "no certificate or key found";
    case key_error::bad_certificate: return "malformed certificate";
    case key_error::bad_key: return "malformed private key";
    case key_error::unsupported_key: return "unsupported key type";
    case key_error::key_mismatch: return "private key does not match the certificate";
    case key_error::too_large: return "input too large";
    case key_error::not_found: return "key or certificate not found";
    case key_error::io: return "could not read key or certificate";
    case key_error::no_memory: return "out of memory";
  }
  return "unknown key error";
}

}  // namespace fata::tls
