// Decoding PEM, certificates, private keys and trust anchors with BearSSL's
// decoders; extracting a certificate's DNS names with a small DER walker.
#include <fata/tls/keys.hpp>

#include <algorithm>
#include <cstring>

#include "keys_internal.hpp"

namespace fata::tls {

namespace {

constexpr std::size_t max_input = 1024 * 1024;

void append_to_vector(void* ctx, const void* data, std::size_t len) {
  auto* v = static_cast<std::vector<std::byte>*>(ctx);
  const auto* p = static_cast<const std::byte*>(data);
  v->insert(v->end(), p, p + len);
}

void append_uchar(void* ctx, const void* data, std::size_t len) {
  auto* v = static_cast<std::vector<unsigned char>*>(ctx);
  const auto* p = static_cast<const unsigned char*>(data);
  v->insert(v->end(), p, p + len);
}

// The objects of the input, PEM or DER; certificates only when `certs`.
result<std::vector<std::vector<std::byte>>, key_error> objects_of(bytes in, bool certs) {
  std::vector<std::vector<std::byte>> out;
  if (in.size() > max_input) return unexpected(key_error::too_large);
  if (!is_pem(in)) {
    if (in.empty()) return unexpected(key_error::no_object);
    out.emplace_back(in.begin(), in.end());
    return out;
  }
  auto pem = decode_pem(in);
  if (!pem) return unexpected(pem.error());
  for (auto& o : *pem) {
    const bool is_cert = o.label == "CERTIFICATE" || o.label == "X509 CERTIFICATE";
    const bool is_key = o.label == "PRIVATE KEY" || o.label == "RSA PRIVATE KEY" ||
                        o.label == "EC PRIVATE KEY";
    if (certs ? is_cert : is_key) out.push_back(std::move(o.der));
  }
  if (out.empty()) return unexpected(key_error::no_object);
  return out;
}

std::vector<unsigned char> copy_uchar(const unsigned char* p, std::size_t n) {
  return std::vector<unsigned char>(p, p + n);
}

bytes strip_zeros(const unsigned char* p, std::size_t n) {
  while (n > 0 && *p == 0) {
    ++p;
    --n;
  }
  return bytes(p, n);
}

// --- a minimal DER walker for the names in a certificate --------------------

struct der_item {
  unsigned tag = 0;
  bytes content;
  bytes rest;  // what follows the item
};

// Reads one TLV; nullopt if malformed.
std::optional<der_item> der_read(bytes in) {
  if (in.size() < 2) return std::nullopt;
  der_item it;
  it.tag = in.u8(0);
  if ((it.tag & 0x1f) == 0x1f) return std::nullopt;  // multi-byte tags: not in certificates
  std::size_t pos = 2;
  std::size_t len = in.u8(1);
  if (len & 0x80) {
    const std::size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in.size() < 2 + n) return std::nullopt;
    len = 0;
    for (std::size_t i = 0; i < n; ++i) len = (len << 8) | in.u8(2 + i);
    pos = 2 + n;
  }
  if (len > in.size() - pos) return std::nullopt;
  it.content = in.sub(pos, len);
  it.rest = in.skip(pos + len);
  return it;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return out;
}

bool printable_name(bytes b) {
  if (b.empty() || b.size() > 253) return false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    const auto c = b.u8(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

constexpr unsigned char oid_san[] = {0x55, 0x1d, 0x11};
constexpr unsigned char oid_cn[] = {0x55, 0x04, 0x03};

bool oid_is(bytes b, const unsigned char (&oid)[3]) {
  return b.size() == 3 && std::memcmp(b.data(), oid, 3) == 0;
}

}  // namespace

bool is_pem(bytes data) {
  const std::string_view s = data.chars();
  return s.find("-----BEGIN ") != std::string_view::npos;
}

result<std::vector<pem_object>, key_error> decode_pem(bytes text) {
  if (text.size() > max_input) return unexpected(key_error::too_large);
  std::vector<pem_object> out;
  br_pem_decoder_context pc;
  br_pem_decoder_init(&pc);
  bool in_object = false;
  auto push = [&](const unsigned char* buf, std::size_t len) -> result<void, key_error> {
    while (len > 0) {
      const std::size_t used = br_pem_decoder_push(&pc, buf, len);
      buf += used;
      len -= used;
      switch (br_pem_decoder_event(&pc)) {
        case BR_PEM_BEGIN_OBJ:
          out.push_back(pem_object{br_pem_decoder_name(&pc), {}});
          br_pem_decoder_setdest(&pc, &append_to_vector, &out.back().der);
          in_object = true;
          break;
        case BR_PEM_END_OBJ:
          in_object = false;
          break;
        case BR_PEM_ERROR:
          return unexpected(key_error::bad_pem);
        default:
          break;
      }
    }
    return {};
  };
  if (auto r = push(text.u8_data(), text.size()); !r) return unexpected(r.error());
  // A final newline completes an object whose last line has none.
  static const unsigned char nl = '\n';
  if (auto r = push(&nl, 1); !r) return unexpected(r.error());
  if (in_object) return unexpected(key_error::bad_pem);
  return out;
}

result<std::vector<std::string>, key_error> certificate_names(bytes der) {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signature }
  auto cert = der_read(der);
  if (!cert || cert->tag != 0x30) return unexpected(key_error::bad_certificate);
  auto tbs = der_read(cert->content);
  if (!tbs || tbs->tag != 0x30) return unexpected(key_error::bad_certificate);
  // tbsCertificate ::= SEQUENCE { [0] version, serial, signature, issuer,
  //   validity, subject, subjectPublicKeyInfo, [1], [2], [3] extensions }
  bytes rest = tbs->content;
  std::vector<der_item> fields;
  while (!rest.empty()) {
    auto it = der_read(rest);
    if (!it) return unexpected(key_error::bad_certificate);
    fields.push_back(*it);
    rest = it->rest;
  }
  std::size_t i = 0;
  if (i < fields.size() && fields[i].tag == 0xa0) ++i;  // version
  const std::size_t subject_index = i + 4;               // serial, sig, issuer, validity
  if (subject_index >= fields.size()) return unexpected(key_error::bad_certificate);
  std::vector<std::string> names;
  // subjectAltName dNSName entries (RFC 5280 §4.2.1.6).
  for (const auto& f : fields) {
    if (f.tag != 0xa3) continue;
    auto exts = der_read(f.content);
    if (!exts || exts->tag != 0x30) return unexpected(key_error::bad_certificate);
    bytes e = exts->content;
    while (!e.empty()) {
      auto ext = der_read(e);
      if (!ext || ext->tag != 0x30) return unexpected(key_error::bad_certificate);
      e = ext->rest;
      auto oid = der_read(ext->content);
      if (!oid || oid->tag != 0x06 || !oid_is(oid->content, oid_san)) continue;
      auto next = der_read(oid->rest);
      if (next && next->tag == 0x01) next = der_read(next->rest);  // critical
      if (!next || next->tag != 0x04) return unexpected(key_error::bad_certificate);
      auto general_names = der_read(next->content);
      if (!general_names || general_names->tag != 0x30)
        return unexpected(key_error::bad_certificate);
      bytes g = general_names->content;
      while (!g.empty()) {
        auto gn = der_read(g);
        if (!gn) return unexpected(key_error::bad_certificate);
        g = gn->rest;
        if (gn->tag == 0x82 && printable_name(gn->content)) names.push_back(lower(gn->content.chars()));
      }
    }
  }
  if (!names.empty()) return names;
  // No DNS names: the subject's common name (RFC 6125 §6.4.4).
  auto subject = fields[subject_index];
  if (subject.tag != 0x30) return unexpected(key_error::bad_certificate);
  bytes rdns = subject.content;
  while (!rdns.empty()) {
    auto set = der_read(rdns);
    if (!set || set->tag != 0x31) return unexpected(key_error::bad_certificate);
    rdns = set->rest;
    bytes atvs = set->content;
    while (!atvs.empty()) {
      auto atv = der_read(atvs);
      if (!atv || atv->tag != 0x30) return unexpected(key_error::bad_certificate);
      atvs = atv->rest;
      auto oid = der_read(atv->content);
      if (!oid || oid->tag != 0x06 || !oid_is(oid->content, oid_cn)) continue;
      auto value = der_read(oid->rest);
      if (value && printable_name(value->content)) names.push_back(lower(value->content.chars()));
    }
  }
  return names;
}

// --- certificate chains --------------------------------------------------------

result<certificate_chain, key_error> certificate_chain::parse(bytes in) {
  auto objects = objects_of(in, true);
  if (!objects) return unexpected(objects.error());
  auto s = std::make_shared<detail::chain_storage>();
  for (auto& o : *objects) {
    s->der.emplace_back(reinterpret_cast<const unsigned char*>(o.data()),
                        reinterpret_cast<const unsigned char*>(o.data()) + o.size());
  }
  for (auto& d : s->der) s->certs.push_back({d.data(), d.size()});
  // The leaf: its key and names.
  br_x509_decoder_context dc;
  br_x509_decoder_init(&dc, nullptr, nullptr);
  br_x509_decoder_push(&dc, s->der[0].data(), s->der[0].size());
  const br_x509_pkey* pk = br_x509_decoder_get_pkey(&dc);
  if (!pk) return unexpected(key_error::bad_certificate);
  if (pk->key_type == BR_KEYTYPE_RSA) {
    s->leaf_type = key_type::rsa;
    s->pub_a = copy_uchar(pk->key.rsa.n, pk->key.rsa.nlen);
    s->pub_b = copy_uchar(pk->key.rsa.e, pk->key.rsa.elen);
  } else if (pk->key_type == BR_KEYTYPE_EC) {
    s->leaf_type = key_type::ec;
    s->pub_a = copy_uchar(pk->key.ec.q, pk->key.ec.qlen);
    s->curve = pk->key.ec.curve;
  } else {
    return unexpected(key_error::unsupported_key);
  }
  // Every other certificate must decode too.
  for (std::size_t i = 1; i < s->der.size(); ++i) {
    br_x509_decoder_init(&dc, nullptr, nullptr);
    br_x509_decoder_push(&dc, s->der[i].data(), s->der[i].size());
    if (!br_x509_decoder_get_pkey(&dc)) return unexpected(key_error::bad_certificate);
  }
  auto names = certificate_names(bytes(s->der[0].data(), s->der[0].size()));
  if (!names) return unexpected(names.error());
  s->names = std::move(*names);
  certificate_chain c;
  c._s = std::move(s);
  return c;
}

std::size_t certificate_chain::size() const { return _s ? _s->der.size() : 0; }

bytes certificate_chain::certificate(std::size_t i) const {
  return bytes(_s->der[i].data(), _s->der[i].size());
}

key_type certificate_chain::leaf_key_type() const { return _s->leaf_type; }

const std::vector<std::string>& certificate_chain::names() const {
  static const std::vector<std::string> none;
  return _s ? _s->names : none;
}

bool certificate_chain::matches(std::string_view host) const {
  if (!_s || host.empty()) return false;
  const std::string h = lower(host);
  for (const auto& n : _s->names) {
    if (n == h) return true;
    // "*.example.org" matches exactly one label (RFC 6125 §6.4.3).
    if (n.size() > 2 && n[0] == '*' && n[1] == '.') {
      const std::size_t dot = h.find('.');
      if (dot != std::string::npos && dot > 0 && std::string_view(h).substr(dot) == std::string_view(n).substr(1))
        return true;
    }
  }
  return false;
}

// --- private keys ----------------------------------------------------------------

result<private_key, key_error> private_key::parse(bytes in) {
  auto objects = objects_of(in, false);
  if (!objects) return unexpected(objects.error());
  const auto& der = objects->front();
  br_skey_decoder_context dc;
  br_skey_decoder_init(&dc);
  br_skey_decoder_push(&dc, der.data(), der.size());
  if (br_skey_decoder_last_error(&dc) != 0) return unexpected(key_error::bad_key);
  auto s = std::make_shared<detail::key_storage>();
  switch (br_skey_decoder_key_type(&dc)) {
    case BR_KEYTYPE_RSA: {
      const br_rsa_private_key* k = br_skey_decoder_get_rsa(&dc);
      s->type = key_type::rsa;
      const std::size_t total = k->plen + k->qlen + k->dplen + k->dqlen + k->iqlen;
      s->data.resize(total);
      unsigned char* p = s->data.data();
      auto put = [&p](const unsigned char* src, std::size_t n) {
        std::memcpy(p, src, n);
        unsigned char* at = p;
        p += n;
        return at;
      };
      s->rsa.n_bitlen = k->n_bitlen;
      s->rsa.plen = k->plen;
      s->rsa.p = put(k->p, k->plen);
      s->rsa.qlen = k->qlen;
      s->rsa.q = put(k->q, k->qlen);
      s->rsa.dplen = k->dplen;
      s->rsa.dp = put(k->dp, k->dplen);
      s->rsa.dqlen = k->dqlen;
      s->rsa.dq = put(k->dq, k->dqlen);
      s->rsa.iqlen = k->iqlen;
      s->rsa.iq = put(k->iq, k->iqlen);
      break;
    }
    case BR_KEYTYPE_EC: {
      const br_ec_private_key* k = br_skey_decoder_get_ec(&dc);
      // ECDHE_ECDSA in TLS 1.2 needs a curve BearSSL can sign with.
      if (k->curve != BR_EC_secp256r1 && k->curve != BR_EC_secp384r1 &&
          k->curve != BR_EC_secp521r1)
        return unexpected(key_error::unsupported_key);
      s->type = key_type::ec;
      s->data = copy_uchar(k->x, k->xlen);
      s->ec.curve = k->curve;
      s->ec.x = s->data.data();
      s->ec.xlen = s->data.size();
      break;
    }
    default:
      return unexpected(key_error::unsupported_key);
  }
  // Wipe the decoder's copy of the secret.
  std::memset(&dc, 0, sizeof dc);
  private_key key;
  key._s = std::move(s);
  return key;
}

key_type private_key::type() const { return _s->type; }

bool private_key::matches(const certificate_chain& chain) const {
  const auto* c = chain.storage();
  if (!_s || !c || c->leaf_type != _s->type) return false;
  if (_s->type == key_type::ec) {
    if (c->curve != _s->ec.curve) return false;
    unsigned char kbuf[BR_EC_KBUF_PUB_MAX_SIZE];
    br_ec_public_key pk;
    const std::size_t n = br_ec_compute_pub(br_ec_get_default(), &pk, kbuf, &_s->ec);
    return n != 0 && pk.qlen == c->pub_a.size() && std::memcmp(pk.q, c->pub_a.data(), pk.qlen) == 0;
  }
  br_rsa_compute_modulus modulus = br_rsa_compute_modulus_get_default();
  const std::size_t len = modulus(nullptr, &_s->rsa);
  if (len == 0) return false;
  std::vector<unsigned char> n(len);
  if (modulus(n.data(), &_s->rsa) != len) return false;
  return strip_zeros(n.data(), n.size()) == strip_zeros(c->pub_a.data(), c->pub_a.size());
}

// --- trust anchors -----------------------------------------------------------------

result<trust_anchors, key_error> trust_anchors::parse(bytes in) {
  trust_anchors t;
  auto r = t.add(in);
  if (!r) return unexpected(r.error());
  return t;
}

result<void, key_error> trust_anchors::add(bytes in) {
  auto objects = objects_of(in, true);
  if (!objects) return unexpected(objects.error());
  auto s = std::make_shared<detail::anchor_storage>();
  if (_s) {
    // Rebuild from the existing anchors (their pointers move with the copy).
    for (const auto& o : _s->data) s->data.push_back(std::make_unique<detail::anchor_storage::owned>(*o));
    s->anchors = _s->anchors;
  }
  std::vector<br_x509_trust_anchor> added;
  for (const auto& der : *objects) {
    auto owned = std::make_unique<detail::anchor_storage::owned>();
    br_x509_decoder_context dc;
    br_x509_decoder_init(&dc, &append_uchar, &owned->dn);
    br_x509_decoder_push(&dc, der.data(), der.size());
    const br_x509_pkey* pk = br_x509_decoder_get_pkey(&dc);
    if (!pk) return unexpected(key_error::bad_certificate);
    br_x509_trust_anchor ta{};
    // A CA certificate vouches for others; any other certificate is
    // trusted directly (its own name and key).
    ta.flags = br_x509_decoder_isCA(&dc) ? BR_X509_TA_CA : 0;
    ta.pkey.key_type = pk->key_type;
    if (pk->key_type == BR_KEYTYPE_RSA) {
      owned->a = copy_uchar(pk->key.rsa.n, pk->key.rsa.nlen);
      owned->b = copy_uchar(pk->key.rsa.e, pk->key.rsa.elen);
    } else if (pk->key_type == BR_KEYTYPE_EC) {
      owned->a = copy_uchar(pk->key.ec.q, pk->key.ec.qlen);
      ta.pkey.key.ec.curve = pk->key.ec.curve;
    } else {
      return unexpected(key_error::unsupported_key);
    }
    s->data.push_back(std::move(owned));
    added.push_back(ta);
  }
  s->anchors.insert(s->anchors.end(), added.begin(), added.end());
  // Point every anchor at its owned bytes.
  for (std::size_t i = 0; i < s->anchors.size(); ++i) {
    auto& ta = s->anchors[i];
    auto& o = *s->data[i];
    ta.dn.data = o.dn.data();
    ta.dn.len = o.dn.size();
    if (ta.pkey.key_type == BR_KEYTYPE_RSA) {
      ta.pkey.key.rsa.n = o.a.data();
      ta.pkey.key.rsa.nlen = o.a.size();
      ta.pkey.key.rsa.e = o.b.data();
      ta.pkey.key.rsa.elen = o.b.size();
    } else {
      ta.pkey.key.ec.q = o.a.data();
      ta.pkey.key.ec.qlen = o.a.size();
    }
  }
  _s = std::move(s);
  return {};
}

std::size_t trust_anchors::size() const { return _s ? _s->anchors.size() : 0; }

}  // namespace fata::tls
