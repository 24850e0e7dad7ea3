// The sender's SACK scoreboard and the loss-recovery arithmetic of
// RFC 6675 §4: which bytes the peer holds above SND.UNA, which holes are
// deemed lost (IsLost), how much data is in the network (SetPipe), and
// what to retransmit next (NextSeg rules 1 and 3).
//
// Blocks from the peer are validated before use (RFC 2018 §4, RFC 6675
// §2): only the parts within (SND.UNA, SND.MAX] count, so a forged block
// cannot make the sender skip unsent or acknowledged data. The scoreboard
// holds at most `limit` ranges; extra blocks are ignored (the sender then
// knows less and retransmits more, never less).
#pragma once

#include <cstddef>
#include <optional>
#include <span>

#include <fata/net/tcp/ranges.hpp>
#include <fata/net/tcp/seq.hpp>
#include <fata/net/tcp/wire.hpp>

namespace fata::net::tcp {

class sack_scoreboard {
 public:
  // RFC 6675 §2: DupThresh.
  static constexpr std::size_t dup_thresh = 3;

  explicit sack_scoreboard(std::size_t limit = 32) : _sacked(limit) {}

  // Records the peer's blocks; returns the bytes newly marked SACKed.
  std::size_t update(seq_number snd_una, seq_number snd_max, std::span<const sack_block> blocks) {
    const std::size_t before = _sacked.total();
    _sacked.trim_below(snd_una);
    for (const sack_block& b : blocks) {
      seq_number left = b.left;
      seq_number right = b.right;
      // Reject blocks that are inverted or reach beyond what was sent, or
      // that are more than 2^31 away (garbage): keep only (SND.UNA, SND.MAX].
      if (!(left < right) || right > snd_max || left < snd_una - (1u << 30)) continue;
      if (right <= snd_una) continue;  // a D-SACK or stale block (RFC 2883)
      if (left < snd_una) left = snd_una;
      _sacked.insert(left, right);
    }
    const std::size_t after = _sacked.total();
    return after > before ? after - before : 0;
  }
  // SND.UNA advanced: forgets what lies below it.
  void acknowledge(seq_number snd_una) { _sacked.trim_below(snd_una); }
  void clear() { _sacked.clear(); }

  bool empty() const { return _sacked.empty(); }
  std::size_t sacked_bytes() const { return _sacked.total(); }
  bool is_sacked(seq_number s) const { return _sacked.find(s) != nullptr; }
  const range_set& ranges() const { return _sacked; }
  // The highest SACKed sequence number + 1 (or `otherwise` when none).
  seq_number high_sacked(seq_number otherwise) const {
    return _sacked.empty() ? otherwise : _sacked.back().right;
  }

  // RFC 6675 §4 IsLost(seq) for an unSACKed `s`: DupThresh discontiguous
  // SACKed ranges above it, or more than (DupThresh - 1) * SMSS bytes.
  bool is_lost(seq_number s, std::size_t smss) const {
    std::size_t ranges = 0;
    std::size_t bytes_above = 0;
    for (std::size_t i = _sacked.count(); i-- > 0;) {
      const seq_range& r = _sacked[i];
      if (r.right <= s) break;
      ++ranges;
      bytes_above += r.left < s ? seq_distance(s, r.right) : r.size();
      if (ranges >= dup_thresh || bytes_above > (dup_thresh - 1) * smss) return true;
    }
    return false;
  }

  // RFC 6675 §4 SetPipe over [snd_una, snd_max): every unSACKed byte not
  // deemed lost counts once, and every unSACKed byte below `high_rxt`
  // (one past the last retransmitted byte) counts once more.
  std::size_t pipe(seq_number snd_una, seq_number snd_max, seq_number high_rxt,
                   std::size_t smss) const {
    std::size_t pipe = 0;
    seq_number hole = snd_una;
    auto count_hole = [&](seq_number left, seq_number right) {
      if (!(left < right)) return;
      // Every byte of a hole has the same SACKed ranges above it, so
      // IsLost holds for all of the hole or for none of it.
      if (!is_lost(left, smss)) pipe += seq_distance(left, right);
      if (left < high_rxt) pipe += seq_distance(left, seq_min(right, high_rxt));
    };
    for (const seq_range& r : _sacked) {
      count_hole(hole, seq_min(r.left, snd_max));
      hole = seq_max(hole, r.right);
    }
    count_hole(hole, snd_max);
    return pipe;
  }

  // RFC 6675 NextSeg rule 1: the first unSACKed byte above high_rxt that
  // lies below the highest SACKed byte and is deemed lost, with the end of
  // its hole. Rule 3 (`lost_only` false): any such unSACKed byte.
  std::optional<seq_range> next_hole(seq_number snd_una, seq_number high_rxt, std::size_t smss,
                                     bool lost_only) const {
    if (_sacked.empty()) return std::nullopt;
    seq_number s = seq_max(snd_una, high_rxt);
    for (const seq_range& r : _sacked) {
      if (s < r.left) {
        if (!lost_only || is_lost(s, smss)) return seq_range{s, r.left};
        return std::nullopt;  // higher holes have fewer SACKed bytes above
      }
      s = seq_max(s, r.right);
    }
    return std::nullopt;
  }

 private:
  range_set _sacked;
};

}  // namespace fata::net::tcp
