#include <fata/core/loop.hpp>

namespace fata {

// --- cancel_state ----------------------------------------------------------

cancel_state::cancel_state(cancel_state* parent) : _parent(parent) {
  if (!_parent) return;
  _next_sibling = _parent->_first_child;
  if (_next_sibling) _next_sibling->_prev_sibling = this;
  _parent->_first_child = this;
  _requested = _parent->_requested;
}

cancel_state::~cancel_state() {
  FATA_ASSERT(_first_child == nullptr);
  if (!_parent) return;
  if (_prev_sibling) _prev_sibling->_next_sibling = _next_sibling;
  else _parent->_first_child = _next_sibling;
  if (_next_sibling) _next_sibling->_prev_sibling = _prev_sibling;
}

void cancel_state::request() {
  if (_requested) return;
  _requested = true;
  for (cancel_state* c = _first_child; c; c = c->_next_sibling) c->request();
  if (interruptible* op = std::exchange(_current, nullptr)) op->interrupt(op);
}

void cancel_state::reset() {
  if (_first_child == nullptr && _current == nullptr) _requested = false;
}

// --- timer -----------------------------------------------------------------

timer::timer(timer&& other) noexcept : _fn(other._fn), _context(other._context) {
  FATA_ASSERT(!other.armed());
}

void timer::arm(mono_time when) {
  loop& l = loop::current();
  if (armed()) l.heap_remove(this);
  _deadline = when;
  _sequence = l._timer_sequence++;
  l.heap_insert(this);
}

void timer::disarm() {
  if (!armed()) return;
  loop::current().heap_remove(this);
}

// --- wait_queue ------------------------------------------------------------

wait_queue::~wait_queue() { FATA_ASSERT(_head == nullptr); }

wait_queue::wait_queue(wait_queue&& other) noexcept { FATA_ASSERT(other._head == nullptr); }

void wait_queue::push(waiter* w) {
  w->prev = _tail;
  w->next = nullptr;
  if (_tail) _tail->next = w;
  else _head = w;
  _tail = w;
}

void wait_queue::unlink(waiter* w) {
  if (w->prev) w->prev->next = w->next;
  else _head = w->next;
  if (w->next) w->next->prev = w->prev;
  else _tail = w->prev;
  w->next = w->prev = nullptr;
}

void wait_queue::waiter::finish(errc why) {
  queue->unlink(this);
  deadline_timer.disarm();
  if (cancel) cancel->clear_current();
  status = why;
  loop::current().schedule(handle);
}

void wait_queue::waiter::on_deadline(void* self) {
  static_cast<waiter*>(self)->finish(errc::timed_out);
}

bool wait_queue::awaiter::suspend(std::coroutine_handle<> h, cancel_state* cs) noexcept {
  if (interruptible_wait && cs && cs->requested()) {
    status = errc::cancelled;
    return false;
  }
  if (deadline != mono_never && deadline <= loop::current().now()) {
    status = errc::timed_out;
    return false;
  }
  handle = h;
  queue->push(this);
  loop::current().count_wait();
  if (interruptible_wait && cs) {
    cancel = cs;
    interrupt = [](interruptible* self) {
      auto* w = static_cast<waiter*>(self);
      w->cancel = nullptr;  // the state already dropped us as current
      w->finish(errc::cancelled);
    };
    cs->set_current(this);
  }
  if (deadline != mono_never) deadline_timer.arm(deadline);
  return true;
}

bool wait_queue::notify_one() {
  if (!_head) return false;
  _head->finish(errc{});
  return true;
}

std::size_t wait_queue::notify_all() {
  std::size_t n = 0;
  while (_head) {
    _head->finish(errc{});
    ++n;
  }
  return n;
}

// --- sleep -----------------------------------------------------------------

bool sleep_until::suspend(std::coroutine_handle<> h, cancel_state* cs) noexcept {
  if (cs && cs->requested()) {
    _status = errc::cancelled;
    return false;
  }
  _handle = h;
  _cancel = cs;
  interrupt = &on_interrupt;
  if (cs) cs->set_current(this);
  _timer.arm(_deadline);
  return true;
}

void sleep_until::on_timer(void* self) {
  auto* s = static_cast<sleep_until*>(self);
  if (s->_cancel) s->_cancel->clear_current();
  loop::current().schedule(s->_handle);
}

void sleep_until::on_interrupt(interruptible* self) {
  auto* s = static_cast<sleep_until*>(self);
  s->_timer.disarm();
  s->_status = errc::cancelled;
  loop::current().schedule(s->_handle);
}

// --- detached runners ------------------------------------------------------

namespace {

struct detached_runner {
  struct promise_type : promise_base {
    cancel_state own;
    promise_type(task<void>&, cancel_state* parent, void (*)(void*), void*) : own(parent) {
      cancel = &own;
    }
    detached_runner get_return_object() {
      return {std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() noexcept { panic("exception escaped a fata task"); }
    static void* operator new(std::size_t n) noexcept { return detail::allocate_frame(n); }
    static void operator delete(void* p, std::size_t n) noexcept { detail::free_frame(p, n); }
    static detached_runner get_return_object_on_allocation_failure() noexcept { return {}; }
  };
  std::coroutine_handle<promise_type> handle;
};

detached_runner run_detached(task<void> t, cancel_state* /*parent*/, void (*done)(void*),
                             void* context) {
  co_await std::move(t);
  if (done) done(context);
}

loop* current_loop = nullptr;

}  // namespace

// --- loop ------------------------------------------------------------------

loop::loop(loop_backend& backend) : _backend(&backend), _previous(current_loop) {
  _ready.resize(64);
  current_loop = this;
}

loop::~loop() {
  current_loop = _previous;
}

loop& loop::current() {
  FATA_ASSERT(current_loop != nullptr);
  return *current_loop;
}

loop* loop::current_or_null() { return current_loop; }

void loop::schedule(std::coroutine_handle<> h) {
  if (_ready_count == _ready.size()) {
    // Grow the ring, unrolling it so that the head is at 0.
    std::vector<std::coroutine_handle<>> bigger(_ready.size() * 2);
    for (std::size_t i = 0; i < _ready_count; ++i)
      bigger[i] = _ready[(_ready_head + i) % _ready.size()];
    _ready = std::move(bigger);
    _ready_head = 0;
  }
  _ready[(_ready_head + _ready_count) % _ready.size()] = h;
  ++_ready_count;
}

void loop::start_root(std::coroutine_handle<> h) { schedule(h); }

void loop::defer(std::coroutine_handle<> h) { _deferred.push_back(h); }

bool loop::wait_in_backend(mono_time deadline) {
  if (_deferred.empty()) return _backend->wait(*this, deadline);
  ++_stats.deferred_polls;
  // A deferred task waits for a turn, not for a device: only poll.
  (void)_backend->wait(*this, now());
  for (std::coroutine_handle<> h : _deferred) schedule(h);
  _deferred.clear();
  return true;
}

bool loop::spawn(task<void> t) { return spawn_under(std::move(t), &_root_cancel, nullptr, nullptr); }

bool loop::spawn_under(task<void> t, cancel_state* parent, void (*done)(void*), void* context) {
  if (!t.valid()) {
    detail::count_refused_frame();
    return false;
  }
  auto runner = run_detached(std::move(t), parent, done, context);
  if (!runner.handle) {
    // The task was moved into the runner's parameter and is destroyed
    // with it, unstarted.
    detail::count_refused_frame();
    return false;
  }
  schedule(runner.handle);
  return true;
}

wait_queue& loop::io_queue(std::uint32_t h) {
  if (h >= _io_queues.size()) _io_queues.resize(h + 1);
  return _io_queues[h];
}

void loop::notify_io(std::uint32_t h) {
  ++_stats.io_notifications;
  if (h < _io_queues.size()) _io_queues[h].notify_all();
}

std::size_t loop::run_ready() {
  std::size_t resumed = 0;
  for (;;) {
    if (!_heap.empty()) fire_due_timers(now());
    if (_ready_count == 0) break;
    // Run the tasks ready now; those they wake run in the next round, after
    // timers had a chance, so that no chain of wake-ups starves timers.
    std::size_t batch = _ready_count;
    while (batch-- > 0 && _ready_count > 0) {
      std::coroutine_handle<> h = _ready[_ready_head];
      _ready_head = (_ready_head + 1) % _ready.size();
      --_ready_count;
      ++_stats.resumes;
      ++resumed;
      h.resume();
    }
  }
  return resumed;
}

mono_time loop::next_deadline() const { return _heap.empty() ? mono_never : _heap[0]->_deadline; }

bool loop::step() {
  run_ready();
  return wait_in_backend(next_deadline()) || _ready_count != 0;
}

void loop::shutdown() {
  _root_cancel.request();
  // Cancellation wakes every interruptible wait; let the chains unwind.
  // Chains that keep waiting uninterruptibly on timers get to finish them.
  for (int rounds = 0; rounds < 1'000'000; ++rounds) {
    run_ready();
    if (_ready_count == 0 && _heap.empty() && _deferred.empty()) break;
    if (_ready_count == 0 && !wait_in_backend(next_deadline())) break;
  }
  _root_cancel.reset();
}

void loop::fire_due_timers(mono_time now) {
  while (!_heap.empty() && _heap[0]->_deadline <= now) {
    timer* t = _heap[0];
    heap_remove(t);
    ++_stats.timers_fired;
    t->_fn(t->_context);
  }
}

bool loop::earlier(const timer* a, const timer* b) {
  if (a->_deadline != b->_deadline) return a->_deadline < b->_deadline;
  return a->_sequence < b->_sequence;
}

void loop::heap_insert(timer* t) {
  t->_index = _heap.size();
  _heap.push_back(t);
  heap_sift_up(t->_index);
}

void loop::heap_remove(timer* t) {
  const std::size_t i = t->_index;
  FATA_ASSERT(i < _heap.size() && _heap[i] == t);
  timer* last = _heap.back();
  _heap.pop_back();
  t->_index = timer::not_armed;
  if (last == t) return;
  _heap[i] = last;
  last->_index = i;
  heap_sift_up(i);
  heap_sift_down(last->_index);
}

void loop::heap_sift_up(std::size_t i) {
  timer* t = _heap[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!earlier(t, _heap[parent])) break;
    _heap[i] = _heap[parent];
    _heap[i]->_index = i;
    i = parent;
  }
  _heap[i] = t;
  t->_index = i;
}

void loop::heap_sift_down(std::size_t i) {
  timer* t = _heap[i];
  const std::size_t n = _heap.size();
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = first + 4 < n ? first + 4 : n;
    for (std::size_t c = first + 1; c < end; ++c)
      if (earlier(_heap[c], _heap[best])) best = c;
    if (!earlier(_heap[best], t)) break;
    _heap[i] = _heap[best];
    _heap[i]->_index = i;
    i = best;
  }
  _heap[i] = t;
  t->_index = i;
}

}  // namespace fata
