// Tasks: C++20 coroutines run by the one event loop of an image.
//
//   fata::task<int> answer() { co_await fata::sleep(10ms); co_return 42; }
//
// A task is lazy: it runs when it is awaited (by its parent) or handed to
// the loop (`loop::spawn`, `task_group::spawn`, `loop::run`). Awaiting a
// child transfers control to it directly and comes back when it finishes.
// Failure is a value: a task that can fail returns a `result<T, E>`; there
// are no exceptions.
//
// Cancellation is cooperative and clean. Every running chain of tasks has a
// `cancel_state`; cancelling it wakes the suspension point the chain is
// waiting at (a timer, a wait queue, device I/O) with errc::cancelled, and
// every later wait of that chain returns errc::cancelled at once, so the
// task unwinds through its ordinary error paths and releases what it holds.
// Cancellation flows from parent to child (`when_any`, `with_timeout`,
// `task_group` make child states); it never resumes a task from inside the
// canceller: the woken task runs on a later turn of the loop.
//
// Contract: a task object is destroyed only before it started or after it
// finished. The combinators in <fata/core/join.hpp> guarantee it.
#pragma once

#include <coroutine>
#include <optional>
#include <type_traits>
#include <utility>

#include <fata/core/assert.hpp>
#include <fata/core/result.hpp>

namespace fata {

// A suspended operation that cancellation can interrupt. `interrupt` must
// detach the operation from whatever would have woken it and schedule the
// waiting coroutine on the loop; it must not resume it inline.
struct interruptible {
  void (*interrupt)(interruptible* self) = nullptr;
};

// The cancellation flag of one chain of tasks, linked into a tree.
class cancel_state {
 public:
  cancel_state() = default;
  // A child is cancelled when its parent is. A child created under an
  // already-cancelled parent starts cancelled.
  explicit cancel_state(cancel_state* parent);
  ~cancel_state();
  cancel_state(const cancel_state&) = delete;
  cancel_state& operator=(const cancel_state&) = delete;

  bool requested() const { return _requested; }
  // Requests cancellation of this chain and of every descendant, and
  // interrupts the operation the chain is suspended at. Idempotent.
  void request();

  // Clears a request, for a state that is reused after everything under it
  // has unwound (the loop's root between runs); does nothing while a child
  // or a suspended operation remains.
  void reset();

  // Used by awaitables: the operation the chain is now suspended at.
  void set_current(interruptible* op) { _current = op; }
  void clear_current() { _current = nullptr; }

 private:
  cancel_state* _parent = nullptr;
  cancel_state* _first_child = nullptr;
  cancel_state* _next_sibling = nullptr;
  cancel_state* _prev_sibling = nullptr;
  interruptible* _current = nullptr;
  bool _requested = false;
};

// What every fata coroutine promise has: who to resume at the end, and the
// cancellation state of the chain it runs in.
struct promise_base {
  std::coroutine_handle<> continuation;
  cancel_state* cancel = nullptr;
  bool started = false;
};

template <class P>
concept fata_promise = std::derived_from<P, promise_base>;

template <class T = void>
class task;

namespace detail {

struct final_awaiter {
  bool await_ready() const noexcept { return false; }
  template <fata_promise P>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) const noexcept {
    auto next = h.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

template <class T>
struct task_promise_storage : promise_base {
  std::optional<T> value;
  template <class U>
    requires std::is_convertible_v<U&&, T>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
  T take() { return std::move(*value); }
};

template <>
struct task_promise_storage<void> : promise_base {
  void return_void() {}
  void take() {}
};

}  // namespace detail

template <class T>
class [[nodiscard]] task {
 public:
  using value_type = T;

  struct promise_type : detail::task_promise_storage<T> {
    task get_return_object() {
      return task(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    detail::final_awaiter final_suspend() noexcept { return {}; }
    void unhandled_exception() noexcept { panic("exception escaped a fata task"); }
  };
  using handle_type = std::coroutine_handle<promise_type>;

  task() = default;
  explicit task(handle_type h) : _handle(h) {}
  task(task&& other) noexcept : _handle(std::exchange(other._handle, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      destroy();
      _handle = std::exchange(other._handle, {});
    }
    return *this;
  }
  ~task() { destroy(); }

  bool valid() const { return bool(_handle); }
  bool done() const { return _handle && _handle.done(); }

  // Awaiting runs the task in the awaiting chain's cancellation state;
  // `cancel_override`, when given, runs it in another (a child state made
  // by a combinator).
  struct awaiter {
    handle_type handle;
    cancel_state* cancel_override = nullptr;

    bool await_ready() const noexcept { return false; }
    template <fata_promise P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
      auto& p = handle.promise();
      FATA_ASSERT(!p.started);
      p.started = true;
      p.continuation = parent;
      p.cancel = cancel_override ? cancel_override : parent.promise().cancel;
      return handle;
    }
    T await_resume() { return handle.promise().take(); }
  };

  awaiter operator co_await() & noexcept { return awaiter{_handle}; }
  awaiter operator co_await() && noexcept { return awaiter{_handle}; }
  // Awaits this task with its own cancellation state `state`.
  awaiter with_cancel(cancel_state* state) noexcept { return awaiter{_handle, state}; }

  // Hands the coroutine to a runner that will own it (used by the loop).
  handle_type release() { return std::exchange(_handle, {}); }

 private:
  void destroy() {
    if (!_handle) return;
    FATA_ASSERT(!_handle.promise().started || _handle.done());
    _handle.destroy();
    _handle = {};
  }
  handle_type _handle;
};

// `co_await current_cancel_state()` gives the awaiting chain's cancellation
// state without suspending.
struct current_cancel_state {
  cancel_state* state = nullptr;
  bool await_ready() const noexcept { return false; }
  template <fata_promise P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    state = h.promise().cancel;
    return false;
  }
  cancel_state* await_resume() const noexcept { return state; }
};

// `co_await cancellation_requested()` is true once the awaiting chain has
// been cancelled; long computations check it between steps.
struct cancellation_requested {
  bool requested = false;
  bool await_ready() const noexcept { return false; }
  template <fata_promise P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    requested = h.promise().cancel && h.promise().cancel->requested();
    return false;
  }
  bool await_resume() const noexcept { return requested; }
};

}  // namespace fata
