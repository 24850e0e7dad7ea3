#include <fata/net/dhcpv4_client.hpp>

#include <algorithm>

#include <fata/core/assert.hpp>

namespace fata::net {

using wire::dhcp_message_type;
using wire::dhcpv4_packet;
using wire::dhcpv4_writer;
namespace opt = wire::dhcp_option;

std::string_view describe(dhcpv4_client::state s) noexcept {
  switch (s) {
    case dhcpv4_client::state::stopped: return "stopped";
    case dhcpv4_client::state::init: return "init";
    case dhcpv4_client::state::selecting: return "selecting";
    case dhcpv4_client::state::requesting: return "requesting";
    case dhcpv4_client::state::probing: return "probing";
    case dhcpv4_client::state::bound: return "bound";
    case dhcpv4_client::state::renewing: return "renewing";
    case dhcpv4_client::state::rebinding: return "rebinding";
  }
  return "?";
}

namespace {

// An address a server may hand out: a unicast host address.
bool usable(ipv4_addr a) {
  return !a.is_any() && !a.is_broadcast() && !a.is_multicast() && !a.is_loopback() &&
         a.octet(0) != 0 && a.octet(0) < 240;
}

// The prefix length of a contiguous netmask.
std::optional<std::uint8_t> mask_length(std::uint32_t mask) {
  const std::uint32_t inverted = ~mask;
  if ((inverted & (inverted + 1)) != 0) return std::nullopt;  // holes
  std::uint8_t n = 0;
  while (n < 32 && (mask & (0x80000000u >> n))) ++n;
  return n;
}

// RFC 950's classful default, for a server that sends no subnet mask.
std::uint8_t classful_length(ipv4_addr a) {
  if (a.octet(0) < 128) return 8;
  if (a.octet(0) < 192) return 16;
  return 24;
}

duration seconds_option(std::uint32_t v) {
  if (v == 0xffffffffu) return duration::max();  // RFC 2132 §9.2: infinite
  return std::chrono::seconds(v);
}

}  // namespace

// A reply that passed the checks: its type and decoded options.
struct dhcpv4_client::reply {
  dhcp_message_type type;
  ipv4_addr yiaddr;
  std::optional<ipv4_addr> server;
  dhcpv4_lease lease;  // address, options and times (start unset)
  bool has_lease_time = false;
};

dhcpv4_client::dhcpv4_client(dhcpv4_client_config cfg) : _cfg(std::move(cfg)), _rng(_cfg.seed) {}

duration dhcpv4_client::uniform(duration low, duration high) {
  if (high <= low) return low;
  const auto span = static_cast<std::uint64_t>((high - low).count());
  return low + duration(static_cast<std::int64_t>(_rng.below(span + 1)));
}

duration dhcpv4_client::jitter(duration base) {
  return std::max(duration::zero(), base + uniform(-duration(1s), duration(1s)));
}

duration dhcpv4_client::retry_delay(unsigned attempt) {
  duration d = _cfg.retry_initial;
  for (unsigned i = 0; i < attempt && d < _cfg.retry_max; ++i) d *= 2;
  return jitter(std::min(d, _cfg.retry_max));
}

std::uint16_t dhcpv4_client::secs(mono_time now) const {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(now - _began).count();
  return static_cast<std::uint16_t>(std::clamp<std::int64_t>(s, 0, 0xffff));
}

void dhcpv4_client::start(mono_time now, dhcpv4_client_sink& out) {
  _nak_backoff = duration::zero();
  begin_selecting(now, out);
}

void dhcpv4_client::begin_selecting(mono_time now, dhcpv4_client_sink& out) {
  _state = state::selecting;
  _xid = static_cast<std::uint32_t>(_rng.next());
  _began = now;
  _attempt = 0;
  _offered = ipv4_addr::any();
  _server = ipv4_addr::any();
  _pending.reset();
  send_discover(now, out);
}

void dhcpv4_client::add_client_id(dhcpv4_writer& w) const {
  // Hardware type 1 and the MAC (what Linux's clients send, so a server
  // keys the lease the same way after a reboot).
  std::array<std::byte, 7> id{};
  id[0] = std::byte{1};
  for (std::size_t i = 0; i < 6; ++i) id[i + 1] = std::byte{_cfg.mac.octets[i]};
  w.add(opt::client_id, bytes(id.data(), id.size()));
}

void dhcpv4_client::add_client_options(dhcpv4_writer& w) const {
  add_client_id(w);
  static constexpr std::array<std::byte, 10> wanted = {
      std::byte{opt::subnet_mask},   std::byte{opt::router},
      std::byte{opt::dns_servers},   std::byte{opt::domain_name},
      std::byte{opt::interface_mtu}, std::byte{opt::broadcast_address},
      std::byte{opt::lease_time},    std::byte{opt::renewal_time},
      std::byte{opt::rebinding_time}, std::byte{opt::classless_routes}};
  w.add(opt::parameter_list, bytes(wanted.data(), wanted.size()));
  w.add_u16(opt::max_message_size, std::max<std::uint16_t>(_cfg.max_message_size, 576));
  if (!_cfg.host_name.empty() && _cfg.host_name.size() <= 255)
    w.add(opt::host_name, bytes::of(_cfg.host_name));
}

void dhcpv4_client::send_discover(mono_time now, dhcpv4_client_sink& out) {
  dhcpv4_writer w(mut_bytes(_message.data(), _message.size()), dhcp_message_type::discover, _xid,
                  _cfg.mac);
  w.set_secs(secs(now));
  // Until configured the stack takes only broadcasts: ask for them.
  w.set_flags(dhcpv4_packet::broadcast_flag);
  add_client_options(w);
  auto len = w.finish();
  FATA_ASSERT(len.has_value());
  ++_stats.tx_discover;
  out.send_dhcp(ipv4_addr::broadcast(), bytes(_message.data(), *len));
  _next = saturating_add(now, retry_delay(_attempt++));
}

void dhcpv4_client::send_request(mono_time now, dhcpv4_client_sink& out) {
  dhcpv4_writer w(mut_bytes(_message.data(), _message.size()), dhcp_message_type::request, _xid,
                  _cfg.mac);
  w.set_secs(secs(now));
  ipv4_addr to = ipv4_addr::broadcast();
  if (_state == state::requesting) {
    // §4.3.2 SELECTING: requested address and server identifier, no ciaddr.
    w.set_flags(dhcpv4_packet::broadcast_flag);
    w.add_address(opt::requested_address, _offered);
    w.add_address(opt::server_id, _server);
  } else {
    // RENEWING (unicast to the server) and REBINDING (broadcast): ciaddr,
    // neither option.
    w.set_ciaddr(_lease->address.address);
    if (_state == state::renewing) to = _lease->server;
  }
  add_client_options(w);
  auto len = w.finish();
  FATA_ASSERT(len.has_value());
  ++_stats.tx_request;
  if (_attempt == 0) _request_sent = now;
  out.send_dhcp(to, bytes(_message.data(), *len));
}

void dhcpv4_client::send_decline(dhcpv4_client_sink& out) {
  dhcpv4_writer w(mut_bytes(_message.data(), _message.size()), dhcp_message_type::decline, _xid,
                  _cfg.mac);
  w.add_address(opt::requested_address, _offered);
  w.add_address(opt::server_id, _server);
  add_client_id(w);
  auto len = w.finish();
  FATA_ASSERT(len.has_value());
  ++_stats.tx_decline;
  out.send_dhcp(ipv4_addr::broadcast(), bytes(_message.data(), *len));
}

void dhcpv4_client::input(bytes message, mono_time now, dhcpv4_client_sink& out) {
  auto p = dhcpv4_packet::parse(message);
  if (!p) {
    ++_stats.rx_malformed;
    return;
  }
  if (p->op() != dhcpv4_packet::op_reply || p->xid() != _xid || p->chaddr() != _cfg.mac ||
      _state == state::stopped || _state == state::init || _state == state::probing ||
      _state == state::bound) {
    ++_stats.rx_ignored;
    return;
  }
  auto type = p->message_type();
  if (!type) {
    ++_stats.rx_malformed;
    return;
  }
  reply r;
  r.type = *type;
  r.yiaddr = p->yiaddr();
  // Decode the options we use; a wrong size is a malformed message.
  bool malformed = false;
  std::optional<std::uint32_t> mask;
  std::optional<bytes> routers;
  p->for_each([&](const dhcpv4_packet::option& o) {
    const bytes v = o.value;
    auto need = [&](bool ok) {
      if (!ok) malformed = true;
      return ok;
    };
    switch (o.code) {
      case opt::server_id:
        if (need(v.size() == 4)) r.server = ipv4_addr(v.be32(0));
        break;
      case opt::lease_time:
        if (need(v.size() == 4)) {
          r.lease.lease_time = seconds_option(v.be32(0));
          r.has_lease_time = true;
        }
        break;
      case opt::renewal_time:
        if (need(v.size() == 4)) r.lease.renew_after = seconds_option(v.be32(0));
        break;
      case opt::rebinding_time:
        if (need(v.size() == 4)) r.lease.rebind_after = seconds_option(v.be32(0));
        break;
      case opt::subnet_mask:
        if (need(v.size() == 4)) mask = v.be32(0);
        break;
      case opt::router:
        if (need(v.size() >= 4 && v.size() % 4 == 0)) routers = v;
        break;
      case opt::dns_servers:
        if (need(v.size() >= 4 && v.size() % 4 == 0))
          for (std::size_t i = 0; i + 4 <= v.size() && r.lease.dns_count < dhcpv4_lease::max_dns; i += 4)
            r.lease.dns[r.lease.dns_count++] = ipv4_addr(v.be32(i));
        break;
      case opt::interface_mtu:
        if (need(v.size() == 2)) r.lease.mtu = v.be16(0);
        break;
      case opt::domain_name:
        r.lease.domain.assign(v.chars());
        // Some servers count a trailing NUL (RFC 2132 §2 says not to).
        while (!r.lease.domain.empty() && r.lease.domain.back() == '\0') r.lease.domain.pop_back();
        break;
      default: break;
    }
    return !malformed;
  });
  if (malformed) {
    ++_stats.rx_malformed;
    return;
  }
  // Option 121, possibly split over several instances (RFC 3396).
  std::array<std::byte, 1024> scratch;
  if (auto routes = p->find_long(opt::classless_routes, mut_bytes(scratch.data(), scratch.size()))) {
    auto n = wire::parse_classless_routes(*routes, std::span<ipv4_route>(r.lease.routes));
    if (n) {
      r.lease.route_count = *n;
    } else {
      ++_stats.bad_routes;
    }
  }
  if (r.lease.route_count > 0) {
    for (std::size_t i = 0; i < r.lease.route_count; ++i)
      if (r.lease.routes[i].destination.length == 0) r.lease.gateway = r.lease.routes[i].router;
  } else if (routers) {
    r.lease.gateway = ipv4_addr(routers->be32(0));
  }
  std::uint8_t length = classful_length(r.yiaddr);
  if (mask) {
    auto l = mask_length(*mask);
    if (!l) {
      ++_stats.rx_malformed;
      return;
    }
    length = *l;
  }
  r.lease.address = ipv4_prefix{r.yiaddr, length};
  r.lease.server = r.server.value_or(_server);

  switch (r.type) {
    case dhcp_message_type::offer: on_offer(r, now, out); break;
    case dhcp_message_type::ack: on_ack(r, now, out); break;
    case dhcp_message_type::nak:
      // Only the server we asked may refuse us (a NAK carries option 54).
      // (REBINDING asked every server: any of them may.)
      if (_state == state::selecting ||
          (_state != state::rebinding && r.server && *r.server != _server && !_server.is_any())) {
        ++_stats.rx_ignored;
        return;
      }
      ++_stats.rx_nak;
      on_nak(now, out);
      break;
    default: ++_stats.rx_ignored; break;
  }
}

void dhcpv4_client::on_offer(const reply& r, mono_time now, dhcpv4_client_sink& out) {
  if (_state != state::selecting || !usable(r.yiaddr) || !r.server || !usable(*r.server) ||
      !r.has_lease_time) {
    ++_stats.rx_ignored;
    return;
  }
  ++_stats.rx_offer;
  // The first acceptable offer wins (what Linux's clients do by default).
  _offered = r.yiaddr;
  _server = *r.server;
  _state = state::requesting;
  _attempt = 0;
  send_request(now, out);
  _next = saturating_add(now, retry_delay(_attempt++));
}

void dhcpv4_client::on_ack(const reply& r, mono_time now, dhcpv4_client_sink& out) {
  if (_state == state::selecting || !usable(r.yiaddr) || !r.has_lease_time ||
      (r.server && !_server.is_any() && *r.server != _server && _state != state::rebinding)) {
    ++_stats.rx_ignored;
    return;
  }
  if (_state == state::requesting && r.yiaddr != _offered) {
    ++_stats.rx_ignored;
    return;
  }
  ++_stats.rx_ack;
  dhcpv4_lease lease = r.lease;
  lease.start = _request_sent;
  lease.lease_time = std::max(lease.lease_time, _cfg.min_lease);
  // RFC 2131 §4.4.5 defaults, and T1 <= T2 <= lease whatever was sent.
  const bool infinite = lease.lease_time == duration::max();
  if (lease.rebind_after <= duration::zero() || lease.rebind_after > lease.lease_time)
    lease.rebind_after = infinite ? duration::max() : lease.lease_time / 8 * 7;
  if (lease.renew_after <= duration::zero() || lease.renew_after > lease.rebind_after)
    lease.renew_after = lease.rebind_after == duration::max()
                            ? duration::max()
                            : std::min(lease.lease_time / 2, lease.rebind_after);
  if (_state == state::requesting) {
    _pending = lease;
    _state = state::probing;
    _probes_sent = 0;
    if (_cfg.probes == 0) {
      bind(now, out);
      return;
    }
    _next = saturating_add(now, uniform(duration::zero(), _cfg.probe_wait));
    return;
  }
  // RENEWING or REBINDING: the same address for longer, or a new one.
  ++_stats.renewals;
  _server = lease.server;
  if (_lease && _lease->address.address != lease.address.address) out.lease_lost();
  _pending = lease;
  bind(now, out);
}

void dhcpv4_client::on_nak(mono_time now, dhcpv4_client_sink& out) {
  _nak_backoff = _nak_backoff == duration::zero() ? duration(1s) : std::min(_nak_backoff * 2, _cfg.retry_max);
  lose(now, out, _nak_backoff);
}

void dhcpv4_client::bind(mono_time now, dhcpv4_client_sink& out) {
  const bool renewal = _state == state::renewing || _state == state::rebinding;
  if (!renewal || !_lease || _lease->address.address != _pending->address.address) ++_stats.leases;
  _lease = std::move(_pending);
  _pending.reset();
  _state = state::bound;
  _attempt = 0;
  _nak_backoff = duration::zero();
  out.lease_bound(*_lease);
  // A server's times may already have passed (a slow exchange); poll()
  // then moves on at once.
  _next = std::max(now, _lease->renew_at());
}

void dhcpv4_client::lose(mono_time now, dhcpv4_client_sink& out, duration restart_after) {
  if (_lease) {
    _lease.reset();
    out.lease_lost();
  }
  _pending.reset();
  _offered = ipv4_addr::any();
  _server = ipv4_addr::any();
  _state = state::init;
  _next = saturating_add(now, restart_after);
}

void dhcpv4_client::address_conflict(ipv4_addr address, mono_time now, dhcpv4_client_sink& out) {
  if (_state != state::probing || address != _offered) return;
  ++_stats.conflicts;
  send_decline(out);
  lose(now, out, _cfg.decline_wait);
}

void dhcpv4_client::arm_renewal_retry(mono_time now, mono_time until) {
  // §4.4.5: half the time left, but at least 60 s; never past `until`.
  // A lease of under ten minutes has a tenth of itself as the floor, or a
  // 60 s floor would leave it one attempt in each state.
  const duration left = until - now;
  duration floor = 60s;
  if (_lease && _lease->lease_time < 600s) floor = std::max(duration(1s), _lease->lease_time / 10);
  const duration wait = std::max(left / 2, std::min(floor, left));
  _next = std::min(saturating_add(now, wait), until);
}

void dhcpv4_client::poll(mono_time now, dhcpv4_client_sink& out) {
  if (now < _next) return;
  switch (_state) {
    case state::stopped: _next = mono_never; return;
    case state::init: begin_selecting(now, out); return;
    case state::selecting: send_discover(now, out); return;
    case state::requesting:
      if (_attempt >= _cfg.request_attempts) {
        begin_selecting(now, out);
        return;
      }
      send_request(now, out);
      _next = saturating_add(now, retry_delay(_attempt++));
      return;
    case state::probing:
      if (_probes_sent < _cfg.probes) {
        ++_probes_sent;
        ++_stats.tx_probes;
        out.send_probe(_offered);
        _next = saturating_add(now, _probes_sent < _cfg.probes
                                        ? uniform(_cfg.probe_min, _cfg.probe_max)
                                        : _cfg.announce_wait);
        return;
      }
      bind(now, out);
      return;
    case state::bound:
    case state::renewing:
    case state::rebinding: {
      if (now >= _lease->expires_at()) {
        ++_stats.expiries;
        lose(now, out, duration::zero());
        begin_selecting(now, out);
        return;
      }
      if (now >= _lease->rebind_at() && _state != state::rebinding) {
        _state = state::rebinding;
        _attempt = 0;
      } else if (_state == state::bound) {
        _state = state::renewing;
        _attempt = 0;
        _xid = static_cast<std::uint32_t>(_rng.next());
        _began = now;
      }
      send_request(now, out);
      ++_attempt;
      arm_renewal_retry(now, _state == state::renewing ? _lease->rebind_at() : _lease->expires_at());
      return;
    }
  }
}

void dhcpv4_client::release(mono_time now, dhcpv4_client_sink& out) {
  if (_lease) {
    dhcpv4_writer w(mut_bytes(_message.data(), _message.size()), dhcp_message_type::release,
                    static_cast<std::uint32_t>(_rng.next()), _cfg.mac);
    w.set_ciaddr(_lease->address.address);
    w.add_address(opt::server_id, _lease->server);
    auto len = w.finish();
    FATA_ASSERT(len.has_value());
    ++_stats.tx_release;
    out.send_dhcp(_lease->server, bytes(_message.data(), *len));
  }
  lose(now, out, duration::zero());
  _state = state::stopped;
  _next = mono_never;
}

}  // namespace fata::net
