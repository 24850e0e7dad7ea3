// A bounded set of disjoint sequence ranges [left, right), kept sorted and
// merged: what a receiver holds beyond RCV.NXT (reassembly, RFC 9293
// §3.10.7.4 "seventh") and what a sender knows the peer holds (the SACK
// scoreboard, RFC 6675 §3).
//
// Every range lies within 2^31 of the others, which both users guarantee
// (ranges sit inside a window). At most `limit` ranges are kept: an insert
// that would need one more fails and changes nothing, so a peer cannot
// make the set grow without bound.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <fata/net/tcp/seq.hpp>

namespace fata::net::tcp {

struct seq_range {
  seq_number left;
  seq_number right;
  std::size_t size() const { return seq_distance(left, right); }
  friend constexpr bool operator==(const seq_range&, const seq_range&) = default;
};

class range_set {
 public:
  explicit range_set(std::size_t limit = 32) : _limit(limit) {}

  bool empty() const { return _ranges.empty(); }
  std::size_t count() const { return _ranges.size(); }
  std::size_t limit() const { return _limit; }
  const seq_range& operator[](std::size_t i) const { return _ranges[i]; }
  const seq_range& front() const { return _ranges.front(); }
  const seq_range& back() const { return _ranges.back(); }
  auto begin() const { return _ranges.begin(); }
  auto end() const { return _ranges.end(); }

  // Adds [left, right), merging with ranges it overlaps or touches. False
  // (and no change) if the set is full and the range merges with none.
  bool insert(seq_number left, seq_number right) {
    if (!(left < right)) return true;
    // The first range whose right edge reaches `left`.
    std::size_t i = 0;
    while (i < _ranges.size() && _ranges[i].right < left) ++i;
    if (i == _ranges.size() || right < _ranges[i].left) {
      if (_ranges.size() >= _limit) return false;
      _ranges.insert(_ranges.begin() + static_cast<std::ptrdiff_t>(i), seq_range{left, right});
      return true;
    }
    // Merge every range from i that overlaps or touches [left, right).
    seq_range merged{seq_min(left, _ranges[i].left), right};
    std::size_t j = i;
    while (j < _ranges.size() && _ranges[j].left <= right) {
      merged.right = seq_max(merged.right, _ranges[j].right);
      ++j;
    }
    _ranges[i] = merged;
    _ranges.erase(_ranges.begin() + static_cast<std::ptrdiff_t>(i + 1),
                  _ranges.begin() + static_cast<std::ptrdiff_t>(j));
    return true;
  }

  // Forgets everything below `s` (cutting a range that straddles it).
  void trim_below(seq_number s) {
    std::size_t drop = 0;
    while (drop < _ranges.size() && _ranges[drop].right <= s) ++drop;
    _ranges.erase(_ranges.begin(), _ranges.begin() + static_cast<std::ptrdiff_t>(drop));
    if (!_ranges.empty() && _ranges.front().left < s) _ranges.front().left = s;
  }

  // The range containing `s`, if any.
  const seq_range* find(seq_number s) const {
    for (const seq_range& r : _ranges)
      if (seq_in_range(s, r.left, r.right)) return &r;
    return nullptr;
  }
  // True if all of [left, right) is in the set.
  bool contains(seq_number left, seq_number right) const {
    const seq_range* r = find(left);
    return r && right <= r->right;
  }

  // Total bytes covered.
  std::size_t total() const {
    std::size_t n = 0;
    for (const seq_range& r : _ranges) n += r.size();
    return n;
  }

  void clear() {
    _ranges.clear();
    release();
  }

 private:
  void release() { std::vector<seq_range>().swap(_ranges); }
  std::vector<seq_range> _ranges;
  std::size_t _limit;
};

}  // namespace fata::net::tcp
