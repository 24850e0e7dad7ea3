#include <fata/dns/tsig.hpp>

#include <fata/crypto/hmac.hpp>

#include <fata/core/base_encoding.hpp>

namespace fata::dns {

namespace {

crypto::hash_algorithm hash_of(tsig_algorithm a) {
  switch (a) {
    case tsig_algorithm::hmac_sha256: return crypto::hash_algorithm::sha256;
    case tsig_algorithm::hmac_sha384: return crypto::hash_algorithm::sha384;
    case tsig_algorithm::hmac_sha512: return crypto::hash_algorithm::sha512;
  }
  return crypto::hash_algorithm::sha256;
}

std::string_view algorithm_text(tsig_algorithm a) {
  switch (a) {
    case tsig_algorithm::hmac_sha256: return "hmac-sha256.";
    case tsig_algorithm::hmac_sha384: return "hmac-sha384.";
    case tsig_algorithm::hmac_sha512: return "hmac-sha512.";
  }
  return "hmac-sha256.";
}

// The fixed fields of TSIG's data after the algorithm name, and after the MAC.
constexpr std::size_t timers_size = 8;        // time signed (6), fudge (2)
constexpr std::size_t after_mac_size = 6;     // original ID, error, other length

class keyed_digest {
 public:
  explicit keyed_digest(const tsig_key& key)
      : _key(hash_of(key.algorithm), bytes(key.secret.data(), key.secret_size)), _hmac(_key) {}
  void add(bytes data) { _hmac.add(data); }
  void add16(std::uint16_t v) {
    const std::uint8_t b[2] = {std::uint8_t(v >> 8), std::uint8_t(v)};
    add(bytes(b, 2));
  }
  // A name in canonical form (RFC 4034 §6.2): lower case, uncompressed.
  void add_canonical(const name& n) {
    std::array<std::uint8_t, max_name_octets> lower{};
    const bytes w = n.wire();
    for (std::size_t i = 0; i < w.size(); ++i) lower[i] = fold_case(w.u8(i));
    add(bytes(lower.data(), w.size()));
  }
  tsig_mac finish() {
    tsig_mac mac;
    mac.size = _hmac.finish(mac.octets);
    return mac;
  }

