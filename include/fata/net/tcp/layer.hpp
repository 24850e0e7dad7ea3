// The TCP layer: every connection of one host, over the IPv4 seam
// (net/transport.hpp), with the coroutine handles a service uses.
//
//   fata::net::tcp::layer tcp(ip_output, random, cfg);   // or tcp(ip_output)
//   ip_layer.attach(fata::net::ip_protocol::tcp, &tcp);
//   auto l = tcp.listen(fata::port(80));                  // sig::tcp_listener
//   auto f = co_await l->accept();                        // sig::tcp_flow
//
// The layer demultiplexes segments to connections (tcp::connection, the
// pure state machine) by their 4-tuple, answers segments for no connection
// with RST (RFC 9293 §3.10.7.1), runs listeners with a bounded SYN backlog
// and accept queue and answers with SYN cookies once the backlog is full,
// picks ephemeral ports (RFC 6056), bounds the number of connections, and
// drives each connection's timers with a fata::timer on the event loop.
// ISNs follow RFC 6528 with a key from the random device.
//
// Handles: `flow` and `listener` are move-only and model sig::tcp_flow and
// sig::tcp_listener. Every suspending call is a named coroutine that wakes
// on the connection's wait queues; a cancelled call returns
// flow_error::cancelled and leaves the connection as it was (a cancelled
// connect aborts the attempt). Dropping a flow that was not closed aborts
// its connection (RST); `close()` lets it finish in the background (FIN,
// then TIME-WAIT), bounded by config::fin_wait_2_timeout and time_wait.
//
// Lifetime: the layer's state is shared with its handles, which may outlive
// the layer; once the layer is gone they fail with flow_error::closed. The
// layer must be constructed and used inside the one event loop; when the
// loop shuts down, the layer's timers stop (so a pending TIME-WAIT never
// delays an image's exit).
//
// Bounds: config::max_connections connections of every state (orphans and
// TIME-WAIT included), config::syn_backlog half-open and accept_backlog
// established-but-unaccepted connections per listener, per connection the
// buffer bounds of tcp::connection, and for all connections together one
// memory budget for buffer storage (config::memory_limit) and the orphan
// bounds (config::max_orphans, orphan_memory: beyond them the oldest
// orphan is reset). Segments over a bound are dropped and counted in
// `counters()`.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include <fata/core/budget.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/net/tcp/config.hpp>
#include <fata/net/tcp/connection.hpp>
#include <fata/net/transport.hpp>
#include <fata/sig/random.hpp>
#include <fata/sig/stack.hpp>

namespace fata::net::tcp {

class flow;

namespace detail {
struct core;
struct entry;
struct listener_state;
flow make_flow(std::shared_ptr<core> c, entry* e);
}  // namespace detail

// One connection, as its user holds it. Models sig::tcp_flow.
class flow {
 public:
  flow() = default;
  flow(flow&& other) noexcept;
  flow& operator=(flow&& other) noexcept;
  flow(const flow&) = delete;
  flow& operator=(const flow&) = delete;
  // Aborts the connection (RST) if it was not closed.
  ~flow();

  // Suspends until data or the end of stream: 0 at the end. Errors:
  // reset, timed_out, closed (after close or shutdown(read)), cancelled.
  task<result<std::size_t, sig::flow_error>> read(mut_bytes out);
  // Suspends until all of `data` is in the send buffer (backpressure).
  task<result<void, sig::flow_error>> write(bytes data);
  task<result<void, sig::flow_error>> writev(std::span<const bytes> parts);
  // write: FIN after the queued data (half-close); read: later data is
  // discarded and reads return closed; both: both.
  task<result<void, sig::flow_error>> shutdown(sig::shutdown_mode how);
  // Closes both directions and releases the handle; does not wait for the
  // peer. Unread received data makes it a reset (RFC 2525 §2.17).
  task<void> close();

  sig::ip_endpoint local() const;
  sig::ip_endpoint remote() const;
  // Disables Nagle's algorithm when `on`.
  void set_nodelay(bool on);
  // The state machine, for diagnostics and tests (null once closed).
  const connection* state() const;

