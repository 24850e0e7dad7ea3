#include <fata/net/udp.hpp>

#include <array>

#include <fata/net/wire/udp.hpp>

namespace fata::net {

using sig::stack_error;

std::optional<udp_received> udp_endpoint::pop() {
  if (_queue.empty()) return std::nullopt;
  udp_received d = std::move(_queue.front());
  _queue.pop_front();
  _queued_bytes -= d.data.size();
  return d;
}

udp_layer::udp_layer(ip_output& ip, ip_errors* errors, udp_config cfg)
    : _ip(&ip), _errors(errors), _cfg(cfg) {}

udp_layer::~udp_layer() {
  for (auto& [p, e] : _ports) delete e;
}

result<udp_endpoint*, stack_error> udp_layer::bind(port p) {
  if (_ports.size() >= _cfg.max_endpoints) return unexpected(stack_error::no_memory);
  if (p.value == 0) {
    // RFC 6335 dynamic range, the next free one.
    for (int tries = 0; tries < 16384; ++tries) {
      const std::uint16_t candidate = _next_ephemeral;
      _next_ephemeral = _next_ephemeral == 65535 ? 49152 : std::uint16_t(_next_ephemeral + 1);
      if (!_ports.contains(candidate)) {
        p = port(candidate);
        break;
      }
    }
    if (p.value == 0) return unexpected(stack_error::no_memory);
  } else if (_ports.contains(p.value)) {
    return unexpected(stack_error::address_in_use);
  }
  auto* e = new (std::nothrow) udp_endpoint;
  if (!e) return unexpected(stack_error::no_memory);
  e->_port = p;
  _ports.emplace(p.value, e);
  return e;
}

void udp_layer::unbind(udp_endpoint* e) {
  if (!e) return;
  _ports.erase(e->_port.value);
  delete e;
}

result<void, stack_error> udp_layer::send(port from, sig::ip_endpoint to, std::span<const bytes> parts) {
  std::size_t size = 0;
  for (bytes p : parts) size += p.size();
  // IPv4's total length counts its header; IPv6's payload length does not.
  const std::size_t ip_header = to.address.is_v4() ? 20 : 0;
  if (size > 65535 - ip_header - wire::udp_packet::header_len) return unexpected(stack_error::too_big);
  if (parts.size() > 30) return unexpected(stack_error::invalid_argument);
  const ip_addr source = _ip->source_for(to.address);
  std::array<std::byte, wire::udp_packet::header_len> header;
  const wire::udp_repr repr{from, to.number, bytes{}};
  repr.emit_header(mut_bytes(header.data(), header.size()), source, to.address, parts);
  std::array<bytes, 31> all;
  all[0] = bytes(header.data(), header.size());
  for (std::size_t i = 0; i < parts.size(); ++i) all[i + 1] = parts[i];
  auto r = _ip->send(source, to.address, ip_protocol::udp,
                     std::span<const bytes>(all.data(), parts.size() + 1));
  if (r) {
    ++_stats.tx_datagrams;
    return {};
  }
  ++_stats.tx_failed;
  switch (r.error()) {
    case ip_error::no_route:
    case ip_error::unresolved: return unexpected(stack_error::unreachable);
    case ip_error::too_big: return unexpected(stack_error::too_big);
    case ip_error::no_memory: return unexpected(stack_error::no_memory);
    case ip_error::busy: return {};  // lost on the wire, as UDP may be
  }
  return unexpected(stack_error::io);
}

void udp_layer::receive(const ip_meta& meta, bytes payload, mono_time now) {
  ++_stats.rx_datagrams;
  auto p = wire::udp_packet::parse(payload);
  if (!p) {
    ++_stats.rx_malformed;
    return;
  }
  auto r = wire::udp_repr::parse(*p, meta.source, meta.destination);
  if (!r) {
    ++_stats.rx_bad_checksum;
    return;
  }
  auto it = _ports.find(r->destination_port.value);
  if (it == _ports.end()) {
    ++_stats.rx_no_port;
    if (_errors) _errors->port_unreachable(meta, payload, now);
    return;
  }
  udp_endpoint& e = *it->second;
  if (e._queue.size() >= _cfg.max_queued || e._queued_bytes + r->payload.size() > _cfg.max_queued_bytes) {
    ++_stats.rx_queue_full;
    return;
  }
  buffer copy = buffer::copy_of(r->payload);
  if (!copy.valid()) {
    ++_stats.rx_queue_full;
    return;
  }
  e._queued_bytes += copy.size();
  e._queue.push_back(udp_received{{meta.source, r->source_port},
                                  {meta.destination, r->destination_port},
                                  std::move(copy)});
  ++_stats.rx_delivered;
  if (e.on_ready) e.on_ready(e.ready_context);
}

}  // namespace fata::net
