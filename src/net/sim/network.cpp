#include <fata/net/sim/network.hpp>

#include <algorithm>

namespace fata::net::sim {

// --- port ----------------------------------------------------------------------

result<void, sig::net_error> port::send(bytes frame) {
  const bytes parts[1] = {frame};
  return _net->transmit(_index, parts);
}

result<void, sig::net_error> port::send_gather(std::span<const bytes> parts) {
  return _net->transmit(_index, parts);
}

const sig::netif_stats& port::stats() const { return _net->_ports[_index]->stats; }

task<result<bytes, sig::net_error>> port::receive() {
  return do_receive(_net, _index, _current.get());
}

task<result<bytes, sig::net_error>> port::do_receive(network* net, std::size_t index,
                                                     buffer* current) {
  network::endpoint& e = *net->_ports[index];
  for (;;) {
    if (!e.rx.empty()) {
      *current = std::move(e.rx.front());
      e.rx.pop_front();
      ++e.stats.rx_frames;
      e.stats.rx_bytes += current->size();
      co_return bytes(*current);
    }
    auto woken = co_await e.readers.wait();
    if (!woken) co_return unexpected(sig::net_error::cancelled);
  }
}

// --- network -------------------------------------------------------------------

network::network(std::uint64_t seed, faults f) : _random(seed), _faults(f) {}

network::~network() = default;

port network::add_port(std::size_t mtu) {
  const std::size_t i = _ports.size();
  auto e = std::make_unique<endpoint>();
  // Locally administered unicast MACs: 02:00:00:00:xx:xx.
  e->mac = mac_addr{{0x02, 0x00, 0x00, 0x00, std::uint8_t(i >> 8), std::uint8_t(i + 1)}};
  e->mtu = mtu;
  _ports.push_back(std::move(e));
  return port(this, i, _ports[i]->mac, mtu);
}

void network::set_port_up(std::size_t i, bool up) { _ports.at(i)->up = up; }

void network::set_blocked(std::size_t a, std::size_t b, bool blocked) {
  const auto key = std::minmax(a, b);
  if (blocked) _blocked.insert(key);
  else _blocked.erase(key);
}

bool network::reachable(std::size_t a, std::size_t b) const {
  return _ports[a]->up && _ports[b]->up && !_blocked.contains(std::minmax(a, b));
}

std::size_t network::queued() const {
  std::size_t n = 0;
  for (const auto& p : _ports) n += p->rx.size();
  return n;
}

result<void, sig::net_error> network::transmit(std::size_t from, std::span<const bytes> parts) {
  endpoint& src = *_ports[from];
  std::size_t size = 0;
  for (bytes p : parts) size += p.size();
  if (size > src.mtu + 18) return unexpected(sig::net_error::too_big);
  if (size < 14) return unexpected(sig::net_error::device);
  const mono_time now = loop::current().now();
  ++_stats.frames;
  ++src.stats.tx_frames;
  src.stats.tx_bytes += size;

  // The port's egress: frames leave one after another at the rate limit,
  // and a backlog beyond the queue is tail-dropped.
  mono_time departure = now;
  if (_faults.rate_bits_per_second > 0) {
    const duration serialise = nanoseconds(std::int64_t(
        double(size) * 8.0 * 1e9 / double(_faults.rate_bits_per_second)));
    const mono_time start = std::max(now, src.egress_free);
    const double backlog_frames = std::chrono::duration<double>(start - now).count() *
                                  double(_faults.rate_bits_per_second) / 8.0 / double(src.mtu + 14);
    if (backlog_frames >= double(_faults.queue_frames)) {
      ++_stats.queue_drops;
      ++src.stats.tx_dropped;
      return {};  // lost in the queue, as a real switch would
    }
    departure = start + serialise;
    src.egress_free = departure;
  }

  auto data = std::make_shared<buffer>(size);
  std::size_t at = 0;
  for (bytes p : parts) {
    data->view().copy_from(at, p);
    at += p.size();
  }
  const bytes frame(*data);
  mac_addr dst, smac;
  for (std::size_t i = 0; i < 6; ++i) {
    dst.octets[i] = frame.u8(i);
    smac.octets[i] = frame.u8(6 + i);
  }
  // A learning switch: remember where each source lives.
  auto learned = std::find_if(_learned.begin(), _learned.end(),
                              [&](const auto& l) { return l.first == smac; });
  if (learned == _learned.end()) _learned.emplace_back(smac, from);
  else learned->second = from;

  std::size_t target = _ports.size();
  if (!dst.is_multicast()) {
    auto it = std::find_if(_learned.begin(), _learned.end(),
                           [&](const auto& l) { return l.first == dst; });
    if (it != _learned.end()) target = it->second;
  }
  if (target != _ports.size()) {
    if (target != from) schedule(from, target, data, departure);
  } else {
    ++_stats.flooded;
    for (std::size_t to = 0; to < _ports.size(); ++to)
      if (to != from) schedule(from, to, data, departure);
  }
  arm();
  return {};
}

void network::schedule(std::size_t from, std::size_t to, std::shared_ptr<buffer> data,
                       mono_time departure) {
  if (!reachable(from, to)) {
    ++_stats.partitioned;
    return;
  }
  if (_random.chance(_faults.loss)) {
    ++_stats.lost;
    return;
  }
  const int copies = _random.chance(_faults.duplicate) ? 2 : 1;
  if (copies == 2) ++_stats.duplicated;
  for (int c = 0; c < copies; ++c) {
    std::shared_ptr<buffer> frame = data;
    if (_random.chance(_faults.corrupt)) {
      // One flipped bit, in a private copy.
      frame = std::make_shared<buffer>(buffer::copy_of(*data));
      const std::size_t bit = _random.below(frame->size() * 8);
      frame->view()[bit / 8] ^= std::byte(1u << (bit % 8));
      ++_stats.corrupted;
    }
    duration delay = _faults.latency;
    if (_faults.jitter.count() > 0)
      delay += nanoseconds(std::int64_t(_random.below(std::uint64_t(_faults.jitter.count()) + 1)));
    if (_random.chance(_faults.reorder)) {
      delay += _faults.reorder_delay;
      ++_stats.reordered;
    }
    _flight.insert(frame_in_flight{departure + delay + nanoseconds(c), _sequence++, from, to,
                                   std::move(frame), false});
  }
}

void network::deliver_due() {
  const mono_time now = loop::current().now();
  while (!_flight.empty() && _flight.begin()->at <= now) {
    frame_in_flight f = *_flight.begin();
    _flight.erase(_flight.begin());
    endpoint& dst = *_ports[f.to];
    // A partition that began while the frame was in flight loses it too.
    if (!reachable(f.from, f.to)) {
      ++_stats.partitioned;
      continue;
    }
    if (dst.rx.size() >= _faults.queue_frames) {
      ++_stats.queue_drops;
      ++dst.stats.rx_errors;
      continue;
    }
    buffer copy = buffer::copy_of(*f.data);
    dst.rx.push_back(std::move(copy));
    ++_stats.delivered;
    dst.readers.notify_all();
  }
  arm();
}

void network::arm() {
  if (_flight.empty()) {
    _timer.disarm();
    return;
  }
  const mono_time at = _flight.begin()->at;
  if (!_timer.armed() || _timer.deadline() != at) _timer.arm(at);
}

}  // namespace fata::net::sim
