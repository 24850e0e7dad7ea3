// Fuzz target: DNS messages. A message that parses can be read to its end
// without failing; every record's data expands to canonical form that the
// canonical check accepts; and writing the questions and records again
// (compressing afresh) gives a message that parses to the same counts.
// Every record prints in presentation form as one line of printable ASCII
// that reads back to the same data. A TSIG record is checked against a
// key of its own name, which must fail (no input knows the secret) with
// one of TSIG's errors, never crash. An OPT record reads as EDNS or as
// FORMERR or BADVERS.
#include <fata/dns/edns.hpp>
#include <fata/dns/message.hpp>
#include <fata/dns/tsig.hpp>

#include <vector>

#include "dns_text_roundtrip.hpp"

using namespace fata;
using namespace fata::dns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto v = message_view::parse(bytes(data, size));
  if (!v) return 0;
  std::vector<std::uint8_t> out(max_message_size);
  message_writer w(mut_bytes(out.data(), out.size()));
  w.set_header(v->header());
  for (std::size_t i = 0; i < v->count(section::question); ++i) {
    auto q = v->question_at(i);
    FUZZ_CHECK(q.has_value());
    // Rewritten with a bounded compression table, many questions can
    // outgrow the message they came in.
    auto added = w.add_question(q->qname, q->qtype, q->qclass);
    FUZZ_CHECK(added || added.error() == dns_error::no_space);
    if (!added) return 0;
  }
  std::vector<std::uint8_t> canonical(max_message_size);
  for (auto s : {section::answer, section::authority, section::additional}) {
    auto reader = v->records(s);
    std::size_t n = 0;
    while (auto r = reader.next()) {
      ++n;
      auto len = expand_rdata(v->wire(), *r, mut_bytes(canonical.data(), canonical.size()));
      FUZZ_CHECK(len.has_value());
      const bytes c(canonical.data(), *len);
      // Class ANY/NONE deletions carry no data and skip the layout.
      if (c.empty()) continue;
      FUZZ_CHECK(check_canonical_rdata(r->type, c).has_value());
      check_text_round_trip(r->type, c);
      // Canonical data may be longer than what arrived compressed; a
      // message that no longer fits is the one case the writer refuses.
      auto added = w.add_record(s, r->owner, r->type, r->rclass, r->ttl, c);
      FUZZ_CHECK(added || added.error() == dns_error::no_space);
    }
    FUZZ_CHECK(n == v->count(s));
  }
  if (auto opt = v->opt()) {
    auto e = read_edns(*opt);
    FUZZ_CHECK(e || e.error() == rcode::formerr || e.error() == rcode::badvers);
    if (e) FUZZ_CHECK(e->udp_size >= min_edns_udp_size);
  }
  if (auto tsig = v->tsig()) {
    for (auto a : {tsig_algorithm::hmac_sha256, tsig_algorithm::hmac_sha512}) {
      tsig_key key;
      key.key_name = tsig->owner;
      key.algorithm = a;
      key.secret_size = 32;
      auto checked = tsig_verify(*v, key, tsig_place::request, {}, 1'764'806'400);
      FUZZ_CHECK(!checked.has_value());
      const auto e = checked.error();
      FUZZ_CHECK(e == rcode::formerr || e == rcode::badkey || e == rcode::badsig);
    }
  }
  auto again = message_view::parse(w.finish());
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->header() == v->header());
  FUZZ_CHECK(again->count(section::question) == v->count(section::question));
  return 0;
}
