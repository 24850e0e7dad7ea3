// One TLS connection's BearSSL engine, configured for fata's profile (TLS
// 1.2, ECDHE, AEAD suites), with the two pieces of policy fata adds: an
// SNI-aware certificate policy for servers and a validating X.509 engine
// for clients that tells its failures apart.
#include <fata/tls/engine.hpp>

#include <bearssl.h>

#include <cstring>
#include <new>


#include "context_internal.hpp"

namespace fata::tls::detail {

static_assert(session::closed_bit == BR_SSL_CLOSED);
static_assert(session::sendrec_bit == BR_SSL_SENDREC);
static_assert(session::recvrec_bit == BR_SSL_RECVREC);
static_assert(session::sendapp_bit == BR_SSL_SENDAPP);
static_assert(session::recvapp_bit == BR_SSL_RECVAPP);

namespace {

// Days from 0000-01-01 to 1970-01-01 in the proleptic Gregorian calendar,
// the origin of BearSSL's validation time.
constexpr std::uint32_t days_to_unix_epoch = 719528;

const br_hash_class* hash_class(int id) {
  switch (id) {
    case br_sha1_ID: return &br_sha1_vtable;
    case br_sha224_ID: return &br_sha224_vtable;
    case br_sha256_ID: return &br_sha256_vtable;
    case br_sha384_ID: return &br_sha384_vtable;
    case br_sha512_ID: return &br_sha512_vtable;
    default: return nullptr;
  }
}

// The strongest hash both sides accept for signatures, from a bit field
// (bit i: hash id i), preferring SHA-256.
int choose_hash(unsigned bits) {
  for (int id : {br_sha256_ID, br_sha384_ID, br_sha512_ID, br_sha224_ID, br_sha1_ID})
    if (bits & (1u << id)) return id;
  return -1;
}

// --- server: choosing a chain by SNI (RFC 6066 §3) ---------------------------

struct sni_policy {
  const br_ssl_server_policy_class* vtable;
  server_shared* shared;
  std::size_t chosen;
};

bool pick_suite(const br_ssl_server_context* cc, key_type kt, std::uint16_t* suite) {
  std::size_t n = 0;
  const br_suite_translated* suites = br_ssl_server_get_client_suites(cc, &n);
  const unsigned want = kt == key_type::rsa ? BR_SSLKEYX_ECDHE_RSA : BR_SSLKEYX_ECDHE_ECDSA;
  for (std::size_t i = 0; i < n; ++i) {
    if ((suites[i][1] >> 12) == want) {
      *suite = suites[i][0];
      return true;
    }
  }
  return false;
}

int policy_choose(const br_ssl_server_policy_class** pctx, const br_ssl_server_context* cc,
                  br_ssl_server_choices* choices) {
  auto* p = reinterpret_cast<sni_policy*>(pctx);
  auto& chains = p->shared->chains;
  const char* name = br_ssl_engine_get_server_name(&cc->eng);
  const std::string_view host = name ? name : "";
  // Chains for the requested name first, then every chain (the first is
  // the default); the first whose key type fits a suite the client offers.
  for (int pass = 0; pass < 2; ++pass) {
    for (std::size_t i = 0; i < chains.size(); ++i) {
      if (pass == 0 && !chains[i].matches(host)) continue;
      const key_type kt = chains[i].key.type();
      std::uint16_t suite = 0;
      if (!pick_suite(cc, kt, &suite)) continue;
      const std::uint32_t hashes = br_ssl_server_get_client_hashes(cc);
      const int hash = choose_hash(kt == key_type::rsa ? (hashes & 0xff) : ((hashes >> 8) & 0xff));
      if (hash < 0) continue;
      p->chosen = i;
      const auto* cs = chains[i].chain.storage();
      choices->cipher_suite = suite;
      choices->algo_id = 0xff00u + unsigned(hash);
      choices->chain = cs->certs.data();
      choices->chain_len = cs->certs.size();
      return 1;
    }
  }
  return 0;
}

std::uint32_t policy_keyx(const br_ssl_server_policy_class**, unsigned char*, std::size_t*) {
  return 0;  // ECDHE only: the key never decrypts or does ECDH
}

std::size_t policy_sign(const br_ssl_server_policy_class** pctx, unsigned algo_id,
                        unsigned char* data, std::size_t hv_len, std::size_t len) {
  auto* p = reinterpret_cast<sni_policy*>(pctx);
  const auto* key = p->shared->chains[p->chosen].key.storage();
  const int hash = int(algo_id & 0xff);
  if ((algo_id & 0xff00) != 0xff00 || hv_len > 64) return 0;
  unsigned char hv[64];
  std::memcpy(hv, data, hv_len);
  if (key->type == key_type::ec) {
    const br_hash_class* hc = hash_class(hash);
    // The largest ECDSA signature (P-521, ASN.1) is 139 bytes.
    if (!hc || len < 139) return 0;
    return br_ecdsa_sign_asn1_get_default()(br_ec_get_default(), hc, hv, &key->ec, data);
  }
  const unsigned char* oid = nullptr;
  switch (hash) {
    case br_sha1_ID: oid = BR_HASH_OID_SHA1; break;
    case br_sha224_ID: oid = BR_HASH_OID_SHA224; break;
    case br_sha256_ID: oid = BR_HASH_OID_SHA256; break;
    case br_sha384_ID: oid = BR_HASH_OID_SHA384; break;
    case br_sha512_ID: oid = BR_HASH_OID_SHA512; break;
    default: return 0;
  }
  const std::size_t sig_len = (key->rsa.n_bitlen + 7) / 8;
  if (sig_len > len) return 0;
  return br_rsa_pkcs1_sign_get_default()(oid, hv, hv_len, &key->rsa, data) ? sig_len : 0;
}

const br_ssl_server_policy_class sni_policy_vtable = {sizeof(sni_policy), &policy_choose,
                                                      &policy_keyx, &policy_sign};

// --- client: validation that says why it failed -------------------------------

struct checked_x509 {
  const br_x509_class* vtable;
  br_x509_minimal_context minimal;
  bool verify;
  bool first;
  bool not_yet_valid;
  std::uint32_t days, seconds;
  std::vector<unsigned char> leaf;
  br_x509_decoder_context decoder;
};

constexpr std::size_t max_leaf = 16 * 1024;

checked_x509* self(const br_x509_class** ctx) { return reinterpret_cast<checked_x509*>(ctx); }

void x_start_chain(const br_x509_class** ctx, const char* server_name) {
  auto* x = self(ctx);
  x->first = true;
  x->not_yet_valid = false;
  x->leaf.clear();
  if (x->verify) x->minimal.vtable->start_chain(&x->minimal.vtable, server_name);
}

void x_start_cert(const br_x509_class** ctx, std::uint32_t length) {
  auto* x = self(ctx);
  if (x->verify) x->minimal.vtable->start_cert(&x->minimal.vtable, length);
}

void x_append(const br_x509_class** ctx, const unsigned char* buf, std::size_t len) {
  auto* x = self(ctx);
  if (x->first && x->leaf.size() + len <= max_leaf) x->leaf.insert(x->leaf.end(), buf, buf + len);
  if (x->verify) x->minimal.vtable->append(&x->minimal.vtable, buf, len);
}

void x_end_cert(const br_x509_class** ctx) {
  auto* x = self(ctx);
  if (x->verify) x->minimal.vtable->end_cert(&x->minimal.vtable);
  x->first = false;
}

unsigned x_end_chain(const br_x509_class** ctx) {
  auto* x = self(ctx);
  br_x509_decoder_init(&x->decoder, nullptr, nullptr);
  br_x509_decoder_push(&x->decoder, x->leaf.data(), x->leaf.size());
  if (!x->verify) {
    if (x->leaf.empty()) return BR_ERR_X509_EMPTY_CHAIN;
    return br_x509_decoder_get_pkey(&x->decoder) ? 0 : BR_ERR_X509_INVALID_VALUE;
  }
  const unsigned err = x->minimal.vtable->end_chain(&x->minimal.vtable);
  if (err == BR_ERR_X509_EXPIRED && br_x509_decoder_get_pkey(&x->decoder)) {
    // BearSSL reports both ends of the validity period as "expired"; the
    // leaf's notBefore tells them apart. (The decoder's validity fields
    // are public members of its context.)
    const auto& d = x->decoder;
    if (x->days < d.notbefore_days ||
        (x->days == d.notbefore_days && x->seconds < d.notbefore_seconds))
      x->not_yet_valid = true;
  }
  return err;
}

const br_x509_pkey* x_get_pkey(const br_x509_class* const* ctx, unsigned* usages) {
  auto* x = reinterpret_cast<checked_x509*>(const_cast<const br_x509_class**>(ctx));
  if (x->verify) return x->minimal.vtable->get_pkey(&x->minimal.vtable, usages);
  if (usages) *usages = BR_KEYTYPE_KEYX | BR_KEYTYPE_SIGN;
  return br_x509_decoder_get_pkey(&x->decoder);
}

const br_x509_class checked_x509_vtable = {sizeof(checked_x509), &x_start_chain, &x_start_cert,
                                           &x_append,           &x_end_cert,    &x_end_chain,
                                           &x_get_pkey};

tls_error map_error(int err, bool not_yet_valid) {
  if (err >= BR_ERR_RECV_FATAL_ALERT && err < BR_ERR_SEND_FATAL_ALERT)
    return tls_error::alert_received;
  if (err >= BR_ERR_SEND_FATAL_ALERT) {
    const int alert = err - BR_ERR_SEND_FATAL_ALERT;
    // handshake_failure (40), insufficient_security (71)
    return alert == 40 || alert == 71 ? tls_error::handshake_failed : tls_error::protocol;
  }
  switch (err) {
    case BR_ERR_BAD_PARAM:
    case BR_ERR_BAD_STATE: return tls_error::internal;
    case BR_ERR_UNSUPPORTED_VERSION: return tls_error::unsupported_version;
    case BR_ERR_BAD_VERSION:
    case BR_ERR_BAD_LENGTH:
    case BR_ERR_TOO_LARGE:
    case BR_ERR_UNKNOWN_TYPE: return tls_error::bad_record;
    case BR_ERR_BAD_MAC: return tls_error::bad_mac;
    case BR_ERR_NO_RANDOM: return tls_error::no_entropy;
    case BR_ERR_BAD_CIPHER_SUITE:
    case BR_ERR_INVALID_ALGORITHM: return tls_error::handshake_failed;
    case BR_ERR_IO: return tls_error::io;
    case BR_ERR_X509_EXPIRED:
      return not_yet_valid ? tls_error::cert_not_yet_valid : tls_error::cert_expired;
    case BR_ERR_X509_BAD_SERVER_NAME: return tls_error::cert_wrong_name;
    case BR_ERR_X509_NOT_TRUSTED:
    case BR_ERR_X509_DN_MISMATCH: return tls_error::cert_unknown_ca;
    case BR_ERR_X509_BAD_SIGNATURE: return tls_error::cert_bad_signature;
    case BR_ERR_X509_NOT_CA: return tls_error::cert_not_ca;
    case BR_ERR_X509_FORBIDDEN_KEY_USAGE: return tls_error::cert_bad_key_usage;
    case BR_ERR_X509_WEAK_PUBLIC_KEY: return tls_error::cert_weak_key;
    case BR_ERR_X509_UNSUPPORTED:
    case BR_ERR_X509_CRITICAL_EXTENSION:
    case BR_ERR_X509_WRONG_KEY_TYPE: return tls_error::cert_unsupported;
    case BR_ERR_X509_EMPTY_CHAIN: return tls_error::cert_empty_chain;
    case BR_ERR_X509_TIME_UNKNOWN: return tls_error::internal;
    default: break;
  }
  if (err > BR_ERR_X509_OK && err <= BR_ERR_X509_NOT_TRUSTED) return tls_error::cert_malformed;
  return tls_error::protocol;
}

// Hashes and PRFs every engine registers, and the AEAD and EC
// implementations (the fastest BearSSL has for this CPU).
void configure_common(br_ssl_engine_context* eng, const std::vector<std::uint16_t>& suites,
                      const std::vector<const char*>& alpn) {
  br_ssl_engine_set_versions(eng, BR_TLS12, BR_TLS12);
  br_ssl_engine_set_suites(eng, suites.data(), suites.size());
  for (int id : {br_sha1_ID, br_sha224_ID, br_sha256_ID, br_sha384_ID, br_sha512_ID})
    br_ssl_engine_set_hash(eng, id, hash_class(id));
  br_ssl_engine_set_prf_sha256(eng, &br_tls12_sha256_prf);
  br_ssl_engine_set_prf_sha384(eng, &br_tls12_sha384_prf);
  br_ssl_engine_set_default_aes_gcm(eng);
  br_ssl_engine_set_default_chapol(eng);
  br_ssl_engine_set_default_ec(eng);
  if (!alpn.empty()) br_ssl_engine_set_protocol_names(eng, const_cast<const char**>(alpn.data()), alpn.size());
  br_ssl_engine_add_flags(eng, BR_OPT_NO_RENEGOTIATION);
}

void seed(br_ssl_engine_context* eng, bytes entropy) {
  // Entropy from the random device only: mark BearSSL's own OS seeding as
  // done so that it never reads /dev/urandom or the CPU behind our back.
  eng->rng_os_rand_done = 1;
  br_ssl_engine_inject_entropy(eng, entropy.data(), entropy.size());
}

}  // namespace

struct session::engine {
  bool is_server = false;
  union {
    br_ssl_server_context sc;
    br_ssl_client_context cc;
  };
  sni_policy policy{};
  checked_x509 x509;
  server_shared* sshared = nullptr;
  client_shared* cshared = nullptr;
  std::string host;
  br_ssl_session_parameters offered{};
  bool offered_resume = false;
  alignas(16) unsigned char iobuf[BR_SSL_BUFSIZE_BIDI];

