#include <fata/dns/transfer_in.hpp>

#include <algorithm>

#include <fata/dns/message.hpp>

#include "zone_edit.hpp"

namespace fata::dns {

namespace {

constexpr std::uint16_t class_in = static_cast<std::uint16_t>(rr_class::in);

std::optional<std::uint32_t> serial_of(const zone* z) {
  if (z == nullptr) return std::nullopt;
  const zone::range soa = z->find(z->apex(), rr_type::soa);
  if (soa.empty()) return std::nullopt;
  return soa_serial(z->at(soa.first).rdata);
}

}  // namespace

struct incoming_transfer::edit {
  explicit edit(const zone& z) : work(z) {}
  working_zone work;
};

result<transfer_request, dns_error> write_transfer_request(const name& apex, const zone* current, std::uint16_t id,
                                                          const tsig_key* key, std::uint64_t now, mut_bytes out) {
  message_writer w(out.first(std::min<std::size_t>(out.size(), max_message_size)));
  header h;
  h.id = id;
  w.set_header(h);
  const zone::range soa = current ? current->find(current->apex(), rr_type::soa) : zone::range{};
  const bool incremental = current != nullptr && !soa.empty();
  if (auto q = w.add_question(apex, incremental ? rr_type::ixfr : rr_type::axfr, class_in); !q) {
    return unexpected(q.error());
  }
  if (incremental) {
    // RFC 1995 §3: the serial the secondary holds, as its SOA.
    const zone_entry e = current->at(soa.first);
    if (auto a = w.add_record(section::authority, e.owner, rr_type::soa, class_in, e.ttl, e.rdata); !a) {
      return unexpected(a.error());
    }
  }
  transfer_request r;
  if (key) {
    auto mac = tsig_sign(w, *key, {.place = tsig_place::request, .now = now});
    if (!mac) return unexpected(mac.error());
    r.mac = *mac;
  }
  r.message = w.finish();
  return r;
}

incoming_transfer::incoming_transfer(const name& apex, const zone* current, const transfer_request& sent,
                                     const tsig_key* key, memory_budget& budget)
    : _apex(apex),
      _current(current),
      _current_serial(serial_of(current)),
      _id(sent.message.be16(0)),
      _key(key),
      _prior_mac(sent.mac),
      _budget(budget) {
  // The request's own question type: IXFR exactly when there was a zone.
  if (!_current_serial) _current = nullptr;
}

incoming_transfer::~incoming_transfer() = default;

incoming_transfer::progress incoming_transfer::fail(transfer_failure f) {
  _failure = f;
  _stage = stage::done;
  _builder.reset();
  _edit.reset();
  return progress::failed;
}

incoming_transfer::progress incoming_transfer::feed(bytes message, std::uint64_t now) {
  if (_failure != transfer_failure::none) return progress::failed;
  if (_stage == stage::done) return fail(transfer_failure::malformed);  // nothing may follow the end
  auto view = message_view::parse(message);
  if (!view) return fail(transfer_failure::malformed);
  const header& h = view->header();
  if (!h.response || h.id != _id || h.opcode != opcode::query) return fail(transfer_failure::not_the_answer);
  if (view->count(section::question) > 1) return fail(transfer_failure::malformed);
  if (view->count(section::question) == 1) {
    const question q = *view->question_at(0);
    const rr_type asked = _current ? rr_type::ixfr : rr_type::axfr;
    if (q.qname != _apex || q.qtype != asked || q.qclass != class_in) return fail(transfer_failure::not_the_answer);
  }
  if (_key) {
    if (!view->tsig()) return fail(transfer_failure::bad_signature);
    const tsig_place place = _messages == 0 ? tsig_place::first_answer : tsig_place::later_answer;
    auto verified = tsig_verify(*view, *_key, place, _prior_mac.view(), now);
    if (!verified) {
      _code = verified.error();
      return fail(transfer_failure::bad_signature);
    }
    _prior_mac = verified->mac;
  }
  // After the signature: an unsigned refusal under a key is no answer of
  // the primary's, but a forger's.
  if (h.rcode != 0) {
    _code = static_cast<rcode>(h.rcode);
    return fail(transfer_failure::refused);
  }
  ++_messages;
  auto records = view->records(section::answer);
  std::vector<std::uint8_t> expanded;
  while (auto r = records.next()) {
    if (_stage == stage::done) return fail(transfer_failure::malformed);
    expanded.resize(std::max(expanded.size(), expanded_rdata_bound(r->rdata.size())));
    auto size = expand_rdata(message, *r, mut_bytes(expanded.data(), expanded.size()));
    if (!size) return fail(transfer_failure::malformed);
    const progress p = take_record(r->owner, r->type, r->rclass, r->ttl, bytes(expanded.data(), *size));
    if (p == progress::failed) return p;
  }
  // An SOA alone that is not newer than ours: nothing to take (§4).
  if (_stage == stage::after_first_soa && _current && !serial_older(*_current_serial, _serial)) {
    _up_to_date = true;
    _stage = stage::done;
  }
  return _stage == stage::done ? progress::complete : progress::more;
}

incoming_transfer::progress incoming_transfer::take_record(const name& owner, rr_type type, std::uint16_t rclass,
                                                           std::uint32_t ttl, bytes rdata) {
  if (rclass != class_in || !owner.is_subdomain_of(_apex)) return fail(transfer_failure::out_of_zone);
  ++_records;
  const bool apex_soa = type == rr_type::soa && owner == _apex;
  if (type == rr_type::soa && !apex_soa) return fail(transfer_failure::out_of_zone);
  const std::optional<std::uint32_t> serial = apex_soa ? soa_serial(rdata) : std::nullopt;
  if (apex_soa && !serial) return fail(transfer_failure::malformed);

  switch (_stage) {
    case stage::first_soa:
      if (!apex_soa) return fail(transfer_failure::malformed);
      _serial = *serial;
      _first_soa.assign(rdata.u8_data(), rdata.u8_data() + rdata.size());
      _first_soa_ttl = ttl;
      _stage = stage::after_first_soa;
      return progress::more;

    case stage::after_first_soa:
      if (_current && apex_soa && *serial == *_current_serial && *serial != _serial) {
        // The old SOA of the first change: IXFR's form.
        _incremental = true;
        _edit = std::make_unique<edit>(*_current);
        _working_serial = *serial;
        _stage = stage::deletions;
        return progress::more;
      }
      _builder = std::make_unique<zone_builder>(_apex, _budget);
      if (auto a = _builder->add(_apex, rr_type::soa, _first_soa_ttl,
                                 bytes(_first_soa.data(), _first_soa.size()));
          !a) {
        _problem = a.error();
        return fail(a.error().error == zone_error::over_budget ? transfer_failure::over_budget
                                                               : transfer_failure::bad_zone);
      }
      _stage = stage::whole_zone;
      [[fallthrough]];

    case stage::whole_zone:
      if (apex_soa) {
        if (*serial != _serial) return fail(transfer_failure::malformed);
        return finish_whole();
      }
      if (auto a = _builder->add(owner, type, ttl, rdata); !a) {
        _problem = a.error();
        return fail(a.error().error == zone_error::over_budget ? transfer_failure::over_budget
                                                               : transfer_failure::bad_zone);
      }
      return progress::more;

    case stage::deletions:
      if (apex_soa) {
        // The new SOA of this change: it must move forward.
        if (!serial_older(_working_serial, *serial)) return fail(transfer_failure::not_following);
        _working_serial = *serial;
        _stage = stage::additions;
        return progress::more;
      }
      {
        const std::size_t erased = _edit->work.erase_at(
            owner, [&](rr_type t, bytes data) { return t == type && data == rdata; });
        if (erased == 0) return fail(transfer_failure::not_following);
      }
      return progress::more;

    case stage::additions:
      if (apex_soa) {
        if (*serial == _serial && _working_serial == _serial) return finish_changes();
        // The old SOA of the next change, which must be where the last
        // one ended.
        if (*serial != _working_serial) return fail(transfer_failure::not_following);
        _stage = stage::deletions;
        return progress::more;
      }
      if (!_edit->work.any_at(owner, [&](rr_type t, bytes data) { return t == type && data == rdata; })) {
        _edit->work.add(change_record{.owner = owner,
                                      .type = type,
                                      .rclass = class_in,
                                      .ttl = ttl,
                                      .rdata = std::vector<std::uint8_t>(rdata.u8_data(),
                                                                         rdata.u8_data() + rdata.size())});
      }
      return progress::more;

    case stage::done: break;
  }
  return fail(transfer_failure::malformed);
}

incoming_transfer::progress incoming_transfer::finish_whole() {
  if (auto f = _builder->finish(); !f) {
    _problem = f.error();
    return fail(f.error().error == zone_error::over_budget ? transfer_failure::over_budget
                                                           : transfer_failure::bad_zone);
  }
  _zone = std::make_unique<zone>(std::move(*_builder).take());
  _builder.reset();
  _stage = stage::done;
  return progress::complete;
}

incoming_transfer::progress incoming_transfer::finish_changes() {
  auto rebuilt =
      rebuild_zone(_edit->work, _first_soa_ttl, bytes(_first_soa.data(), _first_soa.size()), _budget, _zone);
  if (!rebuilt) {
    _problem = rebuilt.error();
    return fail(rebuilt.error().error == zone_error::over_budget ? transfer_failure::over_budget
                                                                 : transfer_failure::bad_zone);
  }
  _change = change_between(_edit->work, *_zone);
  _edit.reset();
  _stage = stage::done;
  return progress::complete;
}

}  // namespace fata::dns
