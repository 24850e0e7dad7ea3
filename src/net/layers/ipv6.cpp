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
}  // namespace

ipv6_layer::ipv6_layer(ipv6_link& link, ipv6_config cfg)
    : _link(link), _cfg(std::move(cfg)), _addresses({_cfg.secret, link.mac()}), _neighbors(_cfg.ndp) {}

void ipv6_layer::start(mono_time now) {
  _link.join(wire::multicast_mac(all_nodes));
  const auto& ll = _addresses.add_link_local(now);
  begin_dad(ll.prefix.address, now);
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
    return;
  }
  if (chain->fragment) {
    ++_stats.rx_fragments_dropped;
    return;
  }
  if (chain->protocol != wire::ipv6_next::icmpv6) {
    ++_stats.rx_unknown_protocol;
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
      const auto reply = icmpv6_repr::echo(icmp::echo_reply, m->echo_ident(), m->echo_sequence(), m->data());
      if (reply.buffer_len() > _scratch.size()) return;
      mut_bytes out(_scratch.data(), reply.buffer_len());
      reply.emit(out, from, source);
      const bytes parts[1] = {out};
      if (send(source, wire::ipv6_next::icmpv6, parts, now)) ++_stats.tx_echo_replies;
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
    default: return;  // routers' messages, MLD: not yet
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
  // On the link only, for now: link-local and link-scope multicast.
  if (!destination.is_link_local() && !(destination.is_multicast() && (destination.octets[1] & 0x0f) <= 2)) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  auto source = _addresses.source_for(destination);
  if (!source) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  std::size_t payload = 0;
  for (bytes b : parts) payload += b.size();
  if (ipv6_packet::header_len + payload > _link.mtu()) {
    ++_stats.tx_failed;
    return unexpected(ip_error::too_big);  // fragmentation: not yet
  }
  std::array<std::byte, ipv6_packet::header_len> header{};
  ipv6_repr h;
  h.source = *source;
  h.destination = destination;
  h.next_header = next_header;
  h.hop_limit = destination.is_multicast() ? 1 : _cfg.hop_limit;
  h.payload_len = payload;
  h.emit(mut_bytes(header.data(), header.size()));
  std::array<bytes, 8> all{};
  if (parts.size() + 1 > all.size()) return unexpected(ip_error::too_big);
  all[0] = bytes(header.data(), header.size());
  std::copy(parts.begin(), parts.end(), all.begin() + 1);
  const std::span<const bytes> packet(all.data(), parts.size() + 1);
  if (destination.is_multicast()) {
    auto r = _link.transmit_ipv6(wire::multicast_mac(destination), packet);
    if (r) ++_stats.tx_packets;
    return r;
  }
  if (auto mac = _neighbors.lookup(destination, now)) {
    auto r = _link.transmit_ipv6(*mac, packet);
    if (r) ++_stats.tx_packets;
    else ++_stats.tx_failed;
    return r;
  }
  return _neighbors.enqueue(destination, packet, now, *this);
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
    _dad.erase(_dad.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

mono_time ipv6_layer::poll_at() const {
  mono_time at = std::min(_neighbors.poll_at(), _addresses.poll_at());
  for (const dad_run& d : _dad) at = std::min(at, d.next);
  return at;
}

}  // namespace fata::net
