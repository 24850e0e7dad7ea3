// TSIG (RFC 8945): messages signed with a shared secret, for zone
// transfers, NOTIFY and UPDATE. HMAC-SHA256, -SHA384 and -SHA512 on
// BearSSL.
//
// What a MAC covers depends on the message's place in an exchange:
// - a request: the message and the TSIG variables (§4.3.3);
// - the first answer to a signed request: the request's MAC, then the
//   same (§4.3.1);
// - each later message of a multi-message answer (an AXFR): the MAC
//   before it, the message, and only the time signed and fudge (§4.3.1,
//   §5.3.1).
// The caller says which and carries the MAC from one message to the next;
// both functions take the time as an argument and keep nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/error.hpp>
#include <fata/dns/message.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/types.hpp>

namespace fata::dns {

enum class tsig_algorithm : std::uint8_t { hmac_sha256, hmac_sha384, hmac_sha512 };

// The algorithm's name on the wire ("hmac-sha256." ...), and back.
name tsig_algorithm_name(tsig_algorithm a);
std::optional<tsig_algorithm> tsig_algorithm_from_name(const name& n);
// The algorithm's full MAC size in octets.
std::size_t tsig_mac_size(tsig_algorithm a);

inline constexpr std::size_t max_tsig_mac = 64;
inline constexpr std::size_t max_tsig_secret = 256;

struct tsig_key {
  name key_name;
  tsig_algorithm algorithm = tsig_algorithm::hmac_sha256;
  std::array<std::uint8_t, max_tsig_secret> secret{};
  std::size_t secret_size = 0;

  // The secret as BIND's and NSD's key files write it: base64.
  static result<tsig_key, dns_error> from_base64(const name& key_name, tsig_algorithm a,
                                                 std::string_view secret_base64);
};

struct tsig_mac {
  std::array<std::uint8_t, max_tsig_mac> octets{};
  std::size_t size = 0;
  bytes view() const { return {octets.data(), size}; }
};

enum class tsig_place : std::uint8_t { request, first_answer, later_answer };

struct tsig_signing {
  tsig_place place = tsig_place::request;
  bytes prior_mac{};          // the request's MAC, or the previous message's
  std::uint64_t now = 0;      // seconds since 1970 (48 bits on the wire)
  std::uint16_t fudge = 300;  // seconds of clock difference allowed (§10)
  rcode error = rcode::noerror;
  bytes other{};              // BADTIME's server time (§5.2.3), else empty
};

// Appends a TSIG record signing what the writer holds; returns its MAC,
// which the next message of the exchange needs. no_space when the record
// does not fit, leaving the message as it was.
result<tsig_mac, dns_error> tsig_sign(message_writer& w, const tsig_key& key,
                                      const tsig_signing& how);

// A TSIG record's fields as the message holds them (views into it).
struct tsig_fields {
  name key_name;
  name algorithm;
  std::uint64_t time_signed = 0;
  std::uint16_t fudge = 0;
  bytes mac{};
  std::uint16_t original_id = 0;
  std::uint16_t error = 0;
  bytes other{};
};

// Reads the TSIG record of `m` (contract: m.tsig() is present); FORMERR
// when it does not parse or its class and TTL are not ANY and 0 (§4.2).
result<tsig_fields, rcode> read_tsig(const message_view& m);

// Appends the unsigned TSIG record of an error answer (§5.3.2): the
// request's key name, algorithm and fudge, an empty MAC, `error` (BADKEY
// or BADSIG) and `now` as the time signed. For a request whose MAC did
// not check, which must not get a signed answer. no_space as tsig_sign.
result<void, dns_error> tsig_reject(message_writer& w, const tsig_fields& request, rcode error,
                                    std::uint64_t now);

struct tsig_verified {
  tsig_mac mac;                // for the next message of the exchange
  std::uint64_t time_signed = 0;
};

// Checks the TSIG record of `m` (contract: m.tsig() is present) against
// `key`, in the order of §5.2: a TSIG record that does not parse or whose
// MAC is longer than the algorithm's is FORMERR; another key name or
// algorithm BADKEY; a wrong MAC BADSIG; a time further than the fudge
// from `now` BADTIME; a MAC truncated below half the algorithm's size or
// 10 octets BADTRUNC (§5.2.2.1). `now` and `prior_mac` as for signing.
result<tsig_verified, rcode> tsig_verify(const message_view& m, const tsig_key& key,
                                         tsig_place place, bytes prior_mac, std::uint64_t now);

// A signed request and the answers to it, as a server sees them: which
// key signed it, and the TSIG record each answer gets. Zone transfers and
// UPDATE share it, so both refuse alike (as NSD and Knot do):
// - no TSIG record: `unsigned_request`, which the caller refuses
//   (REFUSED) or serves as its policy says;
// - a TSIG record that does not parse: FORMERR, answers unsigned;
// - a key not among `keys`, or a wrong MAC: NOTAUTH, the answer carrying
//   an unsigned TSIG record saying BADKEY or BADSIG (§5.3.2);
// - a time beyond the fudge, or a MAC truncated too far: NOTAUTH, the
//   answer signed and saying BADTIME (with the server's time, §5.2.3) or
//   BADTRUNC;
// - otherwise `key()` signed it, and every answer is signed, the first
//   over the request's MAC and each later one over the one before it.
class tsig_responder {
 public:
  enum class verdict : std::uint8_t { unsigned_request, formerr, notauth, signed_by_key };

  tsig_responder() = default;
  tsig_responder(const message_view& request, std::span<const tsig_key> keys, std::uint64_t now);

  verdict judged() const { return _verdict; }
  // The key that signed the request (null unless signed_by_key).
  const tsig_key* key() const { return _verdict == verdict::signed_by_key ? _key : nullptr; }
  // BADKEY, BADSIG, BADTIME or BADTRUNC with notauth; NOERROR otherwise.
  rcode tsig_error() const { return _tsig_error; }

  // Appends the answer's TSIG record, if it gets one, to what `w` holds
  // (room for it kept back: tsig_room octets).
  void sign(message_writer& w, std::uint64_t now);

  // The most a TSIG record of an answer takes: owner and algorithm up to
  // 255 octets each, the fixed fields, the largest MAC, BADTIME's six.
  static constexpr std::size_t room = 255 + 10 + 255 + 8 + 2 + max_tsig_mac + 6 + 6;

 private:
  enum class signing : std::uint8_t { none, unsigned_error, sign };

  verdict _verdict = verdict::unsigned_request;
  signing _signing = signing::none;
  rcode _tsig_error = rcode::noerror;
  const tsig_key* _key = nullptr;
  name _request_key_name;
  name _request_algorithm;
  std::uint16_t _request_fudge = 300;
  std::uint64_t _request_time = 0;
  tsig_mac _prior{};  // the request's MAC, then each answer's
  bool _first_signed = false;
};

}  // namespace fata::dns
