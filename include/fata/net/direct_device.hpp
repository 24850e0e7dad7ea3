// The direct stack as the fata tool's `generic_stackv4` device and the
// per-target runners (fata/net/hosted_stacks.hpp) make it
// (net=direct on hosted, the only stack on virtio; see
// tool/src/targets/): opened over the unikernel's network interface from
// the runtime keys --ipv4 and --ipv4-gateway, its counters printed at exit
// with --net-stats.
//
// --ipv4 takes an address with its prefix or `dhcp` (ipv4_assignment):
// with `dhcp` the stack starts unconfigured and its DHCP client leases one
// (net/host.hpp; the seed of its xids and waits from the platform's
// entropy); wait_for_lease then waits for it.
//
// Guarantees: open_direct takes the interface over and returns the stack
// (fata's default TCP) or stack_error; print_stats prints one
// `layer.counter value` line per nonzero counter of the interface
// (netif.*), of every layer (net/host.hpp), then of the TCP provider, and
// nothing when `enabled` is false.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include <fata/core/addr.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/core/result.hpp>
#include <fata/net/direct.hpp>
#include <fata/net/tcp_default.hpp>
#include <fata/platform/abi.hpp>

namespace fata::net {

// How the direct stack gets its IPv4 address: "10.0.0.2/24" or "dhcp".
struct ipv4_assignment {
  bool dhcp = false;
  ipv4_prefix address{ipv4_addr::any(), 0};

  constexpr ipv4_assignment() = default;
  // A static address (implicit: where an ipv4_prefix was, this is).
  constexpr ipv4_assignment(ipv4_prefix p) : address(p) {}
  static constexpr ipv4_assignment from_dhcp() {
    ipv4_assignment a;
    a.dhcp = true;
    return a;
  }
  static std::optional<ipv4_assignment> parse(std::string_view text) {
    if (text == "dhcp") return from_dhcp();
    if (auto p = ipv4_prefix::parse(text)) return ipv4_assignment(*p);
    return std::nullopt;
  }
  friend constexpr bool operator==(const ipv4_assignment&, const ipv4_assignment&) = default;
};
inline void format_value(format_sink& sink, const format_spec& spec, const ipv4_assignment& a) {
  if (a.dhcp) {
    format_value(sink, spec, std::string_view("dhcp"));
    return;
  }
  format_value(sink, spec, a.address);
}

// Whether and how the direct stack speaks IPv6: "none"; "auto" (a
// link-local address, then routers, prefixes and SLAAC addresses from
// router advertisements); or "ADDR/PREFIX", a configured address on top
// of auto's (as Linux with a static address still accepts advertisements).
struct ipv6_assignment {
  enum class mode : std::uint8_t { none, automatic, fixed };
  mode how = mode::none;
  ipv6_prefix address{};

