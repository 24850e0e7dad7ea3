// Signatures: the network stack as a service sees it (IPv4 now; the IPv6
// half comes later): TCP listeners and flows, UDP sockets.
//
// Implementations: fata's own stack over a network interface (`direct`)
// and the host kernel's sockets (`socket`, hosted only). A service written
// against `stackv4` runs on both unchanged.
//
// The layers inside fata's own stack (Ethernet, ARP, IPv4, ICMPv4, UDP,
// TCP) have signatures of their own: fata/net/signatures.hpp.
//
// Ownership: listeners, flows and sockets are move-only handles. Dropping a
// flow that was not closed aborts the connection (RST); dropping a listener
// stops listening.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/flow.hpp>

namespace fata::sig {

enum class stack_error : std::uint8_t {
  address_in_use = 1,  // the port is taken
  invalid_argument,    // e.g. port 0 where a fixed port is needed
  no_memory,           // a bounded table (connections, sockets) is full
  unreachable,         // no route to the destination
  too_big,             // the datagram exceeds what the stack sends
  closed,              // the socket was closed
  cancelled,
  io,                  // the device or host failed
};

constexpr std::string_view describe(stack_error e) noexcept {
  switch (e) {
    case stack_error::address_in_use: return "address in use";
    case stack_error::invalid_argument: return "invalid argument";
    case stack_error::no_memory: return "no memory for another socket";
    case stack_error::unreachable: return "destination unreachable";
    case stack_error::too_big: return "datagram too big";
    case stack_error::closed: return "socket closed";
    case stack_error::cancelled: return "cancelled";
    case stack_error::io: return "I/O error";
  }
  return "unknown stack error";
}

struct ipv4_endpoint {
  ipv4_addr address;
  port number;
  friend constexpr bool operator==(const ipv4_endpoint&, const ipv4_endpoint&) = default;
};

inline void format_value(format_sink& sink, const format_spec& spec, const ipv4_endpoint& e) {
  char buf[24];
  format_padded(sink, spec, format_into(buf, "{}:{}", e.address, e.number), false);
}

// What `receive_from` reports about one datagram.
struct udp_datagram {
  ipv4_endpoint source;
  ipv4_endpoint destination;
  std::size_t size = 0;    // bytes copied into the caller's buffer
  bool truncated = false;  // the datagram was longer than the buffer
};

template <class F>
concept tcp_flow = flow<F> && requires(const F& cf, F& f, bool on) {
  { cf.local() } -> std::same_as<ipv4_endpoint>;
  { cf.remote() } -> std::same_as<ipv4_endpoint>;
  // Disables Nagle's algorithm when `on`.
  { f.set_nodelay(on) } -> std::same_as<void>;
};

template <class L>
concept tcp_listener = requires(L& l, const L& cl) {
  typename L::flow_type;
  requires tcp_flow<typename L::flow_type>;
  // Suspends until a connection is established; errc-like errors as
  // flow_error (closed after close(), cancelled).
  { l.accept() } -> std::same_as<task<result<typename L::flow_type, flow_error>>>;
  { cl.local() } -> std::same_as<ipv4_endpoint>;
  // Stops listening; a pending accept() returns flow_error::closed.
  { l.close() } -> std::same_as<void>;
};

template <class U>
concept udp_socket = requires(U& u, const U& cu, ipv4_endpoint dst, bytes data, mut_bytes out) {
  { u.send_to(dst, data) } -> std::same_as<task<result<void, stack_error>>>;
  // Suspends until a datagram arrives; copies it into `out`.
  { u.receive_from(out) } -> std::same_as<task<result<udp_datagram, stack_error>>>;
  { cu.local() } -> std::same_as<ipv4_endpoint>;
  { u.close() } -> std::same_as<void>;
};

template <class S>
concept stackv4 = requires(S& s, const S& cs, port p, ipv4_endpoint remote) {
  typename S::tcp_flow;
  typename S::tcp_listener;
  typename S::udp_socket;
  requires tcp_flow<typename S::tcp_flow>;
  requires tcp_listener<typename S::tcp_listener>;
  requires udp_socket<typename S::udp_socket>;
  // Listens on port `p` of every local address.
  { s.tcp_listen(p) } -> std::same_as<result<typename S::tcp_listener, stack_error>>;
  // Opens a connection; suspends until established or failed.
  { s.tcp_connect(remote) } -> std::same_as<task<result<typename S::tcp_flow, flow_error>>>;
  // Binds a UDP socket; port 0 picks an ephemeral port.
  { s.udp_bind(p) } -> std::same_as<result<typename S::udp_socket, stack_error>>;
  // The stack's primary IPv4 address.
  { cs.ipv4_address() } -> std::same_as<ipv4_addr>;
};

}  // namespace fata::sig
