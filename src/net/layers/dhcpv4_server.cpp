#include <fata/net/dhcpv4_server.hpp>

#include <algorithm>
#include <charconv>

#include <fata/core/assert.hpp>
#include <fata/core/fmt.hpp>

namespace fata::net {

using wire::dhcp_message_type;
using wire::dhcpv4_packet;
using wire::dhcpv4_writer;
namespace opt = wire::dhcp_option;

std::string_view describe(dhcpv4_server::binding_state s) noexcept {
  switch (s) {
    case dhcpv4_server::binding_state::offered: return "offered";
    case dhcpv4_server::binding_state::bound: return "bound";
    case dhcpv4_server::binding_state::released: return "released";
    case dhcpv4_server::binding_state::declined: return "declined";
  }
  return "?";
}

namespace {

constexpr std::size_t reply_capacity = 576;  // what every client accepts (RFC 2131 §2)

// The bytes a reply with every configured option takes, END included.
std::size_t worst_reply_size(const dhcpv4_server_config& c) {
  std::size_t n = dhcpv4_packet::field::options + 3 /*type*/ + 6 /*server id*/ + 3 * 6 /*times*/ +
                  6 /*mask*/ + 1 /*end*/;
  if (!c.router.is_any()) n += 6;
  if (!c.dns.empty()) n += 2 + 4 * c.dns.size();
  if (!c.domain.empty()) n += 2 + c.domain.size();
  if (c.mtu != 0) n += 4;
  if (!c.routes.empty()) {
    n += 2;
    for (const ipv4_route& r : c.routes) n += 1 + (r.destination.length + 7u) / 8u + 4;
  }
  return n;
}

std::uint32_t seconds_value(duration d) {
  if (d == duration::max()) return 0xffffffffu;  // RFC 2132 §9.2: infinite
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  return static_cast<std::uint32_t>(std::clamp<std::int64_t>(s, 0, 0xfffffffe));
}

}  // namespace

std::optional<std::string_view> validate(const dhcpv4_server_config& c) {
  const ipv4_prefix& net = c.address;
  if (net.length == 0 || net.length > 30) return "the server's prefix must be /1 to /30";
  if (net.address == net.network() || net.address == net.broadcast())
    return "the server's address is its subnet's network or broadcast address";
  auto host_of_subnet = [&](ipv4_addr a) {
    return net.contains(a) && a != net.network() && a != net.broadcast();
  };
  if (!host_of_subnet(c.pool_first) || !host_of_subnet(c.pool_last))
    return "the pool is not inside the server's subnet";
  if (c.pool_first.value > c.pool_last.value) return "the pool ends before it starts";
  if (c.dns.size() > dhcpv4_server_config::max_dns) return "more than 4 DNS servers";
  if (c.routes.size() > dhcpv4_server_config::max_routes) return "more than 16 classless routes";
  if (c.domain.size() > 253) return "the domain is longer than 253 characters";
  if (c.mtu != 0 && c.mtu < 68) return "an MTU under 68";
  if (c.static_leases.size() > dhcpv4_server_config::max_static_leases) return "more than 256 static leases";
  for (std::size_t i = 0; i < c.static_leases.size(); ++i) {
    const dhcpv4_static_lease& s = c.static_leases[i];
    if (!host_of_subnet(s.address) || s.address == net.address)
      return "a static lease's address is not a host of the server's subnet";
    if (s.mac.is_zero() || s.mac.is_multicast()) return "a static lease's MAC is not a unicast address";
    for (std::size_t j = 0; j < i; ++j)
      if (c.static_leases[j].mac == s.mac || c.static_leases[j].address == s.address)
        return "two static leases share a MAC or an address";
  }
  if (c.max_bindings == 0) return "no room for a binding";
  if (c.lease_time < 1s) return "a lease time under a second";
  if (worst_reply_size(c) > reply_capacity) return "the options do not fit in a 576-byte reply";
  return std::nullopt;
}

struct dhcpv4_server::request {
  dhcp_message_type type;
  std::uint32_t xid;
  std::uint16_t flags;
  ipv4_addr ciaddr;
  mac_addr mac;
  std::optional<ipv4_addr> requested;  // option 50
  std::optional<ipv4_addr> server;     // option 54
};

dhcpv4_server::dhcpv4_server(dhcpv4_server_config cfg)
    : _cfg(std::move(cfg)), _next_fresh(_cfg.pool_first.value) {
  FATA_ASSERT(!validate(_cfg));
  // The pool bounds the table too.
  const std::size_t pool = std::size_t(_cfg.pool_last.value - _cfg.pool_first.value) + 1;
  _cfg.max_bindings = std::min(_cfg.max_bindings, pool + _cfg.static_leases.size());
  _bindings.reserve(_cfg.max_bindings);
}

bool dhcpv4_server::take_changed() {
  const bool c = _changed;
  _changed = false;
  return c;
}

std::optional<dhcpv4_server::reply> dhcpv4_server::input(bytes message, mono_time now) {
  auto p = dhcpv4_packet::parse(message);
  if (!p) {
    ++_stats.rx_malformed;
    return std::nullopt;
  }
  if (p->op() != dhcpv4_packet::op_request) {
    ++_stats.rx_ignored;
    return std::nullopt;
  }
  auto type = p->message_type();
  if (!type) {
    ++_stats.rx_malformed;
    return std::nullopt;
  }
  if (!p->giaddr().is_any()) {
    ++_stats.rx_relayed;
    return std::nullopt;
  }
  request r{*type, p->xid(), p->flags(), p->ciaddr(), p->chaddr(), std::nullopt, std::nullopt};
  if (r.mac.is_zero() || r.mac.is_multicast()) {
    ++_stats.rx_ignored;
    return std::nullopt;
  }
  bool malformed = false;
  p->for_each([&](const dhcpv4_packet::option& o) {
    if (o.code != opt::requested_address && o.code != opt::server_id) return true;
    if (o.value.size() != 4) {
      malformed = true;
      return false;
    }
    (o.code == opt::requested_address ? r.requested : r.server) = ipv4_addr(o.value.be32(0));
    return true;
  });
  if (malformed) {
    ++_stats.rx_malformed;
    return std::nullopt;
  }
  switch (r.type) {
    case dhcp_message_type::discover: ++_stats.rx_discover; return on_discover(r, now);
    case dhcp_message_type::request: ++_stats.rx_request; return on_request(r, now);
    case dhcp_message_type::decline: ++_stats.rx_decline; on_decline(r, now); return std::nullopt;
    case dhcp_message_type::release: ++_stats.rx_release; on_release(r); return std::nullopt;
    case dhcp_message_type::inform: ++_stats.rx_inform; return on_inform(r);
    default: ++_stats.rx_ignored; return std::nullopt;
  }
}

dhcpv4_server::binding* dhcpv4_server::find_client(const mac_addr& mac) {
  for (binding& b : _bindings)
    if (b.mac == mac) return &b;
  return nullptr;
}

dhcpv4_server::binding* dhcpv4_server::find_address(ipv4_addr a) {
  for (binding& b : _bindings)
    if (b.address == a) return &b;
  return nullptr;
}

const dhcpv4_static_lease* dhcpv4_server::static_for(const mac_addr& mac) const {
  for (const dhcpv4_static_lease& s : _cfg.static_leases)
    if (s.mac == mac) return &s;
  return nullptr;
}

bool dhcpv4_server::reserved_for_other(ipv4_addr a, const mac_addr& mac) const {
  for (const dhcpv4_static_lease& s : _cfg.static_leases)
    if (s.address == a) return s.mac != mac;
  return false;
}

bool dhcpv4_server::in_pool(ipv4_addr a) const {
  return a.value >= _cfg.pool_first.value && a.value <= _cfg.pool_last.value;
}

namespace {
bool is_free(const dhcpv4_server::binding& b, mono_time now) {
  return b.state == dhcpv4_server::binding_state::released || b.until <= now;
}
}  // namespace

// `a` may be given to `mac` now: a host address of the subnet other than
// ours, of the pool or `mac`'s static lease, held by nobody else.
bool dhcpv4_server::assignable(ipv4_addr a, const mac_addr& mac, mono_time now) {
  const ipv4_prefix& net = _cfg.address;
  if (!net.contains(a) || a == net.address || a == net.network() || a == net.broadcast()) return false;
  if (reserved_for_other(a, mac)) return false;
  const dhcpv4_static_lease* mine = static_for(mac);
  if (!in_pool(a) && !(mine && mine->address == a)) return false;
  const binding* held = find_address(a);
  if (!held) return true;
  if (held->state == binding_state::declined) return held->until <= now;
  return held->mac == mac || is_free(*held, now);
}

std::optional<ipv4_addr> dhcpv4_server::choose(const request& r, mono_time now) {
  if (const dhcpv4_static_lease* s = static_for(r.mac); s && assignable(s->address, r.mac, now))
    return s->address;
  if (const binding* b = find_client(r.mac); b && assignable(b->address, r.mac, now)) return b->address;
  if (r.requested && assignable(*r.requested, r.mac, now)) return *r.requested;
  // Held or reserved addresses past the cursor number at most the table
  // and the static leases, so this scan is bounded by them.
  for (std::uint32_t v = _next_fresh; v <= _cfg.pool_last.value; ++v)
    if (assignable(ipv4_addr(v), r.mac, now)) return ipv4_addr(v);
  // The pool is used up once: the address free the longest.
  const binding* oldest = nullptr;
  for (const binding& b : _bindings) {
    if (!in_pool(b.address) || !is_free(b, now)) continue;
    if (!assignable(b.address, r.mac, now)) continue;
    if (!oldest || b.until < oldest->until) oldest = &b;
  }
  if (oldest) return oldest->address;
  return std::nullopt;
}

// Makes `a` the client's one binding, reusing its entry, the free entry
// holding `a`, a new entry, or the oldest free entry; nullptr when the
// table is full of live bindings.
dhcpv4_server::binding* dhcpv4_server::claim(const mac_addr& mac, ipv4_addr a, mono_time now) {
  auto index_of = [&](const binding* b) { return static_cast<std::size_t>(b - _bindings.data()); };
  binding* mine = find_client(mac);
  binding* at = find_address(a);
  if (mine && at && mine != at) {
    const std::size_t keep = index_of(mine);
    const std::size_t drop = index_of(at);
    _bindings.erase(_bindings.begin() + static_cast<std::ptrdiff_t>(drop));
    mine = &_bindings[keep > drop ? keep - 1 : keep];
  }
  if (!mine) mine = at;
  if (!mine) {
    if (_bindings.size() < _cfg.max_bindings) {
      mine = &_bindings.emplace_back();
    } else {
      for (binding& b : _bindings)
        if (is_free(b, now) && (!mine || b.until < mine->until)) mine = &b;
      if (!mine) return nullptr;
      // The evicted address is unheld again: fresh for the cursor.
      if (in_pool(mine->address) && mine->address.value < _next_fresh) _next_fresh = mine->address.value;
    }
  }
  mine->mac = mac;
  mine->address = a;
  advance_fresh();
  return mine;
}

// Keeps the cursor's promise: every pool address below it is held by a
// binding or reserved by a static lease.
void dhcpv4_server::advance_fresh() {
  while (_next_fresh <= _cfg.pool_last.value &&
         (find_address(ipv4_addr(_next_fresh)) || reserved_for_other(ipv4_addr(_next_fresh), mac_addr{})))
    ++_next_fresh;
}

void dhcpv4_server::bind(binding& b, mono_time now) {
  b.state = binding_state::bound;
  b.until = _cfg.lease_time == duration::max() ? mono_never : saturating_add(now, _cfg.lease_time);
  _changed = true;
}

std::optional<dhcpv4_server::reply> dhcpv4_server::on_discover(const request& r, mono_time now) {
  auto a = choose(r, now);
  binding* b = a ? claim(r.mac, *a, now) : nullptr;
  if (!b) {
    ++_stats.pool_exhausted;
    return std::nullopt;
  }
  // A live lease stays bound (the client rebooted and lost it); anything
  // else is held for the client while it decides.
  if (!(b->state == binding_state::bound && b->until > now)) {
    b->state = binding_state::offered;
    b->until = saturating_add(now, _cfg.offer_hold);
  }
  ++_stats.tx_offer;
  return emit(r, dhcp_message_type::offer, *a, true);
}

std::optional<dhcpv4_server::reply> dhcpv4_server::on_request(const request& r, mono_time now) {
  if (r.server) {  // SELECTING: the client chose an offer
    binding* b = find_client(r.mac);
    if (*r.server != _cfg.address.address) {
      // Another server's: ours is free again.
      if (b && b->state == binding_state::offered) {
        b->state = binding_state::released;
        b->until = now;
      }
      ++_stats.rx_ignored;
      return std::nullopt;
    }
    const ipv4_addr wanted = r.requested ? *r.requested : r.ciaddr;
    if (!b || b->address != wanted || b->state == binding_state::declined ||
        !assignable(wanted, r.mac, now))
      return nak(r, "no offer for that address");
    bind(*b, now);
    ++_stats.tx_ack;
    return emit(r, dhcp_message_type::ack, wanted, true);
  }
  // INIT-REBOOT (option 50, no ciaddr), RENEWING or REBINDING (ciaddr).
  const ipv4_addr wanted = !r.ciaddr.is_any() ? r.ciaddr : r.requested ? *r.requested : ipv4_addr::any();
  if (wanted.is_any()) {
    ++_stats.rx_ignored;
    return std::nullopt;
  }
  if (!_cfg.address.contains(wanted)) return nak(r, "wrong network");
  const dhcpv4_static_lease* s = static_for(r.mac);
  if ((s && s->address != wanted) || !assignable(wanted, r.mac, now)) return nak(r, "address not available");
  binding* b = claim(r.mac, wanted, now);
  if (!b) return nak(r, "no room for another lease");
  bind(*b, now);
  ++_stats.tx_ack;
  return emit(r, dhcp_message_type::ack, wanted, true);
}

void dhcpv4_server::on_decline(const request& r, mono_time now) {
  if ((r.server && *r.server != _cfg.address.address) || !r.requested) {
    ++_stats.rx_ignored;
    return;
  }
  binding* b = find_client(r.mac);
  if (!b || b->address != *r.requested) {
    ++_stats.rx_ignored;
    return;
  }
  b->mac = mac_addr{};
  b->state = binding_state::declined;
  b->until = saturating_add(now, _cfg.decline_hold);
  ++_stats.declined;
  _changed = true;
}

void dhcpv4_server::on_release(const request& r) {
  binding* b = find_client(r.mac);
  if ((r.server && *r.server != _cfg.address.address) || !b || b->address != r.ciaddr ||
      b->state != binding_state::bound) {
    ++_stats.rx_ignored;
    return;
  }
  b->state = binding_state::released;
  b->until = mono_time{};
  _changed = true;
}

std::optional<dhcpv4_server::reply> dhcpv4_server::on_inform(const request& r) {
  if (r.ciaddr.is_any() || !_cfg.address.contains(r.ciaddr)) {
    ++_stats.rx_ignored;
    return std::nullopt;
  }
  ++_stats.tx_ack;
  return emit(r, dhcp_message_type::ack, ipv4_addr::any(), false);
}

dhcpv4_server::reply dhcpv4_server::emit(const request& r, dhcp_message_type type, ipv4_addr yiaddr,
                                         bool with_lease) {
  mut_bytes out(_message.data(), _message.size());
  auto w = dhcpv4_writer::reply(out, type, r.xid, r.mac);
  w.set_flags(r.flags & dhcpv4_packet::broadcast_flag);
  w.set_ciaddr(r.ciaddr);
  w.set_yiaddr(yiaddr);
  w.add_address(opt::server_id, _cfg.address.address);
  if (with_lease) {
    const duration lease = _cfg.lease_time;
    const bool infinite = lease == duration::max();
    w.add_u32(opt::lease_time, seconds_value(lease));
    w.add_u32(opt::renewal_time, seconds_value(infinite ? lease : lease / 2));
    w.add_u32(opt::rebinding_time, seconds_value(infinite ? lease : lease / 8 * 7));
  }
  w.add_address(opt::subnet_mask, _cfg.address.netmask());
  if (!_cfg.router.is_any()) w.add_address(opt::router, _cfg.router);
  if (!_cfg.dns.empty()) {
    std::array<std::byte, 4 * dhcpv4_server_config::max_dns> v{};
    mut_bytes view(v.data(), v.size());
    for (std::size_t i = 0; i < _cfg.dns.size(); ++i) view.set_be32(4 * i, _cfg.dns[i].value);
    w.add(opt::dns_servers, view.first(4 * _cfg.dns.size()));
  }
  if (!_cfg.domain.empty()) w.add(opt::domain_name, bytes::of(_cfg.domain));
  if (_cfg.mtu != 0) w.add_u16(opt::interface_mtu, _cfg.mtu);
  if (!_cfg.routes.empty()) {
    std::array<std::byte, 9 * dhcpv4_server_config::max_routes> v{};
    auto n = wire::encode_classless_routes(_cfg.routes, mut_bytes(v.data(), v.size()));
    FATA_ASSERT(n);  // validate() bounds the routes
    w.add(opt::classless_routes, bytes(v.data(), *n));
  }
  auto len = w.finish();
  FATA_ASSERT(len);  // validate() checked the worst case fits
  const bool to_client = !r.ciaddr.is_any() && type != dhcp_message_type::nak;
  return reply{{to_client ? r.ciaddr : ipv4_addr::broadcast(), wire::dhcp_client_port},
               bytes(_message.data(), *len),
               type,
               yiaddr,
               r.mac};
}

dhcpv4_server::reply dhcpv4_server::nak(const request& r, std::string_view why) {
  mut_bytes out(_message.data(), _message.size());
  auto w = dhcpv4_writer::reply(out, dhcp_message_type::nak, r.xid, r.mac);
  w.set_flags(r.flags & dhcpv4_packet::broadcast_flag);
  w.add_address(opt::server_id, _cfg.address.address);
  w.add(opt::message, bytes::of(why));
  auto len = w.finish();
  FATA_ASSERT(len);
  ++_stats.tx_nak;
  // RFC 2131 §4.3.2: a NAK is broadcast, the client may have no address.
  return reply{{ipv4_addr::broadcast(), wire::dhcp_client_port},
               bytes(_message.data(), *len),
               dhcp_message_type::nak,
               ipv4_addr::any(),
               r.mac};
}

std::string dhcpv4_server::save(mono_time now, wall_time wall) const {
  std::string out;
  for (const binding& b : _bindings) {
    if (b.state != binding_state::bound || b.until <= now) continue;
    if (b.until == mono_never) {
      out += format("{} {} infinite\n", b.mac, b.address);
      continue;
    }
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(b.until - now).count();
    const auto epoch = std::chrono::duration_cast<std::chrono::seconds>(wall.time_since_epoch()).count();
    out += format("{} {} {}\n", b.mac, b.address, epoch + left + 1);  // rounded up
  }
  return out;
}

std::size_t dhcpv4_server::load(std::string_view text, mono_time now, wall_time wall) {
  const auto epoch = std::chrono::duration_cast<std::chrono::seconds>(wall.time_since_epoch()).count();
  std::size_t restored = 0;
  while (!text.empty()) {
    const std::size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view{} : text.substr(eol + 1);
    if (line.empty()) continue;
    std::string_view fields[3];
    std::size_t n = 0;
    while (!line.empty() && n < 3) {
      const std::size_t sp = line.find(' ');
      fields[n++] = line.substr(0, sp);
      line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
    }
    auto mac = n == 3 && line.empty() ? mac_addr::parse(fields[0]) : std::nullopt;
    auto address = mac ? ipv4_addr::parse(fields[1]) : std::nullopt;
    mono_time until = mono_never;
    bool ok = address && !mac->is_zero() && !mac->is_multicast();
    if (ok && fields[2] != "infinite") {
      std::int64_t expiry = 0;
      const char* end = fields[2].data() + fields[2].size();
      auto [p, ec] = std::from_chars(fields[2].data(), end, expiry);
      ok = ec == std::errc{} && p == end && expiry >= 0;
      if (ok && expiry <= epoch) continue;  // expired while we were down
      // At most 2^31 s (68 years) ahead: more would overflow nanoseconds.
      if (ok) until = saturating_add(now, std::chrono::seconds(std::min<std::int64_t>(expiry - epoch, 1LL << 31)));
    }
    if (!ok || !assignable(*address, *mac, now) || find_client(*mac)) {
      ++_stats.db_bad_lines;
      continue;
    }
    binding* b = claim(*mac, *address, now);
    if (!b) {
      ++_stats.db_bad_lines;
      continue;
    }
    b->state = binding_state::bound;
    b->until = until;
    ++restored;
  }
  return restored;
}

void dhcpv4_server::format_stats(format_sink& out) const {
  auto line = [&](std::string_view name, std::uint64_t v) {
    if (v != 0) format_to(out, "dhcp_server.{:<16} {}\n", name, v);
  };
  line("rx_discover", _stats.rx_discover);
  line("rx_request", _stats.rx_request);
  line("rx_decline", _stats.rx_decline);
  line("rx_release", _stats.rx_release);
  line("rx_inform", _stats.rx_inform);
  line("rx_malformed", _stats.rx_malformed);
  line("rx_ignored", _stats.rx_ignored);
  line("rx_relayed", _stats.rx_relayed);
  line("tx_offer", _stats.tx_offer);
  line("tx_ack", _stats.tx_ack);
  line("tx_nak", _stats.tx_nak);
  line("pool_exhausted", _stats.pool_exhausted);
  line("declined", _stats.declined);
  line("db_bad_lines", _stats.db_bad_lines);
}

}  // namespace fata::net
