#include <fata/net/ipv6.hpp>

#include <algorithm>

#include <fata/net/wire/icmpv6.hpp>
#include <fata/net/wire/ipv6.hpp>

namespace fata::net {

using wire::icmpv6_packet;
using wire::icmpv6_repr;
using wire::ipv6_packet;
using wire::ipv6_repr;
using wire::ndp_message;
using wire::ndp_writer;
namespace icmp = wire::icmpv6_type;

namespace {
const ipv6_addr all_nodes = *ipv6_addr::parse("ff02::1");
const ipv6_addr all_routers = *ipv6_addr::parse("ff02::2");
// RFC 4861 §10: RTR_SOLICITATION_INTERVAL, MAX_RTR_SOLICITATION_DELAY.
constexpr duration solicitation_interval = std::chrono::seconds(4);
constexpr std::int64_t max_solicitation_delay_ms = 1000;
// The floor under NUD timers an advertisement sets (Linux's HZ/10).
constexpr duration min_ndp_timer = std::chrono::milliseconds(100);
constexpr duration max_reachable_time = std::chrono::hours(1);  // RFC 4861 §6.2.1
}  // namespace

ipv6_layer::ipv6_layer(ipv6_link& link, ipv6_config cfg)
    : _link(link),
      _cfg(std::move(cfg)),
      _addresses({_cfg.secret, link.mac()}),
      _neighbors(_cfg.ndp),
      _routes(_cfg.routes, link.mtu()),
      _hop_limit(_cfg.hop_limit),
      _echo(_cfg.echo_per_second, _cfg.echo_burst),
      _errors(_cfg.errors_per_second, _cfg.errors_burst) {}

void ipv6_layer::start(mono_time now) {
  _link.join(wire::multicast_mac(all_nodes));
  const ipv6_addr ll = _addresses.add_link_local(now).prefix.address;
  begin_dad(ll, now);
  if (_cfg.address) {
    if (auto a = _addresses.add_static(*_cfg.address)) begin_dad(a->prefix.address, now);
    wire::ndp_prefix_info on_link;
    on_link.prefix = *_cfg.address;
    on_link.on_link = true;
    on_link.valid_lifetime = on_link.preferred_lifetime = 0xffffffffu;
    _routes.on_prefix(on_link, now);
  }
  if (_cfg.gateway) _routes.add_configured_router(*_cfg.gateway);
}

std::optional<ipv6_addr> ipv6_layer::link_local() const {
  for (const auto& a : _addresses.addresses())
    if (a.prefix.address.is_link_local() && _addresses.usable(a.prefix.address)) return a.prefix.address;
  return std::nullopt;
}

void ipv6_layer::begin_dad(const ipv6_addr& a, mono_time now) {
  // RFC 4862 §5.4.2: join the solicited-node group first, so that another
  // host's DAD for the same address reaches us.
  _link.join(wire::multicast_mac(wire::solicited_node(a)));
  _dad.push_back({a, 0, now});
}

bool ipv6_layer::accepts(const ipv6_addr& d) const {
  if (d == all_nodes) return true;
  if (_addresses.holds(d)) return true;
  for (const auto& a : _addresses.addresses())
    if (d == wire::solicited_node(a.prefix.address)) return true;
  return false;
}

void ipv6_layer::input(bytes packet, mac_addr link_source, mono_time now) {
  ++_stats.rx_packets;
  auto p = ipv6_packet::parse(packet);
  if (!p) {
    ++_stats.rx_malformed;
    return;
  }
  if (!accepts(p->destination()) || p->source().is_multicast()) {
    ++_stats.rx_not_for_us;
    return;
  }
  auto chain = wire::walk_extension_headers(*p);
  if (!chain) {
    ++_stats.rx_bad_chain;
    const wire::ipv6_chain_problem& problem = chain.error();
    if (problem.send_icmp)
      send_parameter_problem(*p, problem.icmp_code, problem.pointer,
                             problem.what == wire::ipv6_chain_problem::kind::unknown_option && !problem.not_if_multicast,
                             now);
    return;
  }
  if (chain->fragment) {
    ++_stats.rx_fragments_dropped;
    return;
  }
  if (chain->protocol == wire::ipv6_next::none) {
    ++_stats.rx_no_next_header;
    return;
  }
  if (chain->protocol != wire::ipv6_next::icmpv6) {
    ip_input* in = _inputs[chain->protocol];
    if (!in) {
      // RFC 8200 §4: an unrecognised Next Header is Parameter Problem code
      // 1 at the byte that named it.
      ++_stats.rx_unknown_protocol;
      send_parameter_problem(*p, 1, chain->next_pointer, false, now);
      return;
    }
    // Transports talk to hosts: only to our unicast addresses, from one.
    if (p->destination().is_multicast() || p->source().is_any() || !_addresses.usable(p->destination())) {
      ++_stats.rx_not_for_us;
      return;
    }
    ++_stats.rx_delivered;
    ip_meta meta;
    meta.source = p->source();
    meta.destination = p->destination();
    meta.protocol = chain->protocol;
    meta.ttl = p->hop_limit();
    meta.tos = p->traffic_class();
    _delivering = *p;
    in->receive(meta, p->payload().skip(chain->offset), now);
    _delivering.reset();
    return;
  }
  ++_stats.rx_delivered;
  on_icmp(p->source(), p->destination(), p->hop_limit(), p->payload().skip(chain->offset), link_source, now);
}

void ipv6_layer::on_icmp(const ipv6_addr& source, const ipv6_addr& destination, std::uint8_t hop_limit,
                         bytes message, mac_addr, mono_time now) {
  auto m = icmpv6_packet::parse(message, source, destination);
  if (!m) {
    ++_stats.rx_icmp_bad_checksum;
    return;
  }
  switch (m->type()) {
    case icmp::echo_request: {
      ++_stats.rx_echo_requests;
      if (source.is_any()) return;
      // From the address asked, or our link-local for a group.
      const ipv6_addr from = destination.is_multicast() ? link_local().value_or(ipv6_addr::any()) : destination;
      if (from.is_any() || !_addresses.usable(from)) return;
      if (!_echo.take(now)) {
        ++_stats.echo_rate_limited;
        return;
      }
      const auto reply = icmpv6_repr::echo(icmp::echo_reply, m->echo_ident(), m->echo_sequence(), m->data());
      if (reply.buffer_len() > _scratch.size()) return;
      mut_bytes out(_scratch.data(), reply.buffer_len());
      reply.emit(out, from, source);
      const bytes parts[1] = {out};
      if (send_from(from, source, wire::ipv6_next::icmpv6, parts, now)) ++_stats.tx_echo_replies;
      return;
    }
    case icmp::neighbor_solicitation:
    case icmp::neighbor_advertisement: {
      auto n = ndp_message::parse(*m, hop_limit, source, destination);
      if (!n) {
        ++_stats.rx_bad_ndp;
        return;
      }
      if (m->type() == icmp::neighbor_solicitation) on_solicitation(source, destination, *n, now);
      else on_advertisement(*n, now);
      return;
    }
    case icmp::router_advertisement: {
      auto n = ndp_message::parse(*m, hop_limit, source, destination);
      if (!n) {
        ++_stats.rx_bad_ndp;
        return;
      }
      on_router_advertisement(source, *n, now);
      return;
    }
    case icmp::redirect: ++_stats.rx_redirects_ignored; return;
    default: return;  // router solicitations (for routers), MLD: not ours
  }
}

void ipv6_layer::on_solicitation(const ipv6_addr& source, const ipv6_addr&, const ndp_message& n, mono_time now) {
  ++_stats.rx_solicitations;
  const ipv6_addr target = n.target();
  const auto* mine = _addresses.find(target);
  if (!mine || !_addresses.holds(target)) return;
  if (mine->what == address_list::state::tentative) {
    // Another host's DAD for the address we are checking (RFC 4862 §5.4.3).
    if (source.is_any()) conflict(target, now);
    return;
  }
  if (!source.is_any())
    if (auto lla = n.link_address(wire::ndp_option::source_link_address))
      _neighbors.link_address_of(source, *lla, now, *this);
  // RFC 4861 §7.2.4: solicited and overriding, to the asker; to all nodes
  // for a DAD probe (its source cannot be answered).
  const bool dad = source.is_any();
  const ipv6_addr to = dad ? all_nodes : source;
  std::array<std::byte, 32> na{};
  const std::size_t len = ndp_writer::neighbor_advertisement(mut_bytes(na.data(), na.size()), target, _link.mac(),
                                                             false, !dad, true);
  ndp_writer::finish(mut_bytes(na.data(), na.size()), len, target, to);
  std::optional<mac_addr> dst;
  if (dad) dst = wire::multicast_mac(all_nodes);
  else dst = n.link_address(wire::ndp_option::source_link_address);
  if (!dst) dst = _neighbors.lookup(source, now);
  if (!dst) return;  // no way to answer without resolving; the asker will retry
  if (send_icmp(target, to, *dst, 255, bytes(na.data(), len))) ++_stats.tx_advertisements;
}

void ipv6_layer::on_advertisement(const ndp_message& n, mono_time now) {
  ++_stats.rx_advertisements;
  const ipv6_addr target = n.target();
  if (const auto* mine = _addresses.find(target)) {
    // Someone else answers for our address: during DAD it is theirs.
    if (mine->what == address_list::state::tentative) conflict(target, now);
    else ++_stats.dad_conflicts;
    return;
  }
  _neighbors.advertisement(target, n.link_address(wire::ndp_option::target_link_address), n.solicited_flag(),
                           n.override_flag(), now, *this);
}

void ipv6_layer::on_router_advertisement(const ipv6_addr& source, const ndp_message& n, mono_time now) {
  if (!_cfg.accept_router_advertisements) {
    ++_stats.rx_router_advertisements_ignored;
    return;
  }
  ++_stats.rx_router_advertisements;
  _next_solicitation = mono_never;  // a router answered (RFC 4861 §6.3.7)
  _routes.on_router(source, n.router_lifetime(), now);
  if (n.current_hop_limit() != 0) _hop_limit = n.current_hop_limit();
  if (n.reachable_time() != 0) {
    const duration t = std::chrono::milliseconds(n.reachable_time());
    _neighbors.set_reachable_time(std::clamp(t, min_ndp_timer, max_reachable_time));
  }
  if (n.retrans_timer() != 0)
    _neighbors.set_retrans_timer(std::max<duration>(std::chrono::milliseconds(n.retrans_timer()), min_ndp_timer));
  if (auto lla = n.link_address(wire::ndp_option::source_link_address)) _neighbors.link_address_of(source, *lla, now, *this);
  if (auto mtu = n.mtu_option()) _routes.on_mtu(*mtu);
  n.for_each_option([&](const ndp_message::option& o) {
    if (o.type == wire::ndp_option::prefix_information) {
      auto info = ndp_message::prefix_information(o.value);
      if (!info) return true;
      _routes.on_prefix(*info, now);
      if (_addresses.on_prefix(*info, now) == address_list::prefix_outcome::formed)
        begin_dad(_addresses.addresses().back().prefix.address, now);
    } else if (o.type == wire::ndp_option::rdnss) {
      _routes.on_dns_option(o.value, now);
    }
    return true;
  });
}

void ipv6_layer::send_parameter_problem(const ipv6_packet& offending, std::uint8_t code, std::uint32_t pointer,
                                        bool allowed_to_multicast, mono_time now) {
  if (send_error(offending, icmp::parameter_problem, code, pointer, allowed_to_multicast, now))
    ++_stats.tx_parameter_problems;
}

void ipv6_layer::port_unreachable(const ip_meta&, bytes, mono_time now) {
  if (!_delivering) return;
  if (send_error(*_delivering, icmp::destination_unreachable, wire::icmpv6_unreachable::port, 0, false, now))
    ++_stats.tx_unreachables;
}

bool ipv6_layer::send_error(const ipv6_packet& offending, std::uint8_t type, std::uint8_t code,
                            std::uint32_t parameter, bool allowed_to_multicast, mono_time now) {
  // RFC 4443 §2.4 (e): not to a source that names no single host, not
  // about a multicast packet (but for the one exception the caller says).
  const ipv6_addr to = offending.source();
  if (to.is_any() || to.is_multicast()) return false;
  if (offending.destination().is_multicast() && !allowed_to_multicast) return false;
  if (!_errors.take(now)) {
    ++_stats.errors_rate_limited;
    return false;
  }
  std::optional<ipv6_addr> from;
  if (!offending.destination().is_multicast() && _addresses.usable(offending.destination()))
    from = offending.destination();
  else from = _addresses.source_for(to);
  if (!from) return false;
  // §2.4 (c): as much of the packet as fits in the minimum MTU.
  constexpr std::size_t max_quoted = 1280 - ipv6_packet::header_len - icmpv6_packet::header_len;
  const bytes raw = offending.raw();
  const icmpv6_repr msg{type, code, parameter, raw.sub(0, std::min(raw.size(), max_quoted))};
  mut_bytes out(_scratch.data(), msg.buffer_len());
  msg.emit(out, *from, to);
  const bytes parts[1] = {out};
  return bool(send_from(*from, to, wire::ipv6_next::icmpv6, parts, now));
}

std::optional<ipv6_addr> ipv6_layer::source_for(const ipv6_addr& destination) const {
  return _addresses.source_for(destination);
}

std::size_t ipv6_layer::mtu_for(const ipv6_addr&) const { return _routes.mtu() - ipv6_packet::header_len; }

void ipv6_layer::send_router_solicitation() {
  // RFC 4861 §6.3.7: from the link-local address, with our link address.
  auto source = link_local();
  if (!source) return;
  std::array<std::byte, 16> rs{};
  const std::size_t len = ndp_writer::router_solicitation(mut_bytes(rs.data(), rs.size()), _link.mac());
  ndp_writer::finish(mut_bytes(rs.data(), rs.size()), len, *source, all_routers);
  if (send_icmp(*source, all_routers, wire::multicast_mac(all_routers), 255, bytes(rs.data(), len)))
    ++_stats.tx_router_solicitations;
}

std::optional<ipv6_addr> ipv6_layer::next_hop(const ipv6_addr& destination, mono_time) {
  if (_routes.on_link(destination)) return destination;
  return _routes.default_router([&](const ipv6_addr& router) {
    const auto s = _neighbors.state_of(router);
    return s && *s != neighbor_cache::state::incomplete && *s != neighbor_cache::state::failed;
  });
}

void ipv6_layer::conflict(const ipv6_addr& a, mono_time now) {
  ++_stats.dad_conflicts;
  std::erase_if(_dad, [&](const dad_run& d) { return d.address == a; });
  if (auto next = _addresses.dad_failed(a)) begin_dad(*next, now);
}

result<void, ip_error> ipv6_layer::send_icmp(const ipv6_addr& source, const ipv6_addr& destination, mac_addr to,
                                             std::uint8_t hop_limit, bytes icmp_message) {
  std::array<std::byte, ipv6_packet::header_len> header{};
  ipv6_repr h;
  h.source = source;
  h.destination = destination;
  h.next_header = wire::ipv6_next::icmpv6;
  h.hop_limit = hop_limit;
  h.payload_len = icmp_message.size();
  h.emit(mut_bytes(header.data(), header.size()));
  const bytes parts[2] = {bytes(header.data(), header.size()), icmp_message};
  auto r = _link.transmit_ipv6(to, parts);
  if (r) ++_stats.tx_packets;
  else ++_stats.tx_failed;
  return r;
}

result<void, ip_error> ipv6_layer::send(const ipv6_addr& destination, std::uint8_t next_header,
                                        std::span<const bytes> parts, mono_time now) {
  auto source = _addresses.source_for(destination);
  if (!source) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  return send_from(*source, destination, next_header, parts, now);
}

result<void, ip_error> ipv6_layer::send_from(const ipv6_addr& source, const ipv6_addr& destination,
                                             std::uint8_t next_header, std::span<const bytes> parts, mono_time now) {
  // Multicast beyond the link would need MLD and a multicast router.
  if (destination.is_multicast() && (destination.octets[1] & 0x0f) > 2) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  std::optional<ipv6_addr> hop = destination;
  if (!destination.is_multicast()) hop = next_hop(destination, now);
  if (!hop) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  std::size_t payload = 0;
  for (bytes b : parts) payload += b.size();
  if (ipv6_packet::header_len + payload > _routes.mtu()) {
    ++_stats.tx_failed;
    return unexpected(ip_error::too_big);  // fragmentation: not yet
  }
  std::array<std::byte, ipv6_packet::header_len> header{};
  ipv6_repr h;
  h.source = source;
  h.destination = destination;
  h.next_header = next_header;
  h.hop_limit = destination.is_multicast() ? 1 : _hop_limit;
  h.payload_len = payload;
  h.emit(mut_bytes(header.data(), header.size()));
  std::array<bytes, 33> all{};  // UDP's 31 parts and its header
  if (parts.size() + 1 > all.size()) return unexpected(ip_error::too_big);
  all[0] = bytes(header.data(), header.size());
  std::copy(parts.begin(), parts.end(), all.begin() + 1);
  const std::span<const bytes> packet(all.data(), parts.size() + 1);
  if (destination.is_multicast()) {
    auto r = _link.transmit_ipv6(wire::multicast_mac(destination), packet);
    if (r) ++_stats.tx_packets;
    return r;
  }
  if (auto mac = _neighbors.lookup(*hop, now)) {
    auto r = _link.transmit_ipv6(*mac, packet);
    if (r) ++_stats.tx_packets;
    else ++_stats.tx_failed;
    return r;
  }
  return _neighbors.enqueue(*hop, packet, now, *this);
}

void ipv6_layer::send_solicitation(const ipv6_addr& target, std::optional<mac_addr> to) {
  auto source = _addresses.source_for(target);
  if (!source) return;  // nothing usable to ask from yet
  std::array<std::byte, 32> ns{};
  const std::size_t len = ndp_writer::neighbor_solicitation(mut_bytes(ns.data(), ns.size()), target, _link.mac());
  const ipv6_addr destination = to ? target : wire::solicited_node(target);
  ndp_writer::finish(mut_bytes(ns.data(), ns.size()), len, *source, destination);
  const mac_addr mac = to ? *to : wire::multicast_mac(destination);
  if (send_icmp(*source, destination, mac, 255, bytes(ns.data(), len))) ++_stats.tx_solicitations;
}

void ipv6_layer::send_resolved(mac_addr destination, bytes packet) {
  const bytes parts[1] = {packet};
  if (_link.transmit_ipv6(destination, parts)) ++_stats.tx_packets;
  else ++_stats.tx_failed;
}

void ipv6_layer::poll(mono_time now) {
  _neighbors.poll(now, *this);
  _addresses.poll(now);
  _routes.poll(now);
  if (now >= _next_solicitation) {
    send_router_solicitation();
    ++_solicitations_sent;
    _next_solicitation =
        _solicitations_sent < _cfg.router_solicitations ? saturating_add(now, solicitation_interval) : mono_never;
  }
  for (std::size_t i = 0; i < _dad.size();) {
    dad_run& d = _dad[i];
    if (now < d.next) {
      ++i;
      continue;
    }
    if (d.sent < _cfg.dad_transmits) {
      // RFC 4862 §5.4.2: from the unspecified address to the
      // solicited-node group, without a link-layer address.
      std::array<std::byte, 24> ns{};
      const ipv6_addr group = wire::solicited_node(d.address);
      const std::size_t len = ndp_writer::neighbor_solicitation(mut_bytes(ns.data(), ns.size()), d.address, std::nullopt);
      ndp_writer::finish(mut_bytes(ns.data(), ns.size()), len, ipv6_addr::any(), group);
      if (send_icmp(ipv6_addr::any(), group, wire::multicast_mac(group), 255, bytes(ns.data(), len)))
        ++_stats.tx_solicitations;
      ++d.sent;
      d.next = saturating_add(now, _cfg.ndp.retrans_timer);
      ++i;
      continue;
    }
    _addresses.dad_succeeded(d.address, now);
    if (d.address.is_link_local() && _cfg.accept_router_advertisements && _cfg.router_solicitations > 0 &&
        _solicitations_sent == 0) {
      // RFC 4861 §6.3.7: after a random delay of up to a second, so that
      // hosts booting together do not all solicit at once.
      const auto delay = static_cast<std::int64_t>(_cfg.ndp.seed % max_solicitation_delay_ms);
      _next_solicitation = saturating_add(now, std::chrono::milliseconds(delay));
    }
    _dad.erase(_dad.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

mono_time ipv6_layer::poll_at() const {
  mono_time at = std::min({_neighbors.poll_at(), _addresses.poll_at(), _routes.poll_at(), _next_solicitation});
  for (const dad_run& d : _dad) at = std::min(at, d.next);
  return at;
}

}  // namespace fata::net
