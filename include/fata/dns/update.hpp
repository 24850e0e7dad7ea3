// Dynamic update (RFC 2136), allowed to holders of a TSIG key (RFC 8945),
// and the journal of the changes it makes, from which IXFR (RFC 1995)
// answers. A pure function of the zones, the request and the time: it
// writes the answer and, when the zone changed, hands back the new zone
// and the change; the glue swaps them in.
//
// The rules (RFC 2136 §3, in its order):
// - FORMERR for a request that does not parse, or whose zone section is
//   not one SOA question of class IN;
// - the TSIG checks of tsig_responder (fata/dns/tsig.hpp): unsigned
//   REFUSED, a key not held or a wrong MAC NOTAUTH with an unsigned
//   BADKEY or BADSIG, a stale time NOTAUTH with a signed BADTIME;
// - NOTAUTH for a zone not served (§3.1.2);
// - the prerequisites (§3.2), against the zone as it was: a name in use
//   (else NXDOMAIN) or not (YXDOMAIN), an RRset that exists (NXRRSET)
//   or not (YXRRSET), an RRset that is exactly the records given
//   (NXRRSET); a TTL other than 0, or another class, FORMERR; an owner
//   outside the zone NOTZONE;
// - the update section checked whole before any of it applies (§3.4.1):
//   NOTZONE and FORMERR as there;
// - then each change in order (§3.4.2): class IN adds a record (a CNAME
//   beside other data, or other data beside a CNAME, is ignored; a CNAME
//   replaces the name's CNAME; an SOA replaces the zone's when its serial
//   is newer, else is ignored; a duplicate is ignored); class ANY deletes
//   an RRset, or with type ANY every RRset at the name; class NONE
//   deletes one record; the apex's SOA and its NS RRset are never
//   deleted, nor its last NS record;
// - a zone that changed gets a serial one above the old one (RFC 1982),
//   unless the update gave a newer SOA itself; the new zone passes the
//   same checks as a loaded one (zone_builder), else the update is
//   REFUSED and nothing changes; a zone over its memory budget SERVFAIL;
// - the answer: the header and the zone section, with an OPT record when
//   the request had one, signed as tsig_responder says.
//
// The new zone is built whole from the old one and the changes: an update
// costs the zone's size (measured in docs/benchmarks/dns.md), not the
// change's, and the old zone stays valid for whoever still reads it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include <fata/core/budget.hpp>
#include <fata/core/bytes.hpp>
#include <fata/dns/message.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/tsig.hpp>
#include <fata/dns/zone.hpp>

namespace fata::dns {

// The latest changes of one zone, bounded by memory: the oldest go first.
// Copies share the changes, so a transfer reading one copy is not
// disturbed by the next update.
class zone_journal {
 public:
  explicit zone_journal(std::size_t memory_limit = std::size_t(1) << 20) : _limit(memory_limit) {}

  // This journal with `change` after its last (or alone, when it does not
  // follow the last), the oldest dropped while over the limit. A change
  // larger than the limit leaves the journal empty: IXFR falls back to
  // AXFR.
  zone_journal with(std::shared_ptr<const zone_change> change) const;
  // The changes from `serial` to the newest, oldest first; empty when the
  // journal does not reach back to it.
  std::span<const std::shared_ptr<const zone_change>> since(std::uint32_t serial) const;
  std::size_t size() const { return _changes.size(); }
  std::size_t memory() const { return _memory; }

 private:
  std::vector<std::shared_ptr<const zone_change>> _changes;
  std::size_t _memory = 0;
  std::size_t _limit;
};

struct update_policy {
  // The keys whose holders may update every zone served; none: no updates.
  std::span<const tsig_key> keys{};
};

struct update_outcome {
  bytes reply;                     // the answer, in the buffer given
  rcode code = rcode::noerror;
  std::size_t zone_index = 0;      // which of the zones, when one was addressed and changed
  // When the zone changed: the new zone (on the budget given) and the
  // change that made it.
  std::unique_ptr<zone> updated;
  std::shared_ptr<const zone_change> change;
  // For the log: what a refused update broke (a zone_builder check).
  std::string_view problem{};
};

// Whether `message` is an UPDATE request (opcode UPDATE, QR clear): for
// the glue, from the header alone.
bool is_update_request(bytes message);

// Answers the UPDATE `request` (contract: is_update_request) for `zones`
// at `now` (seconds since 1970) into `out` (at least 512 octets).
update_outcome answer_update(std::span<const zone* const> zones, const update_policy& policy,
                             bytes request, std::uint64_t now, memory_budget& budget, mut_bytes out);

}  // namespace fata::dns
