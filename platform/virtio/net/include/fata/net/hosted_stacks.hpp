// Running one service on the network stack of the virtio target: fata's
// `direct` TCP/IP over a virtio-net interface.
//
// The same interface as the hosted target's header of this name (see
// platform/hosted/net/include/fata/net/hosted_stacks.hpp), so that one
// example source builds for both targets: fata::net::hosted::run(service)
// and the same keys (group NETWORK). Differences on virtio: --net accepts
// only `direct` (there are no host sockets in a VM; --net=socket is a
// usage error); --interface names a virtio-net device by index or MAC
// address, empty (the default) for the first unused one.
#pragma once

#include <string>

#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/devices/netif.hpp>
#include <fata/net/direct_device.hpp>
#include <fata/net/stack_runner.hpp>

namespace fata::net::hosted {

struct keys {
  key<stack_kind> net{"net", stack_kind::direct,
                      "Network stack: direct (fata's TCP/IP over virtio-net; the only one in a VM)",
                      "NETWORK"};
  // DHCP unless told otherwise: what a VM on a cloud network (or QEMU's
  // user network) expects.
  key<ipv4_assignment> ipv4{"ipv4", ipv4_assignment::from_dhcp(),
                            "IPv4 address and prefix of the direct stack, or dhcp", "NETWORK"};
  key<ipv4_addr> gateway{"ipv4-gateway", ipv4_addr::any(),
                         "IPv4 gateway of the direct stack (0.0.0.0: none)", "NETWORK"};
  key<unsigned> dhcp_probes{"dhcp-arp-probes", 3u,
                            "With --ipv4=dhcp: ARP probes of an offered address before taking it "
                            "(RFC 5227; 0: none)",
                            "NETWORK"};
  key<std::string> interface{"interface", "",
                             "virtio-net device of the direct stack: an index or a MAC address "
                             "(empty: the first unused one)",
                             "NETWORK"};
  key<ipv6_assignment> ipv6{"ipv6", ipv6_assignment{},
                            "IPv6 of the direct stack beside IPv4: none; auto (a link-local address and SLAAC "
                            "from router advertisements); or ADDR/PREFIX besides",
                            "NETWORK"};
  key<ipv6_addr> ipv6_gateway{"ipv6-gateway", ipv6_addr::any(),
                              "IPv6 default router of the direct stack (:: for none: only advertised ones)", "NETWORK"};
  key<bool> accept_ra{"accept-router-advertisements", true,
                      "With --ipv6: learn routers, prefixes and SLAAC addresses from router advertisements",
                      "NETWORK"};
  key<bool> stats{"net-stats", false, "Print the network counters at exit", "NETWORK"};
  key<duration> run_for{"run-for", duration::zero(),
                        "Stop the service after this long (0: run until stopped)", "NETWORK"};
};

inline keys keys_instance;
inline keys& the_keys() { return keys_instance; }

namespace detail {

inline log::source& virtio_net_log() {
  static log::source s{"net.virtio", "Starting the network stack"};
  return s;
}

}  // namespace detail

// Runs `service` on the direct stack over a virtio-net interface.
template <class Service>
task<int> run(Service service) {
  keys& k = the_keys();
  if (*k.net != stack_kind::direct) {
    detail::virtio_net_log().error("--net=socket: there is no socket stack on virtio");
    co_return usage_exit_status;
  }
  auto nic = devices::netif::open("service", *k.interface);
  if (!nic) {
    detail::virtio_net_log().error("cannot open virtio-net device '{}': {}", *k.interface, nic.error());
    co_return 1;
  }
  auto s = open_direct(std::move(*nic), *k.ipv4, *k.gateway, *k.dhcp_probes, *k.ipv6, *k.ipv6_gateway, *k.accept_ra);
  if (!s) co_return 1;
  detail::virtio_net_log().info("direct stack on virtio-net as {} (MAC {}, MTU {})", *k.ipv4,
                                s->netif().mac(), s->netif().mtu());
  const int status = co_await run_for_at_most(*k.run_for, after_lease<Service>{service}, &*s);
  co_await s->release();
  print_stats(*s, *k.stats);
  co_return status;
}

}  // namespace fata::net::hosted
