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
#pragma once

#include <cstdint>

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

}  // namespace fata::dns
