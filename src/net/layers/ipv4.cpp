#include <fata/net/ipv4.hpp>

#include <algorithm>

#include <fata/net/wire/ipv4.hpp>

namespace fata::net {

using wire::ipv4_packet;
using wire::ipv4_repr;

ipv4_layer::ipv4_layer(ipv4_link& link, ipv4_config cfg)
    : _link(&link), _cfg(cfg), _reassembly(cfg.reassembly), _ident(_cfg.ident_key) {
  // The key lives in the hash's own context now; no second copy.
  _cfg.ident_key.fill(std::byte{0});
}

bool ipv4_layer::is_local(ipv4_addr destination) const {
  if (destination.is_broadcast()) return true;
  if (_cfg.address.address.is_any()) return false;
  if (destination == _cfg.address.address) return true;
  // The subnet's broadcast address (not for /31 and /32, RFC 3021).
  return _cfg.address.length < 31 && destination == _cfg.address.broadcast();
}

void ipv4_layer::input(bytes data, mono_time now) {
  ++_stats.rx_packets;
  auto p = ipv4_packet::parse(data);
  if (!p) {
    switch (p.error()) {
      case wire::parse_error::truncated: ++_stats.rx_truncated; break;
      case wire::parse_error::bad_checksum: ++_stats.rx_bad_checksum; break;
      default: ++_stats.rx_malformed; break;
    }
    return;
  }
  const ipv4_addr src = p->source();
  // RFC 1122 §3.2.1.3: a source that is broadcast or multicast is bogus;
  // our own address coming back in is a loop or a spoof.
  if (src.is_broadcast() || src.is_multicast() ||
      (!_cfg.address.address.is_any() && src == _cfg.address.address) ||
      (_cfg.address.length < 31 && !_cfg.address.address.is_any() &&
       src == _cfg.address.broadcast())) {
    ++_stats.rx_bad_source;
    return;
  }
  if (!is_local(p->destination())) {
    ++_stats.rx_not_for_us;
    return;
  }
  ip_meta meta;
  meta.source = src;
  meta.destination = p->destination();
  meta.protocol = p->protocol();
  meta.ttl = p->ttl();
  meta.tos = p->tos();
  if (p->is_fragment()) {
    ++_stats.rx_fragments;
    auto whole = _reassembly.input(*p, now);
    if (!whole) return;
    // The quoted header of a reassembled datagram: as it is, whole.
    deliver(meta, whole->raw_header(), whole->payload(), now);
    return;
  }
  deliver(meta, p->header(), p->payload(), now);
}

void ipv4_layer::deliver(const ip_meta& meta, bytes header, bytes payload, mono_time now) {
  ip_input* in = _inputs[meta.protocol];
  if (!in) {
    ++_stats.rx_unknown_protocol;
    return;
  }
  ++_stats.rx_delivered;
  _current_header = header;
  in->receive(meta, payload, now);
  _current_header = {};
}

void ipv4_layer::configure(ipv4_prefix address, ipv4_addr gateway,
                           std::span<const ipv4_route> routes) {
  _cfg.address = address;
  _cfg.gateway = gateway;
  _cfg.routes.assign(routes.begin(),
                     routes.begin() + std::min(routes.size(), ipv4_config::max_routes));
}

ipv4_addr ipv4_layer::source_for(ipv4_addr) const { return _cfg.address.address; }

ip_addr ipv4_layer::source_for(ip_addr destination) const {
  return destination.is_v4() ? ip_addr(source_for(destination.v4())) : ip_addr(ipv6_addr::any());
}

std::size_t ipv4_layer::mtu_for(ip_addr destination) const {
  return mtu_for(destination.is_v4() ? destination.v4() : ipv4_addr::any());
}

result<void, ip_error> ipv4_layer::send(ip_addr source, ip_addr destination, std::uint8_t protocol,
                                        std::span<const bytes> parts) {
  if (!source.is_v4() || !destination.is_v4()) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  return send(source.v4(), destination.v4(), protocol, parts);
}

std::size_t ipv4_layer::mtu_for(ipv4_addr) const {
  return _link->mtu() - ipv4_packet::min_header_len;
}

result<void, ip_error> ipv4_layer::transmit_one(ipv4_addr next_hop, const ipv4_repr& header,
                                                std::span<const bytes> parts) {
  std::array<std::byte, ipv4_packet::min_header_len> h;
  header.emit(mut_bytes(h.data(), h.size()));
  std::array<bytes, 33> all;
  FATA_ASSERT(parts.size() < all.size());
  all[0] = bytes(h.data(), h.size());
  for (std::size_t i = 0; i < parts.size(); ++i) all[i + 1] = parts[i];
  auto r = _link->transmit(next_hop, std::span<const bytes>(all.data(), parts.size() + 1));
  if (!r) ++_stats.tx_failed;
  return r;
}

result<void, ip_error> ipv4_layer::send(ipv4_addr source, ipv4_addr destination,
                                        std::uint8_t protocol, std::span<const bytes> parts) {
  // Routing (RFC 1122 §3.3.1): on-link destinations directly, the rest
  // through the gateway.
  ipv4_addr next_hop;
  const ipv4_route* route = nullptr;
  if (!_cfg.address.address.is_any() && !destination.is_any() &&
      destination != _cfg.address.address)
    for (const ipv4_route& r : _cfg.routes)
      if (r.destination.contains(destination) &&
          (!route || r.destination.length > route->destination.length))
        route = &r;
  if (destination.is_broadcast() ||
      (!_cfg.address.address.is_any() && _cfg.address.contains(destination) &&
       destination != _cfg.address.address)) {
    next_hop = destination;
  } else if (route) {
    next_hop = route->router.is_any() ? destination : route->router;
  } else if (!_cfg.gateway.is_any() && destination != _cfg.address.address &&
             !destination.is_any()) {
    next_hop = _cfg.gateway;
  } else {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  std::size_t size = 0;
  for (bytes p : parts) size += p.size();
  if (size + ipv4_packet::min_header_len > ipv4_packet::max_total_len) {
    ++_stats.tx_too_big;
    return unexpected(ip_error::too_big);
  }
  ipv4_repr h;
  h.source = source.is_any() ? _cfg.address.address : source;
  h.destination = destination;
  h.protocol = protocol;
  h.ttl = _cfg.ttl;
  // RFC 7739 §5.3 (see ipv4.hpp); DF stays clear (no path MTU discovery).
  h.ident = _ident.next(h.source, h.destination, protocol);
  h.payload_len = size;
  ++_stats.tx_packets;
  const std::size_t mtu = _link->mtu();
  if (size + ipv4_packet::min_header_len <= mtu) return transmit_one(next_hop, h, parts);

  // RFC 791 §3.2 fragmentation: every fragment but the last carries a
  // multiple of 8 bytes; each slices the caller's parts without copying.
  const std::size_t per_fragment = (mtu - ipv4_packet::min_header_len) & ~std::size_t(7);
  if (per_fragment == 0) return unexpected(ip_error::too_big);
  gather_cursor cursor(parts);
  for (std::size_t offset = 0; offset < size; offset += per_fragment) {
    const std::size_t n = std::min(per_fragment, size - offset);
    std::array<bytes, 32> slices;
    const std::size_t count = cursor.take(n, slices);
    ipv4_repr f = h;
    f.fragment_offset = static_cast<std::uint16_t>(offset);
    f.more_fragments = offset + n < size;
    f.payload_len = n;
    ++_stats.tx_fragments;
    auto r = transmit_one(next_hop, f, std::span<const bytes>(slices.data(), count));
    // A fragment queued behind ARP is a copy; the rest follow it there.
    if (!r) return r;
  }
  return {};
}

}  // namespace fata::net
