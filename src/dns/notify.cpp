#include <fata/dns/notify.hpp>

#include <algorithm>

#include <fata/dns/message.hpp>

#include "zone_request.hpp"

namespace fata::dns {

namespace {

constexpr std::uint16_t class_in = static_cast<std::uint16_t>(rr_class::in);

}  // namespace

result<notify_message, dns_error> write_notify(const zone& z, std::uint16_t id, const tsig_key* key,
                                               std::uint64_t now, mut_bytes out) {
  const zone::range soa = z.find(z.apex(), rr_type::soa);
  FATA_ASSERT(!soa.empty());
  const zone_entry e = z.at(soa.first);
  message_writer w(out.first(std::min<std::size_t>(out.size(), max_message_size)));
  header h;
  h.id = id;
  h.opcode = opcode::notify;
  h.authoritative = true;
  w.set_header(h);
  if (auto q = w.add_question(z.apex(), rr_type::soa, class_in); !q) return unexpected(q.error());
  if (auto a = w.add_record(section::answer, e.owner, rr_type::soa, class_in, e.ttl, e.rdata); !a) {
    return unexpected(a.error());
  }
  notify_message m;
  if (key) {
    auto mac = tsig_sign(w, *key, {.place = tsig_place::request, .now = now});
    if (!mac) return unexpected(mac.error());
    m.mac = *mac;
  }
  m.message = w.finish();
  return m;
}

notify_check check_notify_answer(bytes answer, const notify_message& sent, const zone& z,
                                 const tsig_key* key, std::uint64_t now) {
  notify_check c;
  auto view = message_view::parse(answer);
  if (!view) return c;
  const header& h = view->header();
  const std::uint16_t id = sent.message.be16(0);
  if (!h.response || h.opcode != opcode::notify || h.id != id) return c;
  // RFC 1996 §3.8: the answer repeats the question; one that does not is
  // not this NOTIFY's answer (a secondary may leave it out when refusing).
  if (view->count(section::question) > 0) {
    const auto q = view->question_at(0);
    if (!q || q->qname != z.apex() || q->qtype != rr_type::soa) return c;
  }
  // A refusal may come unsigned (a secondary that does not know the key
  // answers NOTAUTH with BADKEY): reported as it is, it acknowledges
  // nothing.
  if (h.rcode != 0) {
    c.answer = notify_answer::refused;
    c.code = static_cast<rcode>(h.rcode);
    return c;
  }
  if (key) {
    if (!view->tsig()) {
      c.answer = notify_answer::bad_signature;
      return c;
    }
    auto checked = tsig_verify(*view, *key, tsig_place::first_answer, sent.mac.view(), now);
    if (!checked) {
      c.answer = notify_answer::bad_signature;
      c.code = checked.error();
      return c;
    }
  }
  c.answer = notify_answer::acknowledged;
  return c;
}

bool is_notify_request(bytes message) {
  if (message.size() < header_size) return false;
  const header h = header::decode(message);
  return !h.response && h.opcode == opcode::notify;
}

notify_request_outcome answer_notify(std::span<const notify_zone> zones, std::span<const tsig_key> keys,
                                     bytes request, std::uint64_t now, mut_bytes out) {
  // The answer is the header, the question, an OPT record and the TSIG
  // record: min_notify_answer_buffer holds them all.
  FATA_ASSERT(out.size() >= min_notify_answer_buffer);
  notify_request_outcome outcome;
  zone_request_answer answer(request, opcode::notify, true, out);
  auto finish = [&](rcode code) -> notify_request_outcome {
    outcome.code = code;
    outcome.reply = answer.finish(code, now);
    return outcome;
  };

  auto view = answer.check(request, keys, now);
  if (!view) return finish(view.error());
  switch (answer.tsig().judged()) {
    case tsig_responder::verdict::formerr: return finish(rcode::formerr);
    case tsig_responder::verdict::notauth: return finish(rcode::notauth);
    case tsig_responder::verdict::unsigned_request:
    case tsig_responder::verdict::signed_by_key: break;
  }
  std::size_t index = 0;
  const name& apex = answer.zone().qname;
  while (index < zones.size() && zones[index].apex != apex) ++index;
  if (index == zones.size()) return finish(rcode::notauth);
  if (answer.tsig().judged() == tsig_responder::verdict::unsigned_request && !zones[index].unsigned_allowed) {
    return finish(rcode::refused);
  }
  auto answers = view->records(section::answer);
  while (auto r = answers.next()) {
    if (r->type == rr_type::soa && r->owner == apex) outcome.serial_hint = soa_serial(r->rdata);
  }
  outcome.zone_index = index;
  return finish(rcode::noerror);
}

}  // namespace fata::dns
