// The `direct` stack: fata's own TCP/IP over a network interface
// (sig::netif: a TAP device on hosted, virtio-net in a VM, the simulator's
// switch port in tests), modelling fata::sig::stackv4v6 (and so stackv4):
// with host_config::ipv6 set, listeners, UDP ports and connects take both
// families. The same service code runs on it and on the `socket` stack.
//
//   auto s = fata::net::direct_stack<fata::devices::netif, Tcp>::open(std::move(nic), cfg);
//   auto l = s->tcp_listen(fata::port(80));
//
// This header is the thin coroutine glue: one task receives frames and
// feeds them to the layers (net/host.hpp), one loop timer drives their
// timers, and UDP sockets wait on wait queues the layers wake. TCP is a
// provider type plugged in through net/transport.hpp (see `tcp_provider`);
// `no_tcp` stands in where there is none.
//
// Lifetime: the stack's state lives on the heap, shared by the stack
// object, its handles and its receive task, so handles may outlive the
// stack object; the receive task stops when the stack object is destroyed
// or the loop shuts down. Contract: the stack is opened inside a running
// loop.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include <fata/core/log.hpp>
#include <fata/core/loop.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/net/host.hpp>
#include <fata/net/transport.hpp>
#include <fata/platform/abi.hpp>
#include <fata/sig/netif.hpp>
#include <fata/sig/stack.hpp>

namespace fata::net {

// What the direct stack needs from a TCP implementation: it is an
// ip_input (registered for protocol 6), is built over an ip_output,
// and hands out listeners and flows modelling the signatures.
template <class T>
concept tcp_provider =
    std::derived_from<T, ip_input> && std::constructible_from<T, ip_output&> &&
    requires(T& t, port p, sig::ip_endpoint remote) {
      typename T::flow_type;
      typename T::listener_type;
      requires sig::tcp_flow<typename T::flow_type>;
      requires sig::tcp_listener<typename T::listener_type>;
      { t.listen(p) } -> std::same_as<result<typename T::listener_type, sig::stack_error>>;
      { t.connect(remote) } -> std::same_as<task<result<typename T::flow_type, sig::flow_error>>>;
    };

// A TCP provider with no TCP: listening is refused and connecting fails.
// For images (and tests) that need only UDP and ICMP.
class no_tcp final : public ip_input {
 public:
  class flow_type {
   public:
    task<result<std::size_t, sig::flow_error>> read(mut_bytes) { co_return unexpected(sig::flow_error::closed); }
    task<result<void, sig::flow_error>> write(bytes) { co_return unexpected(sig::flow_error::closed); }
    task<result<void, sig::flow_error>> writev(std::span<const bytes>) { co_return unexpected(sig::flow_error::closed); }
    task<result<void, sig::flow_error>> shutdown(sig::shutdown_mode) { co_return unexpected(sig::flow_error::closed); }
    task<void> close() { co_return; }
    sig::ip_endpoint local() const { return {}; }
    sig::ip_endpoint remote() const { return {}; }
    void set_nodelay(bool) {}
  };
  class listener_type {
   public:
    using flow_type = no_tcp::flow_type;
    task<result<flow_type, sig::flow_error>> accept() { co_return unexpected(sig::flow_error::closed); }
    sig::ip_endpoint local() const { return {}; }
    void close() {}
  };
  explicit no_tcp(ip_output&) {}
  void receive(const ip_meta&, bytes, mono_time) override { ++_dropped; }
  result<listener_type, sig::stack_error> listen(port) {
    return unexpected(sig::stack_error::invalid_argument);
  }
  task<result<flow_type, sig::flow_error>> connect(sig::ip_endpoint) {
    co_return unexpected(sig::flow_error::refused);
  }
  std::uint64_t dropped() const { return _dropped; }

 private:
  std::uint64_t _dropped = 0;
};

static_assert(tcp_provider<no_tcp>);

namespace detail {

// `cfg` with a secret IPv4 Identification key from the platform's entropy
// (ipv4.hpp) unless the caller gave one (non-zero).
inline host_config with_ident_key(host_config cfg) {
  auto& key = cfg.ip.ident_key;
  for (std::byte b : key)
    if (b != std::byte{0}) return cfg;
  if (platform::random_bytes(std::span<std::byte>(key)) != platform::status::ok) {
    key.fill(std::byte{0});
    static log::source direct_log{"net.direct", "The direct stack"};
    direct_log.warn("no entropy source: IPv4 identification values are predictable");
  }
  return cfg;
}

// Everything the stack's handles and its task share.
template <sig::netif Netif, tcp_provider Tcp>
struct direct_core final : frame_sink, std::enable_shared_from_this<direct_core<Netif, Tcp>> {
  Netif nic;
  host stack;
  Tcp tcp;
  timer tick{&on_tick, this};
  cancel_state* receiver = nullptr;
  bool running = true;  // until the receive task ends
  bool stack_alive = true;
  // Woken when the address changes (DHCP).
  wait_queue address_changes;

