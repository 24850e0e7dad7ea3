#include <fata/dns/server.hpp>

#include <algorithm>
#include <array>
#include <optional>

#include <fata/dns/message.hpp>
#include <fata/dns/transfer.hpp>

namespace fata::dns {

namespace {

constexpr std::size_t max_chain = 16;      // CNAME links followed in one answer
constexpr std::size_t max_additional = 32; // names whose addresses are looked up
// The most an answer's OPT record takes: the fixed part, a cookie option
// with the largest server cookie, and an extended error.
constexpr std::size_t opt_room = 11 + 4 + 8 + 32 + 4 + 2;
constexpr std::uint16_t class_in = static_cast<std::uint16_t>(rr_class::in);

// One RRset of the answer: records of the zone, under the query's name
// when a wildcard made them.
struct piece {
  const zone* from = nullptr;
  zone::range records;
  bool synthesized = false;
  name owner;  // when synthesized
};

enum class ending : std::uint8_t {
  positive,      // the answer ends in data of the zone
  nodata,        // the last name exists without the type
  nxdomain,      // the last name does not exist
  referral,      // the last name is at or below a delegation
  chain_leaves,  // a CNAME points out of the zone, in a loop, or too far
  minimal_any,   // one RRset for ANY, and nothing more (RFC 8482 §4.1)
};

struct plan {
  std::array<piece, max_chain + 1> answer{};
  std::size_t answers = 0;
  ending end = ending::positive;
  const zone* last_zone = nullptr;  // where the answer ended
  zone::range cut_ns{};  // for a referral, in last_zone
};

// The delegation at or above `n` (below the apex), if any; not `n` itself
// when DS is asked for, which the parent side answers.
std::optional<name> delegation_of(const zone& z, const name& n, rr_type qtype) {
  const std::size_t below_apex = n.label_count() - z.apex().label_count();
  for (std::size_t k = below_apex; k-- > 0;) {
    const name candidate = n.parent(k);
    if (k == 0 && qtype == rr_type::ds) return std::nullopt;
    if (!z.find(candidate, rr_type::ns).empty()) return candidate;
  }
  return std::nullopt;
}

const zone* zone_for(std::span<const zone* const> zones, const name& qname, rr_type qtype);

plan resolve(std::span<const zone* const> zones, const zone* z, const name& qname, rr_type qtype) {
  plan p;
  std::array<name, max_chain + 1> visited;
  name current = qname;
  for (;;) {
    const zone& zn = *z;
    p.last_zone = z;
    visited[p.answers] = current;
    if (auto cut = delegation_of(zn, current, qtype)) {
      p.end = ending::referral;
      p.cut_ns = zn.find(*cut, rr_type::ns);
      return p;
    }
    zone::range at = zn.find(current);
    bool synthesized = false;
    if (at.empty()) {
      if (zn.exists(current)) {
        p.end = ending::nodata;
        return p;
      }
      // The closest encloser exists (the apex at worst); its wildcard
      // answers for names that do not (RFC 4592 §3.3.1).
      name encloser = current.parent();
      while (!zn.exists(encloser)) encloser = encloser.parent();
      static constexpr std::uint8_t star = '*';
      auto source = encloser.prepend(bytes(&star, 1));
      if (source) at = zn.find(*source);
      if (at.empty()) {
        p.end = ending::nxdomain;
        return p;
      }
      synthesized = true;
    }
    auto add = [&](zone::range r) {
      p.answer[p.answers++] = piece{z, r, synthesized, synthesized ? current : name()};
    };
    if (qtype == rr_type::any) {
      add(zn.of_type(at, zn.at(at.first).type));
      p.end = ending::minimal_any;
      return p;
    }
    const zone::range cname = zn.of_type(at, rr_type::cname);
    if (qtype != rr_type::cname && !cname.empty()) {
      add(cname);
      auto target = name::from_wire(zn.at(cname.first).rdata);
      const bool looped =
          target && std::find(visited.begin(), visited.begin() + p.answers, *target) !=
                        visited.begin() + p.answers;
      // The chain goes on in whichever served zone holds the target.
      const zone* next = target ? zone_for(zones, *target, qtype) : nullptr;
      if (!next || looped || p.answers > max_chain) {
        p.end = ending::chain_leaves;
        return p;
      }
      z = next;
      current = *target;
      continue;
    }
    const zone::range wanted = zn.of_type(at, qtype);
    if (wanted.empty()) {
      p.end = ending::nodata;
      return p;
    }
    add(wanted);
    p.end = ending::positive;
    return p;
  }
}

// The name in the data of an NS, MX or SRV record, whose addresses go in
// the additional section.
std::optional<name> target_of(const zone_entry& e) {
  std::size_t at = 0;
  switch (e.type) {
    case rr_type::ns: at = 0; break;
    case rr_type::mx: at = 2; break;
    case rr_type::srv: at = 6; break;
    default: return std::nullopt;
  }
  if (e.rdata.size() <= at) return std::nullopt;
  auto n = name::from_wire(e.rdata.sub(at, e.rdata.size() - at));
  if (!n) return std::nullopt;
  return *n;
}

// Writes RRsets of the served zones, each at most once, and the
// addresses of the names they point to.
class reply_writer {
 public:
  reply_writer(std::span<const zone* const> zones, message_writer& w) : _zones(zones), _w(w) {}

