#include <fata/net/reassembly.hpp>

#include <algorithm>

namespace fata::net {

void fragment_reassembler::drop(std::size_t index) {
  const datagram& d = _datagrams[index];
  for (const piece& p : d.pieces) _bytes -= p.data.size();
  _bytes -= d.header.size();
  _datagrams.erase(_datagrams.begin() + static_cast<std::ptrdiff_t>(index));
}

std::optional<reassembled_packet> fragment_reassembler::input(const fragment& f, mono_time now) {
  ++_stats.fragments;
  poll(now);
  const std::size_t offset = f.offset;
  const bytes data = f.data;
  const std::size_t end = offset + data.size();
  const bool last = !f.more;

  std::size_t index = _datagrams.size();
  for (std::size_t i = 0; i < _datagrams.size(); ++i) {
    if (_datagrams[i].key == f.key) {
      index = i;
      break;
    }
  }
  // A non-last fragment must carry a multiple of 8 bytes (RFC 791 §3.2,
  // RFC 8200 §4.5), and an empty one is useless. The whole packet must
  // fit its length field.
  const std::size_t header_len =
      offset == 0 ? f.header.size() : (index != _datagrams.size() ? _datagrams[index].header.size() : 0);
  if ((!last && data.size() % 8 != 0) || data.empty() || header_len + end > _cfg.max_packet_len) {
    ++_stats.bad_fragments;
    if (index != _datagrams.size()) drop(index);
    return std::nullopt;
  }
  if (index == _datagrams.size()) {
    if (_datagrams.size() >= _cfg.max_datagrams) {
      // Evict the oldest: a flood of never-completed packets cannot lock
      // out new ones for the whole timeout.
      std::size_t oldest = 0;
      for (std::size_t i = 1; i < _datagrams.size(); ++i)
        if (_datagrams[i].deadline < _datagrams[oldest].deadline) oldest = i;
      drop(oldest);
      ++_stats.evicted;
    }
    datagram d;
    d.key = f.key;
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
        (!d.pieces.empty() && d.pieces.back().offset + d.pieces.back().data.size() > end) ||
        (d.have_first && d.header.size() + end > _cfg.max_packet_len)) {
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
  const std::size_t new_header = offset == 0 ? f.header.size() : 0;
  if (_bytes + data.size() + new_header > _cfg.max_bytes) {
    ++_stats.over_memory;
    drop(index);
    return std::nullopt;
  }
  buffer copy = buffer::copy_of(data);
  buffer header = offset == 0 ? buffer::copy_of(f.header) : buffer();
  if (!copy.valid() || !header.valid()) {
    ++_stats.no_memory;
    drop(index);
    return std::nullopt;
  }
  _bytes += data.size() + header.size();
  d.received += data.size();
  d.pieces.insert(pos, piece{offset, std::move(copy)});
  if (last) {
    d.have_last = true;
    d.total = end;
  }
  if (offset == 0) {
    d.header = std::move(header);
    d.have_first = true;
  }
  if (!d.have_last || !d.have_first || d.received != d.total) return std::nullopt;
  if (d.header.size() + d.total > _cfg.max_packet_len) {  // the first came last, with a long header
    ++_stats.bad_fragments;
    drop(index);
    return std::nullopt;
  }

  // Whole: pieces do not overlap and their sizes add up to the total, so
  // they tile [0, total) exactly.
  reassembled_packet out;
  out.header_len = d.header.size();
  out.packet = buffer(out.header_len + d.total);
  if (!out.packet.valid()) {
    ++_stats.no_memory;
    drop(index);
    return std::nullopt;
  }
  out.packet.view().copy_from(0, d.header);
  for (const piece& p : d.pieces) out.packet.view().copy_from(out.header_len + p.offset, p.data);
  drop(index);
  ++_stats.reassembled;
  return out;
}

void fragment_reassembler::poll(mono_time now) {
  for (std::size_t i = 0; i < _datagrams.size();) {
    if (now >= _datagrams[i].deadline) {
      ++_stats.timed_out;
      drop(i);
    } else {
      ++i;
    }
  }
}

mono_time fragment_reassembler::poll_at() const {
  mono_time at = mono_never;
  for (const datagram& d : _datagrams) at = std::min(at, d.deadline);
  return at;
}

}  // namespace fata::net
