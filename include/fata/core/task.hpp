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
//
// Frames are allocated without panicking: a task whose frame cannot be
// allocated (the heap is exhausted, or the frame budget `task_frames()` is
// spent) is an empty task. Awaiting it runs nothing and counts the refusal
// (task_frames_refused). A task that can fail says so as it says any
// failure (`refused_value<T>`): a result, or an error enum, gets
// E::no_memory (E::refused() for an error type that says). A task that
// cannot say it (void, or a plain value: zero, empty, or T::refused() for
// a type that says) cancels the awaiting chain as well, whose next wait
// then fails. Either way the chain unwinds through its ordinary error
// paths: a connection whose path runs out of memory is closed, the image
// goes on. Spawning an empty task is refused the same way (`spawn`
// returns false).
#pragma once

#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include <fata/core/assert.hpp>
#include <fata/core/budget.hpp>
#include <fata/core/result.hpp>

namespace fata {

// The budget every coroutine frame is charged to (the runtime sets its
// limit from --task-memory or the heap; unlimited otherwise), with its
// peak: what the tasks of an image hold. `task_frames_refused()` counts
// frames that could not be had (the budget's refusals and the heap's
// failures).
memory_budget& task_frames();
std::uint64_t task_frames_refused();

namespace detail {

// The allocation behind every fata coroutine frame: charged to
// task_frames(), null when refused.
void* allocate_frame(std::size_t n) noexcept;
// For a frame that must not be refused (a task group's join, whose group
// cannot be left while members run): charged beyond the budget's limit,
// and taken from the heap's reserve when the heap is short.
void* allocate_essential_frame(std::size_t n);
void free_frame(void* p, std::size_t n) noexcept;
inline std::size_t essential_frame_scopes = 0;  // see essential_frames
// Counts a refusal seen by an awaiter or a spawn.
void count_refused_frame() noexcept;

template <class T>
inline constexpr bool always_false = false;
template <class T>
struct refused_value_of;

}  // namespace detail

// What awaiting a task of T whose frame was refused gives the awaiter.
template <class T>
T refused_value() {
  return detail::refused_value_of<T>::make();
}

namespace detail {

// The error a refused task gives: E::refused() for an error type that
// says, else E::no_memory. (Not E::cancelled: the chain was not
// cancelled, and a loop that ends on cancellation, as an accept loop or a
// device's receive loop does, must go on.)
template <class E>
constexpr bool has_refusal_error =
    requires { { E::refused() } -> std::same_as<E>; } || requires { E::no_memory; };
template <class E>
E refusal_error() {
  if constexpr (requires { { E::refused() } -> std::same_as<E>; }) {
    return E::refused();
  } else {
    return E::no_memory;
  }
}

template <class T>
struct refused_value_of {
  static T make() {
    if constexpr (requires { { T::refused() } -> std::same_as<T>; }) {
      return T::refused();  // a type of a task's own saying
    } else if constexpr (std::is_enum_v<T> && has_refusal_error<T>) {
      return refusal_error<T>();
    } else if constexpr (std::is_arithmetic_v<T> || std::is_same_v<T, std::monostate> ||
                  std::is_same_v<T, std::string>) {
      return T{};
    } else {
      static_assert(always_false<T>, "no value for a task of this type whose frame was refused");
      return T{};
    }
  }
};
// Whether a refused task of T says it in its value (a result or an error),
// so that its chain need not be cancelled.
template <class T>
constexpr bool refusal_is_an_error = std::is_enum_v<T> && has_refusal_error<T>;
template <class U, class E>
constexpr bool refusal_is_an_error<std::expected<U, E>> = true;

template <class U, class E>
struct refused_value_of<std::expected<U, E>> {
  static_assert(has_refusal_error<E>, "the error of a task's result needs no_memory (or refused())");
  static std::expected<U, E> make() { return unexpected(refusal_error<E>()); }
};
template <class U>
struct refused_value_of<std::optional<U>> {
  static std::optional<U> make() { return std::nullopt; }
};
template <class U>
struct refused_value_of<std::vector<U>> {
  static std::vector<U> make() { return {}; }
};
template <class... U>
struct refused_value_of<std::tuple<U...>> {
  static std::tuple<U...> make() { return std::tuple<U...>(refused_value<U>()...); }
};
template <class A, class B>
struct refused_value_of<std::pair<A, B>> {
  static std::pair<A, B> make() { return {refused_value<A>(), refused_value<B>()}; }
};
template <class U0, class... U>
struct refused_value_of<std::variant<U0, U...>> {
  static std::variant<U0, U...> make() {
    return std::variant<U0, U...>(std::in_place_index<0>, refused_value<U0>());
  }
};

}  // namespace detail

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

// While one lives, every frame is essential (see allocate_essential_frame).
// For the calls that let frames come back: a device's receive, refused,
// would leave every connection waiting on input that cannot arrive, their
// frames back only with their timeouts. Hold it around the call that makes
// the task, not around awaiting it:
//   auto t = [&] { essential_frames scope; return nic.receive(); }();
class essential_frames {
 public:
  essential_frames() noexcept { ++detail::essential_frame_scopes; }
  ~essential_frames() { --detail::essential_frame_scopes; }
  essential_frames(const essential_frames&) = delete;
  essential_frames& operator=(const essential_frames&) = delete;
};

namespace detail {
// Cancels `chain` (if any): what awaiting or joining a refused task does.
inline void cancel_chain(cancel_state* chain) {
  if (chain) chain->request();
}
}  // namespace detail

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
class task_group;

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
    static void* operator new(std::size_t n) noexcept { return detail::allocate_frame(n); }
    // The members of task_group (join) get frames that are not refused.
    static void* operator new(std::size_t n, task_group&) noexcept {
      return detail::allocate_essential_frame(n);
    }
    static void operator delete(void* p, std::size_t n) noexcept { detail::free_frame(p, n); }
    static task get_return_object_on_allocation_failure() noexcept { return task(); }
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
  // by a combinator). An empty task (its frame was refused) gives
  // refused_value<T>(), and cancels that state unless the value says it.
  struct awaiter {
    handle_type handle;
    cancel_state* cancel_override = nullptr;

    bool await_ready() const noexcept { return false; }
    template <fata_promise P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
      if (!handle) {
        detail::count_refused_frame();
        if constexpr (!detail::refusal_is_an_error<T>) {
          detail::cancel_chain(cancel_override ? cancel_override : parent.promise().cancel);
        }
        return parent;
      }
      auto& p = handle.promise();
      FATA_ASSERT(!p.started);
      p.started = true;
      p.continuation = parent;
      p.cancel = cancel_override ? cancel_override : parent.promise().cancel;
      return handle;
    }
    T await_resume() {
      if constexpr (std::is_void_v<T>) {
        if (handle) handle.promise().take();
      } else {
        if (!handle) return refused_value<T>();
        return handle.promise().take();
      }
    }
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
