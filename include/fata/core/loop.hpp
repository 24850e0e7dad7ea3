// The event loop: one per image, single-threaded, cooperative.
//
// The loop runs ready coroutines in FIFO order; when none is ready it fires
// due timers, then asks its backend to wait until the next timer is due or
// a device becomes ready. The backend is the platform (yield until
// ready-or-deadline) in an image and a virtual clock in tests, so every
// timing behaviour of protocol glue is reproducible in simulation.
//
// Timers live in an intrusive 4-ary min-heap ordered by (deadline, arming
// sequence), so equal deadlines fire in arming order and simulations are
// deterministic. Arming, re-arming and disarming are O(log n) and allocate
// only when the heap grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>

namespace fata {

class loop;

// How the loop reads time and waits. Implementations: the platform backend
// (fata::runtime) and fata::virtual_backend for tests.
class loop_backend {
 public:
  virtual mono_time now() = 0;
  // Waits until `deadline` or until an I/O source is ready, and reports
  // ready sources with `l.notify_io(handle)`. A deadline in the past polls.
  // Returns false if nothing could ever wake the loop (no I/O sources and
  // no deadline): the image would hang.
  virtual bool wait(loop& l, mono_time deadline) = 0;

 protected:
  ~loop_backend() = default;
};

// A one-shot callback at a monotonic deadline, for protocol glue (TCP
// retransmission, ARP expiry...). The timer must outlive its arming; the
// destructor disarms. Callbacks run on the loop, never inside arm().
class timer {
 public:
  using callback = void (*)(void* context);

  timer(callback fn, void* context) : _fn(fn), _context(context) {}
  // A timer that calls `object->Method()`.
  template <auto Method, class T>
  static timer bound(T* object) {
    return timer([](void* c) { (static_cast<T*>(c)->*Method)(); }, object);
  }
  ~timer() { disarm(); }
  timer(const timer&) = delete;
  timer& operator=(const timer&) = delete;
  timer(timer&& other) noexcept;

  // Fires at `when` (at once on the next turn if it has passed); re-arming
  // moves an armed timer.
  void arm(mono_time when);
  void disarm();
  bool armed() const { return _index != not_armed; }
  mono_time deadline() const { return _deadline; }

 private:
  friend class loop;
  static constexpr std::size_t not_armed = ~std::size_t(0);
  callback _fn;
  void* _context;
  mono_time _deadline{};
  std::uint64_t _sequence = 0;
  std::size_t _index = not_armed;
};

// Tasks waiting for something another part of the image will signal. A
// notification schedules the woken tasks; they run on a later turn.
class wait_queue {
 public:
  wait_queue() = default;
  ~wait_queue();
  wait_queue(const wait_queue&) = delete;
  wait_queue& operator=(const wait_queue&) = delete;
  wait_queue(wait_queue&& other) noexcept;

  struct waiter : interruptible {
    waiter* next = nullptr;
    waiter* prev = nullptr;
    wait_queue* queue = nullptr;
    std::coroutine_handle<> handle;
    cancel_state* cancel = nullptr;
    timer deadline_timer{&on_deadline, this};
    mono_time deadline = mono_never;
    errc status = errc{};
    bool interruptible_wait = true;

    static void on_deadline(void* self);
    void finish(errc why);
  };

  class awaiter : public waiter {
   public:
    awaiter(wait_queue& q, mono_time deadline, bool interruptible_wait) {
      queue = &q;
      this->deadline = deadline;
      this->interruptible_wait = interruptible_wait;
    }
    bool await_ready() const noexcept { return false; }
    template <fata_promise P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
      return suspend(h, h.promise().cancel);
    }
    // Empty on a notification; errc::cancelled or errc::timed_out.
    wait_result await_resume() const noexcept {
      if (status == errc{}) return {};
      return unexpected(status);
    }

   private:
    bool suspend(std::coroutine_handle<> h, cancel_state* cs) noexcept;
  };

  // Suspends until notified (or cancelled: errc::cancelled).
  awaiter wait() { return awaiter(*this, mono_never, true); }
  // Suspends until notified, cancelled, or `deadline` (errc::timed_out).
  awaiter wait_until(mono_time deadline) { return awaiter(*this, deadline, true); }
  // Suspends until notified; cancellation does not wake it. For joins that
  // must outlast the cancellation of the joiner.
  awaiter wait_uninterruptibly() { return awaiter(*this, mono_never, false); }

