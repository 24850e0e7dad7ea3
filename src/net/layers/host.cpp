#include <fata/net/host.hpp>

#include <algorithm>

#include <fata/core/log.hpp>

namespace fata::net {

host::host(mac_addr mac, std::size_t mtu, frame_sink& out, clock_ref clock, host_config cfg)
    : _link(mac, mtu, out, clock, cfg.arp), _ip(_link, cfg.ip), _icmp(_ip, cfg.icmp),
      _udp(_output, &_errors, cfg.udp), _clock(clock) {
  if (cfg.dhcp) {
    cfg.dhcp_client.mac = mac;
    cfg.dhcp_client.max_message_size = static_cast<std::uint16_t>(std::min<std::size_t>(mtu, 0xffff));
    _dhcp.emplace(std::move(cfg.dhcp_client));
    // Whatever address the configuration named, DHCP decides.
    _ip.configure(ipv4_prefix{ipv4_addr::any(), 0}, ipv4_addr::any(), {});
  }
  if (cfg.ipv6) {
    _ip6.emplace(_link, std::move(cfg.ipv6_cfg));
    _link.on_ipv6 = [](void* self, bytes packet, mac_addr source, mono_time now) {
      auto* h = static_cast<host*>(self);
      // Addresses and routers change on input only through neighbour
      // solicitations and advertisements (a DAD conflict) and router
      // advertisements: look for changes after those, not after every
      // data packet.
      const auto ndp_seen = [](const ipv6_stats& s) {
        return s.rx_solicitations + s.rx_advertisements + s.rx_router_advertisements;
      };
      const std::uint64_t before = ndp_seen(h->_ip6->stats());
      h->_ip6->input(packet, source, now);
      if (ndp_seen(h->_ip6->stats()) != before) h->log_ipv6_changes();
    };
    _link.ipv6_context = this;
  }
}

void host::start() {
  _ip.attach(ip_protocol::icmp, &_icmp);
  attach(ip_protocol::udp, &_udp);
  _link.set_address(_ip.address());
  if (_ip6) _ip6->start(_clock());
  if (!_dhcp) return;
  auto port = _udp.bind(wire::dhcp_client_port);
  if (!port) return;  // a fresh host has every port free
  _dhcp_port = *port;
  _dhcp_port->on_ready = [](void* self) { static_cast<host*>(self)->dhcp_input(); };
  _dhcp_port->ready_context = this;
  _link.arp().on_claim = [](void* self, ipv4_addr a) {
    auto* h = static_cast<host*>(self);
    h->_dhcp->address_conflict(a, h->_clock(), *h);
  };
  _link.arp().claim_context = this;
  _dhcp->start(_clock(), *this);
}

void host::stop() {
  if (!_dhcp) return;
  _releasing = true;
  _dhcp->release(_clock(), *this);
  _releasing = false;
}

void host::dhcp_input() {
  const mono_time now = _clock();
  while (auto d = _dhcp_port->pop())
    // Only what a server sends from its port (RFC 2131 §4.1).
    if (d->source.number == wire::dhcp_server_port) _dhcp->input(d->data.view().as_const(), now, *this);
}

void host::send_dhcp(ipv4_addr destination, bytes message) {
  const bytes parts[1] = {message};
  (void)_udp.send(wire::dhcp_client_port, sig::ipv4_endpoint{destination, wire::dhcp_server_port},
                  parts);
  // A lost message is retransmitted by the client's timers.
}

void host::send_probe(ipv4_addr candidate) {
  _link.arp().watch(candidate);
  _link.probe(candidate);
}

namespace {
log::source dhcp_log{"net.dhcp", "The DHCP client's leases"};
std::int64_t seconds(duration d) {
  return d == duration::max() ? -1 : std::chrono::duration_cast<std::chrono::seconds>(d).count();
}
}  // namespace

void host::lease_bound(const dhcpv4_lease& lease) {
  _link.arp().watch(ipv4_addr::any());
  if (lease.address == _ip.config().address) {
    dhcp_log.info("renewed {} for {}s", lease.address.address, seconds(lease.lease_time));
  } else {
    dhcp_log.info("leased {} from {} for {}s (router {}, {} DNS server(s), {} classless route(s){}{})",
                  lease.address, lease.server, seconds(lease.lease_time), lease.gateway,
                  lease.dns_count, lease.route_count, lease.domain.empty() ? "" : ", domain ",
                  lease.domain);
  }
  configure(lease.address, lease.gateway,
            std::span<const ipv4_route>(lease.routes.data(), lease.route_count),
            lease.mtu >= 576 ? lease.mtu : 0);
}

void host::lease_lost() {
  if (_releasing) dhcp_log.info("released {}", _ip.address());
  else dhcp_log.info("lost the lease of {}", _ip.address());
  configure(ipv4_prefix{ipv4_addr::any(), 0}, ipv4_addr::any(), {}, 0);
}

void host::configure(ipv4_prefix address, ipv4_addr gateway, std::span<const ipv4_route> routes,
                     std::size_t mtu) {
  const bool changed = address != _ip.config().address;
  _ip.configure(address, gateway, routes);
  _link.limit_mtu(mtu);
  if (changed) {
    _link.set_address(address.address);
    if (on_address_change) on_address_change(address_context);
  }
}

void host::input(bytes frame, mono_time now) {
  if (auto packet = _link.input(frame, now)) _ip.input(*packet, now);
}

namespace {
log::source ipv6_log{"net.ipv6", "The IPv6 layer's addresses"};
}  // namespace

void host::poll(mono_time now) {
  _link.poll(now);
  _ip.poll(now);
  if (_dhcp) _dhcp->poll(now, *this);
  if (_ip6) {
    _ip6->poll(now);
    log_ipv6_changes();
  }
}

void host::log_ipv6_changes() {
  bool changed = false;
  const address_list& addresses = _ip6->addresses();
  std::erase_if(_ip6_logged_addresses, [&](const ipv6_addr& a) { return !addresses.usable(a); });
  for (const auto& a : addresses.addresses()) {
    const ipv6_addr& ip = a.prefix.address;
    if (!addresses.usable(ip) || std::find(_ip6_logged_addresses.begin(), _ip6_logged_addresses.end(), ip) !=
                                     _ip6_logged_addresses.end())
      continue;
    _ip6_logged_addresses.push_back(ip);
    changed = true;
    if (ip.is_link_local()) ipv6_log.info("link-local address {} (duplicate address detection passed)", ip);
    else
      ipv6_log.info("address {}/{} ({}, duplicate address detection passed)", ip, a.prefix.length,
                    a.autoconfigured ? "SLAAC" : "configured");
  }
  std::erase_if(_ip6_logged_duplicates, [&](const ipv6_addr& a) {
    const auto* x = addresses.find(a);
    return !x || x->what != address_list::state::duplicate;
  });
  for (const auto& a : addresses.addresses()) {
    if (a.what != address_list::state::duplicate ||
        std::find(_ip6_logged_duplicates.begin(), _ip6_logged_duplicates.end(), a.prefix.address) !=
            _ip6_logged_duplicates.end())
      continue;
    _ip6_logged_duplicates.push_back(a.prefix.address);
    changed = true;
    ipv6_log.warn("address {} is held by another host on the link (duplicate address detection): not used",
                  a.prefix.address);
  }
  const auto& routers = _ip6->routes().routers();
  const auto listed = [&](const ipv6_addr& r) {
    return std::any_of(routers.begin(), routers.end(), [&](const router_list::router& x) { return x.address == r; });
  };
  std::erase_if(_ip6_logged_routers, [&](const ipv6_addr& r) { return !listed(r); });
  for (const auto& r : routers) {
    if (std::find(_ip6_logged_routers.begin(), _ip6_logged_routers.end(), r.address) != _ip6_logged_routers.end())
      continue;
    _ip6_logged_routers.push_back(r.address);
    ipv6_log.info("default router {}", r.address);
  }
  // The glue wakes what waits for an address (wait_for_ipv6).
  if (changed && on_address_change) on_address_change(address_context);
}

mono_time host::poll_at() const {
  mono_time at = std::min(_link.poll_at(), _ip.poll_at());
  if (_ip6) at = std::min(at, _ip6->poll_at());
  return _dhcp ? std::min(at, _dhcp->poll_at()) : at;
}

// What can add or advance a timer: ARP requests and queued packets, and
// fragments held for reassembly. When none of these counters moved, the
// earliest deadline cannot have come closer.
std::uint64_t host::timer_signature() const {
  const arp_stats& a = _link.arp().stats();
  const std::uint64_t dhcp = _dhcp ? std::uint64_t(to_ns(_dhcp->poll_at())) : 0;
  const std::uint64_t ip6 = _ip6 ? std::uint64_t(to_ns(_ip6->poll_at())) : 0;
  return a.requests_out + a.queued + a.learned + a.updated + _ip.stats().rx_fragments + dhcp + ip6;
}

bool host::timers_changed() {
  const std::uint64_t s = timer_signature();
  if (s == _signature) return false;
  _signature = s;
  return true;
}

result<void, ip_error> host::tracked_output::send(ip_addr source, ip_addr destination, std::uint8_t protocol,
                                                  std::span<const bytes> parts) {
  if (destination.is_v4()) return _host->_ip.send(source, destination, protocol, parts);
  if (!_host->_ip6 || !source.is_v6()) return unexpected(ip_error::no_route);
  ipv6_layer& ip6 = *_host->_ip6;
  const mono_time now = _host->_clock();
  if (source.is_any()) return ip6.send(destination.v6(), protocol, parts, now);
  if (!ip6.addresses().usable(source.v6())) return unexpected(ip_error::no_route);
  return ip6.send_from(source.v6(), destination.v6(), protocol, parts, now);
}

ip_addr host::tracked_output::source_for(ip_addr destination) const {
  if (destination.is_v4()) return _host->_ip.source_for(destination.v4());
  if (!_host->_ip6) return ipv6_addr::any();
  return _host->_ip6->source_for(destination.v6()).value_or(ipv6_addr::any());
}

std::size_t host::tracked_output::mtu_for(ip_addr destination) const {
  if (destination.is_v4() || !_host->_ip6) return _host->_ip.mtu_for(ipv4_addr::any());
  return _host->_ip6->mtu_for(destination.v6());
}

void host::family_errors::port_unreachable(const ip_meta& meta, bytes payload, mono_time now) {
  if (meta.source.is_v4()) _host->_icmp.port_unreachable(meta, payload, now);
  else if (_host->_ip6) _host->_ip6->port_unreachable(meta, payload, now);
}

void host::attach(std::uint8_t protocol, ip_input* transport) {
  _ip.attach(protocol, transport);
  if (_ip6) _ip6->attach(protocol, transport);
}

namespace {

void line(format_sink& out, std::string_view name, std::uint64_t value) {
  if (value == 0) return;
  format_to(out, "{:<28} {}\n", name, value);
}

// The reassembler's counters, as `family`.reasm_*.
void reassembly_lines(format_sink& out, std::string_view family, const reassembly_stats& r) {
  const auto named = [&](std::string_view what, std::uint64_t value) {
    std::array<char, 48> name{};
    std::size_t n = 0;
    for (std::string_view piece : {family, std::string_view(".reasm_"), what})
      for (char c : piece)
        if (n < name.size()) name[n++] = c;
    line(out, std::string_view(name.data(), n), value);
  };
  named("reassembled", r.reassembled);
  named("duplicates", r.duplicates);
  named("overlaps", r.overlaps);
  named("bad_fragments", r.bad_fragments);
  named("too_many_fragments", r.too_many_fragments);
  named("evicted", r.evicted);
  named("over_memory", r.over_memory);
  named("timed_out", r.timed_out);
  named("no_memory", r.no_memory);
}

}  // namespace

void host::format_stats(format_sink& out) const {
  const ethernet_stats& e = _link.stats();
  line(out, "eth.rx_frames", e.rx_frames);
  line(out, "eth.rx_bytes", e.rx_bytes);
  line(out, "eth.rx_arp", e.rx_arp);
  line(out, "eth.rx_ipv4", e.rx_ipv4);
  line(out, "eth.rx_ipv6", e.rx_ipv6);
  line(out, "eth.rx_truncated", e.rx_truncated);
  line(out, "eth.rx_not_for_us", e.rx_not_for_us);
  line(out, "eth.rx_other_vlan", e.rx_other_vlan);
  line(out, "eth.rx_unsupported", e.rx_unsupported);
  line(out, "eth.rx_bad_arp", e.rx_bad_arp);
  line(out, "eth.tx_frames", e.tx_frames);
  line(out, "eth.tx_bytes", e.tx_bytes);
  line(out, "eth.tx_dropped", e.tx_dropped);
  const arp_stats& a = _link.arp().stats();
  line(out, "arp.requests_in", a.requests_in);
  line(out, "arp.replies_in", a.replies_in);
  line(out, "arp.requests_out", a.requests_out);
  line(out, "arp.replies_out", a.replies_out);
  line(out, "arp.announcements_out", a.announcements_out);
  line(out, "arp.learned", a.learned);
  line(out, "arp.expired", a.expired);
  line(out, "arp.evicted", a.evicted);
  line(out, "arp.ignored", a.ignored);
  line(out, "arp.conflicts", a.conflicts);
  line(out, "arp.probes_out", a.probes_out);
  line(out, "arp.queued", a.queued);
  line(out, "arp.queue_full", a.queue_full);
  line(out, "arp.resolution_failed", a.resolution_failed);
  line(out, "arp.pending_dropped", a.pending_dropped);
  const ipv4_stats& i = _ip.stats();
  line(out, "ipv4.rx_packets", i.rx_packets);
  line(out, "ipv4.rx_delivered", i.rx_delivered);
  line(out, "ipv4.rx_truncated", i.rx_truncated);
  line(out, "ipv4.rx_malformed", i.rx_malformed);
  line(out, "ipv4.rx_bad_checksum", i.rx_bad_checksum);
  line(out, "ipv4.rx_bad_source", i.rx_bad_source);
  line(out, "ipv4.rx_not_for_us", i.rx_not_for_us);
  line(out, "ipv4.rx_unknown_protocol", i.rx_unknown_protocol);
  line(out, "ipv4.rx_fragments", i.rx_fragments);
  line(out, "ipv4.tx_packets", i.tx_packets);
  line(out, "ipv4.tx_fragments", i.tx_fragments);
  line(out, "ipv4.tx_no_route", i.tx_no_route);
  line(out, "ipv4.tx_too_big", i.tx_too_big);
  line(out, "ipv4.tx_failed", i.tx_failed);
  reassembly_lines(out, "ipv4", _ip.reassembler().stats());
  const icmpv4_stats& c = _icmp.stats();
  line(out, "icmp.rx_messages", c.rx_messages);
  line(out, "icmp.rx_malformed", c.rx_malformed);
  line(out, "icmp.rx_bad_checksum", c.rx_bad_checksum);
  line(out, "icmp.rx_echo_requests", c.rx_echo_requests);
  line(out, "icmp.rx_broadcast_echo", c.rx_broadcast_echo);
  line(out, "icmp.rx_errors", c.rx_errors);
  line(out, "icmp.tx_echo_replies", c.tx_echo_replies);
  line(out, "icmp.tx_unreachable", c.tx_unreachable);
  line(out, "icmp.rate_limited", c.rate_limited);
  line(out, "icmp.tx_failed", c.tx_failed);
  const udp_stats& u = _udp.stats();
  line(out, "udp.rx_datagrams", u.rx_datagrams);
  line(out, "udp.rx_delivered", u.rx_delivered);
  line(out, "udp.rx_malformed", u.rx_malformed);
  line(out, "udp.rx_bad_checksum", u.rx_bad_checksum);
  line(out, "udp.rx_no_port", u.rx_no_port);
  line(out, "udp.rx_queue_full", u.rx_queue_full);
  line(out, "udp.tx_datagrams", u.tx_datagrams);
  line(out, "udp.tx_failed", u.tx_failed);
  if (_ip6) {
    const ipv6_stats& s = _ip6->stats();
    line(out, "ipv6.rx_packets", s.rx_packets);
    line(out, "ipv6.rx_delivered", s.rx_delivered);
    line(out, "ipv6.rx_malformed", s.rx_malformed);
    line(out, "ipv6.rx_not_for_us", s.rx_not_for_us);
    line(out, "ipv6.rx_bad_chain", s.rx_bad_chain);
    line(out, "ipv6.rx_fragments", s.rx_fragments);
    line(out, "ipv6.rx_atomic_fragments", s.rx_atomic_fragments);
    line(out, "ipv6.rx_bad_fragments", s.rx_bad_fragments);
    line(out, "ipv6.rx_incomplete_first_fragment", s.rx_incomplete_first_fragment);
    line(out, "ipv6.rx_nested_fragments", s.rx_nested_fragments);
    line(out, "ipv6.rx_unknown_protocol", s.rx_unknown_protocol);
    line(out, "ipv6.rx_icmp_bad_checksum", s.rx_icmp_bad_checksum);
    line(out, "ipv6.rx_bad_ndp", s.rx_bad_ndp);
    line(out, "ipv6.rx_echo_requests", s.rx_echo_requests);
    line(out, "ipv6.tx_echo_replies", s.tx_echo_replies);
    line(out, "ipv6.echo_rate_limited", s.echo_rate_limited);
    line(out, "ipv6.rx_no_next_header", s.rx_no_next_header);
    line(out, "ipv6.tx_parameter_problems", s.tx_parameter_problems);
    line(out, "ipv6.tx_unreachables", s.tx_unreachables);
    line(out, "ipv6.errors_rate_limited", s.errors_rate_limited);
    line(out, "ipv6.rx_solicitations", s.rx_solicitations);
    line(out, "ipv6.rx_advertisements", s.rx_advertisements);
    line(out, "ipv6.tx_solicitations", s.tx_solicitations);
    line(out, "ipv6.tx_advertisements", s.tx_advertisements);
    line(out, "ipv6.dad_conflicts", s.dad_conflicts);
    line(out, "ipv6.rx_router_advertisements", s.rx_router_advertisements);
    line(out, "ipv6.rx_router_advertisements_ignored", s.rx_router_advertisements_ignored);
    line(out, "ipv6.rx_redirects_ignored", s.rx_redirects_ignored);
    line(out, "ipv6.rx_packet_too_big", s.rx_packet_too_big);
    line(out, "ipv6.rx_packet_too_big_ignored", s.rx_packet_too_big_ignored);
    const path_mtu_stats& m = _ip6->path_mtus().stats();
    line(out, "ipv6_pmtu.reductions", m.reductions);
    line(out, "ipv6_pmtu.ignored", m.ignored);
    line(out, "ipv6_pmtu.evicted", m.evicted);
    line(out, "ipv6_pmtu.expired", m.expired);
    line(out, "ipv6.tx_router_solicitations", s.tx_router_solicitations);
    line(out, "ipv6.rx_mld_queries", s.rx_mld_queries);
    line(out, "ipv6.rx_mld_queries_ignored", s.rx_mld_queries_ignored);
    line(out, "ipv6.tx_mld_reports", s.tx_mld_reports);
    line(out, "ipv6.tx_packets", s.tx_packets);
    line(out, "ipv6.tx_fragments", s.tx_fragments);
    line(out, "ipv6.tx_no_route", s.tx_no_route);
    line(out, "ipv6.tx_failed", s.tx_failed);
    reassembly_lines(out, "ipv6", _ip6->reassembler().stats());
    const router_list_stats& r = _ip6->routes().stats();
    line(out, "ipv6_routes.routers_added", r.routers_added);
    line(out, "ipv6_routes.routers_removed", r.routers_removed);
    line(out, "ipv6_routes.routers_ignored", r.routers_ignored);
    line(out, "ipv6_routes.prefixes_added", r.prefixes_added);
    line(out, "ipv6_routes.prefixes_removed", r.prefixes_removed);
    line(out, "ipv6_routes.prefixes_ignored", r.prefixes_ignored);
    line(out, "ipv6_routes.dns_ignored", r.dns_ignored);
    line(out, "ipv6_routes.mtu_ignored", r.mtu_ignored);
    const ndp_stats& n = _ip6->neighbors().stats();
    line(out, "ndp.solicitations_out", n.solicitations_out);
    line(out, "ndp.probes_out", n.probes_out);
    line(out, "ndp.learned", n.learned);
    line(out, "ndp.confirmed", n.confirmed);
    line(out, "ndp.resolution_failed", n.resolution_failed);
    line(out, "ndp.unreachable", n.unreachable);
    line(out, "ndp.queue_full", n.queue_full);
  }
  if (!_dhcp) return;
  const dhcpv4_client_stats& d = _dhcp->stats();
  line(out, "dhcp.tx_discover", d.tx_discover);
  line(out, "dhcp.tx_request", d.tx_request);
  line(out, "dhcp.tx_decline", d.tx_decline);
  line(out, "dhcp.tx_release", d.tx_release);
  line(out, "dhcp.tx_probes", d.tx_probes);
  line(out, "dhcp.rx_offer", d.rx_offer);
  line(out, "dhcp.rx_ack", d.rx_ack);
  line(out, "dhcp.rx_nak", d.rx_nak);
  line(out, "dhcp.rx_malformed", d.rx_malformed);
  line(out, "dhcp.rx_ignored", d.rx_ignored);
  line(out, "dhcp.bad_routes", d.bad_routes);
  line(out, "dhcp.leases", d.leases);
  line(out, "dhcp.renewals", d.renewals);
  line(out, "dhcp.expiries", d.expiries);
  line(out, "dhcp.conflicts", d.conflicts);
}

}  // namespace fata::net