  // Adds the RRset; false (and nothing added) when it does not fit.
  bool add(section s, const zone& z, zone::range r, const name* owner = nullptr) {
    const auto before = _w.position();
    for (std::size_t i = r.first; i < r.last; ++i) {
      const zone_entry e = z.at(i);
      if (!_w.add_record(s, owner ? *owner : e.owner, e.type, class_in, e.ttl, e.rdata)) {
        _w.rewind(before);
        return false;
      }
    }
    if (_added_count < _added.size()) _added[_added_count++] = {&z, r.first};
    return true;
  }
  // The SOA for a negative answer, with RFC 2308 §5's TTL.
  bool add_negative_soa(const zone& z) {
    const zone_entry e = z.at(z.find(z.apex(), rr_type::soa).first);
    const std::uint32_t minimum = e.rdata.be32(e.rdata.size() - 4);
    return _w.add_record(section::authority, e.owner, rr_type::soa, class_in,
                         std::min(e.ttl, minimum), e.rdata)
        .has_value();
  }
  bool added(const zone& z, zone::range r) const {
    for (std::size_t i = 0; i < _added_count; ++i) {
      if (_added[i].from == &z && _added[i].first == r.first) return true;
    }
    return false;
  }
  // Remembers the names the records in `r` point to that a served zone holds.
  void collect_targets(const zone& z, zone::range r) {
    for (std::size_t i = r.first; i < r.last && _target_count < _targets.size(); ++i) {
      if (auto t = target_of(z.at(i))) _targets[_target_count++] = *t;
    }
  }
  // Their addresses, from the zone each is in, as far as they fit.
  void add_additional() {
    for (std::size_t i = 0; i < _target_count; ++i) {
      const zone* holder = zone_for(_zones, _targets[i], rr_type::a);
      if (!holder) continue;
      for (rr_type type : {rr_type::a, rr_type::aaaa}) {
        const zone::range r = holder->find(_targets[i], type);
        if (r.empty() || added(*holder, r)) continue;
        if (!add(section::additional, *holder, r)) return;
      }
    }
  }

