// The `socket` stack (hosted only): the host kernel's TCP/IP through
// ordinary non-blocking sockets, modelling fata::sig::stackv4v6, so that a
// service written against the signature runs on Linux's stack unchanged
// (MirageOS's --net=socket). Bound to any() (the default), listeners and
// UDP sockets are IPv6 sockets with IPV6_V6ONLY off and take both
// families (IPv4 peers reported as IPv4 endpoints), unless the host has no
// IPv6; bound to an address, they take its family only.
//
// All sockets of a stack are registered, edge-triggered, with one epoll
// descriptor of the stack's own, which is one watched handle of the event
// loop (fata::platform::hosted::watch_fd). A small dispatcher task, started
// on the first wait and stopped with the loop, turns its readiness into
// wake-ups of the tasks waiting on each socket; a socket whose data nobody
// reads therefore costs nothing (no busy loop).
//
// Guarantees: every operation that waits suspends only the calling task and
// honours cancellation (flow_error::cancelled / stack_error::cancelled, the
// socket stays usable or closed, never half-registered). Host errors map
// onto flow_error and stack_error (ECONNRESET -> reset, ECONNREFUSED ->
// refused, ETIMEDOUT -> timed_out, EHOSTUNREACH -> unreachable, EADDRINUSE
// -> address_in_use, EMFILE -> no_memory). Errors on a flow are sticky. The
// number of sockets is bounded by `config::max_sockets`.
//
// Ownership: the stack and the handles it hands out (flows, listeners, UDP
// sockets) are move-only; handles keep the stack's shared state alive, so
// they may outlive the `stack` object. An operation in flight keeps a
// pointer to its handle's state: do not destroy a handle while one of its
// operations is suspended (join the tasks first). Dropping a flow that was
// not closed aborts the connection with RST, as the signature says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/flow.hpp>
#include <fata/sig/stack.hpp>

namespace fata::net::socket {

namespace detail {
struct core;
struct sock;
struct access;
}  // namespace detail

// Counters of one socket stack, readable by the service.
struct stats {
  std::uint64_t tcp_accepted = 0;
  std::uint64_t tcp_connected = 0;     // successful connects
  std::uint64_t tcp_connect_failed = 0;
  std::uint64_t tcp_resets = 0;         // flows that ended with a reset
  std::uint64_t udp_sent = 0;
  std::uint64_t udp_received = 0;
  std::uint64_t udp_truncated = 0;
  std::uint64_t sockets_open = 0;       // live now
  std::uint64_t sockets_refused = 0;    // over max_sockets or host limit
  std::uint64_t dispatch_rounds = 0;    // epoll batches handled
};

// A TCP connection over a host socket. Models sig::tcp_flow.
class tcp_flow {
 public:
  tcp_flow() = default;
  tcp_flow(tcp_flow&& other) noexcept;
  tcp_flow& operator=(tcp_flow&& other) noexcept;
  // Aborts the connection (RST) if it was not closed.
  ~tcp_flow();

  bool valid() const { return _sock != nullptr; }

  // Suspends until data, end of stream (0) or an error; copies up to
  // out.size() bytes.
  task<result<std::size_t, sig::flow_error>> read(mut_bytes out);
  // Suspends until the host accepted every byte (its send buffer is the
  // backpressure).
  task<result<void, sig::flow_error>> write(bytes data);
  task<result<void, sig::flow_error>> writev(std::span<const bytes> parts);
  task<result<void, sig::flow_error>> shutdown(sig::shutdown_mode how);
  // Closes both directions gracefully (FIN) and wakes pending operations
  // with flow_error::closed. Never suspends in practice.
  task<void> close();

  sig::ip_endpoint local() const;
  sig::ip_endpoint remote() const;
  void set_nodelay(bool on);

 private:
  friend struct detail::access;
  explicit tcp_flow(detail::sock* s) : _sock(s) {}
  detail::sock* _sock = nullptr;
};

// A listening TCP socket. Models sig::tcp_listener.
class tcp_listener {
 public:
  using flow_type = tcp_flow;

  tcp_listener() = default;
  tcp_listener(tcp_listener&& other) noexcept;
  tcp_listener& operator=(tcp_listener&& other) noexcept;
  ~tcp_listener();

  // Suspends until a connection arrives; flow_error::closed after close(),
  // cancelled when the caller is cancelled.
  task<result<tcp_flow, sig::flow_error>> accept();
  sig::ip_endpoint local() const;
  void close();

 private:
  friend struct detail::access;
  explicit tcp_listener(detail::sock* s) : _sock(s) {}
  detail::sock* _sock = nullptr;
};

// A bound UDP socket. Models sig::udp_socket.
class udp_socket {
 public:
  udp_socket() = default;
  udp_socket(udp_socket&& other) noexcept;
  udp_socket& operator=(udp_socket&& other) noexcept;
  ~udp_socket();

  // Sends one datagram; suspends only while the host's buffer is full.
  task<result<void, sig::stack_error>> send_to(sig::ip_endpoint destination, bytes data);
  // Suspends until a datagram arrives; copies what fits into `out` and says
  // whether it was truncated, and who sent it to which local address.
  task<result<sig::udp_datagram, sig::stack_error>> receive_from(mut_bytes out);
  sig::ip_endpoint local() const;
  void close();

 private:
  friend struct detail::access;
  explicit udp_socket(detail::sock* s) : _sock(s) {}
  detail::sock* _sock = nullptr;
};

// How a socket stack binds and what it allows.
struct stack_config {
  // The local address sockets bind to; any() binds every host address of
  // both families.
  ip_addr bind = ipv4_addr::any();
  // The most sockets (flows, listeners, UDP) open at once.
  std::size_t max_sockets = 16384;
  // The host listen backlog.
  int backlog = 1024;
};

class stack {
 public:
  using tcp_flow = socket::tcp_flow;
  using tcp_listener = socket::tcp_listener;
  using udp_socket = socket::udp_socket;

  using config = stack_config;

  // Creates the stack's epoll descriptor and registers it with the loop's
  // platform. stack_error::io if the host refuses.
  static result<stack, sig::stack_error> open(const config& cfg = {});

  stack(stack&&) noexcept;
  stack& operator=(stack&&) noexcept;
  ~stack();

  // Listens on `p` (0 picks an ephemeral port; local() tells which).
  result<tcp_listener, sig::stack_error> tcp_listen(port p);
  // Connects to `remote`; suspends until established, refused, timed out
  // (the host's SYN retries) or cancelled.
  task<result<tcp_flow, sig::flow_error>> tcp_connect(sig::ip_endpoint remote);
  // Binds a UDP socket to `p` (0: ephemeral).
  result<udp_socket, sig::stack_error> udp_bind(port p);
  // The configured IPv4 bind address (any() by default or when bound to
  // an IPv6 address).
  ipv4_addr ipv4_address() const;
  // The IPv6 bind address: any() when bound to every address and the host
  // has IPv6; none when bound to an IPv4 address or without IPv6.
  std::optional<ipv6_addr> ipv6_address() const;

  const socket::stats& stats() const;

 private:
  explicit stack(std::shared_ptr<detail::core> c);
  std::shared_ptr<detail::core> _core;
};

}  // namespace fata::net::socket
