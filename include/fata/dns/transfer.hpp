// Outgoing zone transfers (AXFR, RFC 5936) over TCP, allowed to holders of
// a TSIG key (RFC 8945): a pure state machine that checks the request and
// then writes the answer one message at a time, with no I/O and the time
// an argument. The TCP glue hands it a request `asks_for_transfer` says
// yes to, and sends each message `next` writes until it says the end.
//
// The rules (as NSD and Knot answer):
// - an unsigned request: REFUSED, with the Extended DNS Error Prohibited
//   when it had an OPT record, unless the policy allows unsigned requests
//   (from the requestor's address);
// - a TSIG record that does not parse: FORMERR; a key the server does not
//   hold, or a wrong MAC: NOTAUTH with an unsigned TSIG record saying
//   BADKEY or BADSIG (§5.3.2); a time beyond the fudge: NOTAUTH with a
//   signed TSIG record saying BADTIME and the server's time (§5.2.3); a
//   MAC truncated too far: NOTAUTH, BADTRUNC, signed;
// - a zone the server does not serve: NOTAUTH (RFC 5936 §2.2.1), signed;
// - otherwise the zone: its SOA first, every other record in canonical
//   order (glue and occluded data included), the SOA last; as many
//   records in a message as fit 16 KiB (as NSD sends; a larger record
//   gets a message of up to 65535 octets to itself, and one larger still
//   ends the transfer with SERVFAIL); the question in the first;
//   every message signed, the first over the request's MAC and each
//   later one over the one before it; an OPT record in each when the
//   request had one;
// - IXFR (RFC 1995): a requestor whose SOA serial is not older than the
//   zone's (RFC 1982 arithmetic) gets the zone's SOA alone; one whose
//   serial the zone's journal (fata/dns/update.hpp) reaches back to gets
//   the changes since (§4: the new SOA, then each change's old SOA,
//   deletions, new SOA and additions, then the new SOA again); any other
//   gets the whole zone in AXFR's form (§4 allows it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include <fata/core/bytes.hpp>
#include <fata/dns/edns.hpp>
#include <fata/dns/message.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/tsig.hpp>
#include <fata/dns/update.hpp>
#include <fata/dns/zone.hpp>

namespace fata::dns {

// A query (opcode QUERY, QR clear) whose first question asks for AXFR or
// IXFR; false for anything that does not parse that far. answer_query
// says the same in its summary, from the one parse it makes.
bool asks_for_transfer(const message_view& message);
bool asks_for_transfer(bytes message);

struct transfer_policy {
  // The keys whose holders may transfer every zone served; none: no
  // transfers at all.
  std::span<const tsig_key> keys{};
  // The requestor's address is one the server lets transfer without a
  // key (NSD's `provide-xfr: ADDRESS NOKEY`): an unsigned request gets
  // the zone, unsigned. A signed one is still checked.
  bool unsigned_allowed = false;
  // journals[i] holds the changes of the i-th zone (or is null), for
  // IXFR; none: IXFR is answered in AXFR's form.
  std::span<const zone_journal* const> journals{};
};

class zone_transfer {
 public:
  // Checks `request` (contract: asks_for_transfer(request)) at `now`
  // (seconds since 1970). Keeps no view of it: the buffer may be reused.
  zone_transfer(std::span<const zone* const> zones, const transfer_policy& policy, bytes request,
                std::uint64_t now);

  // Writes the next message of the answer into `out` (65535 octets, or
  // fewer for smaller messages) and returns it; nothing once the answer
  // is complete.
  std::optional<bytes> next(mut_bytes out, std::uint64_t now);

  // What the answer says: NOERROR for a transfer, else its refusal.
  rcode code() const { return _code; }
  // The zone transferred, once checked; null when refused.
  const zone* transferred() const { return _zone; }
  // An IXFR answered from the journal, not with the whole zone.
  bool incremental() const { return !_changes.empty(); }
  // Records sent so far, SOAs included.
  std::size_t records_sent() const { return _records_sent; }

 private:
  enum class stage : std::uint8_t { refusal, first_soa, body, last_soa, done };

  // The constructor's work: on a refusal, returns with _code saying which.
  void check_request(std::span<const zone* const> zones, const transfer_policy& policy, bytes request,
                     std::uint64_t now);
  bool add_next_record(message_writer& w);
  bytes finish_message(message_writer& w, std::size_t buffer_size, std::uint64_t now);

  stage _stage = stage::done;
  rcode _code = rcode::noerror;
  header _header{};
  name _qname;
  rr_type _qtype = rr_type::axfr;
  std::uint16_t _qclass = 0;
  bool _question_sent = false;
  std::optional<edns_answer> _opt{};
  tsig_responder _tsig;
  const zone* _zone = nullptr;
  std::size_t _soa_index = 0;
  std::size_t _next_index = 0;
  bool _soa_only = false;
  // IXFR from the journal: the changes to send, and where in them.
  std::span<const std::shared_ptr<const zone_change>> _changes{};
  std::size_t _change = 0;
  std::size_t _change_record = 0;
  bool _next_record_oversized = false;  // the next message may take the whole buffer
  std::size_t _records_sent = 0;
};

}  // namespace fata::dns
