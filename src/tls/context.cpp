#include <fata/tls/context.hpp>
#include <fata/tls/engine.hpp>

#include <cstring>

#include "context_internal.hpp"

namespace fata::tls {

namespace {

void cache_save(const br_ssl_session_cache_class** ctx, br_ssl_server_context* sc,
                const br_ssl_session_parameters* params) {
  auto* c = reinterpret_cast<detail::resumption_cache*>(ctx);
  c->lru.vtable->save(&c->lru.vtable, sc, params);
}

int cache_load(const br_ssl_session_cache_class** ctx, br_ssl_server_context* sc,
               br_ssl_session_parameters* params) {
  auto* c = reinterpret_cast<detail::resumption_cache*>(ctx);
  const int hit = c->lru.vtable->load(&c->lru.vtable, sc, params);
  if (hit && c->current) c->current->resumption_hit = true;
  return hit;
}

const br_ssl_session_cache_class cache_vtable = {sizeof(detail::resumption_cache), &cache_save,
                                                 &cache_load};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

}  // namespace

std::size_t session_memory() { return detail::session::footprint(); }

std::string_view openssl_name(cipher_suite s) {
  switch (s) {
    case cipher_suite::ecdhe_ecdsa_aes128_gcm_sha256: return "ECDHE-ECDSA-AES128-GCM-SHA256";
    case cipher_suite::ecdhe_ecdsa_aes256_gcm_sha384: return "ECDHE-ECDSA-AES256-GCM-SHA384";
    case cipher_suite::ecdhe_rsa_aes128_gcm_sha256: return "ECDHE-RSA-AES128-GCM-SHA256";
    case cipher_suite::ecdhe_rsa_aes256_gcm_sha384: return "ECDHE-RSA-AES256-GCM-SHA384";
    case cipher_suite::ecdhe_rsa_chacha20_poly1305_sha256: return "ECDHE-RSA-CHACHA20-POLY1305";
    case cipher_suite::ecdhe_ecdsa_chacha20_poly1305_sha256: return "ECDHE-ECDSA-CHACHA20-POLY1305";
  }
  return "unknown";
}

const std::vector<cipher_suite>& all_suites() {
  static const std::vector<cipher_suite> suites = {
      cipher_suite::ecdhe_ecdsa_aes128_gcm_sha256,
      cipher_suite::ecdhe_rsa_aes128_gcm_sha256,
      cipher_suite::ecdhe_ecdsa_chacha20_poly1305_sha256,
      cipher_suite::ecdhe_rsa_chacha20_poly1305_sha256,
      cipher_suite::ecdhe_ecdsa_aes256_gcm_sha384,
      cipher_suite::ecdhe_rsa_aes256_gcm_sha384,
  };
  return suites;
}

namespace detail {

std::vector<std::uint16_t> suite_numbers(const std::vector<cipher_suite>& chosen) {
  const auto& list = chosen.empty() ? all_suites() : chosen;
  std::vector<std::uint16_t> out;
  for (auto s : list) out.push_back(static_cast<std::uint16_t>(s));
  return out;
}

bool served_chain::matches(std::string_view host) const {
  if (chain.matches(host)) return true;
  const std::string h = lower(host);
  for (const auto& n : extra_names)
    if (n == h) return true;
  return false;
}

}  // namespace detail

// --- server ---------------------------------------------------------------------

server_context::server_context(server_options options)
    : _shared(std::make_unique<detail::server_shared>()) {
  auto& s = *_shared;
  s.options = std::move(options);
  s.suites = detail::suite_numbers(s.options.suites);
  for (const auto& p : s.options.alpn) s.alpn.push_back(p.c_str());
  if (s.options.session_cache_bytes > 0) {
    s.cache_buffer.resize(s.options.session_cache_bytes);
    br_ssl_session_cache_lru_init(&s.cache.lru, s.cache_buffer.data(), s.cache_buffer.size());
    s.cache.vtable = &cache_vtable;
    s.cache_enabled = true;
  }
}

server_context::~server_context() = default;

result<void, key_error> server_context::add(certificate_chain chain, private_key key,
                                            std::vector<std::string> extra_names) {
  if (chain.empty() || !key.valid()) return unexpected(key_error::no_object);
  if (!key.matches(chain)) return unexpected(key_error::key_mismatch);
  for (auto& n : extra_names) n = lower(n);
  _shared->chains.push_back({std::move(chain), std::move(key), std::move(extra_names)});
  return {};
}

std::size_t server_context::chains() const { return _shared->chains.size(); }

const server_options& server_context::options() const { return _shared->options; }

// --- client ---------------------------------------------------------------------

client_context::client_context(trust_anchors anchors, client_options options)
    : _shared(std::make_unique<detail::client_shared>()) {
  auto& s = *_shared;
  s.options = std::move(options);
  s.anchors = std::move(anchors);
  s.verify = true;
  s.suites = detail::suite_numbers(s.options.suites);
  for (const auto& p : s.options.alpn) s.alpn.push_back(p.c_str());
}

client_context client_context::insecure(client_options options) {
  client_context c(trust_anchors{}, std::move(options));
  c._shared->verify = false;
  return c;
}

client_context::~client_context() = default;
client_context::client_context(client_context&&) noexcept = default;
client_context& client_context::operator=(client_context&&) noexcept = default;

const client_options& client_context::options() const { return _shared->options; }
bool client_context::verifies() const { return _shared->verify; }
void client_context::forget_sessions() { _shared->sessions.clear(); }

}  // namespace fata::tls