  direct_core(Netif n, const host_config& cfg)
      : nic(std::move(n)),
        stack(nic.mac(), nic.mtu(), *this, clock_ref{&loop_now, nullptr}, with_ident_key(cfg)),
        tcp(stack.output()) {
    stack.on_address_change = [](void* self) {
      static_cast<direct_core*>(self)->address_changes.notify_all();
    };
    stack.address_context = this;
  }

  static mono_time loop_now(void*) { return loop::current().now(); }

  result<void, sig::net_error> send_frame(std::span<const bytes> parts) override {
    return nic.send_gather(parts);
  }

  // Re-arms the one timer at the layers' earliest deadline when it moved.
  void rearm() {
    if (!running || !stack.timers_changed()) return;
    const mono_time at = stack.poll_at();
    if (at == mono_never) return;
    if (!tick.armed() || at < tick.deadline()) tick.arm(at);
  }

  static void on_tick(void* self) {
    auto* c = static_cast<direct_core*>(self);
    const mono_time now = loop::current().now();
    c->stack.poll(now);
    const mono_time at = c->stack.poll_at();
    if (at != mono_never && c->running) c->tick.arm(at);
  }
};

// Frames the receive task handles per turn of the loop before it yields
// to the loop (NAPI's weight): a flood of frames then delays timers and
// other tasks by at most this many frames' work.
inline constexpr std::size_t receive_budget = 64;

template <sig::netif Netif, tcp_provider Tcp>
task<void> direct_receive(std::shared_ptr<direct_core<Netif, Tcp>> c) {
  c->receiver = co_await current_cancel_state();
  std::size_t budget = receive_budget;
  while (c->stack_alive) {
    if (budget-- == 0) {
      // A receive() with frames queued completes without suspending: give
      // the loop its turn (timers, tasks, other devices) now and then.
      budget = receive_budget - 1;
      auto turn = co_await yield_to_io{};
      if (!turn) break;
    }
    // Its frame is essential: the receive is what lets the frames of
    // waiting connections come back (see essential_frames).
    auto receiving = [&] {
      essential_frames scope;
      return c->nic.receive();
    }();
    auto frame = co_await std::move(receiving);
    if (!frame) {
      if (frame.error() == sig::net_error::cancelled || frame.error() == sig::net_error::closed)
        break;
      // A device failure: back off rather than spin.
      auto slept = co_await sleep(10ms);
      if (!slept) break;
      continue;
    }
    c->stack.input(*frame, loop::current().now());
    c->rearm();
  }
  c->receiver = nullptr;
  c->running = false;
  c->tick.disarm();
}

}  // namespace detail

// A UDP socket of the direct stack. Models sig::udp_socket.
template <sig::netif Netif, tcp_provider Tcp>
class direct_udp_socket {
 public:
  using core = detail::direct_core<Netif, Tcp>;

  direct_udp_socket() = default;
  direct_udp_socket(std::shared_ptr<core> c, udp_endpoint* e) : _state(new state{std::move(c), e, {}}) {
    _state->endpoint->on_ready = [](void* s) { static_cast<state*>(s)->readers.notify_all(); };
    _state->endpoint->ready_context = _state.get();
  }
  direct_udp_socket(direct_udp_socket&&) noexcept = default;
  direct_udp_socket& operator=(direct_udp_socket&& o) noexcept {
    if (this != &o) {
      close();
      _state = std::move(o._state);
    }
    return *this;
  }
  ~direct_udp_socket() { close(); }

  task<result<void, sig::stack_error>> send_to(sig::ip_endpoint to, bytes data) {
    return do_send(_state.get(), to, data);
  }
  task<result<sig::udp_datagram, sig::stack_error>> receive_from(mut_bytes out) {
    return do_receive(_state.get(), out);
  }
  sig::ip_endpoint local() const {
    if (!_state || !_state->endpoint) return {};
    return {_state->c->stack.ip().address(), _state->endpoint->local_port()};
  }
  void close() {
    if (!_state || !_state->endpoint) return;
    _state->c->stack.udp().unbind(_state->endpoint);
    _state->endpoint = nullptr;
    _state->readers.notify_all();
  }

 private:
  struct state {
    std::shared_ptr<core> c;
    udp_endpoint* endpoint;
    wait_queue readers;
  };

  static task<result<void, sig::stack_error>> do_send(state* s, sig::ip_endpoint to, bytes data) {
    if (!s || !s->endpoint) co_return unexpected(sig::stack_error::closed);
    const bytes parts[1] = {data};
    auto r = s->c->stack.udp().send(s->endpoint->local_port(), to, parts);
    s->c->rearm();
    co_return r;
  }

  static task<result<sig::udp_datagram, sig::stack_error>> do_receive(state* s, mut_bytes out) {
    for (;;) {
      if (!s || !s->endpoint) co_return unexpected(sig::stack_error::closed);
      if (auto d = s->endpoint->pop()) {
        sig::udp_datagram info;
        info.source = d->source;
        info.destination = d->destination;
        const std::size_t n = std::min(out.size(), d->data.size());
        if (n) out.copy_from(0, bytes(d->data).first(n));
        info.size = n;
        info.truncated = n < d->data.size();
        co_return info;
      }
      auto woken = co_await s->readers.wait();
      if (!woken) co_return unexpected(sig::stack_error::cancelled);
    }
  }

