#include <fata/net/ipv4_reassembly.hpp>

#include <algorithm>

namespace fata::net {

void ipv4_reassembler::drop(std::size_t index) {
  for (const piece& p : _datagrams[index].pieces) _bytes -= p.data.size();
  _datagrams.erase(_datagrams.begin() + static_cast<std::ptrdiff_t>(index));
}

std::optional<reassembled_datagram> ipv4_reassembler::input(const wire::ipv4_packet& f,
                                                            mono_time now) {
  ++_stats.fragments;
  poll(now);
  const std::size_t offset = f.fragment_offset();
  const bytes data = f.payload();
  const std::size_t end = offset + data.size();
  const bool last = !f.more_fragments();

  // Find the datagram (RFC 791: source, destination, protocol, identification).
  std::size_t index = _datagrams.size();
  for (std::size_t i = 0; i < _datagrams.size(); ++i) {
    const datagram& d = _datagrams[i];
    if (d.ident == f.ident() && d.source == f.source() && d.destination == f.destination() &&
        d.protocol == f.protocol()) {
      index = i;
      break;
    }
  }
  // A non-last fragment must carry a multiple of 8 bytes (RFC 791 §3.2),
  // and an empty one is useless.
  // The reassembled datagram, header included, must fit 65535 bytes.
  if ((!last && data.size() % 8 != 0) || data.empty() ||
      end + wire::ipv4_packet::min_header_len > wire::ipv4_packet::max_total_len) {
    ++_stats.bad_fragments;
    if (index != _datagrams.size()) drop(index);
    return std::nullopt;
  }
  if (index == _datagrams.size()) {
    if (_datagrams.size() >= _cfg.max_datagrams) {
      // Evict the oldest: a flood of never-completed datagrams cannot lock
      // out new ones for the whole timeout.
      std::size_t oldest = 0;
      for (std::size_t i = 1; i < _datagrams.size(); ++i)
        if (_datagrams[i].deadline < _datagrams[oldest].deadline) oldest = i;
      drop(oldest);
      ++_stats.evicted;
    }
    datagram d;
    d.source = f.source();
    d.destination = f.destination();
    d.protocol = f.protocol();
    d.ident = f.ident();
    d.deadline = saturating_add(now, _cfg.timeout);
    _datagrams.push_back(std::move(d));
    index = _datagrams.size() - 1;
  }
  datagram& d = _datagrams[index];

  if (d.have_last && end > d.total) {
    ++_stats.bad_fragments;
    drop(index);
    return std::nullopt;
  }
  if (last) {
    if ((d.have_last && d.total != end) ||
        (!d.pieces.empty() && d.pieces.back().offset + d.pieces.back().data.size() > end)) {
      ++_stats.bad_fragments;
      drop(index);
      return std::nullopt;
    }
  }

  // Where the piece goes, and whether it overlaps a neighbour.
  auto pos = std::lower_bound(d.pieces.begin(), d.pieces.end(), offset,
                              [](const piece& p, std::size_t off) { return p.offset < off; });
  if (pos != d.pieces.end() && pos->offset == offset && pos->data.size() == data.size()) {
    ++_stats.duplicates;
    return std::nullopt;
  }
  const bool overlaps_next = pos != d.pieces.end() && pos->offset < end;
  const bool overlaps_prev =
      pos != d.pieces.begin() && std::prev(pos)->offset + std::prev(pos)->data.size() > offset;
  if (overlaps_next || overlaps_prev) {
    ++_stats.overlaps;
    drop(index);
    return std::nullopt;
  }
  if (d.pieces.size() >= _cfg.max_fragments) {
    ++_stats.too_many_fragments;
    drop(index);
    return std::nullopt;
  }
  if (_bytes + data.size() > _cfg.max_bytes) {
    ++_stats.over_memory;
    drop(index);
    return std::nullopt;
  }
  buffer copy = buffer::copy_of(data);
  if (!copy.valid()) {
    ++_stats.no_memory;
    drop(index);
    return std::nullopt;
  }
  _bytes += data.size();
  d.received += data.size();
  d.pieces.insert(pos, piece{offset, std::move(copy)});
  if (last) {
    d.have_last = true;
    d.total = end;
  }
  if (offset == 0) {
    d.first_header = wire::ipv4_repr::parse(f);
    d.have_first = true;
  }
  if (!d.have_last || !d.have_first || d.received != d.total) return std::nullopt;

  // Whole: pieces do not overlap and their sizes add up to the total, so
  // they tile [0, total) exactly.
  reassembled_datagram out;
  out.payload = buffer(d.total);
  if (!out.payload.valid()) {
    ++_stats.no_memory;
    drop(index);
    return std::nullopt;
  }
  for (const piece& p : d.pieces) out.payload.view().copy_from(p.offset, p.data);
  out.header = d.first_header;
  out.header.more_fragments = false;
  out.header.fragment_offset = 0;
  out.header.payload_len = d.total;
  drop(index);
  ++_stats.reassembled;
  return out;
}

void ipv4_reassembler::poll(mono_time now) {
  for (std::size_t i = 0; i < _datagrams.size();) {
    if (now >= _datagrams[i].deadline) {
      ++_stats.timed_out;
      drop(i);
    } else {
      ++i;
    }
  }
}

mono_time ipv4_reassembler::poll_at() const {
  mono_time at = mono_never;
  for (const datagram& d : _datagrams) at = std::min(at, d.deadline);
  return at;
}

}  // namespace fata::net
