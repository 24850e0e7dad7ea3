// UDP (RFC 768) over the IP layers of both families: a table of bound
// ports (one port space: a bound port takes datagrams of either family,
// as a Linux socket bound to :: without IPV6_V6ONLY), each with a bounded
// queue of received datagrams and their source, and sending with the
// checksum computed over the caller's buffers in place.
//
// Guarantees: a datagram with a bad checksum or length is dropped and
// counted; one for a port nobody bound gets a port unreachable from the
// `ip_errors` of its family (rate limited there; never for broadcasts or
// multicast); a full endpoint queue
// (`max_queued` datagrams or `max_queued_bytes`) drops the newest datagram
// and counts it. Ports are bounded by `max_endpoints`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <unordered_map>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/net/transport.hpp>
#include <fata/sig/stack.hpp>

namespace fata::net {

struct udp_config {
  std::size_t max_endpoints = 1024;
  std::size_t max_queued = 64;               // datagrams per endpoint
  std::size_t max_queued_bytes = 256 * 1024;  // per endpoint
};

struct udp_stats {
  std::uint64_t rx_datagrams = 0;
  std::uint64_t rx_delivered = 0;
  std::uint64_t rx_malformed = 0;
  std::uint64_t rx_bad_checksum = 0;
  std::uint64_t rx_no_port = 0;
  std::uint64_t rx_queue_full = 0;
  std::uint64_t tx_datagrams = 0;
  std::uint64_t tx_failed = 0;
};

// One received datagram, owned.
struct udp_received {
  sig::ip_endpoint source;
  sig::ip_endpoint destination;
  buffer data;
};

class udp_layer;

// A bound port: its queue of received datagrams. The glue sets `on_ready`
// to wake the task waiting in receive.
class udp_endpoint {
 public:
  port local_port() const { return _port; }
  bool empty() const { return _queue.empty(); }
  std::size_t queued() const { return _queue.size(); }
  // Takes the oldest datagram, if any.
  std::optional<udp_received> pop();

  void (*on_ready)(void* context) = nullptr;
  void* ready_context = nullptr;

 private:
  friend class udp_layer;
  port _port;
  std::deque<udp_received> _queue;
  std::size_t _queued_bytes = 0;
};

class udp_layer final : public ip_input {
 public:
  // `errors` answers datagrams for unbound ports (null: nobody does).
  udp_layer(ip_output& ip, ip_errors* errors, udp_config cfg = {});
  ~udp_layer();
  udp_layer(const udp_layer&) = delete;
  udp_layer& operator=(const udp_layer&) = delete;

  // Binds `p` (0: an ephemeral port). The endpoint lives until unbind().
  // Errors: address_in_use, no_memory (max_endpoints).
  result<udp_endpoint*, sig::stack_error> bind(port p);
  void unbind(udp_endpoint* e);

  // Sends one datagram from `from` to `to` whose payload is the
  // concatenation of `parts`. Errors: too_big (over 65507 bytes over
  // IPv4, 65527 over IPv6, or over the IPv6 path MTU until IPv6 fragments),
  // unreachable (no route, next hop unresolved), no_memory.
  result<void, sig::stack_error> send(port from, sig::ip_endpoint to, std::span<const bytes> parts);

  void receive(const ip_meta& meta, bytes payload, mono_time now) override;

  std::size_t endpoints() const { return _ports.size(); }
  const udp_stats& stats() const { return _stats; }

 private:
  ip_output* _ip;
  ip_errors* _errors;
  udp_config _cfg;
  std::unordered_map<std::uint16_t, udp_endpoint*> _ports;
  std::uint16_t _next_ephemeral = 49152;
  udp_stats _stats;
};

}  // namespace fata::net
