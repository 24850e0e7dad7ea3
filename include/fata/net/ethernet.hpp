// The Ethernet link under IPv4: demultiplexing of received frames (ARP,
// IPv4), ARP resolution of next hops, framing of sent packets, and the
// link's MTU. No I/O: frames go out through a `frame_sink` and come in
// through `input`; time is passed in (and read, for sends started by
// transports, from the injected `clock_ref`).
//
// Accepted frames: addressed to our MAC or broadcast, untagged or carrying
// an 802.1Q priority tag (VLAN 0); everything else (other unicast,
// multicast, other VLANs, 802.3 length frames, unknown EtherTypes,
// truncated frames) is dropped and counted by reason.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/net/arp.hpp>
#include <fata/net/ipv6.hpp>
#include <fata/net/transport.hpp>
#include <fata/sig/netif.hpp>

namespace fata::net {

// Reads the current time for code paths entered without it (a transport
// sending from its own timer). The glue points it at the event loop's
// clock; tests at a fake.
struct clock_ref {
  mono_time (*read)(void* context) = nullptr;
  void* context = nullptr;
  mono_time operator()() const { return read(context); }
};

// Where whole frames go (the network interface, through the glue).
class frame_sink {
 public:
  // Sends the concatenation of `parts` as one frame.
  virtual result<void, sig::net_error> send_frame(std::span<const bytes> parts) = 0;

 protected:
  ~frame_sink() = default;
};

// The link a network layer sends through (Ethernet with ARP, or a fake).
class ipv4_link {
 public:
  // Sends one IPv4 packet, the concatenation of `packet`, to the neighbour
  // `next_hop` (broadcast: to every host on the link).
  virtual result<void, ip_error> transmit(ipv4_addr next_hop, std::span<const bytes> packet) = 0;
  // The largest IPv4 packet the link carries.
  virtual std::size_t mtu() const = 0;

 protected:
  ~ipv4_link() = default;
};

struct ethernet_stats {
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t rx_arp = 0;
  std::uint64_t rx_ipv4 = 0;
  std::uint64_t rx_ipv6 = 0;
  std::uint64_t rx_truncated = 0;
  std::uint64_t rx_not_for_us = 0;    // another unicast MAC, or multicast
  std::uint64_t rx_other_vlan = 0;
  std::uint64_t rx_unsupported = 0;   // unknown EtherType, 802.3, QinQ
  std::uint64_t rx_bad_arp = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_dropped = 0;       // the device refused
};

class ethernet_link final : public ipv4_link, public ipv6_link, private arp_sink {
 public:
  // The largest header we emit (no tags): frames are mtu + 14 bytes.
  static constexpr std::size_t header_len = 14;

  ethernet_link(mac_addr mac, std::size_t mtu, frame_sink& out, clock_ref clock,
                arp_config arp = {});
  ethernet_link(const ethernet_link&) = delete;
  ethernet_link& operator=(const ethernet_link&) = delete;

  // Our IPv4 address, for ARP; announces it (gratuitous ARP) when set.
  void set_address(ipv4_addr own);
  // Sends the RFC 5227 announcement again (the glue repeats it at start,
  // since frames sent while a TAP comes up can be lost).
  void announce() { _arp.announce(*this); }
  // An ARP probe for `candidate` (see arp_cache::probe).
  void probe(ipv4_addr candidate) { _arp.probe(candidate, *this); }
  // Lowers the MTU below the device's (a DHCP lease's option 26); 0 or a
  // value above the device's restores the device's.
  void limit_mtu(std::size_t mtu) { _mtu = mtu == 0 || mtu > _device_mtu ? _device_mtu : mtu; }

  // Demultiplexes one received frame. ARP is handled here; the IPv4
  // packet of an IPv4 frame for us is returned (a view into `frame`).
  std::optional<bytes> input(bytes frame, mono_time now);

  result<void, ip_error> transmit(ipv4_addr next_hop, std::span<const bytes> packet) override;
  std::size_t mtu() const override { return _mtu; }
  mac_addr mac() const override { return _mac; }

  // IPv6 (ipv6_link): frames of EtherType 0x86dd go to `on_ipv6` with
  // their source MAC; multicast frames are taken for the groups joined
  // (at most max_groups).
  static constexpr std::size_t max_groups = 16;
  result<void, ip_error> transmit_ipv6(mac_addr destination, std::span<const bytes> packet) override;
  void join(mac_addr group) override;
  void (*on_ipv6)(void* context, bytes packet, mac_addr source, mono_time now) = nullptr;
  void* ipv6_context = nullptr;

  void poll(mono_time now) { _arp.poll(now, *this); }
  mono_time poll_at() const { return _arp.poll_at(); }

  const arp_cache& arp() const { return _arp; }
  arp_cache& arp() { return _arp; }
  const ethernet_stats& stats() const { return _stats; }

 private:
  void send_arp(mac_addr destination, const wire::arp_repr& packet) override;
  void send_resolved(mac_addr destination, bytes packet) override;
  result<void, ip_error> send_ipv4(mac_addr destination, std::span<const bytes> packet);
  result<void, ip_error> send_frame(mac_addr destination, std::uint16_t type, std::span<const bytes> packet);
  bool joined(const mac_addr& group) const;

  mac_addr _mac;
  std::size_t _mtu;
  std::size_t _device_mtu;
  frame_sink* _out;
  clock_ref _clock;
  arp_cache _arp;
  std::array<mac_addr, max_groups> _groups{};
  std::size_t _group_count = 0;
  ethernet_stats _stats;
};

}  // namespace fata::net