 private:
  crypto::hmac_key _key;
  crypto::hmac _hmac;
};

// What the MAC covers beyond the message: the prior MAC first, and the
// TSIG variables after (§4.3.1–4.3.3).
void add_prior(keyed_digest& d, tsig_place place, bytes prior_mac) {
  if (place == tsig_place::request) return;
  d.add16(static_cast<std::uint16_t>(prior_mac.size()));
  d.add(prior_mac);
}

void add_variables(keyed_digest& d, const tsig_key& key, tsig_place place, bytes timers,
                   std::uint16_t error, bytes other) {
  if (place != tsig_place::later_answer) {
    d.add_canonical(key.key_name);
    d.add16(static_cast<std::uint16_t>(rr_class::any));
    d.add(bytes("\0\0\0\0", 4));  // TTL
    d.add_canonical(tsig_algorithm_name(key.algorithm));
  }
  d.add(timers);
  if (place == tsig_place::later_answer) return;
  d.add16(error);
  d.add16(static_cast<std::uint16_t>(other.size()));
  d.add(other);
}

bool same_octets(bytes a, bytes b) {
  if (a.size() != b.size()) return false;
  std::uint8_t difference = 0;
  for (std::size_t i = 0; i < a.size(); ++i) difference |= a.u8(i) ^ b.u8(i);
  return difference == 0;
}

// Appends a TSIG record: algorithm, timers, MAC size and MAC, original
// ID, error, other data.
result<void, dns_error> append_tsig(message_writer& w, const name& key_name, const name& algorithm,
                                    bytes timers, bytes mac, std::uint16_t error, bytes other) {
  std::array<std::uint8_t, max_name_octets + timers_size + 2 + max_tsig_mac + after_mac_size + 64>
      data{};
  if (other.size() > 64 || mac.size() > max_tsig_mac) return unexpected(dns_error::no_space);
  mut_bytes out(data.data(), data.size());
  std::size_t at = 0;
  out.copy_from(at, algorithm.wire());
  at += algorithm.wire_size();
  out.copy_from(at, timers);
  at += timers_size;
  out.set_be16(at, static_cast<std::uint16_t>(mac.size()));
  out.copy_from(at + 2, mac);
  at += 2 + mac.size();
  out.set_be16(at, w.header().id);
  out.set_be16(at + 2, error);
  out.set_be16(at + 4, static_cast<std::uint16_t>(other.size()));
  out.copy_from(at + 6, other);
  at += after_mac_size + other.size();
  return w.add_record(section::additional, key_name, rr_type::tsig,
                      static_cast<std::uint16_t>(rr_class::any), 0, bytes(data.data(), at));
}

std::array<std::uint8_t, timers_size> encode_timers(std::uint64_t time_signed, std::uint16_t fudge) {
  std::array<std::uint8_t, timers_size> timers{};
  for (int i = 0; i < 6; ++i) timers[i] = std::uint8_t(time_signed >> (8 * (5 - i)));
  timers[6] = std::uint8_t(fudge >> 8);
  timers[7] = std::uint8_t(fudge);
  return timers;
}

}  // namespace

name tsig_algorithm_name(tsig_algorithm a) { return name::from_text(algorithm_text(a)).value(); }

std::optional<tsig_algorithm> tsig_algorithm_from_name(const name& n) {
  for (auto a : {tsig_algorithm::hmac_sha256, tsig_algorithm::hmac_sha384,
                 tsig_algorithm::hmac_sha512}) {
    if (n == tsig_algorithm_name(a)) return a;
  }
  return std::nullopt;
}

std::size_t tsig_mac_size(tsig_algorithm a) { return crypto::mac_size(hash_of(a)); }

result<tsig_key, dns_error> tsig_key::from_base64(const name& key_name, tsig_algorithm a,
                                                  std::string_view secret_base64) {
  tsig_key key;
  key.key_name = key_name;
  key.algorithm = a;
  base_decoder decoder(base_encoding::base64, mut_bytes(key.secret.data(), key.secret.size()));
  if (!decoder.feed(secret_base64)) return unexpected(dns_error::bad_encoding);
  auto size = decoder.finish();
  if (!size || *size == 0) return unexpected(dns_error::bad_encoding);
  key.secret_size = *size;
  return key;
}

result<tsig_mac, dns_error> tsig_sign(message_writer& w, const tsig_key& key,
                                      const tsig_signing& how) {
  const auto timers = encode_timers(how.now, how.fudge);
  const auto error = static_cast<std::uint16_t>(how.error);

  keyed_digest digest(key);
  add_prior(digest, how.place, how.prior_mac);
  digest.add(w.finish());
  add_variables(digest, key, how.place, bytes(timers.data(), timers.size()), error, how.other);
  const tsig_mac mac = digest.finish();

  auto added = append_tsig(w, key.key_name, tsig_algorithm_name(key.algorithm),
                           bytes(timers.data(), timers.size()), mac.view(), error, how.other);
  if (!added) return unexpected(added.error());
  w.finish();
  return mac;
}

result<tsig_fields, rcode> read_tsig(const message_view& m) {
  const auto tsig = m.tsig();
  FATA_ASSERT(tsig.has_value());
  // The TSIG data holds one name, never compressed: readable in place.
  const bytes data = tsig->rdata;
  auto algorithm_at = read_name(data, 0);
  if (!algorithm_at) return unexpected(rcode::formerr);
  tsig_fields f;
  f.key_name = tsig->owner;
  f.algorithm = algorithm_at->value;
  std::size_t at = algorithm_at->end;
  const bytes timers = data.sub(at, timers_size);
  for (int i = 0; i < 6; ++i) f.time_signed = f.time_signed << 8 | timers.u8(i);
  f.fudge = timers.be16(6);
  at += timers_size;
  f.mac = data.sub(at + 2, data.be16(at));
  at += 2 + f.mac.size();
  f.original_id = data.be16(at);
  f.error = data.be16(at + 2);
  f.other = data.sub(at + 6, data.be16(at + 4));
  // §4.2: class ANY and TTL 0, which the MAC takes as given.
  if (tsig->rclass != static_cast<std::uint16_t>(rr_class::any) || tsig->ttl != 0) {
    return unexpected(rcode::formerr);
  }
  return f;
}

result<void, dns_error> tsig_reject(message_writer& w, const tsig_fields& request, rcode error,
                                    std::uint64_t now) {
  const auto timers = encode_timers(now, request.fudge);
  auto added = append_tsig(w, request.key_name, request.algorithm, bytes(timers.data(), timers.size()),
                           bytes(), static_cast<std::uint16_t>(error), bytes());
  if (!added) return unexpected(added.error());
  w.finish();
  return {};
}

result<tsig_verified, rcode> tsig_verify(const message_view& m, const tsig_key& key,
                                         tsig_place place, bytes prior_mac, std::uint64_t now) {
  auto read = read_tsig(m);
  if (!read) return unexpected(read.error());
  const tsig_fields& f = *read;
  if (f.key_name != key.key_name || f.algorithm != tsig_algorithm_name(key.algorithm)) {
    return unexpected(rcode::badkey);
  }
  const std::size_t mac_size = f.mac.size();
  const auto timer_octets = encode_timers(f.time_signed, f.fudge);
  const bytes timers(timer_octets.data(), timer_octets.size());
  const std::size_t full = tsig_mac_size(key.algorithm);
  if (mac_size > full) return unexpected(rcode::formerr);

  // The message as it was signed: the original ID, one record less.
  const bytes wire = m.wire();
  std::array<std::uint8_t, header_size> header{};
  for (std::size_t i = 0; i < header_size; ++i) header[i] = wire.u8(i);
  header[0] = std::uint8_t(f.original_id >> 8);
  header[1] = std::uint8_t(f.original_id);
  const std::uint16_t additional = static_cast<std::uint16_t>(wire.be16(10) - 1);
  header[10] = std::uint8_t(additional >> 8);
  header[11] = std::uint8_t(additional);

  keyed_digest digest(key);
  add_prior(digest, place, prior_mac);
  digest.add(bytes(header.data(), header.size()));
  digest.add(wire.sub(header_size, m.tsig_offset() - header_size));
  add_variables(digest, key, place, timers, f.error, f.other);
  const tsig_mac expected = digest.finish();
  if (mac_size == 0 || !same_octets(f.mac, expected.view().first(mac_size))) {
    return unexpected(rcode::badsig);
  }
  const std::uint64_t skew = now > f.time_signed ? now - f.time_signed : f.time_signed - now;
  if (skew > f.fudge) return unexpected(rcode::badtime);
  if (mac_size < 10 || mac_size < full / 2) return unexpected(rcode::badtrunc);
  tsig_verified v;
  v.time_signed = f.time_signed;
  v.mac.size = mac_size;
  for (std::size_t i = 0; i < mac_size; ++i) v.mac.octets[i] = f.mac.u8(i);
  return v;
}

tsig_responder::tsig_responder(const message_view& request, std::span<const tsig_key> keys,
                               std::uint64_t now) {
  if (!request.tsig()) return;
  auto fields = read_tsig(request);
  if (!fields) {
    _verdict = verdict::formerr;
    return;
  }
  _request_key_name = fields->key_name;
  _request_algorithm = fields->algorithm;
  _request_fudge = fields->fudge;
  _request_time = fields->time_signed;
  for (const tsig_key& k : keys) {
    if (k.key_name == fields->key_name && tsig_algorithm_name(k.algorithm) == fields->algorithm) {
      _key = &k;
      break;
    }
  }
  _verdict = verdict::notauth;
  _signing = signing::unsigned_error;
  if (!_key) {
    _tsig_error = rcode::badkey;
    return;
  }
  auto verified = tsig_verify(request, *_key, tsig_place::request, bytes(), now);
  if (!verified) {
    switch (verified.error()) {
      case rcode::formerr:
        // Answered, as before the MAC was looked at, with the key's
        // names and no MAC.
        _verdict = verdict::formerr;
        return;
      case rcode::badtime:
      case rcode::badtrunc:
        // The MAC checked: the error answer is signed over it.
        _signing = signing::sign;
        _prior.size = fields->mac.size();
        for (std::size_t i = 0; i < _prior.size; ++i) _prior.octets[i] = fields->mac.u8(i);
        break;
      default: break;
    }
    _tsig_error = verified.error();
    return;
  }
  _verdict = verdict::signed_by_key;
  _signing = signing::sign;
  _prior = verified->mac;
}

void tsig_responder::sign(message_writer& w, std::uint64_t now) {
  switch (_signing) {
    case signing::none: break;
    case signing::unsigned_error: {
      tsig_fields request;
      request.key_name = _request_key_name;
      request.algorithm = _request_algorithm;
      request.fudge = _request_fudge;
      (void)tsig_reject(w, request, _tsig_error, now);
      break;
    }
    case signing::sign: {
      // BADTIME names the request's time and gives the server's in the
      // other data (§5.2.3).
      std::array<std::uint8_t, 6> server_time{};
      for (int i = 0; i < 6; ++i) server_time[i] = std::uint8_t(now >> (8 * (5 - i)));
      const bool badtime = _tsig_error == rcode::badtime;
      tsig_signing how;
      how.place = _first_signed ? tsig_place::later_answer : tsig_place::first_answer;
      how.prior_mac = _prior.view();
      how.now = badtime ? _request_time : now;
      how.fudge = _request_fudge;
      how.error = _tsig_error;
      how.other = badtime ? bytes(server_time.data(), server_time.size()) : bytes();
      auto mac = tsig_sign(w, *_key, how);
      if (mac) _prior = *mac;
      _first_signed = true;
      break;
    }
  }
}

}  // namespace fata::dns
