#include <fata/net/ethernet.hpp>

#include <array>

#include <fata/net/wire/ethernet.hpp>

namespace fata::net {

using wire::ethernet_frame;
using wire::ethernet_repr;

ethernet_link::ethernet_link(mac_addr mac, std::size_t mtu, frame_sink& out, clock_ref clock,
                             arp_config arp)
    : _mac(mac), _mtu(mtu), _device_mtu(mtu), _out(&out), _clock(clock), _arp(mac, arp) {}

void ethernet_link::set_address(ipv4_addr own) {
  _arp.set_address(own);
  _arp.announce(*this);
}

std::optional<bytes> ethernet_link::input(bytes frame, mono_time now) {
  ++_stats.rx_frames;
  _stats.rx_bytes += frame.size();
  auto f = ethernet_frame::parse(frame);
  if (!f) {
    if (f.error() == wire::parse_error::truncated) ++_stats.rx_truncated;
    else ++_stats.rx_unsupported;
    return std::nullopt;
  }
  const mac_addr dst = f->destination();
  if (dst != _mac && !dst.is_broadcast() && !(dst.is_multicast() && joined(dst))) {
    ++_stats.rx_not_for_us;
    return std::nullopt;
  }
  // 802.1Q: only priority-tagged frames (VLAN 0) belong to the untagged
  // network we are on; one tag at most.
  if (f->tag_count() > 1 || f->vlan_id() != 0) {
    ++_stats.rx_other_vlan;
    return std::nullopt;
  }
  switch (f->ethertype()) {
    case wire::ethertype::arp: {
      ++_stats.rx_arp;
      auto a = wire::arp_packet::parse(f->payload());
      if (!a) {
        ++_stats.rx_bad_arp;
        return std::nullopt;
      }
      _arp.input(wire::arp_repr::parse(*a), now, *this);
      return std::nullopt;
    }
    case wire::ethertype::ipv4:
      ++_stats.rx_ipv4;
      return f->payload();
    case wire::ethertype::ipv6:
      if (!on_ipv6) {
        ++_stats.rx_unsupported;
        return std::nullopt;
      }
      ++_stats.rx_ipv6;
      on_ipv6(ipv6_context, f->payload(), f->source(), now);
      return std::nullopt;
    default:
      ++_stats.rx_unsupported;
      return std::nullopt;
  }
}

bool ethernet_link::joined(const mac_addr& group) const {
  for (std::size_t i = 0; i < _group_count; ++i)
    if (_groups[i] == group) return true;
  return false;
}

void ethernet_link::join(mac_addr group) {
  if (joined(group) || _group_count == max_groups) return;
  _groups[_group_count++] = group;
}

result<void, ip_error> ethernet_link::transmit_ipv6(mac_addr destination, std::span<const bytes> packet) {
  return send_frame(destination, wire::ethertype::ipv6, packet);
}

result<void, ip_error> ethernet_link::send_ipv4(mac_addr destination, std::span<const bytes> packet) {
  return send_frame(destination, wire::ethertype::ipv4, packet);
}

result<void, ip_error> ethernet_link::send_frame(mac_addr destination, std::uint16_t type,
                                                 std::span<const bytes> packet) {
  std::array<std::byte, header_len> header;
  ethernet_repr{destination, _mac, type, std::nullopt}.emit(
      mut_bytes(header.data(), header.size()));
  std::array<bytes, 34> parts;
  FATA_ASSERT(packet.size() < parts.size());
  parts[0] = bytes(header.data(), header.size());
  std::size_t size = header_len;
  for (std::size_t i = 0; i < packet.size(); ++i) {
    parts[i + 1] = packet[i];
    size += packet[i].size();
  }
  auto r = _out->send_frame(std::span<const bytes>(parts.data(), packet.size() + 1));
  if (!r) {
    ++_stats.tx_dropped;
    return unexpected(r.error() == sig::net_error::too_big ? ip_error::too_big : ip_error::busy);
  }
  ++_stats.tx_frames;
  _stats.tx_bytes += size;
  return {};
}

result<void, ip_error> ethernet_link::transmit(ipv4_addr next_hop, std::span<const bytes> packet) {
  if (next_hop.is_broadcast()) return send_ipv4(mac_addr::broadcast(), packet);
  const mono_time now = _clock();
  if (auto mac = _arp.lookup(next_hop, now, *this)) return send_ipv4(*mac, packet);
  return _arp.enqueue(next_hop, packet, now, *this);
}

void ethernet_link::send_arp(mac_addr destination, const wire::arp_repr& packet) {
  std::array<std::byte, header_len + wire::arp_packet::packet_len> frame;
  const mut_bytes out(frame.data(), frame.size());
  ethernet_repr{destination, _mac, wire::ethertype::arp, std::nullopt}.emit(out);
  packet.emit(out.skip(header_len));
  const bytes parts[1] = {out};
  if (_out->send_frame(parts)) {
    ++_stats.tx_frames;
    _stats.tx_bytes += frame.size();
  } else {
    ++_stats.tx_dropped;
  }
}

void ethernet_link::send_resolved(mac_addr destination, bytes packet) {
  const bytes parts[1] = {packet};
  (void)send_ipv4(destination, parts);
}

}  // namespace fata::net
