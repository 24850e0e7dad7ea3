// Running tasks together: joins, races, timeouts and task groups.
//
//   auto [a, b] = co_await fata::when_all(fetch(x), fetch(y));
//   auto first  = co_await fata::when_any(read_reply(), fata::sleep_task(1s));
//   auto r      = co_await fata::with_timeout(5s, handshake(flow));
//
// Every combinator returns only after all the tasks it started have
// finished: the losers of a race and a task that ran out of time are
// cancelled and awaited, so nothing they hold outlives the call. If the
// awaiting chain is cancelled, the cancellation reaches every child.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <tuple>
#include <variant>
#include <vector>

#include <fata/core/loop.hpp>

namespace fata {

// The value a task of T contributes to a join: void becomes std::monostate.
template <class T>
using join_value_t = std::conditional_t<std::is_void_v<T>, std::monostate, T>;

namespace detail {

// Counts finished children and resumes the joiner after the last.
struct join_counter {
  std::size_t remaining = 0;
  wait_queue done;
  static void on_child_done(void* self) {
    auto* c = static_cast<join_counter*>(self);
    if (--c->remaining == 0) c->done.notify_all();
  }
  // Starts a child under `state`; a child that cannot start (its frame was
  // refused) is counted as finished, and the joining chain `joiner` is
  // cancelled as an awaiter of a refused task is.
  void start(task<void> child, cancel_state* state, cancel_state* joiner) {
    if (loop::current().spawn_under(std::move(child), state, &on_child_done, this)) return;
    --remaining;
    cancel_chain(joiner);
  }
};

// A child's value, or what a refused child gives.
template <class T>
T take_or_refused(std::optional<T>& slot) {
  return slot ? std::move(*slot) : refused_value<T>();
}

template <class T>
task<void> store_result(task<T> t, std::optional<join_value_t<T>>* slot) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(t);
    slot->emplace();
  } else {
    slot->emplace(co_await std::move(t));
  }
}

// Race bookkeeping: the first child to finish cancels the others.
struct race_state {
  std::vector<cancel_state*> children;
  std::size_t winner = ~std::size_t(0);
  void finished(std::size_t index) {
    if (winner != ~std::size_t(0)) return;
    winner = index;
    for (std::size_t i = 0; i < children.size(); ++i)
      if (i != index) children[i]->request();
  }
};

template <class T>
task<void> race_entry(task<T> t, std::optional<join_value_t<T>>* slot, race_state* race,
                      std::size_t index) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(t);
    slot->emplace();
  } else {
    slot->emplace(co_await std::move(t));
  }
  race->finished(index);
}

}  // namespace detail

// Runs all tasks concurrently; returns their values in order.
template <class... T>
task<std::tuple<join_value_t<T>...>> when_all(task<T>... tasks) {
  cancel_state* parent = co_await current_cancel_state();
  std::tuple<std::optional<join_value_t<T>>...> slots;
  detail::join_counter counter;
  counter.remaining = sizeof...(T);
  // An empty task (its frame was refused) whose type cannot say so fails
  // the join as awaiting it alone would: the joining chain is cancelled,
  // and so are its siblings.
  if (((!tasks.valid() && !detail::refusal_is_an_error<T>) || ...)) detail::cancel_chain(parent);
  auto start = [&]<std::size_t... I>(std::index_sequence<I...>) {
    (counter.start(detail::store_result(std::move(tasks), &std::get<I>(slots)), parent, parent),
     ...);
  };
  start(std::index_sequence_for<T...>{});
  while (counter.remaining != 0) (void)co_await counter.done.wait_uninterruptibly();
  co_return std::apply(
      [](auto&... s) { return std::tuple<join_value_t<T>...>(detail::take_or_refused(s)...); },
      slots);
}

// Runs all tasks of a vector concurrently; returns their values in order.
template <class T>
task<std::vector<join_value_t<T>>> when_all(std::vector<task<T>> tasks) {
  cancel_state* parent = co_await current_cancel_state();
  std::vector<std::optional<join_value_t<T>>> slots(tasks.size());
  detail::join_counter counter;
  counter.remaining = tasks.size();
  if constexpr (!detail::refusal_is_an_error<T>) {
    for (const auto& t : tasks)
      if (!t.valid()) detail::cancel_chain(parent);
  }
  for (std::size_t i = 0; i < tasks.size(); ++i)
    counter.start(detail::store_result(std::move(tasks[i]), &slots[i]), parent, parent);
  while (counter.remaining != 0) (void)co_await counter.done.wait_uninterruptibly();
  std::vector<join_value_t<T>> out;
  out.reserve(slots.size());
  for (auto& s : slots) out.push_back(detail::take_or_refused(s));
  co_return out;
}

