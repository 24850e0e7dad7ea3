// Admission and shedding for the connections of one or more servers: a
// bound on how many are served at once and one memory budget for what
// they hold, shared by every port of an image (HTTP, HTTPS, a redirector).
//
//   fata::http::connection_table table({.max_connections = 512, .memory = 16 << 20});
//   auto slot = table.admit(now, tls_cost);       // in the accept loop
//   if (!slot) { close; continue; }               // refused (counted)
//   spawn(serve(std::move(flow), std::move(*slot)));
//   ...                                           // in the connection's task:
//   slot.attach(co_await fata::current_cancel_state());
//   slot.enter(connection_phase::reading, now);
//
// When the table is full (in slots, memory, or the heap is into its
// reserve), a new connection is not simply refused: the connection that
// holds a slot for the least is shed first, so that clients which open
// connections and then say nothing (slowloris) cannot lock others out:
// - an idle kept-alive connection (waiting for its next request), oldest
//   first; failing that,
// - of the connections in a TLS handshake or receiving a request (for at
//   least `slow_after`), the oldest of the peer that holds the most of
//   them.
// A client that fills every slot with slow connections and reopens each
// one that is shed thus pays for every newcomer itself: a normal client
// is admitted by shedding one of the attacker's, and is never the victim
// while the attacker holds more slots than it. From one address alone the
// order is by age: the normal client is shed only if max_connections
// newer connections arrive before its request is in. (Shedding only
// connections older than some second would not do: the reopened ones are
// always young, and whoever asks next wins the freed slot, the attacker
// far more often.)
// A shed connection is cancelled: its task unwinds through its ordinary
// error paths and closes the flow. Connections handling a request or
// sending a response are never shed (their own timeouts bound them).
//
// Memory: each slot charges `connection_cost` (plus what admit() is told,
// such as a TLS session) to the table's budget; the server charges its
// buffers to the same budget while it reads a request and gives them back
// after each request. The budget defaults to half of the heap beyond its
// reserve (core/budget.hpp), or 96 MiB on hosted.
//
// There are no threads: the table, its slots and the tasks they belong to
// live on one event loop. A slot is move-only; the table must outlive its
// slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include <fata/core/budget.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>

namespace fata::http {

// What a connection is doing, for the shedding order.
enum class connection_phase : std::uint8_t {
  handshake,  // a TLS handshake (or anything before the first request)
  idle,       // waiting for a request on a kept-alive connection
  reading,    // receiving a request head or body
  handling,   // the handler runs or the response is being sent
};

struct connection_limits {
  std::size_t max_connections = 1024;
  // Bytes for every connection's fixed cost and buffers; 0: half of the
  // heap beyond its reserve, or 96 MiB where the heap size is unknown.
  std::size_t memory = 0;
  // A handshake, head or body at least this old may be shed when full
  // (0: any, the oldest first; see above).
  duration slow_after = duration::zero();
  // Charged per connection at admission: its coroutine frames, request
  // head, response and the first read (measured in docs/security.md).
  std::size_t connection_cost = 8 * 1024;
};

struct connection_table_stats {
  std::uint64_t admitted = 0;
  std::uint64_t refused = 0;         // full, nothing to shed
  std::uint64_t refused_memory = 0;  // the budget or the heap was spent
  std::uint64_t shed_idle = 0;       // idle kept-alive connections closed to make room
  std::uint64_t shed_slow = 0;       // slow handshakes, heads or bodies closed to make room
};

class connection_table;

// One admitted connection. Default-constructed: in no table (no bound, no
// budget: tests and servers driven connection by connection).
class connection_slot {
 public:
  connection_slot() = default;
  connection_slot(connection_slot&& other) noexcept;
  connection_slot& operator=(connection_slot&& other) noexcept;
  connection_slot(const connection_slot&) = delete;
  connection_slot& operator=(const connection_slot&) = delete;
  ~connection_slot();

  // The connection's task, which shedding cancels. A slot can be shed
  // before its task first runs (an accept loop admits a burst before any
  // of their tasks attach): the task is then cancelled as it attaches, so
  // whoever admits must attach, as the task's first step.
  void attach(cancel_state* task) {
    _task = task;
    if (_shed && _task) _task->request();
  }
  void enter(connection_phase p, mono_time now) {
    _phase = p;
    _since = now;
  }
  connection_phase phase() const { return _phase; }
  // The budget the connection's buffers are charged to (null: none).
  memory_budget* memory() const;
  connection_table* table() const { return _table; }
  bool shed() const { return _shed; }

 private:
  friend class connection_table;
  void link(connection_table* t);
  void unlink();

  connection_table* _table = nullptr;
  connection_slot* _prev = nullptr;
  connection_slot* _next = nullptr;
  cancel_state* _task = nullptr;
  connection_phase _phase = connection_phase::handshake;
  mono_time _since{};
  std::uint64_t _peer = 0;
  memory_charge _fixed;
  bool _shed = false;
};

class connection_table {
 public:
  explicit connection_table(connection_limits limits = {});
  connection_table(const connection_table&) = delete;
  connection_table& operator=(const connection_table&) = delete;
  // Contract: every slot has left (its connection finished).
  ~connection_table();

  // A slot for a new connection from `peer` (its address, as a number:
  // connections with the same value count as one peer's), charging
  // connection_cost + `extra_cost`, shedding one connection first if the
  // table is full; nullopt (counted) if it is full and nothing can be
  // shed, or the memory is spent.
  std::optional<connection_slot> admit(mono_time now, std::size_t extra_cost = 0,
                                       std::uint64_t peer = 0);
  // Sheds one connection by the order above; false if none qualifies. A
  // server calls it when a buffer could not be charged, so that memory
  // comes back for later requests.
  bool shed_one(mono_time now);

  // Connections holding a slot (shed ones that are still unwinding excluded).
  std::size_t active() const { return _active; }
  const connection_limits& limits() const { return _limits; }
  memory_budget& memory() { return _memory; }
  const memory_budget& memory() const { return _memory; }
  const connection_table_stats& stats() const { return _stats; }

 private:
  friend class connection_slot;
  connection_slot* victim(mono_time now) const;

  connection_limits _limits;
  memory_budget _memory;
  connection_slot* _first = nullptr;
  std::size_t _active = 0;
  connection_table_stats _stats;
  mutable std::vector<connection_slot*> _candidates;  // victim()'s scratch
};

// connection_limits::memory's default for a heap of `heap_size` bytes.
std::size_t default_connection_memory(std::size_t heap_size);

}  // namespace fata::http
