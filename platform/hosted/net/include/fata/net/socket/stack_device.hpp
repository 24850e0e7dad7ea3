// The socket stack as the fata tool's `generic_stackv4` device makes it on
// hosted (net=socket; see tool/src/targets/hosted.cpp): bound to the
// address of the runtime key --ipv4, its counters printed at exit with
// --net-stats.
//
// Guarantees: open_bound returns the stack or stack_error; print_stats
// prints one `socket.counter value` line per counter of socket::stats, and
// nothing when `enabled` is false.
#pragma once

#include <fata/core/addr.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/net/socket/stack.hpp>
#include <fata/platform/abi.hpp>

namespace fata::net::socket {

// Sockets bind to `address`'s address (0.0.0.0: every host address); the
// prefix length is not used.
inline result<stack, sig::stack_error> open_bound(ipv4_prefix address) {
  stack_config cfg;
  cfg.bind = address.address;
  return stack::open(cfg);
}

inline void print_stats(const stack& s, bool enabled) {
  if (!enabled) return;
  const stats& st = s.stats();
  platform::console_write(format(
      "socket.tcp_accepted {}\nsocket.tcp_connected {}\nsocket.tcp_connect_failed {}\n"
      "socket.tcp_resets {}\nsocket.udp_sent {}\nsocket.udp_received {}\nsocket.udp_truncated {}\n"
      "socket.sockets_open {}\nsocket.sockets_refused {}\n",
      st.tcp_accepted, st.tcp_connected, st.tcp_connect_failed, st.tcp_resets, st.udp_sent,
      st.udp_received, st.udp_truncated, st.sockets_open, st.sockets_refused));
}

}  // namespace fata::net::socket
