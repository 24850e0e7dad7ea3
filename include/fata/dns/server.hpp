// The authoritative server's answers: a pure function from a query and
// the zones served to the reply, with no I/O and no clock of its own (the
// time comes in with the query, for cookies). The UDP and TCP glue reads
// a query, calls `answer_query`, and sends what it returns.
//
// The answer rules (RFC 1034 §4.3.2, with RFC 2308, 4592, 6604, 8482):
// - the zone is the one whose apex is the longest suffix of the name
//   (for DS at a zone's apex, its parent's when also served); none:
//   REFUSED without AA;
// - a delegation at or above the name (but for DS at the cut itself):
//   a referral without AA, the cut's NS in the authority section and the
//   addresses the zone holds for them in the additional (no DS yet: that
//   wants the zone signed, with RRSIGs and NSEC for an insecure cut);
// - an RRset of the type: the answer, AA;
// - a CNAME (unless CNAME was asked for): it, then the answer for its
//   target if the zone holds it, up to 16 links and stopping at a loop;
// - no such name: the wildcard at the closest encloser, if there is one,
//   answers with the query's name as owner; otherwise NXDOMAIN;
// - a name without the type, an empty non-terminal, or a wildcard without
//   it: NODATA; both negative answers carry the SOA with the TTL of
//   RFC 2308 §5 (the lesser of its TTL and its MINIMUM);
// - ANY: one RRset of the name and nothing else (RFC 8482 §4.1), over UDP
//   and TCP alike;
// - a positive answer ending in the zone carries the apex NS RRset in the
//   authority section (unless it is the answer, or DS was asked for, which
//   the zone answers as a delegation's parent) and, in the additional,
//   addresses for the names in the answer's NS, MX and SRV records and the
//   authority's NS, each once (as NSD answers);
// - over UDP a reply fits 512 octets, or the requestor's EDNS size up to
//   the server's; when the answer or the negative SOA does not fit, TC is
//   set and the sections are left empty; what does not fit of the
//   authority NS and the additional is left out without TC;
// - an OPT record answers one (RFC 6891), with DO copied and a server
//   cookie when the server has a secret (and the summary says whether the
//   query's own server cookie was good), and over an encrypted transport
//   padding to 468-octet blocks for a query that pads (RFC 8467); a
//   version other than 0 is BADVERS;
// - FORMERR for a query that does not parse, with other than one
//   question, more than one OPT record or a bad OPT record; NOTIMP for
//   opcodes other than QUERY and NOTIFY; REFUSED for NOTIFY (no primary
//   is configured yet), for classes other than IN, and for AXFR and IXFR
//   (transfers go over TCP to zone_transfer, fata/dns/transfer.hpp,
//   which the glue picks by the summary's asks_for_transfer; here they
//   are refused, as over UDP);
// - refusals carry an Extended DNS Error (RFC 8914) when the query had
//   an OPT record: Not Authoritative for a zone not served, Not Supported
//   for a class or NOTIFY, Prohibited for a transfer;
// - responses, and messages too short for a header, get no reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/edns.hpp>
#include <fata/dns/zone.hpp>

namespace fata::dns {

enum class transport : std::uint8_t { udp, tcp };

// Why a message got no reply.
enum class no_reply : std::uint8_t {
  too_short = 1,  // shorter than a header
  response,       // QR set: answering answers would let two servers loop
};

constexpr std::string_view describe(no_reply r) noexcept {
  switch (r) {
    case no_reply::too_short: return "shorter than a DNS header";
    case no_reply::response: return "a response, not a query";
  }
  return "unknown reason";
}

struct server_config {
  // The largest UDP reply, whatever a requestor's EDNS says (the DNS
  // flag day's 1232 keeps replies unfragmented).
  std::uint16_t max_udp_size = 1232;
  // With a secret, queries with a client cookie get a server cookie.
  const cookie_secret* cookies = nullptr;
};

struct query_context {
  dns::transport transport = transport::udp;
  bytes client_address{};   // for cookies: 4 or 16 octets
  std::uint32_t now = 0;    // seconds since the epoch, for cookies
  // Over TLS (DoT): a query that pads gets a reply padded to a multiple
  // of 468 octets (RFC 8467 §4.1).
  bool encrypted = false;
};

// What a reply says, for counters and logs.
struct reply_summary {
  rcode code = rcode::noerror;
  bool authoritative = false;
  bool truncated = false;
  // The query carried a server cookie this server made for the client's
  // address (RFC 7873 §5.2.4): the address is not forged, so a rate
  // limiter may let it through.
  bool cookie_verified = false;
  // The query asks for a zone transfer (asks_for_transfer,
  // fata/dns/transfer.hpp): refused here, which over TCP the glue
  // answers with zone_transfer instead.
  bool asks_for_transfer = false;
};

struct reply {
  bytes message;  // the first octets of the buffer given
  reply_summary summary;
};

// Answers `query` from `zones` into `out` (at least 512 octets; 65535 for
// TCP's largest). The zones must not overlap in apex.
result<reply, no_reply> answer_query(std::span<const zone* const> zones, const server_config& config,
                                     bytes query, const query_context& context, mut_bytes out);

}  // namespace fata::dns