 private:
  struct added_rrset {
    const zone* from = nullptr;
    std::size_t first = 0;
  };
  std::span<const zone* const> _zones;
  message_writer& _w;
  std::array<added_rrset, max_chain + 2 * max_additional + 2> _added{};
  std::size_t _added_count = 0;
  std::array<name, max_additional> _targets;
  std::size_t _target_count = 0;
};

const zone* zone_for(std::span<const zone* const> zones, const name& qname, rr_type qtype) {
  const zone* best = nullptr;
  const zone* parent = nullptr;  // the best but for a zone whose apex is the name
  for (const zone* z : zones) {
    if (!qname.is_subdomain_of(z->apex())) continue;
    if (!best || z->apex().label_count() > best->apex().label_count()) best = z;
    if (z->apex().label_count() < qname.label_count() &&
        (!parent || z->apex().label_count() > parent->apex().label_count())) {
      parent = z;
    }
  }
  // DS lives in the parent (RFC 4035 §3.1.4.1).
  if (qtype == rr_type::ds && best && best->apex().label_count() == qname.label_count() && parent) {
    return parent;
  }
  return best;
}

// A reply with only the header (and the question when there is one):
// errors and refusals.
void write_error(message_writer& w, header h, rcode code) {
  h.rcode = static_cast<std::uint8_t>(static_cast<std::uint16_t>(code) & 0xf);
  h.authoritative = false;
  w.set_header(h);
}

}  // namespace

result<reply, no_reply> answer_query(std::span<const zone* const> zones, const server_config& config,
                                     bytes query, const query_context& context, mut_bytes out) {
  if (query.size() < header_size) return unexpected(no_reply::too_short);
  const header asked = header::decode(query);
  if (asked.response) return unexpected(no_reply::response);

  header h;
  h.id = asked.id;
  h.response = true;
  h.opcode = asked.opcode;
  h.recursion_desired = asked.recursion_desired;
  h.checking_disabled = asked.checking_disabled;

  const std::size_t buffer_limit = std::min<std::size_t>(out.size(), 65535);
  message_writer w(out.first(buffer_limit));
  reply_summary summary;
  auto finish = [&](rcode code) -> reply {
    summary.code = code;
    summary.authoritative = w.header().authoritative;
    summary.truncated = w.header().truncated;
    return reply{w.finish(), summary};
  };

  auto view = message_view::parse(query);
  summary.asks_for_transfer = view && asks_for_transfer(*view);
  if (!view || view->count(section::question) != 1 || view->opt_count() > 1) {
    write_error(w, h, rcode::formerr);
    return finish(rcode::formerr);
  }
  const question q = *view->question_at(0);

  // EDNS: what the requestor takes, and the OPT record the reply owes.
  std::optional<edns_answer> opt;
  std::size_t limit = classic_udp_size;
  if (auto o = view->opt()) {
    auto e = read_edns(*o);
    opt.emplace();
    opt->udp_size = config.max_udp_size;
    if (!e) {
      // No question-dependent answer for a bad OPT record: its error only.
      w.set_header(h);
      (void)w.add_question(q.qname, q.qtype, q.qclass);
      opt->response_code = e.error();
      write_error(w, h, e.error());
      w.limit_to(std::max(w.size(), std::min(buffer_limit, limit)));
      (void)add_edns(w, *opt);
      return finish(e.error());
    }
    opt->dnssec_ok = e->dnssec_ok;
    if (e->padding && context.encrypted) opt->pad_to_block = 468;
    if (e->cookie && config.cookies && context.client_address.size() > 0) {
      summary.cookie_verified = e->cookie->server_size > 0 &&
                                server_cookie_is_good(*config.cookies, *e->cookie, context.client_address,
                                                      context.now);
      opt->cookie = make_server_cookie(*config.cookies, e->cookie->client, context.client_address,
                                       context.now);
    }
    limit = std::clamp<std::size_t>(e->udp_size, classic_udp_size, config.max_udp_size);
  }
  if (context.transport == transport::tcp) limit = buffer_limit;
  limit = std::min(limit, buffer_limit);
  // Room for the OPT record is kept back until the end (all of it but
  // the header in a buffer too small for both).
  w.limit_to(opt ? std::max(header_size, limit - std::min(opt_room, limit)) : limit);

  auto with_opt = [&](rcode code) -> reply {
    if (opt) {
      w.limit_to(limit);
      opt->response_code = code;
      (void)add_edns(w, *opt);
    }
    return finish(code);
  };
  // The question always fits: it came in a message no larger than 65535
  // octets, and a name takes at most 255 of the 512 octets there are.
  (void)w.add_question(q.qname, q.qtype, q.qclass);

  auto refuse = [&](rcode code, std::optional<extended_error> why) {
    write_error(w, h, code);
    if (opt) opt->extended_error = why;
    return with_opt(code);
  };
  if (asked.opcode == opcode::notify) return refuse(rcode::refused, extended_error::not_supported);
  if (asked.opcode != opcode::query) return refuse(rcode::notimp, std::nullopt);
  if (q.qclass != class_in) return refuse(rcode::refused, extended_error::not_supported);
  if (q.qtype == rr_type::axfr || q.qtype == rr_type::ixfr) {
    return refuse(rcode::refused, extended_error::prohibited);
  }
  if (q.qtype == rr_type::opt || q.qtype == rr_type::tsig) return refuse(rcode::formerr, std::nullopt);
  const zone* z = zone_for(zones, q.qname, q.qtype);
  if (!z) return refuse(rcode::refused, extended_error::not_authoritative);

  const plan p = resolve(zones, z, q.qname, q.qtype);
  const rcode code = p.end == ending::nxdomain ? rcode::nxdomain : rcode::noerror;
  h.authoritative = !(p.end == ending::referral && p.answers == 0);
  h.rcode = static_cast<std::uint8_t>(code);
  w.set_header(h);

  reply_writer out_records(zones, w);
  const zone& last = *p.last_zone;
  const auto after_question = w.position();
  auto truncate = [&]() {
    w.rewind(after_question);
    h.truncated = true;
    w.set_header(h);
    return with_opt(code);
  };
  for (std::size_t i = 0; i < p.answers; ++i) {
    const piece& a = p.answer[i];
    if (!out_records.add(section::answer, *a.from, a.records, a.synthesized ? &a.owner : nullptr)) {
      return truncate();
    }
    out_records.collect_targets(*a.from, a.records);
  }
  switch (p.end) {
    case ending::positive: {
      // Not for DS, which the zone answers as the parent of a delegation.
      const zone::range apex_ns = last.find(last.apex(), rr_type::ns);
      if (q.qtype != rr_type::ds && !out_records.added(last, apex_ns) &&
          out_records.add(section::authority, last, apex_ns)) {
        out_records.collect_targets(last, apex_ns);
      }
      out_records.add_additional();
      break;
    }
    case ending::nodata:
    case ending::nxdomain:
      if (!out_records.add_negative_soa(last)) return truncate();
      break;
    case ending::referral:
      if (!out_records.add(section::authority, last, p.cut_ns)) return truncate();
      out_records.collect_targets(last, p.cut_ns);
      out_records.add_additional();
      break;
    case ending::chain_leaves:
    case ending::minimal_any:
      break;
  }
  return with_opt(code);
}

}  // namespace fata::dns
