// Memory budgets: one bound on the bytes that a group of buffers holds
// together (every TCP connection's buffers, every HTTP connection's
// buffers), so that many clients together cannot take an image's heap,
// whatever each one's own bound is.
//
//   fata::memory_budget tcp_memory(16 << 20);
//   if (!tcp_memory.try_charge(n)) { /* refuse: drop, shed, or fail */ }
//   ...
//   tcp_memory.release(n);
//
// A budget only counts: the owner of a buffer charges it before allocating
// and releases it after freeing, and decides what a refusal means (a
// counted drop, a refused connection, shedding the oldest). `memory_charge`
// does the pairing for one allocation. There are no threads, so no atomics.
//
// Sizing: `share_of_heap` turns the platform's heap size into a budget,
// keeping a reserve that no budget hands out (what the image needs to
// log, answer and shed load when the budgets are spent).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>

#include <fata/core/assert.hpp>

namespace fata {

class memory_budget {
 public:
  static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

  explicit memory_budget(std::size_t limit = unlimited) : _limit(limit) {}
  memory_budget(const memory_budget&) = delete;
  memory_budget& operator=(const memory_budget&) = delete;

  // Takes `n` bytes from the budget; false (counted in refusals()) when
  // fewer than `n` are left.
  bool try_charge(std::size_t n) {
    if (n > _limit || _used > _limit - n) {
      ++_refusals;
      return false;
    }
    _used += n;
    if (_used > _peak) _peak = _used;
    return true;
  }
  // Takes `n` bytes whatever is left, for what must not fail (used() may
  // exceed the limit until released; later try_charge calls are refused).
  void charge(std::size_t n) {
    _used += n;
    if (_used > _peak) _peak = _used;
  }
  // Gives back `n` bytes charged before. Contract: no more than is charged.
  void release(std::size_t n) {
    FATA_ASSERT(n <= _used);
    _used -= n;
  }
  // A new limit; what is charged stays charged (used() may exceed it until
  // released).
  void set_limit(std::size_t limit) { _limit = limit; }

  std::size_t used() const { return _used; }
  std::size_t limit() const { return _limit; }
  std::size_t available() const { return _used < _limit ? _limit - _used : 0; }
  std::size_t peak() const { return _peak; }
  std::uint64_t refusals() const { return _refusals; }

 private:
  std::size_t _limit;
  std::size_t _used = 0;
  std::size_t _peak = 0;
  std::uint64_t _refusals = 0;
};

// One charge against a budget, released when destroyed or reset. Move-only.
class memory_charge {
 public:
  memory_charge() = default;
  // Charges `n` bytes of `budget` (null: no budget, always succeeds);
  // check with `ok()`.
  memory_charge(memory_budget* budget, std::size_t n) {
    if (!budget || budget->try_charge(n)) {
      _budget = budget;
      _bytes = n;
      _ok = true;
    }
  }
  memory_charge(memory_charge&& o) noexcept
      : _budget(std::exchange(o._budget, nullptr)),
        _bytes(std::exchange(o._bytes, 0)),
        _ok(std::exchange(o._ok, false)) {}
  memory_charge& operator=(memory_charge&& o) noexcept {
    if (this != &o) {
      reset();
      _budget = std::exchange(o._budget, nullptr);
      _bytes = std::exchange(o._bytes, 0);
      _ok = std::exchange(o._ok, false);
    }
    return *this;
  }
  memory_charge(const memory_charge&) = delete;
  memory_charge& operator=(const memory_charge&) = delete;
  ~memory_charge() { reset(); }

  bool ok() const { return _ok; }
  std::size_t bytes() const { return _bytes; }
  void reset() {
    if (_budget && _bytes) _budget->release(_bytes);
    _budget = nullptr;
    _bytes = 0;
    _ok = false;
  }

 private:
  memory_budget* _budget = nullptr;
  std::size_t _bytes = 0;
  bool _ok = false;
};

// The reserve an image keeps out of every budget: 1/8 of the heap, at
// least 1 MiB (logging, answering with errors, coroutine frames of the
// connections being shed, the allocator's own fragmentation).
constexpr std::size_t heap_reserve(std::size_t heap_size) {
  const std::size_t eighth = heap_size / 8;
  constexpr std::size_t floor = 1024 * 1024;
  return eighth > floor ? eighth : floor;
}

// `numerator/denominator` of what the heap holds beyond the reserve, or
// `otherwise` when the heap size is unknown (0: hosted, where the host's
// memory is the limit and a stated default applies).
constexpr std::size_t share_of_heap(std::size_t heap_size, std::size_t numerator,
                                    std::size_t denominator, std::size_t otherwise) {
  if (heap_size == 0) return otherwise;
  const std::size_t reserve = heap_reserve(heap_size);
  if (heap_size <= reserve) return 0;
  return (heap_size - reserve) / denominator * numerator;
}

}  // namespace fata
