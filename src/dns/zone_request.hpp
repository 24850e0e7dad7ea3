// The answer to a request about one zone (internal to fata::dns), as
// UPDATE (RFC 2136 §3.8, update.cpp) and NOTIFY (RFC 1996 §4.7,
// notify.cpp) have it: the request's header turned round, its zone
// question, an OPT record when it had one, and a TSIG record as
// tsig_responder says. The checks both requests share come first.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/edns.hpp>
#include <fata/dns/message.hpp>
#include <fata/dns/tsig.hpp>

namespace fata::dns {

class zone_request_answer {
 public:
  // For `request` (contract: at least a header) of opcode `op`, the
  // answer written into `out`.
  zone_request_answer(bytes request, dns::opcode op, bool authoritative, mut_bytes out);

  // A message that parses, with one question of type SOA and class IN, at
  // most one OPT record that reads, and a TSIG record only at the end;
  // then its TSIG judged against `keys` at `now`. Otherwise the rcode to
  // answer with (FORMERR, BADVERS).
  result<message_view, rcode> check(bytes request, std::span<const tsig_key> keys, std::uint64_t now);

  // Contract: check() succeeded.
  const question& zone() const { return *_zone; }
  const tsig_responder& tsig() const { return _tsig; }
  // The OPT record of the answer, when the request had one.
  std::optional<edns_answer>& opt() { return _opt; }

  // Writes the answer with `code` and returns it.
  bytes finish(rcode code, std::uint64_t now);

 private:
  header _header;
  message_writer _writer;
  std::optional<edns_answer> _opt;
  tsig_responder _tsig;
  std::optional<question> _zone;
};

}  // namespace fata::dns
