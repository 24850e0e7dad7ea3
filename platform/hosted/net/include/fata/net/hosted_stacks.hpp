// Running one service on either network stack of the hosted target,
// chosen at boot (MirageOS's --net=direct|socket):
//
//   struct echo { template <fata::sig::stackv4 S> fata::task<int> operator()(S& s) const; };
//   extern "C" int fata_app_main(const fata::platform::start_info* info) {
//     return fata::runtime::start(*info, {"echo", "UDP echo"},
//                                 [] { return fata::net::hosted::run(echo{}); });
//   }
//
// Keys (group NETWORK): --net=direct|socket; --ipv4=ADDR/PREFIX (or
// --ipv4=dhcp: leased, the service starting once it is) and
// --ipv4-gateway=ADDR configure the direct stack (and --ipv4's address is
// what the socket stack binds to, 0.0.0.0 by default or with dhcp); --interface=TAP
// names the TAP device of the direct stack; --net-stats prints every
// layer's counters at exit; --run-for=DURATION stops the service after a
// while (0: never), so tests and benchmarks end cleanly and print them.
//
// The service is instantiated for both stacks, so it is checked against
// sig::stackv4 twice, and runs unchanged on each.
#pragma once

#include <string>

#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/devices/netif.hpp>
#include <fata/net/direct_device.hpp>
#include <fata/net/socket/stack_device.hpp>
#include <fata/net/stack_runner.hpp>

namespace fata::net::hosted {

// The keys, declared once per image by including this header in its main.
struct keys {
  key<stack_kind> net{"net", stack_kind::direct,
                      "Network stack: direct (fata's TCP/IP over a TAP device) or socket (the "
                      "host kernel's sockets)",
                      "NETWORK"};
  key<ipv4_assignment> ipv4{"ipv4", ipv4_prefix{ipv4_addr(10, 0, 0, 2), 24},
                        "IPv4 address and prefix of the direct stack (socket: the address to "
                        "bind, 0.0.0.0/0 for every one)",
                        "NETWORK"};
  key<ipv4_addr> gateway{"ipv4-gateway", ipv4_addr::any(),
                         "IPv4 gateway of the direct stack (0.0.0.0: none)", "NETWORK"};
  key<unsigned> dhcp_probes{"dhcp-arp-probes", 3u,
                            "With --ipv4=dhcp: ARP probes of an offered address before taking it "
                            "(RFC 5227; 0: none)",
                            "NETWORK"};
  key<std::string> interface{"interface", "tap0", "TAP device of the direct stack", "NETWORK"};
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

// Registered at static initialisation, before the runtime parses the boot
// arguments (an inline variable: one instance per image).
inline keys keys_instance;
inline keys& the_keys() { return keys_instance; }

namespace detail {

inline log::source& hosted_net_log() {
  static log::source s{"net.hosted", "Choosing and starting the network stack"};
  return s;
}

template <class Service>
task<int> run_direct(Service service) {
  keys& k = the_keys();
  auto nic = devices::netif::open("service", *k.interface);
  if (!nic) {
    hosted_net_log().error("cannot open TAP device {}: {}", *k.interface, nic.error());
    co_return 1;
  }
  auto s = open_direct(std::move(*nic), *k.ipv4, *k.gateway, *k.dhcp_probes, *k.ipv6, *k.ipv6_gateway, *k.accept_ra);
  if (!s) co_return 1;
  hosted_net_log().info("direct stack on {} as {} (MAC {}, MTU {})", *k.interface, *k.ipv4,
                        s->netif().mac(), s->netif().mtu());
  const int status = co_await run_for_at_most(*k.run_for, after_lease<Service>{service}, &*s);
  co_await s->release();
  print_stats(*s, *k.stats);
  co_return status;
}

template <class Service>
task<int> run_socket(Service service) {
  keys& k = the_keys();
  // With --ipv4=dhcp the host's kernel holds the addresses: every one.
  auto s = socket::open_bound(k.ipv4->address);
  if (!s) {
    hosted_net_log().error("cannot open the socket stack: {}", s.error());
    co_return 1;
  }
  hosted_net_log().info("socket stack bound to {}", k.ipv4->address.address);
  const int status = co_await run_for_at_most(*k.run_for, service, &*s);
  socket::print_stats(*s, *k.stats);
  co_return status;
}

}  // namespace detail

// Runs `service` on the stack the --net key names.
template <class Service>
task<int> run(Service service) {
  if (*the_keys().net == stack_kind::socket) co_return co_await detail::run_socket(service);
  co_return co_await detail::run_direct(service);
}

}  // namespace fata::net::hosted
