#include <fata/core/loop.hpp>

namespace fata {

// --- cancel_state ----------------------------------------------------------

cancel_state::cancel_state(cancel_state* parent) : parent_(parent) {
  if (!parent_) return;
  next_sibling_ = parent_->first_child_;
  if (next_sibling_) next_sibling_->prev_sibling_ = this;
  parent_->first_child_ = this;
  requested_ = parent_->requested_;
}

cancel_state::~cancel_state() {
  FATA_ASSERT(first_child_ == nullptr);
  if (!parent_) return;
  if (prev_sibling_) prev_sibling_->next_sibling_ = next_sibling_;
  else parent_->first_child_ = next_sibling_;
  if (next_sibling_) next_sibling_->prev_sibling_ = prev_sibling_;
}

void cancel_state::request() {
  if (requested_) return;
  requested_ = true;
  for (cancel_state* c = first_child_; c; c = c->next_sibling_) c->request();
  if (interruptible* op = std::exchange(current_, nullptr)) op->interrupt(op);
}

void cancel_state::reset() {
  if (first_child_ == nullptr && current_ == nullptr) requested_ = false;
}

// --- timer -----------------------------------------------------------------

timer::timer(timer&& other) noexcept : fn_(other.fn_), context_(other.context_) {
  FATA_ASSERT(!other.armed());
}

void timer::arm(mono_time when) {
  loop& l = loop::current();
  if (armed()) l.heap_remove(this);
  deadline_ = when;
  sequence_ = l.timer_sequence_++;
  l.heap_insert(this);
}

void timer::disarm() {
  if (!armed()) return;
  loop::current().heap_remove(this);
}

// --- wait_queue ------------------------------------------------------------

wait_queue::~wait_queue() { FATA_ASSERT(head_ == nullptr); }

wait_queue::wait_queue(wait_queue&& other) noexcept { FATA_ASSERT(other.head_ == nullptr); }

void wait_queue::push(waiter* w) {
  w->prev = tail_;
  w->next = nullptr;
  if (tail_) tail_->next = w;
  else head_ = w;
  tail_ = w;
}

void wait_queue::unlink(waiter* w) {
  if (w->prev) w->prev->next = w->next;
  else head_ = w->next;
  if (w->next) w->next->prev = w->prev;
  else tail_ = w->prev;
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
  if (!head_) return false;
  head_->finish(errc{});
  return true;
}

std::size_t wait_queue::notify_all() {
  std::size_t n = 0;
  while (head_) {
    head_->finish(errc{});
    ++n;
  }
  return n;
}

// --- sleep -----------------------------------------------------------------

bool sleep_until::suspend(std::coroutine_handle<> h, cancel_state* cs) noexcept {
  if (cs && cs->requested()) {
    status_ = errc::cancelled;
    return false;
  }
  handle_ = h;
  cancel_ = cs;
  interrupt = &on_interrupt;
  if (cs) cs->set_current(this);
  timer_.arm(deadline_);
  return true;
}

void sleep_until::on_timer(void* self) {
  auto* s = static_cast<sleep_until*>(self);
  if (s->cancel_) s->cancel_->clear_current();
  loop::current().schedule(s->handle_);
}

void sleep_until::on_interrupt(interruptible* self) {
  auto* s = static_cast<sleep_until*>(self);
  s->timer_.disarm();
  s->status_ = errc::cancelled;
  loop::current().schedule(s->handle_);
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

loop::loop(loop_backend& backend) : backend_(&backend), previous_(current_loop) {
  ready_.resize(64);
  current_loop = this;
}

loop::~loop() {
  current_loop = previous_;
}

loop& loop::current() {
  FATA_ASSERT(current_loop != nullptr);
  return *current_loop;
}

loop* loop::current_or_null() { return current_loop; }

void loop::schedule(std::coroutine_handle<> h) {
  if (ready_count_ == ready_.size()) {
    // Grow the ring, unrolling it so that the head is at 0.
    std::vector<std::coroutine_handle<>> bigger(ready_.size() * 2);
    for (std::size_t i = 0; i < ready_count_; ++i)
      bigger[i] = ready_[(ready_head_ + i) % ready_.size()];
    ready_ = std::move(bigger);
    ready_head_ = 0;
  }
  ready_[(ready_head_ + ready_count_) % ready_.size()] = h;
  ++ready_count_;
}

void loop::start_root(std::coroutine_handle<> h) { schedule(h); }

void loop::spawn(task<void> t) { spawn_under(std::move(t), &root_cancel_, nullptr, nullptr); }

void loop::spawn_under(task<void> t, cancel_state* parent, void (*done)(void*), void* context) {
  auto runner = run_detached(std::move(t), parent, done, context);
  schedule(runner.handle);
}

wait_queue& loop::io_queue(std::uint32_t h) {
  if (h >= io_queues_.size()) io_queues_.resize(h + 1);
  return io_queues_[h];
}

void loop::notify_io(std::uint32_t h) {
  ++stats_.io_notifications;
  if (h < io_queues_.size()) io_queues_[h].notify_all();
}

std::size_t loop::run_ready() {
  std::size_t resumed = 0;
  for (;;) {
    if (!heap_.empty()) fire_due_timers(now());
    if (ready_count_ == 0) break;
    // Run the tasks ready now; those they wake run in the next round, after
    // timers had a chance, so that no chain of wake-ups starves timers.
    std::size_t batch = ready_count_;
    while (batch-- > 0 && ready_count_ > 0) {
      std::coroutine_handle<> h = ready_[ready_head_];
      ready_head_ = (ready_head_ + 1) % ready_.size();
      --ready_count_;
      ++stats_.resumes;
      ++resumed;
      h.resume();
    }
  }
  return resumed;
}

mono_time loop::next_deadline() const { return heap_.empty() ? mono_never : heap_[0]->deadline_; }

bool loop::step() {
  run_ready();
  return backend_->wait(*this, next_deadline()) || ready_count_ != 0;
}

void loop::shutdown() {
  root_cancel_.request();
  // Cancellation wakes every interruptible wait; let the chains unwind.
  // Chains that keep waiting uninterruptibly on timers get to finish them.
  for (int rounds = 0; rounds < 1'000'000; ++rounds) {
    run_ready();
    if (ready_count_ == 0 && heap_.empty()) break;
    if (ready_count_ == 0 && !backend_->wait(*this, next_deadline())) break;
  }
  root_cancel_.reset();
}

void loop::fire_due_timers(mono_time now) {
  while (!heap_.empty() && heap_[0]->deadline_ <= now) {
    timer* t = heap_[0];
    heap_remove(t);
    ++stats_.timers_fired;
    t->fn_(t->context_);
  }
}

bool loop::earlier(const timer* a, const timer* b) {
  if (a->deadline_ != b->deadline_) return a->deadline_ < b->deadline_;
  return a->sequence_ < b->sequence_;
}

void loop::heap_insert(timer* t) {
  t->index_ = heap_.size();
  heap_.push_back(t);
  heap_sift_up(t->index_);
}

void loop::heap_remove(timer* t) {
  const std::size_t i = t->index_;
  FATA_ASSERT(i < heap_.size() && heap_[i] == t);
  timer* last = heap_.back();
  heap_.pop_back();
  t->index_ = timer::not_armed;
  if (last == t) return;
  heap_[i] = last;
  last->index_ = i;
  heap_sift_up(i);
  heap_sift_down(last->index_);
}

void loop::heap_sift_up(std::size_t i) {
  timer* t = heap_[i];
  while (i > 0) {
    const std::size_t parent = (i - 1) / 4;
    if (!earlier(t, heap_[parent])) break;
    heap_[i] = heap_[parent];
    heap_[i]->index_ = i;
    i = parent;
  }
  heap_[i] = t;
  t->index_ = i;
}

void loop::heap_sift_down(std::size_t i) {
  timer* t = heap_[i];
  const std::size_t n = heap_.size();
  for (;;) {
    const std::size_t first = 4 * i + 1;
    if (first >= n) break;
    std::size_t best = first;
    const std::size_t end = first + 4 < n ? first + 4 : n;
    for (std::size_t c = first + 1; c < end; ++c)
      if (earlier(heap_[c], heap_[best])) best = c;
    if (!earlier(heap_[best], t)) break;
    heap_[i] = heap_[best];
    heap_[i]->index_ = i;
    i = best;
  }
  heap_[i] = t;
  t->index_ = i;
}

}  // namespace fata
