// One IPv4 host on one Ethernet link: the layers below TCP composed
// (Ethernet with ARP, IPv4 with reassembly, ICMPv4, UDP), still without
// I/O. The `direct` stack (net/direct.hpp) wraps it with the coroutine glue
// and a network interface; tests and the simulator drive it directly.
//
// With `dhcp` set the host takes its address from a DHCPv4 server
// (net/dhcpv4_client.hpp): it binds UDP port 68, feeds the client what
// arrives there and the ARP claims on the offered address, and applies
// each lease (address, router or classless routes, MTU) to the layers;
// `on_address_change` tells the glue.
//
// With `ipv6` set an IPv6 layer runs beside IPv4 on the same link, and the
// transports (UDP here, TCP above through `attach`) take both families.
//
// `output()` is the IP output the transports above (TCP) send through: it
// forwards each datagram to the layer of its destination's family, and
// the glue re-arms its one timer when the layers' timers may have moved
// (`timers_changed()`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <fata/core/fmt.hpp>
#include <fata/core/time.hpp>
#include <fata/net/arp.hpp>
#include <fata/net/dhcpv4_client.hpp>
#include <fata/net/ethernet.hpp>
#include <fata/net/icmpv4.hpp>
#include <fata/net/ipv4.hpp>
#include <fata/net/ipv6.hpp>
#include <fata/net/transport.hpp>
#include <fata/net/udp.hpp>

namespace fata::net {

struct host_config {
  ipv4_config ip;
  arp_config arp;
  icmpv4_config icmp;
  udp_config udp;
  // Take the address from DHCP (ip.address is then ignored); the client's
  // MAC and MTU are the host's.
  bool dhcp = false;
  dhcpv4_client_config dhcp_client;
  // IPv6 on the link (net/ipv6.hpp: addresses, router discovery,
  // neighbour discovery, echo, and the transports above).
  bool ipv6 = false;
  ipv6_config ipv6_cfg;
};

class host final : private dhcpv4_client_sink {
 public:
  host(mac_addr mac, std::size_t mtu, frame_sink& out, clock_ref clock, host_config cfg);
  host(const host&) = delete;
  host& operator=(const host&) = delete;

  // Configures the address, announces it and attaches the transports;
  // with DHCP, sends the first DISCOVER.
  void start();
  // Releases a DHCP lease (the RELEASE goes out now).
  void stop();

  // Applies an address, gateway, routes and MTU (0: the device's) to the
  // layers and announces the address.
  void configure(ipv4_prefix address, ipv4_addr gateway, std::span<const ipv4_route> routes,
                 std::size_t mtu);
  // The DHCP client, when the host has one.
  const dhcpv4_client* dhcp() const { return _dhcp ? &*_dhcp : nullptr; }
  // Called after the address changed (a lease bound, renewed onto another
  // address, or lost; an IPv6 address became usable or was found
  // duplicate).
  void (*on_address_change)(void* context) = nullptr;
  void* address_context = nullptr;

  // One received Ethernet frame.
  void input(bytes frame, mono_time now);
  // Timers of ARP and reassembly due at `now`.
  void poll(mono_time now);
  mono_time poll_at() const;
  // True (once) when a send or a frame may have created an earlier timer.
  bool timers_changed();

  ip_output& output() { return _output; }
  // Registers a transport (TCP) with the IP layer of every family.
  void attach(std::uint8_t protocol, ip_input* transport);
  ethernet_link& link() { return _link; }
  ipv4_layer& ip() { return _ip; }
  icmpv4_layer& icmp() { return _icmp; }
  udp_layer& udp() { return _udp; }
  const ethernet_link& link() const { return _link; }
  const ipv4_layer& ip() const { return _ip; }
  const icmpv4_layer& icmp() const { return _icmp; }
  const udp_layer& udp() const { return _udp; }
  // The IPv6 layer, when the host has one.
  const ipv6_layer* ip6() const { return _ip6 ? &*_ip6 : nullptr; }
  ipv6_layer* ip6() { return _ip6 ? &*_ip6 : nullptr; }

  // Every layer's counters as "layer.counter value" lines.
  void format_stats(format_sink& out) const;

 private:
  class tracked_output final : public ip_output {
   public:
    explicit tracked_output(host& h) : _host(&h) {}
    result<void, ip_error> send(ip_addr source, ip_addr destination, std::uint8_t protocol,
                                std::span<const bytes> parts) override;
    ip_addr source_for(ip_addr destination) const override;
    std::size_t mtu_for(ip_addr destination) const override;

   private:
    host* _host;
  };
  // Port unreachable through ICMP or ICMPv6, by the datagram's family.
  class family_errors final : public ip_errors {
   public:
    explicit family_errors(host& h) : _host(&h) {}
    void port_unreachable(const ip_meta& meta, bytes payload, mono_time now) override;

   private:
    host* _host;
  };

  std::uint64_t timer_signature() const;
  // dhcpv4_client_sink
  void send_dhcp(ipv4_addr destination, bytes message) override;
  void send_probe(ipv4_addr candidate) override;
  void lease_bound(const dhcpv4_lease& lease) override;
  void lease_lost() override;
  void dhcp_input();
  // Logs addresses as they become usable and routers as they are learned.
  void log_ipv6_changes();

  ethernet_link _link;
  ipv4_layer _ip;
  icmpv4_layer _icmp;
  udp_layer _udp;
  tracked_output _output{*this};
  family_errors _errors{*this};
  clock_ref _clock;
  std::optional<dhcpv4_client> _dhcp;
  std::optional<ipv6_layer> _ip6;
  // The IPv6 addresses and routers logged (each once while it lasts).
  std::vector<ipv6_addr> _ip6_logged_addresses;
  std::vector<ipv6_addr> _ip6_logged_routers;
  std::vector<ipv6_addr> _ip6_logged_duplicates;
  udp_endpoint* _dhcp_port = nullptr;
  bool _releasing = false;
  std::uint64_t _signature = 0;
};

}  // namespace fata::net
