#include <fata/dns/update.hpp>

#include <algorithm>
#include <optional>
#include <utility>

#include <fata/dns/edns.hpp>

#include "zone_edit.hpp"
#include "zone_request.hpp"

namespace fata::dns {

namespace {

constexpr auto class_in = static_cast<std::uint16_t>(rr_class::in);
constexpr auto class_any = static_cast<std::uint16_t>(rr_class::any);
constexpr auto class_none = static_cast<std::uint16_t>(rr_class::none);

// Types that name queries, not data (RFC 6895 §3.1: 128 to 255, ANY
// among them), and the pseudo-records: never added, never deleted one by
// one.
bool is_meta(rr_type t) {
  const auto v = static_cast<std::uint16_t>(t);
  return (v >= 128 && v <= 255) || t == rr_type::opt || t == rr_type::tsig;
}

// The prerequisite section (§3.2) against the zone as it was.
rcode check_prerequisites(const zone& z, const std::vector<change_record>& prerequisites) {
  // §3.2.3: the records given with class IN, by RRset, must be exactly
  // the zone's RRset.
  std::vector<const change_record*> exact;
  for (const change_record& p : prerequisites) {
    if (p.ttl != 0) return rcode::formerr;
    if (!p.owner.is_subdomain_of(z.apex())) return rcode::notzone;
    const zone::range at_name = z.find(p.owner);
    if (p.rclass == class_any) {
      if (!p.rdata.empty()) return rcode::formerr;
      if (p.type == rr_type::any) {
        if (at_name.empty()) return rcode::nxdomain;
      } else if (z.find(p.owner, p.type).empty()) {
        return rcode::nxrrset;
      }
    } else if (p.rclass == class_none) {
      if (!p.rdata.empty()) return rcode::formerr;
      if (p.type == rr_type::any) {
        if (!at_name.empty()) return rcode::yxdomain;
      } else if (!z.find(p.owner, p.type).empty()) {
        return rcode::yxrrset;
      }
    } else if (p.rclass == class_in) {
      if (is_meta(p.type)) return rcode::formerr;
      exact.push_back(&p);
    } else {
      return rcode::formerr;
    }
  }
  for (const change_record* p : exact) {
    // Every record given is in the RRset...
    const zone::range rrset = z.find(p->owner, p->type);
    bool found = false;
    for (std::size_t i = rrset.first; i < rrset.last && !found; ++i) {
      found = z.at(i).rdata == p->data();
    }
    if (!found) return rcode::nxrrset;
    // ...and every record of the RRset was given.
    for (std::size_t i = rrset.first; i < rrset.last; ++i) {
      const bytes data = z.at(i).rdata;
      const bool given = std::any_of(exact.begin(), exact.end(), [&](const change_record* q) {
        return q->owner == p->owner && q->type == p->type && q->data() == data;
      });
      if (!given) return rcode::nxrrset;
    }
  }
  return rcode::noerror;
}

// The update section's prescan (§3.4.1.3): every change is checked
// before any applies.
rcode prescan(const zone& z, const std::vector<change_record>& updates) {
  for (const change_record& u : updates) {
    if (!u.owner.is_subdomain_of(z.apex())) return rcode::notzone;
    if (u.rclass == class_in) {
      if (is_meta(u.type)) return rcode::formerr;
    } else if (u.rclass == class_any) {
      if (u.ttl != 0 || !u.rdata.empty()) return rcode::formerr;
      if (u.type != rr_type::any && is_meta(u.type)) return rcode::formerr;
    } else if (u.rclass == class_none) {
      if (u.ttl != 0 || is_meta(u.type)) return rcode::formerr;
    } else {
      return rcode::formerr;
    }
  }
  return rcode::noerror;
}

// Applies one change (§3.4.2) to the working zone.
void apply(working_zone& w, const zone& z, change_record u, std::optional<change_record>& new_soa,
           std::uint32_t serial) {
  const bool at_apex = u.owner == z.apex();
  const auto type = u.type;
  if (u.rclass == class_in) {
    if (type == rr_type::soa) {
      // Only the apex's, and only forward.
      const auto given = soa_serial(u.data());
      const std::uint32_t current = new_soa ? *soa_serial(new_soa->data()) : serial;
      if (at_apex && given && serial_older(current, *given)) new_soa = std::move(u);
      return;
    }
    const auto same = [&](rr_type t, bytes data) { return t == type && data == u.data(); };
    if (w.any_at(u.owner, same)) return;
    if (type == rr_type::cname) {
      const bool other_data = w.any_at(u.owner, [](rr_type t, bytes) {
        return t != rr_type::cname && t != rr_type::rrsig && t != rr_type::nsec;
      });
      if (other_data) return;
      w.erase_at(u.owner, [](rr_type t, bytes) { return t == rr_type::cname; });
    } else if (type != rr_type::rrsig && type != rr_type::nsec) {
      if (w.any_at(u.owner, [](rr_type t, bytes) { return t == rr_type::cname; })) return;
    }
    w.add(std::move(u));
    return;
  }
  if (u.rclass == class_any) {
    w.erase_at(u.owner, [&](rr_type t, bytes) {
      if (at_apex && (t == rr_type::soa || t == rr_type::ns)) return false;
      return type == rr_type::any || t == type;
    });
    return;
  }
  // Class NONE: one record.
  if (type == rr_type::soa) return;
  if (at_apex && type == rr_type::ns) {
    int left = 0;
    (void)w.any_at(u.owner, [&](rr_type t, bytes) {
      if (t == rr_type::ns) ++left;
      return false;
    });
    if (left <= 1) return;
  }
  w.erase_at(u.owner, [&](rr_type t, bytes data) { return t == type && data == u.data(); });
}

// Reads a section's records into canonical form. `buffer` is scratch space
// the caller keeps across sections.
bool read_section(const message_view& v, bytes wire, section s, std::vector<change_record>& into,
                  std::vector<std::uint8_t>& buffer) {
  auto records = v.records(s);
  while (auto r = records.next()) {
    change_record c;
    c.owner = r->owner;
    c.type = r->type;
    c.rclass = r->rclass;
    c.ttl = r->ttl;
    if (!r->rdata.empty()) {
      buffer.resize(std::max(buffer.size(), expanded_rdata_bound(r->rdata.size())));
      auto size = expand_rdata(wire, *r, mut_bytes(buffer.data(), buffer.size()));
      if (!size) return false;
      c.rdata.assign(buffer.data(), buffer.data() + *size);
    }
    into.push_back(std::move(c));
  }
  return true;
}

}  // namespace

zone_journal zone_journal::with(std::shared_ptr<const zone_change> change) const {
  zone_journal next(_limit);
  const bool follows = !_changes.empty() && _changes.back()->to_serial() == change->from_serial();
  if (follows) {
    next._changes = _changes;
    next._memory = _memory;
  }
  next._memory += change->memory();
  next._changes.push_back(std::move(change));
  std::size_t drop = 0;
  while (drop < next._changes.size() && next._memory > _limit) {
    next._memory -= next._changes[drop]->memory();
    ++drop;
  }
  next._changes.erase(next._changes.begin(), next._changes.begin() + static_cast<std::ptrdiff_t>(drop));
  return next;
}

std::span<const std::shared_ptr<const zone_change>> zone_journal::since(std::uint32_t serial) const {
  for (std::size_t i = 0; i < _changes.size(); ++i) {
    if (_changes[i]->from_serial() == serial) {
      return std::span(_changes).subspan(i);
    }
  }
  return {};
}

bool is_update_request(bytes message) {
  if (message.size() < header_size) return false;
  const header h = header::decode(message);
  return !h.response && h.opcode == opcode::update;
}

update_outcome answer_update(std::span<const zone* const> zones, const update_policy& policy,
                             bytes request, std::uint64_t now, memory_budget& budget, mut_bytes out) {
  update_outcome outcome;
  zone_request_answer answer(request, opcode::update, false, out);
  auto finish = [&](rcode code) -> update_outcome {
    outcome.code = code;
    outcome.reply = answer.finish(code, now);
    return std::move(outcome);
  };

  auto view = answer.check(request, policy.keys, now);
  if (!view) return finish(view.error());
  switch (answer.tsig().judged()) {
    case tsig_responder::verdict::unsigned_request:
      if (answer.opt()) answer.opt()->extended_error = extended_error::prohibited;
      return finish(rcode::refused);
    case tsig_responder::verdict::formerr: return finish(rcode::formerr);
    case tsig_responder::verdict::notauth: return finish(rcode::notauth);
    case tsig_responder::verdict::signed_by_key: break;
  }

  std::size_t index = 0;
  while (index < zones.size() && zones[index]->apex() != answer.zone().qname) ++index;
  if (index == zones.size()) return finish(rcode::notauth);
  const zone& z = *zones[index];

  std::vector<change_record> prerequisites, updates;
  std::vector<std::uint8_t> expanded;
  if (!read_section(*view, request, section::answer, prerequisites, expanded) ||
      !read_section(*view, request, section::authority, updates, expanded)) {
    return finish(rcode::formerr);
  }
  if (const rcode p = check_prerequisites(z, prerequisites); p != rcode::noerror) return finish(p);
  if (const rcode p = prescan(z, updates); p != rcode::noerror) return finish(p);

  const zone::range soa_range = z.find(z.apex(), rr_type::soa);
  FATA_ASSERT(!soa_range.empty());
  const zone_entry old_soa = z.at(soa_range.first);
  const std::uint32_t old_serial = soa_serial(old_soa.rdata).value_or(0);
  working_zone work(z);
  std::optional<change_record> new_soa;
  for (change_record& u : updates) apply(work, z, std::move(u), new_soa, old_serial);
  if (!work.changed() && !new_soa) return finish(rcode::noerror);

  // The new SOA: as given, else the old with the serial one higher.
  std::vector<std::uint8_t> soa_data;
  std::uint32_t soa_ttl = old_soa.ttl;
  if (new_soa) {
    soa_data = new_soa->rdata;
    soa_ttl = new_soa->ttl;
  } else {
    soa_data.assign(old_soa.rdata.u8_data(), old_soa.rdata.u8_data() + old_soa.rdata.size());
    const std::uint32_t next = old_serial + 1;
    const std::size_t at = soa_data.size() - 20;
    for (int i = 0; i < 4; ++i) soa_data[at + i] = std::uint8_t(next >> (24 - 8 * i));
  }
  const bytes soa(soa_data.data(), soa_data.size());

  std::unique_ptr<zone> updated;
  auto rebuilt = rebuild_zone(work, soa_ttl, soa, budget, updated);
  if (!rebuilt) {
    outcome.problem = describe(rebuilt.error().error);
    return finish(rebuilt.error().error == zone_error::over_budget ? rcode::servfail : rcode::refused);
  }
  std::shared_ptr<zone_change> change = change_between(work, *updated);
  outcome.zone_index = index;
  outcome.updated = std::move(updated);
  outcome.change = std::move(change);
  return finish(rcode::noerror);
}

}  // namespace fata::dns