// Runs the tasks concurrently until the first finishes, then cancels the
// others and waits for them. Returns the winner's value; `index()` says
// which task won.
template <class... T>
task<std::variant<join_value_t<T>...>> when_any(task<T>... tasks) {
  cancel_state* parent = co_await current_cancel_state();
  std::tuple<std::optional<join_value_t<T>>...> slots;
  detail::race_state race;
  detail::join_counter counter;
  counter.remaining = sizeof...(T);
  // Each entrant gets its own child state so the winner can cancel the rest.
  std::array<cancel_state*, sizeof...(T)> states{};
  std::vector<std::unique_ptr<cancel_state>> owned;
  for (std::size_t i = 0; i < sizeof...(T); ++i) {
    owned.push_back(std::make_unique<cancel_state>(parent));
    states[i] = owned.back().get();
  }
  race.children.assign(states.begin(), states.end());
  auto start = [&]<std::size_t... I>(std::index_sequence<I...>) {
    (counter.start(detail::race_entry(std::move(tasks), &std::get<I>(slots), &race, I), states[I],
                   parent),
     ...);
  };
  start(std::index_sequence_for<T...>{});
  while (counter.remaining != 0) (void)co_await counter.done.wait_uninterruptibly();
  using out_type = std::variant<join_value_t<T>...>;
  // A refused entrant cancelled the race: it has no winner to give.
  if (race.winner == ~std::size_t(0)) co_return refused_value<out_type>();
  std::optional<out_type> out;
  auto pick = [&]<std::size_t... I>(std::index_sequence<I...>) {
    ((race.winner == I ? (void)out.emplace(std::in_place_index<I>, std::move(*std::get<I>(slots)))
                       : (void)0),
     ...);
  };
  pick(std::index_sequence_for<T...>{});
  co_return std::move(*out);
}

// Runs `t` with a deadline `d` from now: its value, or errc::timed_out if
// the deadline passed first (the task is then cancelled and awaited, and
// whatever it returned is discarded).
template <class T>
task<result<join_value_t<T>, errc>> with_timeout(duration d, task<T> t) {
  cancel_state* parent = co_await current_cancel_state();
  cancel_state child(parent);
  struct deadline_state {
    cancel_state* child;
    bool fired = false;
  } state{&child};
  timer deadline(
      [](void* c) {
        auto* s = static_cast<deadline_state*>(c);
        s->fired = true;
        s->child->request();
      },
      &state);
  deadline.arm(saturating_add(loop::current().now(), d));
  std::optional<join_value_t<T>> value;
  if constexpr (std::is_void_v<T>) {
    co_await t.with_cancel(&child);
    value.emplace();
  } else {
    value.emplace(co_await t.with_cancel(&child));
  }
  deadline.disarm();
  if (state.fired) co_return unexpected(errc::timed_out);
  co_return std::move(*value);
}

// A task that sleeps for `d`, for races: when_any(work(), sleep_task(1s)).
task<wait_result> sleep_task(duration d);

// A set of concurrently running tasks that can be cancelled together and
// joined (a nursery). Servers spawn one task per connection into a group.
// Contract: the group is joined (no member running) before it is destroyed.
class task_group {
 public:
  task_group();
  // A group whose members are cancelled with `parent` as well.
  explicit task_group(cancel_state* parent);
  ~task_group();
  task_group(const task_group&) = delete;
  task_group& operator=(const task_group&) = delete;

  // Starts `t` as a member; it runs on the next turn. False (and counted in
  // task_frames_refused) when its frame was refused: it never runs.
  bool spawn(task<void> t);
  // Requests cancellation of every member (present and later).
  void cancel() { _state.request(); }
  bool cancelled() const { return _state.requested(); }
  // Waits until no member is running. If the joiner is cancelled meanwhile
  // the members are cancelled and still awaited.
  task<void> join();
  std::size_t size() const { return _live; }

 private:
  static void on_member_done(void* self);
  cancel_state _state;
  std::size_t _live = 0;
  wait_queue _idle;
};

}  // namespace fata
