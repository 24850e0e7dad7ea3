#include <fata/dns/notify.hpp>

#include <algorithm>

#include <fata/dns/edns.hpp>
#include <fata/dns/message.hpp>

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
  notify_request_outcome outcome;
  const header asked = header::decode(request);
  header h;
  h.id = asked.id;
  h.response = true;
  h.opcode = opcode::notify;
  h.authoritative = true;
  FATA_ASSERT(out.size() >= min_notify_answer_buffer);
  message_writer w(out.first(std::min<std::size_t>(out.size(), max_message_size)));
  std::optional<edns_answer> opt;
  tsig_responder tsig;
  std::optional<question> zone_question;

  // The answer is the header, the question, an OPT record and the TSIG
  // record: min_notify_answer_buffer holds them all.
  auto finish = [&](rcode code) -> notify_request_outcome {
    h.rcode = static_cast<std::uint8_t>(static_cast<std::uint16_t>(code) & 0xf);
    w.set_header(h);
    if (zone_question) (void)w.add_question(zone_question->qname, zone_question->qtype, zone_question->qclass);
    if (opt) {
      opt->response_code = code;
      (void)add_edns(w, *opt);
    }
    tsig.sign(w, now);
    outcome.code = code;
    outcome.reply = w.finish();
    return outcome;
  };

  auto view = message_view::parse(request);
  if (!view) return finish(rcode::formerr);
  if (view->count(section::question) == 1) zone_question = view->question_at(0);
  if (!zone_question || zone_question->qtype != rr_type::soa || zone_question->qclass != class_in ||
      view->opt_count() > 1 || view->tsig_misplaced()) {
    return finish(rcode::formerr);
  }
  if (auto o = view->opt()) {
    auto e = read_edns(*o);
    opt.emplace();
    if (!e) return finish(e.error());
  }
  tsig = tsig_responder(*view, keys, now);
  switch (tsig.judged()) {
    case tsig_responder::verdict::formerr: return finish(rcode::formerr);
    case tsig_responder::verdict::notauth: return finish(rcode::notauth);
    case tsig_responder::verdict::unsigned_request:
    case tsig_responder::verdict::signed_by_key: break;
  }
  std::size_t index = 0;
  while (index < zones.size() && zones[index].apex != zone_question->qname) ++index;
  if (index == zones.size()) return finish(rcode::notauth);
  if (tsig.judged() == tsig_responder::verdict::unsigned_request && !zones[index].unsigned_allowed) {
    return finish(rcode::refused);
  }
  auto answers = view->records(section::answer);
  while (auto r = answers.next()) {
    if (r->type == rr_type::soa && r->owner == zone_question->qname) outcome.serial_hint = soa_serial(r->rdata);
  }
  outcome.zone_index = index;
  return finish(rcode::noerror);
}

}  // namespace fata::dns