 private:
  friend flow detail::make_flow(std::shared_ptr<detail::core> c, detail::entry* e);
  flow(std::shared_ptr<detail::core> c, detail::entry* e);
  void release();
  static task<result<void, sig::flow_error>> writev_one(std::shared_ptr<detail::core> c,
                                                        detail::entry* e, bytes data);
  std::shared_ptr<detail::core> _core;
  detail::entry* _entry = nullptr;
};

// A listening port. Models sig::tcp_listener.
class listener {
 public:
  using flow_type = tcp::flow;

  listener() = default;
  listener(listener&&) noexcept = default;
  listener& operator=(listener&& other) noexcept;
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;
  ~listener();

  // Suspends until a connection is established. Errors: closed (after
  // close()), cancelled.
  task<result<flow, sig::flow_error>> accept();
  sig::ip_endpoint local() const;
  // Stops listening: pending accepts return closed and connections not yet
  // accepted are reset.
  void close();
  // Established connections waiting for accept().
  std::size_t pending() const;

 private:
  friend class layer;
  listener(std::shared_ptr<detail::core> c, std::shared_ptr<detail::listener_state> l);
  std::shared_ptr<detail::core> _core;
  std::shared_ptr<detail::listener_state> _state;
};

class layer final : public ip_input {
 public:
  using flow_type = tcp::flow;
  using listener_type = tcp::listener;

  static constexpr std::size_t secret_size = secret_hash::key_size;

  // The configuration from the runtime keys, the secret from the
  // platform's entropy source (what the direct stack uses).
  explicit layer(ip_output& ip);
  // The secret drawn from a random device.
  template <sig::random R>
  layer(ip_output& ip, R& random, const config& cfg) : layer(ip, draw_secret(random), cfg) {}
  // An explicit secret (tests and simulations, for reproducible ISNs).
  layer(ip_output& ip, std::span<const std::byte, secret_size> secret, const config& cfg);
  ~layer();
  layer(const layer&) = delete;
  layer& operator=(const layer&) = delete;

  // ip_input: one TCP segment addressed to this host.
  void receive(const ip_meta& meta, bytes payload, mono_time now) override;
  void path_mtu_reduced(const ip_meta& quoted, bytes quoted_segment, std::size_t mtu, mono_time now) override;

  // Listens on `p` on every local address. Errors: invalid_argument (port
  // 0), address_in_use, io (the layer has no secret: no entropy source).
  result<listener, sig::stack_error> listen(port p);
  // Opens a connection from an ephemeral port; suspends until established.
  // Errors: refused, timed_out, unreachable (no route), io (no free port
  // or connection slot, or no entropy source), cancelled.
  task<result<flow, sig::flow_error>> connect(sig::ip_endpoint remote);

  const stats& counters() const;
  const config& configuration() const;
  // Connections in the table by state (index: tcp::state).
  std::array<std::size_t, state_count> connections_by_state() const;
  std::size_t connections() const;
  // Connection objects alive: in the table, or closed but still held by a
  // handle. For leak checks.
  std::size_t connection_objects() const;
  // Heap bytes held by every connection's buffers.
  std::size_t buffer_storage() const;
  // Connections closed by their user and still finishing (bounded by
  // config::max_orphans and the orphan memory).
  std::size_t orphans() const;
  // The budget every connection's buffer storage is charged to
  // (config::memory_limit).
  const memory_budget& memory() const;
  // Counters and connections by state as "tcp.name value" lines.
  void format_stats(format_sink& out) const;

 private:
  // A secret drawn from an entropy source, or none.
  struct drawn_secret {
    std::optional<std::array<std::byte, secret_size>> key;
  };
  template <sig::random R>
  static drawn_secret draw_secret(R& random) {
    std::array<std::byte, secret_size> key{};
    if (random.fill(mut_bytes(key.data(), key.size()))) return {key};
    return platform_secret();
  }
  static drawn_secret platform_secret();
  // Without a secret (no entropy anywhere) the layer is disabled: ISNs and
  // SYN cookies would be predictable, so listen() and connect() fail with
  // `io` and say why in the log, while the rest of the stack (UDP, ICMP)
  // keeps working.
  layer(ip_output& ip, const drawn_secret& secret, const config& cfg);
  std::shared_ptr<detail::core> _core;
};

}  // namespace fata::net::tcp
