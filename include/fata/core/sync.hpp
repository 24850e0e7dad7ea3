// Synchronisation between tasks of one loop: events and bounded channels.
//
// There are no threads, so these need no atomics: they only decide which
// task runs next. Every wait is cancellable and returns errc::cancelled when
// its chain is cancelled.
#pragma once

#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include <fata/core/loop.hpp>

namespace fata {

// A flag that tasks can wait for. `set` wakes every waiter and keeps later
// waits from suspending until `clear`.
class event {
 public:
  bool is_set() const { return _set; }
  void set() {
    _set = true;
    _waiters.notify_all();
  }
  void clear() { _set = false; }
  // Returns at once if set; otherwise suspends until set or cancelled.
  task<wait_result> wait();
  // As wait(), but errc::timed_out after `deadline`.
  task<wait_result> wait_until(mono_time deadline);

 private:
  bool _set = false;
  wait_queue _waiters;
};

// A bounded first-in first-out queue between tasks. `push` suspends while
// the channel is full (backpressure), `pop` while it is empty. Closing wakes
// everyone: pushes then fail with errc::closed, pops drain what is left and
// then fail with errc::closed.
template <class T>
class channel {
 public:
  explicit channel(std::size_t capacity) : _items(capacity ? capacity : 1) {}

  std::size_t capacity() const { return _items.size(); }
  std::size_t size() const { return _count; }
  bool empty() const { return _count == 0; }
  bool full() const { return _count == _items.size(); }
  bool closed() const { return _closed; }

  // Adds `v` if there is room; errc::would_block when full.
  result<void, errc> try_push(T v) {
    if (_closed) return unexpected(errc::closed);
    if (full()) return unexpected(errc::would_block);
    _items[(_head + _count) % _items.size()].emplace(std::move(v));
    ++_count;
    _readers.notify_one();
    return {};
  }
  // Takes the oldest value if there is one.
  std::optional<T> try_pop() {
    if (_count == 0) return std::nullopt;
    std::optional<T> v = std::move(_items[_head]);
    _items[_head].reset();
    _head = (_head + 1) % _items.size();
    --_count;
    _writers.notify_one();
    return v;
  }

  task<result<void, errc>> push(T v) {
    while (full() && !_closed) {
      if (auto r = co_await _writers.wait(); !r) co_return unexpected(r.error());
    }
    co_return try_push(std::move(v));
  }

  task<result<T, errc>> pop() {
    for (;;) {
      if (auto v = try_pop()) co_return std::move(*v);
      if (_closed) co_return unexpected(errc::closed);
      if (auto r = co_await _readers.wait(); !r) co_return unexpected(r.error());
    }
  }

  void close() {
    _closed = true;
    _readers.notify_all();
    _writers.notify_all();
  }

 private:
  std::vector<std::optional<T>> _items;
  std::size_t _head = 0;
  std::size_t _count = 0;
  bool _closed = false;
  wait_queue _readers;
  wait_queue _writers;
};

}  // namespace fata