  // Wakes the longest waiter; false if there was none.
  bool notify_one();
  // Wakes every waiter; returns how many.
  std::size_t notify_all();
  bool has_waiters() const { return _head != nullptr; }

 private:
  friend struct waiter;
  void push(waiter* w);
  void unlink(waiter* w);
  waiter* _head = nullptr;
  waiter* _tail = nullptr;
};

// Counters of a loop's activity, for benchmarks and diagnostics.
struct loop_stats {
  std::uint64_t resumes = 0;
  std::uint64_t timers_fired = 0;
  std::uint64_t waits = 0;
  std::uint64_t io_notifications = 0;
  std::uint64_t deferred_polls = 0;  // polls made for tasks that yielded to I/O
};

class loop {
 public:
  // Makes this the current loop (there is one at a time).
  explicit loop(loop_backend& backend);
  ~loop();
  loop(const loop&) = delete;
  loop& operator=(const loop&) = delete;

  // The loop of this image. Contract: one exists.
  static loop& current();
  static loop* current_or_null();

  mono_time now() { return _backend->now(); }

  // Runs `main` to completion, driving every other task meanwhile; then
  // cancels the tasks still running (spawned ones), lets them unwind, and
  // returns main's value; errc::stalled if main was still waiting but
  // nothing could wake it (it is then cancelled too).
  template <class T>
  result<T, errc> run(task<T> main);

  // Runs `t` detached: the loop owns it; it is cancelled at the end of run().
  // False (counted in task_frames_refused) when `t`'s frame or its
  // runner's was refused: it never runs.
  bool spawn(task<void> t);
  // Runs `t` detached under the cancellation state `parent`; calls
  // `done(context)` when it has finished (task_group's building block);
  // not when it was refused (false).
  bool spawn_under(task<void> t, cancel_state* parent, void (*done)(void*), void* context);

  // Queues a coroutine to be resumed on a later turn.
  void schedule(std::coroutine_handle<> h);
  // Queues a coroutine to be resumed after the loop has next asked the
  // backend for ready devices (without waiting) and run the tasks that
  // woke: see yield_to_io.
  void defer(std::coroutine_handle<> h);

  // Tasks waiting for readiness of platform handle `h` (a network or block
  // device, or a host file descriptor on `hosted`).
  wait_queue& io_queue(std::uint32_t h);
  // Called by the backend when handle `h` is ready.
  void notify_io(std::uint32_t h);

  // Runs ready tasks and due timers until nothing is ready; returns how
  // many coroutine resumptions that took. Tests drive the loop with this.
  std::size_t run_ready();
  // The earliest armed timer's deadline, or mono_never.
  mono_time next_deadline() const;
  // One iteration: run what is ready, then wait in the backend.
  // False if the loop stalled.
  bool step();
  // Cancels every spawned task and runs until they have unwound.
  void shutdown();

  cancel_state& root_cancel() { return _root_cancel; }
  const loop_stats& stats() const { return _stats; }
  void count_wait() { ++_stats.waits; }
  std::size_t armed_timers() const { return _heap.size(); }

 private:
  friend class timer;
  template <class T>
  friend class run_root;
  void heap_insert(timer* t);
  void heap_remove(timer* t);
  void heap_sift_up(std::size_t i);
  void heap_sift_down(std::size_t i);
  static bool earlier(const timer* a, const timer* b);
  void fire_due_timers(mono_time now);
  void start_root(std::coroutine_handle<> h);
  // The backend's wait, or only a poll when tasks are deferred (which are
  // then made ready). Returns what the backend's wait returns.
  bool wait_in_backend(mono_time deadline);

  loop_backend* _backend;
  // The ready queue: a growable ring of coroutine handles.
  std::vector<std::coroutine_handle<>> _ready;
  std::size_t _ready_head = 0;
  std::size_t _ready_count = 0;
  std::vector<std::coroutine_handle<>> _deferred;
  std::vector<timer*> _heap;
  std::uint64_t _timer_sequence = 0;
  std::vector<wait_queue> _io_queues;
  cancel_state _root_cancel;
  loop_stats _stats;
  loop* _previous = nullptr;
};

