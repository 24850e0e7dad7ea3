#include <fata/dns/stub.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <limits>

#include <fata/dns/message.hpp>

namespace fata::dns {

namespace {

constexpr std::size_t max_chain = 16;
constexpr std::uint16_t class_in = static_cast<std::uint16_t>(rr_class::in);

// The negative TTL of a reply: its authority SOA's, the lesser of the
// record's TTL and its MINIMUM (RFC 2308 §5), 0 without one.
std::uint32_t negative_ttl_of(const message_view& v) {
  auto authority = v.records(section::authority);
  while (auto r = authority.next()) {
    if (r->type != rr_type::soa || r->rdata.size() < 22) continue;
    const std::uint32_t minimum = r->rdata.be32(r->rdata.size() - 4);
    return std::min(r->ttl, minimum);
  }
  return 0;
}

}  // namespace

void lookup_result::add(bytes rdata) {
  _data.insert(_data.end(), rdata.u8_data(), rdata.u8_data() + rdata.size());
  _ends.push_back(static_cast<std::uint32_t>(_data.size()));
}

result<bytes, dns_error> write_stub_query(const name& qname, rr_type qtype, std::uint16_t id,
                                          std::uint16_t udp_size, mut_bytes out) {
  message_writer w(out.first(std::min<std::size_t>(out.size(), max_message_size)));
  header h;
  h.id = id;
  h.recursion_desired = true;
  w.set_header(h);
  if (auto q = w.add_question(qname, qtype, class_in); !q) return unexpected(q.error());
  if (udp_size != 0) {
    if (auto o = w.add_record(section::additional, name(), rr_type::opt, udp_size, 0, bytes()); !o) {
      return unexpected(o.error());
    }
  }
  return w.finish();
}

stub_judgement judge_stub_reply(bytes reply, std::uint16_t id, const name& qname, rr_type qtype,
                                lookup_result& out) {
  stub_judgement j;
  auto view = message_view::parse(reply);
  if (!view) return j;
  const header& h = view->header();
  if (!h.response || h.id != id || h.opcode != opcode::query || view->count(section::question) != 1) {
    return j;
  }
  const auto q = view->question_at(0);
  if (!q || q->qname != qname || q->qtype != qtype || q->qclass != class_in) return j;
  if (h.truncated) {
    j.verdict = stub_reply::truncated;
    return j;
  }
  j.code = static_cast<rcode>(h.rcode);
  if (j.code == rcode::nxdomain) {
    j.verdict = stub_reply::nxdomain;
    j.negative_ttl = negative_ttl_of(*view);
    return j;
  }
  if (j.code != rcode::noerror) {
    j.verdict = stub_reply::server_failure;
    return j;
  }

  // Follow the chain: CNAMEs at the current name, in whatever order the
  // answer section gives them.
  name current = qname;
  std::uint32_t ttl = std::numeric_limits<std::uint32_t>::max();
  for (std::size_t links = 0; qtype != rr_type::cname && links < max_chain; ++links) {
    bool followed = false;
    auto answers = view->records(section::answer);
    while (auto r = answers.next()) {
      if (r->type != rr_type::cname || r->rclass != class_in || r->owner != current) continue;
      auto target = read_name(reply, r->rdata_offset);
      if (!target) return stub_judgement{};
      current = target->value;
      ttl = std::min(ttl, r->ttl);
      followed = true;
      break;
    }
    if (!followed) break;
  }
  out = lookup_result();
  out.canonical_name = current;
  out.type = qtype;
  std::vector<std::uint8_t> expanded;
  auto answers = view->records(section::answer);
  while (auto r = answers.next()) {
    if (r->type != qtype || r->rclass != class_in || r->owner != current) continue;
    expanded.resize(expanded_rdata_bound(r->rdata.size()));
    auto size = expand_rdata(reply, *r, mut_bytes(expanded.data(), expanded.size()));
    if (!size) return stub_judgement{};
    out.add(bytes(expanded.data(), *size));
    ttl = std::min(ttl, r->ttl);
  }
  if (out.size() == 0) {
    j.verdict = stub_reply::no_data;
    j.negative_ttl = negative_ttl_of(*view);
    return j;
  }
  out.ttl = ttl;
  j.verdict = stub_reply::answered;
  return j;
}

lookup_cache::lookup_cache(std::size_t max_entries, memory_budget& budget)
    : _max_entries(max_entries), _budget(budget) {
  std::size_t slots = 2;
  while (slots < 2 * max_entries) slots *= 2;
  _slots.assign(slots, 0);
  // Charged whatever is left: without its index the cache cannot work,
  // and a budget too small for it then keeps no entry either.
  _index_charged = slots * sizeof(std::uint32_t);
  _budget.charge(_index_charged);
}

lookup_cache::~lookup_cache() {
  for (const entry& e : _entries) _budget.release(e.charged);
  _budget.release(_index_charged);
}

std::uint32_t lookup_cache::key_hash(const name& qname, rr_type qtype) {
  return folded_hash(qname.wire()) ^ (static_cast<std::uint32_t>(qtype) * 0x9e3779b1u);
}

std::size_t lookup_cache::slot_of(const name& qname, rr_type qtype, std::uint32_t hash) const {
  const std::size_t mask = _slots.size() - 1;
  for (std::size_t slot = hash & mask; _slots[slot] != 0; slot = (slot + 1) & mask) {
    const entry& e = _entries[_slots[slot] - 1];
    if (e.hash == hash && e.qtype == qtype && e.qname == qname) return slot;
  }
  return _slots.size();
}

std::size_t lookup_cache::slot_of_entry(std::size_t i) const {
  const std::size_t mask = _slots.size() - 1;
  std::size_t slot = _entries[i].hash & mask;
  while (_slots[slot] != i + 1) slot = (slot + 1) & mask;
  return slot;
}

std::optional<lookup_cache::hit> lookup_cache::find(const name& qname, rr_type qtype, mono_time now) {
  const std::size_t slot = slot_of(qname, qtype, key_hash(qname, qtype));
  if (slot == _slots.size()) {
    ++_misses;
    return std::nullopt;
  }
  const std::size_t i = _slots[slot] - 1;
  entry& e = _entries[i];
  if (e.expires <= now) {
    erase(i);
    ++_misses;
    return std::nullopt;
  }
  ++_hits;
  hit h;
  if (e.negative) {
    h.error = e.error;
  } else {
    h.records = &e.records;
  }
  return h;
}

void lookup_cache::erase(std::size_t i) {
  const std::size_t mask = _slots.size() - 1;
  // Backward-shift deletion: each later entry of the probe run moves into
  // the hole unless its own place lies after the hole.
  std::size_t hole = slot_of_entry(i);
  _slots[hole] = 0;
  for (std::size_t next = (hole + 1) & mask; _slots[next] != 0; next = (next + 1) & mask) {
    const std::size_t home = _entries[_slots[next] - 1].hash & mask;
    if (((next - home) & mask) >= ((next - hole) & mask)) {
      _slots[hole] = _slots[next];
      _slots[next] = 0;
      hole = next;
    }
  }
  _budget.release(_entries[i].charged);
  const std::size_t last = _entries.size() - 1;
  if (i != last) {
    _slots[slot_of_entry(last)] = static_cast<std::uint32_t>(i + 1);
    _entries[i] = std::move(_entries[last]);
  }
  _entries.pop_back();
}

void lookup_cache::put(entry e, mono_time now) {
  if (_max_entries == 0) return;
  e.hash = key_hash(e.qname, e.qtype);
  if (const std::size_t slot = slot_of(e.qname, e.qtype, e.hash); slot != _slots.size()) erase(_slots[slot] - 1);
  // Room: the expired first, then whatever would expire soonest.
  for (std::size_t i = _entries.size(); i-- > 0;) {
    if (_entries[i].expires <= now) erase(i);
  }
  e.charged = sizeof(entry) + e.records.memory();
  auto evict_soonest = [&] {
    std::size_t soonest = 0;
    for (std::size_t i = 1; i < _entries.size(); ++i) {
      if (_entries[i].expires < _entries[soonest].expires) soonest = i;
    }
    erase(soonest);
  };
  while (_entries.size() >= _max_entries) evict_soonest();
  while (!_budget.try_charge(e.charged)) {
    if (_entries.empty()) return;  // larger than the whole budget: not kept
    evict_soonest();
  }
  const std::size_t mask = _slots.size() - 1;
  std::size_t slot = e.hash & mask;
  while (_slots[slot] != 0) slot = (slot + 1) & mask;
  _entries.push_back(std::move(e));
  _slots[slot] = static_cast<std::uint32_t>(_entries.size());
}

void lookup_cache::store(const name& qname, rr_type qtype, lookup_result records, mono_time now) {
  entry e;
  e.qname = qname;
  e.qtype = qtype;
  e.expires = saturating_add(now, std::chrono::seconds(std::min(records.ttl, max_ttl)));
  e.records = std::move(records);
  put(std::move(e), now);
}

void lookup_cache::store_negative(const name& qname, rr_type qtype, lookup_error error,
                                  std::uint32_t ttl, mono_time now) {
  entry e;
  e.qname = qname;
  e.qtype = qtype;
  e.negative = true;
  e.error = error;
  e.expires = saturating_add(now, std::chrono::seconds(std::min(ttl, max_negative_ttl)));
  put(std::move(e), now);
}

}  // namespace fata::dns
