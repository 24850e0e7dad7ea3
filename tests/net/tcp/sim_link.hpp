// A simulated point-to-point IPv4 link between two TCP layers, on the
// event loop's clock (a fata::virtual_backend, so simulated minutes take
// milliseconds), with faults drawn from one seeded generator: loss,
// duplication, reordering, corruption (one flipped bit), latency and
// jitter, a rate limit with a bounded queue (tail drop), and partitions.
//
// Each side is an ip_output; what one side sends is copied, held until
// its delivery time and handed to the other side's ip_input. Used by
// the TCP simulations (tests) and benchmarks.
#pragma once

#include <fata/core/loop.hpp>
#include <fata/core/splitmix.hpp>
#include <fata/net/transport.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <vector>

namespace fata::net::tcp::testing {

struct link_faults {
  double loss = 0;
  double duplicate = 0;
  double reorder = 0;        // probability a packet is held back by reorder_delay
  duration reorder_delay = 2ms;
  double corrupt = 0;
  duration latency = 100us;  // one way
  duration jitter = 0us;     // uniform in [0, jitter], may reorder too
  std::uint64_t rate_bits_per_second = 0;  // per direction; 0: unlimited
  std::size_t queue_packets = 1000;        // per direction, waiting for the rate
};

struct link_stats {
  std::uint64_t sent = 0;
  std::uint64_t delivered = 0;
  std::uint64_t lost = 0;
  std::uint64_t duplicated = 0;
  std::uint64_t reordered = 0;
  std::uint64_t corrupted = 0;
  std::uint64_t partitioned = 0;
  std::uint64_t queue_drops = 0;
  std::uint64_t bytes = 0;
};

class sim_link {
 public:
  class side final : public ip_output {
   public:
    side(sim_link* link, int index, ipv4_addr address, std::size_t mtu)
        : _link(link), _index(index), _address(address), _mtu(mtu) {}
    result<void, ip_error> send(ip_addr, ip_addr destination, std::uint8_t protocol,
                                std::span<const bytes> parts) override {
      if (!destination.is_v4()) return unexpected(ip_error::no_route);
      return _link->transmit(_index, destination.v4(), protocol, parts);
    }
    ip_addr source_for(ip_addr) const override { return _address; }
    std::size_t mtu_for(ip_addr) const override { return _mtu - 20; }
    ipv4_addr address() const { return _address; }
    void attach(ip_input* input) { _input = input; }

   private:
    friend class sim_link;
    sim_link* _link;
    int _index;
    ipv4_addr _address;
    std::size_t _mtu;
    ip_input* _input = nullptr;
    mono_time _egress_free{};
    std::size_t _egress_queued = 0;
  };

  sim_link(std::uint64_t seed, link_faults f, std::size_t mtu = 1500)
      : _rng(seed),
        _faults(f),
        _sides{side(this, 0, ipv4_addr(10, 0, 0, 1), mtu), side(this, 1, ipv4_addr(10, 0, 0, 2), mtu)} {}
  sim_link(const sim_link&) = delete;
  sim_link& operator=(const sim_link&) = delete;

  side& a() { return _sides[0]; }
  side& b() { return _sides[1]; }
  void set_faults(const link_faults& f) { _faults = f; }
  const link_faults& faults() const { return _faults; }
  // While partitioned every packet is lost.
  void set_partitioned(bool on) { _partitioned = on; }
  const link_stats& stats() const { return _stats; }
  std::size_t in_flight() const { return _flight.size(); }

 private:
  struct packet {
    mono_time at;
    std::uint64_t sequence;
    int to;
    bool egress;  // counts against the sender's rate queue until delivered
    std::shared_ptr<std::vector<std::byte>> data;
    bool operator<(const packet& o) const { return at != o.at ? at < o.at : sequence < o.sequence; }
  };

  result<void, ip_error> transmit(int from, ipv4_addr, std::uint8_t protocol,
                                  std::span<const bytes> parts) {
    if (protocol != ip_protocol::tcp) return {};
    ++_stats.sent;
    if (_partitioned) {
      ++_stats.partitioned;
      return {};
    }
    if (_rng.chance(_faults.loss)) {
      ++_stats.lost;
      return {};
    }
    side& s = _sides[from];
    const mono_time now = loop::current().now();
    std::size_t size = 0;
    for (bytes p : parts) size += p.size();
    auto data = std::make_shared<std::vector<std::byte>>(size);
    std::size_t off = 0;
    for (bytes p : parts) {
      if (!p.empty()) std::memcpy(data->data() + off, p.data(), p.size());
      off += p.size();
    }
    _stats.bytes += size;
    mono_time depart = now;
    bool egress = false;
    if (_faults.rate_bits_per_second) {
      if (s._egress_queued >= _faults.queue_packets) {
        ++_stats.queue_drops;
        return {};
      }
      if (s._egress_free < now) s._egress_free = now;
      // The frame's bytes on the wire: IP header plus the segment.
      const auto ns = static_cast<std::int64_t>((size + 20) * 8 * 1'000'000'000ull /
                                                _faults.rate_bits_per_second);
      s._egress_free += nanoseconds(ns);
      depart = s._egress_free;
      ++s._egress_queued;
      egress = true;
    }
    if (_rng.chance(_faults.corrupt) && size > 0) {
      ++_stats.corrupted;
      const std::uint64_t bit = _rng.next() % (size * 8);
      (*data)[bit / 8] ^= std::byte(1u << (bit % 8));
    }
    const int to = 1 - from;
    schedule(depart, to, data, egress);
    if (_rng.chance(_faults.duplicate)) {
      ++_stats.duplicated;
      schedule(depart, to, data, false);
    }
    return {};
  }

  void schedule(mono_time depart, int to, std::shared_ptr<std::vector<std::byte>> data, bool egress) {
    mono_time at = depart + _faults.latency;
    if (_faults.jitter > duration::zero())
      at += nanoseconds(std::int64_t(_rng.next() % std::uint64_t(to_ns(_faults.jitter) + 1)));
    if (_rng.chance(_faults.reorder)) {
      ++_stats.reordered;
      at += _faults.reorder_delay;
    }
    _flight.insert(packet{at, _sequence++, to, egress, std::move(data)});
    arm();
  }

  void arm() {
    if (_flight.empty()) return;
    const mono_time at = _flight.begin()->at;
    if (!_timer.armed() || _timer.deadline() != at) _timer.arm(at);
  }

  void deliver_due() {
    const mono_time now = loop::current().now();
    while (!_flight.empty() && _flight.begin()->at <= now) {
      packet p = *_flight.begin();
      _flight.erase(_flight.begin());
      side& to = _sides[p.to];
      if (p.egress) --_sides[1 - p.to]._egress_queued;
      if (_partitioned) {
        ++_stats.partitioned;
        continue;
      }
      ++_stats.delivered;
      if (!to._input) continue;
      ip_meta meta;
      meta.source = _sides[1 - p.to]._address;
      meta.destination = to._address;
      meta.protocol = ip_protocol::tcp;
      meta.ttl = 64;
      to._input->receive(meta, bytes(p.data->data(), p.data->size()), now);
    }
    arm();
  }
  static void on_timer(void* self) { static_cast<sim_link*>(self)->deliver_due(); }

  splitmix64 _rng;
  link_faults _faults;
  side _sides[2];
  std::multiset<packet> _flight;
  std::uint64_t _sequence = 0;
  bool _partitioned = false;
  timer _timer{&on_timer, this};
  link_stats _stats;
};

}  // namespace fata::net::tcp::testing