  std::unique_ptr<state> _state;
};

template <sig::netif Netif, tcp_provider Tcp = no_tcp>
class direct_stack {
 public:
  using core = detail::direct_core<Netif, Tcp>;
  using tcp_flow = typename Tcp::flow_type;
  using tcp_listener = typename Tcp::listener_type;
  using udp_socket = direct_udp_socket<Netif, Tcp>;

  // Builds the layers over `nic`, announces the address and starts
  // receiving. Contract: inside a running loop.
  static result<direct_stack, sig::stack_error> open(Netif nic, const host_config& cfg) {
    auto c = std::make_shared<core>(std::move(nic), cfg);
    c->stack.start();
    c->stack.attach(ip_protocol::tcp, &c->tcp);
    loop::current().spawn(detail::direct_receive<Netif, Tcp>(c));
    (void)c->stack.timers_changed();
    const mono_time at = c->stack.poll_at();
    if (at != mono_never) c->tick.arm(at);
    return direct_stack(std::move(c));
  }

  direct_stack(direct_stack&&) noexcept = default;
  direct_stack& operator=(direct_stack&&) noexcept = delete;
  ~direct_stack() {
    if (!_core) return;
    // A DHCP lease is given back (RELEASE) while the NIC still sends.
    _core->stack.stop();
    _core->stack_alive = false;
    if (_core->receiver) _core->receiver->request();
  }

  result<tcp_listener, sig::stack_error> tcp_listen(port p) { return _core->tcp.listen(p); }
  task<result<tcp_flow, sig::flow_error>> tcp_connect(sig::ip_endpoint remote) {
    return _core->tcp.connect(remote);
  }
  result<udp_socket, sig::stack_error> udp_bind(port p) {
    auto e = _core->stack.udp().bind(p);
    if (!e) return unexpected(e.error());
    return udp_socket(_core, *e);
  }
  ipv4_addr ipv4_address() const { return _core->stack.ip().address(); }
  // A usable global IPv6 address (configured or SLAAC), else the
  // link-local one; none without IPv6 or before DAD passes.
  std::optional<ipv6_addr> ipv6_address() const {
    const ipv6_layer* ip6 = _core->stack.ip6();
    if (!ip6) return std::nullopt;
    std::optional<ipv6_addr> link_local;
    for (const auto& a : ip6->addresses().addresses()) {
      if (!ip6->addresses().usable(a.prefix.address)) continue;
      if (!a.prefix.address.is_link_local()) return a.prefix.address;
      link_local = a.prefix.address;
    }
    return link_local;
  }
  // The recursive DNS servers the DHCP lease names (option 6; none
  // without a lease), for the DNS client when it is given none.
  std::vector<ipv4_addr> dns_servers() const {
    std::vector<ipv4_addr> out;
    const dhcpv4_client* dhcp = _core->stack.dhcp();
    if (!dhcp || !dhcp->lease()) return out;
    const dhcpv4_lease& lease = *dhcp->lease();
    out.assign(lease.dns.begin(), lease.dns.begin() + static_cast<std::ptrdiff_t>(lease.dns_count));
    return out;
  }
  // Gives a DHCP lease back (RELEASE), waiting up to 500 ms for ARP to
  // resolve the server if the RELEASE waits for that. The destructor
  // releases too, without waiting; runners call this before printing the
  // counters, so they show it.
  task<void> release() { return release_lease(_core.get()); }
  // Waits for the next change of address (with DHCP: the first lease, a
  // new address on renewal, the loss of the lease). Errors: cancelled.
  task<result<void, sig::stack_error>> address_change() { return wait_address(_core.get()); }

  // The layers, for their counters and for tests.
  const host& layers() const { return _core->stack; }
  host& layers() { return _core->stack; }
  Tcp& tcp() { return _core->tcp; }
  const Netif& netif() const { return _core->nic; }
  // Sends the address announcement again (frames sent while a TAP comes up
  // may be lost).
  void announce() { _core->stack.link().announce(); }

 private:
  explicit direct_stack(std::shared_ptr<core> c) : _core(std::move(c)) {}
  static task<void> release_lease(core* c) {
    c->stack.stop();
    c->rearm();
    for (int i = 0; i < 50 && c->stack.link().arp().pending_bytes() > 0; ++i) {
      auto slept = co_await sleep(10ms);
      if (!slept) break;
    }
  }
  static task<result<void, sig::stack_error>> wait_address(core* c) {
    auto woken = co_await c->address_changes.wait();
    if (!woken) co_return unexpected(sig::stack_error::cancelled);
    co_return result<void, sig::stack_error>{};
  }
  std::shared_ptr<core> _core;
};

}  // namespace fata::net
