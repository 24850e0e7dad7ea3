// NOTIFY from a primary (RFC 1996): the message telling a secondary that a
// zone has a new serial, and the check of the secondary's answer. Pure
// functions; the primary's glue sends, waits and retries over UDP.
//
// The message: opcode NOTIFY, AA, the zone's apex and SOA as the question,
// the zone's SOA in the answer section (§3.7: a hint of the new serial),
// signed with a TSIG key when the secondary wants one.
//
// An answer is the acknowledgement when it is a response with opcode
// NOTIFY, the request's ID and question, and NOERROR; signed with the key
// over the request's MAC when the request was signed (RFC 8945 §5.3). An
// answer with another rcode is a refusal, signed or not.
//
// A secondary's side (answer_notify): a NOTIFY for a zone it is secondary
// for is acknowledged (NOERROR, the question repeated, signed when the
// request was) when signed with one of its keys, or unsigned from the
// zone's primary; the glue then checks the zone at once. As NSD and Knot:
// - a message that does not parse, or has no single question of class IN
//   and type SOA: FORMERR;
// - the TSIG checks of tsig_responder (a bad key or MAC NOTAUTH with an
//   unsigned BADKEY or BADSIG, a stale time NOTAUTH with BADTIME);
// - a zone it is not secondary for: NOTAUTH;
// - unsigned, from an address the zone does not take NOTIFY from unsigned:
//   REFUSED.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/error.hpp>
#include <fata/dns/tsig.hpp>
#include <fata/dns/zone.hpp>

namespace fata::dns {

struct notify_message {
  bytes message;  // the first octets of the buffer given
  tsig_mac mac;   // its MAC when signed, for checking the answer
};

// Writes the NOTIFY for `z` (which has an SOA) into `out` (512 octets
// suffice for any zone), signed with `key` at `now` when there is one.
result<notify_message, dns_error> write_notify(const zone& z, std::uint16_t id, const tsig_key* key,
                                               std::uint64_t now, mut_bytes out);

enum class notify_answer : std::uint8_t {
  acknowledged = 1,
  not_the_answer,  // another ID, not a response, another opcode or question: wait on
  refused,         // the answer to it, with an rcode other than NOERROR
  bad_signature,   // unsigned, or a MAC that does not check, for a signed request
};

constexpr std::string_view describe(notify_answer a) noexcept {
  switch (a) {
    case notify_answer::acknowledged: return "acknowledged";
    case notify_answer::not_the_answer: return "not the answer to the NOTIFY";
    case notify_answer::refused: return "refused";
    case notify_answer::bad_signature: return "answer's TSIG does not check";
  }
  return "unknown";
}

struct notify_check {
  notify_answer answer = notify_answer::not_the_answer;
  rcode code = rcode::noerror;  // for refused
};

// Judges `answer` to the NOTIFY `sent` for `z` (with `key` when signed).
notify_check check_notify_answer(bytes answer, const notify_message& sent, const zone& z,
                                 const tsig_key* key, std::uint64_t now);

// Whether `message` is a NOTIFY request (opcode NOTIFY, QR clear): for
// the glue, from the header alone.
bool is_notify_request(bytes message);

// A zone a secondary takes NOTIFY for.
struct notify_zone {
  name apex;
  // The request comes from the zone's primary, so it may be unsigned.
  bool unsigned_allowed = false;
};

struct notify_request_outcome {
  bytes reply;                // the answer, in the buffer given; empty: none (too short to answer)
  rcode code = rcode::noerror;
  std::optional<std::size_t> zone_index{};  // acknowledged: which of the zones
  std::optional<std::uint32_t> serial_hint{};  // the SOA in the answer section, if any (§3.7)
};

// The header, the longest question, an OPT record and the largest TSIG
// record (tsig_responder::room).
inline constexpr std::size_t min_notify_answer_buffer = 12 + 259 + 17 + tsig_responder::room;

// Answers the NOTIFY `request` (contract: is_notify_request) for `zones`
// at `now` (seconds since 1970) into `out` (min_notify_answer_buffer
// octets at least).
notify_request_outcome answer_notify(std::span<const notify_zone> zones, std::span<const tsig_key> keys,
                                     bytes request, std::uint64_t now, mut_bytes out);

}  // namespace fata::dns