  static std::optional<ipv6_assignment> parse(std::string_view text) {
    if (text == "none") return ipv6_assignment{};
    if (text == "auto") return ipv6_assignment{mode::automatic, {}};
    auto p = ipv6_prefix::parse(text);
    // An address of the link, not a group or the unspecified one.
    if (!p || p->address.is_multicast() || p->address.is_any() || p->length == 0) return std::nullopt;
    return ipv6_assignment{mode::fixed, *p};
  }
  friend constexpr bool operator==(const ipv6_assignment&, const ipv6_assignment&) = default;
};
inline void format_value(format_sink& sink, const format_spec& spec, const ipv6_assignment& a) {
  switch (a.how) {
    case ipv6_assignment::mode::none: format_value(sink, spec, std::string_view("none")); return;
    case ipv6_assignment::mode::automatic: format_value(sink, spec, std::string_view("auto")); return;
    case ipv6_assignment::mode::fixed: format_value(sink, spec, a.address); return;
  }
}

// Contract: inside a running loop (direct_stack::open).
template <sig::netif Netif>
result<direct_stack<Netif, default_tcp>, sig::stack_error> open_direct(
    Netif nic, ipv4_assignment address, ipv4_addr gateway, dhcpv4_client_config dhcp = {}, ipv6_assignment ipv6 = {},
    ipv6_addr ipv6_gateway = ipv6_addr::any(), bool accept_router_advertisements = true) {
  host_config cfg;
  if (ipv6.how != ipv6_assignment::mode::none) {
    // RFC 7217's key, new at each boot until an image can keep one.
    cfg.ipv6 = true;
    if (ipv6.how == ipv6_assignment::mode::fixed) cfg.ipv6_cfg.address = ipv6.address;
    if (!ipv6_gateway.is_any()) cfg.ipv6_cfg.gateway = ipv6_gateway;
    cfg.ipv6_cfg.accept_router_advertisements = accept_router_advertisements;
    cfg.ipv6_cfg.secret.resize(16);
    (void)platform::random_bytes(std::span<std::byte>(cfg.ipv6_cfg.secret));
    std::array<std::byte, 8> seed{};
    (void)platform::random_bytes(std::span<std::byte>(seed));
    cfg.ipv6_cfg.ndp.seed = bytes(seed.data(), seed.size()).be64(0) | 1;
  }
  cfg.ip.address = address.address;
  cfg.ip.gateway = gateway;
  if (address.dhcp) {
    cfg.dhcp = true;
    cfg.dhcp_client = std::move(dhcp);
    if (cfg.dhcp_client.seed == 0) {
      std::array<std::byte, 8> seed{};
      (void)platform::random_bytes(std::span<std::byte>(seed));
      // The MAC too: without an entropy source, two machines still draw
      // different transaction IDs.
      std::uint64_t mac = 0;
      for (std::uint8_t o : nic.mac().octets) mac = mac << 8 | o;
      cfg.dhcp_client.seed = bytes(seed.data(), seed.size()).be64(0) ^ (mac * 0x9e3779b97f4a7c15u) ^ 1;
    }
  }
  return direct_stack<Netif, default_tcp>::open(std::move(nic), cfg);
}

// The same with only the RFC 5227 probe count of the DHCP client set (the
// runners' and the tool's --dhcp-arp-probes).
template <sig::netif Netif>
result<direct_stack<Netif, default_tcp>, sig::stack_error> open_direct(Netif nic, ipv4_assignment address,
                                                                       ipv4_addr gateway,
                                                                       unsigned dhcp_arp_probes,
                                                                       ipv6_assignment ipv6 = {},
                                                                       ipv6_addr ipv6_gateway = ipv6_addr::any(),
                                                                       bool accept_router_advertisements = true) {
  dhcpv4_client_config dhcp;
  dhcp.probes = dhcp_arp_probes;
  return open_direct(std::move(nic), address, gateway, std::move(dhcp), ipv6, ipv6_gateway,
                     accept_router_advertisements);
}

// Waits until a DHCP stack holds an address (at once for a static one;
// the host logs each lease). Errors: cancelled (the service's time ran out first).
template <class Netif, class Tcp>
task<result<void, sig::stack_error>> wait_for_lease(direct_stack<Netif, Tcp>& stack) {
  while (stack.ipv4_address().is_any()) {
    auto changed = co_await stack.address_change();
    if (!changed) co_return unexpected(changed.error());
  }
  co_return result<void, sig::stack_error>{};
}

// Waits until no IPv6 address of the stack is in duplicate address
// detection (each usable, or found duplicate): a service that connects at
// once then has a source address. Without IPv6, at once.
template <class Netif, class Tcp>
task<result<void, sig::stack_error>> wait_for_ipv6(direct_stack<Netif, Tcp>& stack) {
  for (;;) {
    const ipv6_layer* ip6 = stack.layers().ip6();
    if (!ip6) break;
    const auto& all = ip6->addresses().addresses();
    const bool tentative = std::any_of(all.begin(), all.end(), [](const address_list::address& a) {
      return a.what == address_list::state::tentative;
    });
    if (!tentative) break;
    auto changed = co_await stack.address_change();
    if (!changed) co_return unexpected(changed.error());
  }
  co_return result<void, sig::stack_error>{};
}

namespace detail {
inline log::source& runner_log() {
  static log::source s{"net.runner", "Starting a service on the direct stack"};
  return s;
}
}  // namespace detail

// Runs `service` once the stack has its addresses (a DHCP lease, IPv6 out
// of DAD): what a per-target runner hands run_for_at_most, so the wait
// counts against --run-for.
template <class Service>
struct after_lease {
  Service service;
  template <class Stack>
  task<int> operator()(Stack& stack) const {
    // Only a DHCP stack waits: one configured 0.0.0.0/0 on purpose (a
    // broadcast-only service) runs at once, as before.
    if (stack.layers().dhcp() && stack.ipv4_address().is_any()) {
      auto leased = co_await wait_for_lease(stack);
      if (!leased) {
        detail::runner_log().error("no DHCP lease before the service's time ran out ({})", leased.error());
        co_return 1;
      }
    }
    auto settled = co_await wait_for_ipv6(stack);
    if (!settled) co_return 1;
    co_return co_await service(stack);
  }
};

namespace detail {
inline void print_stats_line(void*, std::string_view text) { platform::console_write(text); }
inline void print_counter(format_sink& out, std::string_view name, std::uint64_t value) {
  if (value != 0) format_to(out, "{:<28} {}\n", name, value);
}
}  // namespace detail

template <class Netif, class Tcp>
void print_stats(direct_stack<Netif, Tcp>& stack, bool enabled) {
  if (!enabled) return;
  format_sink out(&detail::print_stats_line, nullptr);
  const sig::netif_stats& n = stack.netif().stats();
  detail::print_counter(out, "netif.rx_frames", n.rx_frames);
  detail::print_counter(out, "netif.rx_gso_frames", n.rx_gso_frames);
  detail::print_counter(out, "netif.rx_errors", n.rx_errors);
  detail::print_counter(out, "netif.tx_frames", n.tx_frames);
  detail::print_counter(out, "netif.tx_dropped", n.tx_dropped);
  stack.layers().format_stats(out);
  if constexpr (requires { stack.tcp().format_stats(out); }) stack.tcp().format_stats(out);
}

}  // namespace fata::net

template <>
struct fata::key_codec<fata::net::ipv4_assignment> {
  static constexpr std::string_view type_name = "IPV4/PREFIX|dhcp";
  static result<net::ipv4_assignment, std::string> parse(std::string_view s) {
    if (auto a = net::ipv4_assignment::parse(s)) return *a;
    return unexpected(std::string("expected an IPv4 address with prefix length such as 10.0.0.2/24, or dhcp"));
  }
  static std::string print(const net::ipv4_assignment& v) { return format("{}", v); }
};

template <>
struct fata::key_codec<fata::net::ipv6_assignment> {
  static constexpr std::string_view type_name = "none|auto|IPV6/PREFIX";
  static result<net::ipv6_assignment, std::string> parse(std::string_view s) {
    if (auto a = net::ipv6_assignment::parse(s)) return *a;
    return unexpected(std::string("expected none, auto, or an IPv6 address with prefix length such as 2001:db8::2/64"));
  }
  static std::string print(const net::ipv6_assignment& v) { return format("{}", v); }
};
