// Incoming zone transfers, a secondary's side of AXFR (RFC 5936) and IXFR
// (RFC 1995): the request, and a pure state machine the glue feeds each
// message of the answer as it arrives over TCP, with the time an argument.
// It checks every message and, at the end, hands over the new zone (on
// the budget given) and, after an IXFR, the change that made it.
//
// The rules (as NSD's and Knot's secondaries apply them):
// - each message is a response to the request: its ID, opcode QUERY, and
//   the question when it has one; an rcode other than NOERROR ends the
//   transfer (REFUSED, NOTAUTH: the primary's answer);
// - under a TSIG key, every message is signed: the first over the
//   request's MAC, each later one over the one before (RFC 8945 §5.3.1).
//   The RFC lets a primary leave up to 99 messages unsigned between two
//   signed ones; that is not taken yet (Knot and NSD 4.6 sign each, as
//   tests/dns/tsig-interop and dns.secondary see);
// - the answer begins with the zone's SOA. For IXFR, an SOA alone whose
//   serial is not newer than ours says we are up to date; an SOA followed
//   by the SOA of our serial begins the changes (§4: each change is the
//   old SOA, the records deleted, the new SOA, the records added; the new
//   SOA again ends the answer), every deletion must name a record we hold
//   and every change follow the one before, else the transfer fails and
//   the glue falls back to AXFR (as BIND's and Knot's secondaries do);
//   anything else is the whole zone in AXFR's form, which ends with the
//   SOA again;
// - records are class IN, at or below the apex, and the new zone passes
//   the checks of a loaded one (zone_builder);
// - nothing may follow the final SOA.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>

#include <fata/core/budget.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/error.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/tsig.hpp>
#include <fata/dns/zone.hpp>

namespace fata::dns {

struct transfer_request {
  bytes message;  // the first octets of the buffer given
  tsig_mac mac;   // its MAC when signed, for the answer's first message
};

// Writes the request for the zone at `apex` into `out` (512 octets
// suffice): IXFR from `current`'s serial when there is a current zone
// (its SOA in the authority section), else AXFR; signed with `key` at
// `now` when there is one.
result<transfer_request, dns_error> write_transfer_request(const name& apex, const zone* current, std::uint16_t id,
                                                          const tsig_key* key, std::uint64_t now, mut_bytes out);

enum class transfer_failure : std::uint8_t {
  none = 0,
  malformed,       // a message that does not parse, or records out of the order above
  not_the_answer,  // another ID, opcode or question
  refused,         // an rcode other than NOERROR (code() says which)
  bad_signature,   // unsigned under a key, or a MAC that does not check
  out_of_zone,     // a record outside the apex, or of another class
  not_following,   // an IXFR change that does not apply to the zone we hold
  bad_zone,        // the new zone fails a load check (problem() says which)
  over_budget,     // the new zone does not fit the budget
};

constexpr std::string_view describe(transfer_failure f) noexcept {
  switch (f) {
    case transfer_failure::none: return "no failure";
    case transfer_failure::malformed: return "malformed answer";
    case transfer_failure::not_the_answer: return "not the answer to the request";
    case transfer_failure::refused: return "refused by the primary";
    case transfer_failure::bad_signature: return "TSIG does not check";
    case transfer_failure::out_of_zone: return "record outside the zone";
    case transfer_failure::not_following: return "changes do not apply to the zone held";
    case transfer_failure::bad_zone: return "the zone fails its checks";
    case transfer_failure::over_budget: return "zone over its memory budget";
  }
  return "unknown failure";
}

class incoming_transfer {
 public:
  enum class progress : std::uint8_t { more, complete, failed };

  // For the request `sent` (write_transfer_request's, with the same
  // `current` and `key`). `current` must outlive the transfer.
  incoming_transfer(const name& apex, const zone* current, const transfer_request& sent, const tsig_key* key,
                    memory_budget& budget);
  ~incoming_transfer();
  incoming_transfer(const incoming_transfer&) = delete;
  incoming_transfer& operator=(const incoming_transfer&) = delete;

  // Takes the next message of the answer, received at `now` (seconds
  // since 1970). After complete or failed, takes nothing more.
  progress feed(bytes message, std::uint64_t now);

  transfer_failure failure() const { return _failure; }
  rcode code() const { return _code; }                       // with refused, or bad_signature's TSIG error
  const zone_problem& problem() const { return _problem; }   // with bad_zone
  // Once complete: the primary's serial is not newer than ours, and no
  // zone comes.
  bool up_to_date() const { return _up_to_date; }
  // Once complete: the zone came as changes (IXFR), not whole.
  bool incremental() const { return _incremental; }
  std::uint32_t serial() const { return _serial; }  // the primary's, from its first SOA
  std::size_t records() const { return _records; }  // received, SOAs included
  std::size_t messages() const { return _messages; }

  // The new zone, once complete and not up to date.
  std::unique_ptr<zone> take_zone() { return std::move(_zone); }
  // After an incremental transfer: the change from the current zone to
  // the new one, for the secondary's own journal.
  std::shared_ptr<const zone_change> take_change() { return std::move(_change); }

 private:
  enum class stage : std::uint8_t { first_soa, after_first_soa, whole_zone, deletions, additions, done };
  struct edit;  // the IXFR's working zone

  progress fail(transfer_failure f);
  progress take_record(const name& owner, rr_type type, std::uint16_t rclass, std::uint32_t ttl, bytes rdata);
  progress finish_whole();
  progress finish_changes();

  name _apex;
  const zone* _current;
  std::optional<std::uint32_t> _current_serial;
  std::uint16_t _id;
  const tsig_key* _key;
  tsig_mac _prior_mac;
  memory_budget& _budget;
  stage _stage = stage::first_soa;
  transfer_failure _failure = transfer_failure::none;
  rcode _code = rcode::noerror;
  zone_problem _problem{};
  bool _up_to_date = false;
  bool _incremental = false;
  std::uint32_t _serial = 0;
  std::vector<std::uint8_t> _first_soa;  // the primary's SOA data and TTL
  std::uint32_t _first_soa_ttl = 0;
  std::uint32_t _working_serial = 0;     // IXFR: the serial the changes so far reach
  std::size_t _records = 0;
  std::size_t _messages = 0;
  std::unique_ptr<zone_builder> _builder;  // AXFR's form
  std::unique_ptr<edit> _edit;             // IXFR's
  std::unique_ptr<zone> _zone;
  std::shared_ptr<const zone_change> _change;
};

}  // namespace fata::dns
