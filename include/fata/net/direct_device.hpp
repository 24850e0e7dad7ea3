// The direct stack as the fata tool's `generic_stackv4` device and the
// per-target runners (fata/net/hosted_stacks.hpp) make it
// (net=direct on hosted, the only stack on virtio; see
// tool/src/targets/): opened over the unikernel's network interface from
// the runtime keys --ipv4 and --ipv4-gateway, its counters printed at exit
// with --net-stats.
//
// Guarantees: open_direct takes the interface over and returns the stack
// (fata's default TCP) or stack_error; print_stats prints one
// `layer.counter value` line per nonzero counter of the interface
// (netif.*), of every layer (net/host.hpp), then of the TCP provider, and
// nothing when `enabled` is false.
#pragma once

#include <cstdint>
#include <string_view>
#include <utility>

#include <fata/core/addr.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/net/direct.hpp>
#include <fata/net/tcp_default.hpp>
#include <fata/platform/abi.hpp>

namespace fata::net {

// Contract: inside a running loop (direct_stack::open).
template <sig::netif Netif>
result<direct_stack<Netif, default_tcp>, sig::stack_error> open_direct(Netif nic, ipv4_prefix address,
                                                                      ipv4_addr gateway) {
  host_config cfg;
  cfg.ip.address = address;
  cfg.ip.gateway = gateway;
  return direct_stack<Netif, default_tcp>::open(std::move(nic), cfg);
}

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
