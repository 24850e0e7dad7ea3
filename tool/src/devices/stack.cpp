#include "stack.hpp"

namespace fata::tool {

key_template stack_address_key(std::string_view default_value, std::string_view doc) {
  return {.label = "ipv4",
          .name = "ipv4",
          .cpp_type = "fata::ipv4_prefix",
          .type_name = "IPV4/PREFIX",
          .default_value = default_value,
          .doc = doc,
          .group = "NETWORK"};
}

key_template stack_stats_key(std::string_view doc) {
  return {.label = "stats",
          .name = "net-stats",
          .cpp_type = "bool",
          .type_name = "BOOL",
          .default_value = "false",
          .doc = doc,
          .group = "NETWORK"};
}

device_impl direct_stack_device(const direct_stack_target& t) {
  device_impl d{
      .combinator = "generic_stackv4",
      .choice = "direct",
      .summary = t.summary,
      .targets = {t.target},
      .choice_key = "net",
      .type = "fata::net::direct_stack<fata::devices::netif, fata::net::default_tcp>",
      .headers = {"fata/net/direct_device.hpp"},
      .libraries = {"fata::net", "fata::net_tcp", "fata::devices"},
      .keys = {{.label = "ipv4",
                .name = "ipv4",
                .cpp_type = "fata::net::ipv4_assignment",
                .type_name = "IPV4/PREFIX|dhcp",
                .default_value = t.ipv4,
                .doc = t.ipv4_doc,
                .group = "NETWORK"},
               {.label = "gateway",
                .name = "ipv4-gateway",
                .cpp_type = "fata::ipv4_addr",
                .type_name = "IPV4",
                .default_value = t.gateway,
                .doc = t.gateway_doc,
                .group = "NETWORK"},
               {.label = "dhcp_probes",
                .name = "dhcp-arp-probes",
                .cpp_type = "unsigned int",
                .type_name = "INT",
                .default_value = "3",
                .doc = "With --ipv4=dhcp: ARP probes of an offered address before taking it (RFC 5227; 0: none)",
                .group = "NETWORK"},
               stack_stats_key("Print every layer's counters at exit")},
      .make = "fata::net::open_direct(std::move({dep:0}), {key:ipv4}, {key:gateway}, {key:dhcp_probes})",
      .fallible = true,
      // The RELEASE of a lease before the counters.
      .at_exit = "co_await {var}.release();\n  fata::net::print_stats({var}, {key:stats});",
      // With --ipv4=dhcp the unikernel starts once an address is held.
      // (Awaited outside the if: g++ 12 miscompiles co_await in a condition.)
      .ready = "auto {var}_leased = co_await fata::net::wait_for_lease({var});\n  if (!{var}_leased) co_return 1;",
  };
  if (t.is_default) d.default_for = {t.target};
  return d;
}

device_impl direct_stackv4v6_device(const direct_stack_target& t) {
  device_impl d = direct_stack_device(t);
  d.combinator = "generic_stackv4v6";
  // Before the stats key, which stays last.
  const key_template stats = d.keys.back();
  d.keys.pop_back();
  d.keys.push_back({.label = "ipv6",
                    .name = "ipv6",
                    .cpp_type = "fata::net::ipv6_assignment",
                    .type_name = "auto|none|IPV6/PREFIX",
                    .default_value = "auto",
                    .doc = "IPv6 beside IPv4: auto (a link-local address and SLAAC from router advertisements), "
                           "none, or ADDR/PREFIX besides auto's",
                    .group = "NETWORK"});
  d.keys.push_back({.label = "ipv6_gateway",
                    .name = "ipv6-gateway",
                    .cpp_type = "fata::ipv6_addr",
                    .type_name = "IPV6",
                    .default_value = "::",
                    .doc = "IPv6 default router (:: for none: only advertised ones)",
                    .group = "NETWORK"});
  d.keys.push_back({.label = "accept_ra",
                    .name = "accept-router-advertisements",
                    .cpp_type = "bool",
                    .type_name = "BOOL",
                    .default_value = "true",
                    .doc = "Learn routers, prefixes and SLAAC addresses from router advertisements",
                    .group = "NETWORK"});
  d.keys.push_back(stats);
  d.make =
      "fata::net::open_direct(std::move({dep:0}), {key:ipv4}, {key:gateway}, {key:dhcp_probes}, {key:ipv6}, "
      "{key:ipv6_gateway}, {key:accept_ra})";
  // The lease, then every IPv6 address out of duplicate address detection
  // (a service that connects at once has a source address).
  d.ready =
      "auto {var}_leased = co_await fata::net::wait_for_lease({var});\n  if (!{var}_leased) co_return 1;\n"
      "  auto {var}_settled = co_await fata::net::wait_for_ipv6({var});\n  if (!{var}_settled) co_return 1;";
  return d;
}

}  // namespace fata::tool
