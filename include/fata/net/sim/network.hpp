// The network simulator: an in-memory Ethernet switch joining several
// stacks, on the event loop's clock (a fata::virtual_backend in tests, so
// hours of simulated traffic take milliseconds and every run is
// reproducible), with faults injected on every delivery.
//
//   fata::virtual_backend clock;
//   fata::loop loop{clock};
//   fata::net::sim::network net{seed, faults};
//   auto a = fata::net::direct_stack<sim::port>::open(net.add_port(), cfg_a);
//
// Faults (per frame, drawn from one seeded generator, so a seed replays a
// failure exactly): loss, duplication, reordering (an extra delay for
// some frames), corruption (one flipped bit), latency and jitter, a rate
// limit per sending port with a bounded queue (tail drop), and partitions
// (a port cut off, or two ports unable to reach each other).
//
// `port` models sig::netif. Frames are copied into the switch and held in
// flight until their delivery time, then queued at the destination port
// (bounded); `in_flight()` and `queued()` let tests check that nothing
// leaks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/loop.hpp>
#include <fata/core/result.hpp>
#include <fata/core/splitmix.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/netif.hpp>

namespace fata::net::sim {

struct faults {
  double loss = 0;         // probability a frame is lost
  double duplicate = 0;    // probability a frame is delivered twice
  double reorder = 0;      // probability a frame is held back by reorder_delay
  duration reorder_delay = 3ms;
  double corrupt = 0;      // probability one bit of a frame is flipped
  duration latency = 100us;  // one way
  duration jitter = 0us;     // uniform extra delay in [0, jitter]
  std::uint64_t rate_bits_per_second = 0;  // per sending port; 0: unlimited
  std::size_t queue_frames = 512;          // per port, both directions
};

struct network_stats {
  std::uint64_t frames = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t corrupted = 0;
  std::uint64_t partitioned = 0;
  std::uint64_t queue_drops = 0;
  std::uint64_t flooded = 0;
};

class network;

// One switch port: a simulated network interface. Models sig::netif. The
// port is a handle (its queues live in the network, which must outlive
// it); it moves into the stack that uses it.
class port {
 public:
  port(port&&) noexcept = default;
  port& operator=(port&&) noexcept = default;

  mac_addr mac() const { return _mac; }
  std::size_t mtu() const { return _mtu; }
  result<void, sig::net_error> send(bytes frame);
  result<void, sig::net_error> send_gather(std::span<const bytes> parts);
  // Suspends until a frame arrives; the view lasts until the next call.
  task<result<bytes, sig::net_error>> receive();
  const sig::netif_stats& stats() const;
  std::size_t index() const { return _index; }

 private:
  friend class network;
  port(network* net, std::size_t index, mac_addr mac, std::size_t mtu)
      : _net(net), _index(index), _mac(mac), _mtu(mtu) {}
  static task<result<bytes, sig::net_error>> do_receive(network* net, std::size_t index,
                                                        buffer* current);
  network* _net = nullptr;
  std::size_t _index = 0;
  mac_addr _mac;
  std::size_t _mtu = 1500;
  std::unique_ptr<buffer> _current = std::make_unique<buffer>();
};

class network {
 public:
  explicit network(std::uint64_t seed, faults f = {});
  ~network();
  network(const network&) = delete;
  network& operator=(const network&) = delete;

  // A new port with a MAC derived from its index and the given MTU. The
  // returned port forwards to the network, which must outlive it.
  port add_port(std::size_t mtu = 1500);

  void set_faults(const faults& f) { _faults = f; }
  const faults& current_faults() const { return _faults; }
  // Cuts port `i` off (every frame to or from it is lost) or restores it.
  void set_port_up(std::size_t i, bool up);
  // Stops (or restores) traffic between ports `a` and `b` only.
  void set_blocked(std::size_t a, std::size_t b, bool blocked);

  std::size_t in_flight() const { return _flight.size(); }
  std::size_t queued() const;
  const network_stats& stats() const { return _stats; }
  splitmix64& random() { return _random; }

 private:
  friend class port;
  struct endpoint {
    mac_addr mac;
    std::size_t mtu = 1500;
    bool up = true;
    mono_time egress_free{};
    std::size_t egress_queued = 0;  // frames waiting for the rate limit
    std::deque<buffer> rx;
    wait_queue readers;
    sig::netif_stats stats;
  };
  struct frame_in_flight {
    mono_time at;
    std::uint64_t sequence;
    std::size_t from;
    std::size_t to;
    std::shared_ptr<buffer> data;
    bool counts_egress;
    bool operator<(const frame_in_flight& o) const {
      return at != o.at ? at < o.at : sequence < o.sequence;
    }
  };

  result<void, sig::net_error> transmit(std::size_t from, std::span<const bytes> parts);
  void schedule(std::size_t from, std::size_t to, std::shared_ptr<buffer> data, mono_time now);
  void deliver_due();
  void arm();
  bool reachable(std::size_t a, std::size_t b) const;
  static void on_timer(void* self) { static_cast<network*>(self)->deliver_due(); }

  splitmix64 _random;
  faults _faults;
  std::vector<std::unique_ptr<endpoint>> _ports;
  std::set<std::pair<std::size_t, std::size_t>> _blocked;
  std::set<frame_in_flight> _flight;
  std::vector<std::pair<mac_addr, std::size_t>> _learned;
  std::uint64_t _sequence = 0;
  timer _timer{&on_timer, this};
  network_stats _stats;
};

}  // namespace fata::net::sim
