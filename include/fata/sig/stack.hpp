// Signatures: the network stack as a service sees it: TCP listeners and
// flows, UDP sockets, over IPv4 (`stackv4`) or both families
// (`stackv4v6`).
//
// Implementations: fata's own stack over a network interface (`direct`)
// and the host kernel's sockets (`socket`, hosted only). A service written
// against `stackv4` or `stackv4v6` runs on both unchanged.
//
// Endpoints are `ip_endpoint`s of either family everywhere a stack reports
// one (a flow's ends, a datagram's source); an `ipv4_endpoint` converts to
// one, so a `stackv4` service names its peers as before. A listener and a
// bound UDP port take both families at once; whether a stack has IPv6 at
// all is its configuration's business (the direct stack's `--ipv6` key),
// as MirageOS's V4V6 stack with `--ipv4-only`.
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
#include <optional>
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

// An address of either family and a port.
struct ip_endpoint {
  ip_addr address;
  port number;

  constexpr ip_endpoint() = default;
  constexpr ip_endpoint(ip_addr a, port p) : address(a), number(p) {}
  constexpr ip_endpoint(const ipv4_endpoint& e) : address(e.address), number(e.number) {}
  // The IPv4 endpoint (precondition: address.is_v4()).
  constexpr ipv4_endpoint v4() const { return {address.v4(), number}; }
  friend constexpr bool operator==(const ip_endpoint&, const ip_endpoint&) = default;
};

// "192.0.2.1:80" or "[2001:db8::1]:80" (RFC 5952 §6).
inline void format_value(format_sink& sink, const format_spec& spec, const ip_endpoint& e) {
  char buf[56];
  format_padded(sink, spec,
                e.address.is_v4() ? format_into(buf, "{}:{}", e.address, e.number)
                                  : format_into(buf, "[{}]:{}", e.address, e.number),
                false);
}

// What `receive_from` reports about one datagram.
struct udp_datagram {
  ip_endpoint source;
  ip_endpoint destination;
  std::size_t size = 0;    // bytes copied into the caller's buffer
  bool truncated = false;  // the datagram was longer than the buffer
};

template <class F>
concept tcp_flow = flow<F> && requires(const F& cf, F& f, bool on) {
  { cf.local() } -> std::same_as<ip_endpoint>;
  { cf.remote() } -> std::same_as<ip_endpoint>;
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
  { cl.local() } -> std::same_as<ip_endpoint>;
  // Stops listening; a pending accept() returns flow_error::closed.
  { l.close() } -> std::same_as<void>;
};

template <class U>
concept udp_socket = requires(U& u, const U& cu, ip_endpoint dst, bytes data, mut_bytes out) {
  { u.send_to(dst, data) } -> std::same_as<task<result<void, stack_error>>>;
  // Suspends until a datagram arrives; copies it into `out`.
  { u.receive_from(out) } -> std::same_as<task<result<udp_datagram, stack_error>>>;
  { cu.local() } -> std::same_as<ip_endpoint>;
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

// Both families: connects to an endpoint of either (a listener and a UDP
// port already take both). A stack configured without IPv6 still models
// it; connecting to an IPv6 endpoint then fails as unreachable.
template <class S>
concept stackv4v6 = stackv4<S> && requires(S& s, const S& cs, ip_endpoint remote) {
  { s.tcp_connect(remote) } -> std::same_as<task<result<typename S::tcp_flow, flow_error>>>;
  // The address the stack prefers to be reached at over IPv6 (a global
  // one once it is usable, else its link-local one), if it has IPv6.
  { cs.ipv6_address() } -> std::same_as<std::optional<ipv6_addr>>;
};

}  // namespace fata::sig