  engine() : sc{} {}
  br_ssl_engine_context* eng() { return is_server ? &sc.eng : &cc.eng; }
  const br_ssl_engine_context* eng() const { return is_server ? &sc.eng : &cc.eng; }
};

// The engine is 40 KiB and more: allocated without throwing (there are no
// exceptions: a throwing new would panic the image), so that a heap too
// full or too fragmented for it refuses the connection with no_memory.
session::session() : _e(new (std::nothrow) engine()) {}

std::size_t session::footprint() { return sizeof(session) + sizeof(engine); }
session::~session() {
  // Keys and secrets of the connection are not left behind in freed memory.
  if (_e) {
    std::memset(static_cast<void*>(&_e->sc), 0, sizeof(_e->sc) > sizeof(_e->cc) ? sizeof(_e->sc) : sizeof(_e->cc));
    std::memset(_e->iobuf, 0, sizeof _e->iobuf);
  }
}

std::unique_ptr<session> session::server(server_shared& shared, bytes entropy, tls_error* why) {
  if (shared.chains.empty()) {
    *why = tls_error::no_certificate;
    return nullptr;
  }
  std::unique_ptr<session> s(new (std::nothrow) session());
  if (!s || !s->_e) {
    *why = tls_error::no_memory;
    return nullptr;
  }
  auto& e = *s->_e;
  e.is_server = true;
  e.sshared = &shared;
  br_ssl_server_zero(&e.sc);
  configure_common(&e.sc.eng, shared.suites, shared.alpn);
  if (shared.options.prefer_server_suites) br_ssl_engine_add_flags(&e.sc.eng, BR_OPT_ENFORCE_SERVER_PREFERENCES);
  e.policy.vtable = &sni_policy_vtable;
  e.policy.shared = &shared;
  br_ssl_server_set_policy(&e.sc, &e.policy.vtable);
  if (shared.cache_enabled) br_ssl_server_set_cache(&e.sc, &shared.cache.vtable);
  br_ssl_engine_set_buffer(&e.sc.eng, e.iobuf, sizeof e.iobuf, 1);
  seed(&e.sc.eng, entropy);
  if (!br_ssl_server_reset(&e.sc)) {
    *why = map_error(br_ssl_engine_last_error(&e.sc.eng), false);
    return nullptr;
  }
  return s;
}

std::unique_ptr<session> session::client(client_shared& shared, std::string_view host,
                                         bool check_host, wall_time now, bytes entropy,
                                         tls_error* why) {
  // BearSSL skips the name check when given no name: that must be asked
  // for (tls::no_host_check), never the result of an empty string.
  if (check_host && host.empty()) {
    *why = tls_error::no_host_name;
    return nullptr;
  }
  std::unique_ptr<session> s(new (std::nothrow) session());
  if (!s || !s->_e) {
    *why = tls_error::no_memory;
    return nullptr;
  }
  auto& e = *s->_e;
  e.is_server = false;
  e.cshared = &shared;
  if (check_host) e.host.assign(host);
  br_ssl_client_zero(&e.cc);
  configure_common(&e.cc.eng, shared.suites, shared.alpn);
  br_ssl_engine_set_default_rsavrfy(&e.cc.eng);
  br_ssl_engine_set_default_ecdsa(&e.cc.eng);

  // X.509 validation at `now`.
  auto& x = e.x509;
  x.vtable = &checked_x509_vtable;
  x.verify = shared.verify;
  const std::int64_t secs = to_ns(now) / 1'000'000'000;
  x.days = static_cast<std::uint32_t>(secs / 86400) + days_to_unix_epoch;
  x.seconds = static_cast<std::uint32_t>(secs % 86400);
  const auto* anchors = shared.anchors.storage();
  br_x509_minimal_init(&x.minimal, &br_sha256_vtable, anchors ? anchors->anchors.data() : nullptr,
                       anchors ? anchors->anchors.size() : 0);
  for (int id : {br_sha1_ID, br_sha224_ID, br_sha256_ID, br_sha384_ID, br_sha512_ID})
    br_x509_minimal_set_hash(&x.minimal, id, hash_class(id));
  br_x509_minimal_set_rsa(&x.minimal, br_rsa_pkcs1_vrfy_get_default());
  br_x509_minimal_set_ecdsa(&x.minimal, br_ec_get_default(), br_ecdsa_vrfy_asn1_get_default());
  br_x509_minimal_set_time(&x.minimal, x.days, x.seconds);
  br_ssl_engine_set_x509(&e.cc.eng, &x.vtable);

  br_ssl_engine_set_buffer(&e.cc.eng, e.iobuf, sizeof e.iobuf, 1);
  seed(&e.cc.eng, entropy);
  // Resume the last session with this host if there is one (RFC 5246 §7.4.1.2).
  // Without a host name there is nothing to key a session by.
  for (auto it = shared.sessions.begin(); !e.host.empty() && it != shared.sessions.end(); ++it) {
    if (it->host == e.host) {
      br_ssl_engine_set_session_parameters(&e.cc.eng, &it->params);
      e.offered = it->params;
      e.offered_resume = true;
      break;
    }
  }
  if (!br_ssl_client_reset(&e.cc, e.host.empty() ? nullptr : e.host.c_str(), e.offered_resume ? 1 : 0)) {
    *why = map_error(br_ssl_engine_last_error(&e.cc.eng), false);
    return nullptr;
  }
  return s;
}

unsigned session::state() const {
  if (_failure != tls_error{}) return closed_bit;
  return br_ssl_engine_current_state(_e->eng());
}

bytes session::records_out() const {
  std::size_t len = 0;
  const unsigned char* p = br_ssl_engine_sendrec_buf(_e->eng(), &len);
  return p ? bytes(p, len) : bytes{};
}

void session::records_sent(std::size_t n) { br_ssl_engine_sendrec_ack(_e->eng(), n); }

mut_bytes session::records_room() {
  std::size_t len = 0;
  unsigned char* p = br_ssl_engine_recvrec_buf(_e->eng(), &len);
  return p ? mut_bytes(p, len) : mut_bytes{};
}

void session::records_received(std::size_t n) {
  if (_e->is_server) _e->sshared->cache.current = this;
  br_ssl_engine_recvrec_ack(_e->eng(), n);
  if (_e->is_server) _e->sshared->cache.current = nullptr;
}

bytes session::app_in() const {
  std::size_t len = 0;
  const unsigned char* p = br_ssl_engine_recvapp_buf(_e->eng(), &len);
  return p ? bytes(p, len) : bytes{};
}

void session::app_consumed(std::size_t n) { br_ssl_engine_recvapp_ack(_e->eng(), n); }

mut_bytes session::app_room() {
  std::size_t len = 0;
  unsigned char* p = br_ssl_engine_sendapp_buf(_e->eng(), &len);
  return p ? mut_bytes(p, len) : mut_bytes{};
}

void session::app_put(std::size_t n) { br_ssl_engine_sendapp_ack(_e->eng(), n); }

void session::flush_app() { br_ssl_engine_flush(_e->eng(), 0); }

void session::close_notify() { br_ssl_engine_close(_e->eng()); }

bool session::peer_closed() const {
  return _e->eng()->close_received != 0 || _e->eng()->shutdown_recv != 0;
}

tls_error session::error() const {
  if (_failure != tls_error{}) return _failure;
  const int err = br_ssl_engine_last_error(_e->eng());
  if (err == BR_ERR_OK) return tls_error::closed;
  return map_error(err, !_e->is_server && _e->x509.not_yet_valid);
}

bool session::closed_cleanly() const {
  return _failure == tls_error{} && br_ssl_engine_last_error(_e->eng()) == BR_ERR_OK &&
         (br_ssl_engine_current_state(_e->eng()) & closed_bit);
}

void session::fail(tls_error e) {
  if (_failure == tls_error{}) _failure = e;
}

void session::handshake_done() {
  auto& e = *_e;
  if (e.is_server) {
    _resumed = resumption_hit;
    return;
  }
  br_ssl_session_parameters now{};
  br_ssl_engine_get_session_parameters(&e.cc.eng, &now);
  _resumed = e.offered_resume && e.offered.session_id_len > 0 &&
             now.session_id_len == e.offered.session_id_len &&
             std::memcmp(now.session_id, e.offered.session_id, now.session_id_len) == 0;
  auto& list = e.cshared->sessions;
  for (auto it = list.begin(); it != list.end(); ++it) {
    if (it->host == e.host) {
      list.erase(it);
      break;
    }
  }
  if (e.cshared->options.session_slots == 0 || now.session_id_len == 0 || e.host.empty()) return;
  list.push_front({e.host, now});
  while (list.size() > e.cshared->options.session_slots) list.pop_back();
}

std::string_view session::alpn() const {
  const char* p = br_ssl_engine_get_selected_protocol(const_cast<br_ssl_engine_context*>(_e->eng()));
  return p ? std::string_view(p) : std::string_view{};
}

std::string_view session::server_name() const {
  const char* p = br_ssl_engine_get_server_name(_e->eng());
  return p ? std::string_view(p) : std::string_view{};
}

cipher_suite session::suite() const { return static_cast<cipher_suite>(_e->eng()->session.cipher_suite); }

const server_options* session::server_opts() const {
  return _e->is_server ? &_e->sshared->options : nullptr;
}

const client_options* session::client_opts() const {
  return _e->is_server ? nullptr : &_e->cshared->options;
}

}  // namespace fata::tls::detail
