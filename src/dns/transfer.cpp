#include <fata/dns/transfer.hpp>

#include <algorithm>

namespace fata::dns {

namespace {

constexpr std::uint16_t class_in = static_cast<std::uint16_t>(rr_class::in);
// Kept back in every message for what comes after the records: the TSIG
// record (owner and algorithm up to 255 octets each, the largest MAC,
// BADTIME's six octets) and the OPT record with an extended error.
constexpr std::size_t tsig_room = tsig_responder::room;
constexpr std::size_t opt_room = 11 + 6;
// Messages of 16 KiB, as NSD sends: the compressor's suffixes last a
// message of that size, so names keep pointing at their owners, and the
// requestor gets data sooner.
constexpr std::size_t message_size = 16384;


}  // namespace

bool asks_for_transfer(const message_view& message) {
  if (message.header().response || message.header().opcode != opcode::query) return false;
  const auto q = message.question_at(0);
  return q && (q->qtype == rr_type::axfr || q->qtype == rr_type::ixfr);
}

bool asks_for_transfer(bytes message) {
  auto view = message_view::parse(message);
  return view && asks_for_transfer(*view);
}

zone_transfer::zone_transfer(std::span<const zone* const> zones, const transfer_policy& policy,
                             bytes request, std::uint64_t now) {
  check_request(zones, policy, request, now);
}

void zone_transfer::check_request(std::span<const zone* const> zones, const transfer_policy& policy,
                                  bytes request, std::uint64_t now) {
  _stage = stage::refusal;
  auto view = message_view::parse(request);
  FATA_ASSERT(view.has_value());
  const header& asked = view->header();
  _header.id = asked.id;
  _header.response = true;
  _header.opcode = asked.opcode;
  _header.recursion_desired = asked.recursion_desired;
  _header.checking_disabled = asked.checking_disabled;
  const question q = *view->question_at(0);
  _qname = q.qname;
  _qtype = q.qtype;
  _qclass = q.qclass;

  auto refuse = [&](rcode code) { _code = code; };
  if (view->count(section::question) != 1 || view->opt_count() > 1 || view->tsig_misplaced()) {
    return refuse(rcode::formerr);
  }
  if (auto o = view->opt()) {
    auto e = read_edns(*o);
    _opt.emplace();
    if (!e) return refuse(e.error());
    _opt->dnssec_ok = e->dnssec_ok;
  }

  // Who asks: only a holder of one of the keys may transfer.
  _tsig = tsig_responder(*view, policy.keys, now);
  switch (_tsig.judged()) {
    case tsig_responder::verdict::unsigned_request:
      if (policy.unsigned_allowed) break;
      if (_opt) _opt->extended_error = extended_error::prohibited;
      return refuse(rcode::refused);
    case tsig_responder::verdict::formerr: return refuse(rcode::formerr);
    case tsig_responder::verdict::notauth: return refuse(rcode::notauth);
    case tsig_responder::verdict::signed_by_key: break;
  }

  // What: a zone served, from its apex.
  if (q.qclass != class_in) return refuse(rcode::notauth);
  std::size_t index = 0;
  while (index < zones.size() && zones[index]->apex() != q.qname) ++index;
  if (index == zones.size()) return refuse(rcode::notauth);
  _zone = zones[index];
  const zone::range soa = _zone->find(_zone->apex(), rr_type::soa);
  FATA_ASSERT(!soa.empty());
  _soa_index = soa.first;
  if (q.qtype == rr_type::ixfr) {
    // The requestor's version is the SOA in the authority section.
    auto authority = view->records(section::authority);
    const auto theirs = authority.next();
    const auto our_serial = soa_serial(_zone->at(_soa_index).rdata);
    if (theirs && theirs->type == rr_type::soa && our_serial) {
      const auto their_serial = soa_serial(theirs->rdata);
      _soa_only = their_serial && !serial_older(*their_serial, *our_serial);
      // Their version in the journal: the changes since, not the zone.
      const zone_journal* journal = index < policy.journals.size() ? policy.journals[index] : nullptr;
      if (their_serial && !_soa_only && journal) _changes = journal->since(*their_serial);
    }
  }
  _header.authoritative = true;
  _stage = stage::first_soa;
}

bool zone_transfer::add_next_record(message_writer& w) {
  if (!_changes.empty()) {
    // IXFR: each change's old SOA, deletions, new SOA and additions.
    if (_change >= _changes.size()) {
      _stage = stage::last_soa;
      return true;
    }
    const zone_change& c = *_changes[_change];
    const zone_entry e = c.at(_change_record);
    if (!w.add_record(section::answer, e.owner, e.type, class_in, e.ttl, e.rdata)) return false;
    if (++_change_record == c.size()) {
      ++_change;
      _change_record = 0;
    }
    ++_records_sent;
    return true;
  }
  if (_next_index == _soa_index) ++_next_index;
  if (_next_index >= _zone->size()) {
    _stage = stage::last_soa;
    return true;
  }
  const zone_entry e = _zone->at(_next_index);
  if (!w.add_record(section::answer, e.owner, e.type, class_in, e.ttl, e.rdata)) return false;
  ++_next_index;
  ++_records_sent;
  return true;
}

bytes zone_transfer::finish_message(message_writer& w, std::size_t buffer_size, std::uint64_t now) {
  w.limit_to(buffer_size);
  if (_opt) {
    _opt->response_code = _code;
    (void)add_edns(w, *_opt);
  }
  _tsig.sign(w, now);
  return w.finish();
}

std::optional<bytes> zone_transfer::next(mut_bytes out, std::uint64_t now) {
  if (_stage == stage::done) return std::nullopt;
  // A record larger than a usual message gets one of its own, as large
  // as the buffer.
  const bool oversized = _next_record_oversized;
  _next_record_oversized = false;
  const std::size_t buffer_size =
      std::min(out.size(), oversized ? max_message_size : message_size);
  message_writer w(out.first(buffer_size));
  header h = _header;
  if (_stage == stage::refusal) {
    h.rcode = static_cast<std::uint8_t>(static_cast<std::uint16_t>(_code) & 0xf);
    w.set_header(h);
    (void)w.add_question(_qname, _qtype, _qclass);
    _stage = stage::done;
    return finish_message(w, buffer_size, now);
  }
  w.set_header(h);
  const std::size_t room = tsig_room + (_opt ? opt_room : 0);
  if (!_question_sent) {
    (void)w.add_question(_qname, _qtype, _qclass);
    _question_sent = true;
  }
  w.limit_to(std::max(w.size(), buffer_size - std::min(room, buffer_size)));
  const auto empty = w.position();
  const zone_entry soa = _zone->at(_soa_index);
  for (;;) {
    if (_stage == stage::first_soa || _stage == stage::last_soa) {
      if (!w.add_record(section::answer, soa.owner, rr_type::soa, class_in, soa.ttl, soa.rdata)) break;
      ++_records_sent;
      _stage = _stage == stage::last_soa || _soa_only ? stage::done : stage::body;
      if (_stage == stage::done) break;
      continue;
    }
    if (!add_next_record(w)) break;
  }
  if (w.size() == empty.size && _stage != stage::done && !oversized && buffer_size < out.size()) {
    // Nothing fit: the next message will be as large as the buffer.
    _next_record_oversized = true;
    return next(out, now);
  }
  if (w.size() == empty.size && _stage != stage::done) {
    // A record too large for a message of its own: the transfer cannot
    // go on, and the requestor must learn that it is incomplete.
    w.rewind(empty);
    _code = rcode::servfail;
    h.rcode = static_cast<std::uint8_t>(_code);
    h.authoritative = false;
    w.set_header(h);
    _stage = stage::done;
  }
  return finish_message(w, buffer_size, now);
}

}  // namespace fata::dns
