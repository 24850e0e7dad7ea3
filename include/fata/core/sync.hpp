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
  bool is_set() const { return set_; }
  void set() {
    set_ = true;
    waiters_.notify_all();
  }
  void clear() { set_ = false; }
  // Returns at once if set; otherwise suspends until set or cancelled.
  task<wait_result> wait();
  // As wait(), but errc::timed_out after `deadline`.
  task<wait_result> wait_until(mono_time deadline);

 private:
  bool set_ = false;
  wait_queue waiters_;
};

// A bounded first-in first-out queue between tasks. `push` suspends while
// the channel is full (backpressure), `pop` while it is empty. Closing wakes
// everyone: pushes then fail with errc::closed, pops drain what is left and
// then fail with errc::closed.
template <class T>
class channel {
 public:
  explicit channel(std::size_t capacity) : items_(capacity ? capacity : 1) {}

  std::size_t capacity() const { return items_.size(); }
  std::size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  bool full() const { return count_ == items_.size(); }
  bool closed() const { return closed_; }

  // Adds `v` if there is room; errc::would_block when full.
  result<void, errc> try_push(T v) {
    if (closed_) return unexpected(errc::closed);
    if (full()) return unexpected(errc::would_block);
    items_[(head_ + count_) % items_.size()].emplace(std::move(v));
    ++count_;
    readers_.notify_one();
    return {};
  }
  // Takes the oldest value if there is one.
  std::optional<T> try_pop() {
    if (count_ == 0) return std::nullopt;
    std::optional<T> v = std::move(items_[head_]);
    items_[head_].reset();
    head_ = (head_ + 1) % items_.size();
    --count_;
    writers_.notify_one();
    return v;
  }

  task<result<void, errc>> push(T v) {
    while (full() && !closed_) {
      if (auto r = co_await writers_.wait(); !r) co_return unexpected(r.error());
    }
    co_return try_push(std::move(v));
  }

  task<result<T, errc>> pop() {
    for (;;) {
      if (auto v = try_pop()) co_return std::move(*v);
      if (closed_) co_return unexpected(errc::closed);
      if (auto r = co_await readers_.wait(); !r) co_return unexpected(r.error());
    }
  }

  void close() {
    closed_ = true;
    readers_.notify_all();
    writers_.notify_all();
  }

 private:
  std::vector<std::optional<T>> items_;
  std::size_t head_ = 0;
  std::size_t count_ = 0;
  bool closed_ = false;
  wait_queue readers_;
  wait_queue writers_;
};

}  // namespace fata