// Suspends the calling task until `deadline`. errc::cancelled if the
// chain is cancelled first.
class sleep_until : interruptible {
 public:
  explicit sleep_until(mono_time deadline) : _deadline(deadline) {}
  sleep_until(const sleep_until&) = delete;
  bool await_ready() const noexcept { return false; }
  template <fata_promise P>
  bool await_suspend(std::coroutine_handle<P> h) noexcept {
    return suspend(h, h.promise().cancel);
  }
  wait_result await_resume() const noexcept {
    if (_status == errc{}) return {};
    return unexpected(_status);
  }

 private:
  bool suspend(std::coroutine_handle<> h, cancel_state* cs) noexcept;
  static void on_timer(void* self);
  static void on_interrupt(interruptible* self);

  mono_time _deadline;
  std::coroutine_handle<> _handle;
  cancel_state* _cancel = nullptr;
  timer _timer{&on_timer, this};
  errc _status = errc{};
};

// Suspends the calling task for `d`.
inline sleep_until sleep(duration d) {
  return sleep_until(saturating_add(loop::current().now(), d));
}

// Lets every other ready task run once before continuing.
struct yield_now {
  bool await_ready() const noexcept { return false; }
  void await_suspend(std::coroutine_handle<> h) const { loop::current().schedule(h); }
  void await_resume() const noexcept {}
};

// Lets the loop poll every device and run every task that is ready or
// woken by it, and due timers, before continuing. A task that drains a
// device (frames from a NIC) awaits this after a budget of work, as NAPI
// does, so that a flood on one device cannot starve timers, other tasks
// or other devices: yield_now alone would only let ready tasks run, never
// the backend's poll. Returns errc::cancelled once the chain is cancelled
// (a drainer fed without pause would otherwise never see it).
struct yield_to_io {
  cancel_state* cancel = nullptr;
  bool await_ready() const noexcept { return false; }
  template <fata_promise P>
  void await_suspend(std::coroutine_handle<P> h) {
    cancel = h.promise().cancel;
    loop::current().defer(h);
  }
  wait_result await_resume() const noexcept {
    if (cancel && cancel->requested()) return unexpected(errc::cancelled);
    return {};
  }
};

// A backend with a virtual clock and no I/O, for deterministic tests and
// simulations: waiting jumps the clock straight to the deadline.
class virtual_backend final : public loop_backend {
 public:
  explicit virtual_backend(mono_time start = mono_from_ns(1'000'000'000)) : _now(start) {}
  mono_time now() override { return _now; }
  bool wait(loop&, mono_time deadline) override {
    if (deadline == mono_never) return false;
    if (deadline > _now) _now = deadline;
    return true;
  }
  void advance(duration d) { _now += d; }

 private:
  mono_time _now;
};

// ---------------------------------------------------------------------------

// The coroutine that runs a loop's main task and records its result.
template <class T>
class run_root {
 public:
  struct promise_type : promise_base {
    run_root get_return_object() {
      return run_root(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() noexcept { panic("exception escaped a fata task"); }
  };
  explicit run_root(std::coroutine_handle<promise_type> h) : handle(h) {}
  run_root(run_root&& o) noexcept : handle(std::exchange(o.handle, {})) {}
  ~run_root() {
    if (handle) handle.destroy();
  }
  std::coroutine_handle<promise_type> handle;
};

namespace detail {
template <class T>
run_root<T> run_main(task<T> main, std::optional<T>* out) {
  out->emplace(co_await std::move(main));
}
inline run_root<void> run_main(task<void> main, std::optional<bool>* out) {
  co_await std::move(main);
  out->emplace(true);
}
}  // namespace detail

template <class T>
result<T, errc> loop::run(task<T> main) {
  using slot_type = std::conditional_t<std::is_void_v<T>, bool, T>;
  std::optional<slot_type> out;
  auto root = detail::run_main(std::move(main), &out);
  root.handle.promise().cancel = &_root_cancel;
  start_root(root.handle);
  for (;;) {
    run_ready();
    if (root.handle.done()) break;
    if (!wait_in_backend(next_deadline()) && _ready_count == 0) break;
  }
  const bool finished = root.handle.done();
  shutdown();
  if (!root.handle.done()) {
    // main ignored its cancellation and still waits: leave its frame alone
    // rather than destroy a suspended chain.
    root.handle = {};
  }
  if (!finished || !out) return unexpected(errc::stalled);
  if constexpr (std::is_void_v<T>) {
    return {};
  } else {
    return std::move(*out);
  }
}

}  // namespace fata
