// What server_context and client_context hold, shared with the sessions.
#pragma once

#include <bearssl.h>

#include <list>
#include <string>
#include <vector>

#include <fata/tls/context.hpp>
#include <fata/tls/engine.hpp>

#include "keys_internal.hpp"

namespace fata::tls::detail {

// A session cache wrapping BearSSL's LRU, to learn which handshakes
// resumed a session.
struct resumption_cache {
  const br_ssl_session_cache_class* vtable;
  br_ssl_session_cache_lru lru;
  session* current = nullptr;  // the session whose records are being processed
};

struct served_chain {
  certificate_chain chain;
  private_key key;
  std::vector<std::string> extra_names;
  bool matches(std::string_view host) const;
};

struct server_shared {
  server_options options;
  std::vector<served_chain> chains;
  std::vector<std::uint16_t> suites;
  std::vector<const char*> alpn;  // point into options.alpn
  std::vector<unsigned char> cache_buffer;
  resumption_cache cache{};
  bool cache_enabled = false;
};

struct client_shared {
  client_options options;
  trust_anchors anchors;
  bool verify = true;
  std::vector<std::uint16_t> suites;
  std::vector<const char*> alpn;
  // Last session per host, most recently used first.
  struct remembered {
    std::string host;
    br_ssl_session_parameters params;
  };
  std::list<remembered> sessions;
};

std::vector<std::uint16_t> suite_numbers(const std::vector<cipher_suite>& chosen);

}  // namespace fata::tls::detail
