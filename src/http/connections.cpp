#include <fata/http/connections.hpp>

#include <fata/core/assert.hpp>
#include <fata/runtime/runtime.hpp>

#include <algorithm>
#include <utility>

namespace fata::http {

namespace {
constexpr std::size_t hosted_connection_memory = std::size_t(96) << 20;
}  // namespace

std::size_t default_connection_memory(std::size_t heap_size) {
  return share_of_heap(heap_size, 1, 2, hosted_connection_memory);
}

// --- connection_slot ----------------------------------------------------------

connection_slot::connection_slot(connection_slot&& other) noexcept { *this = std::move(other); }

connection_slot& connection_slot::operator=(connection_slot&& other) noexcept {
  if (this == &other) return *this;
  unlink();
  _fixed = std::move(other._fixed);
  _task = other._task;
  _phase = other._phase;
  _since = other._since;
  _peer = other._peer;
  _shed = other._shed;
  if (connection_table* t = other._table) {
    // Take the other's place in the list.
    _table = t;
    _prev = other._prev;
    _next = other._next;
    (_prev ? _prev->_next : t->_first) = this;
    if (_next) _next->_prev = this;
    other._table = nullptr;
    other._prev = other._next = nullptr;
  }
  other._task = nullptr;
  return *this;
}

connection_slot::~connection_slot() { unlink(); }

memory_budget* connection_slot::memory() const { return _table ? &_table->_memory : nullptr; }

void connection_slot::link(connection_table* t) {
  _table = t;
  _prev = nullptr;
  _next = t->_first;
  if (_next) _next->_prev = this;
  t->_first = this;
  ++t->_active;
}

void connection_slot::unlink() {
  if (!_table) return;
  (_prev ? _prev->_next : _table->_first) = _next;
  if (_next) _next->_prev = _prev;
  if (!_shed) --_table->_active;
  _table = nullptr;
  _prev = _next = nullptr;
  _fixed.reset();
}

// --- connection_table ---------------------------------------------------------

connection_table::connection_table(connection_limits limits)
    : _limits(limits),
      _memory(limits.memory != 0 ? limits.memory : default_connection_memory(runtime::heap_size())) {}

connection_table::~connection_table() { FATA_ASSERT(_first == nullptr); }

connection_slot* connection_table::victim(mono_time now) const {
  // Idle connections first, the oldest.
  connection_slot* idle = nullptr;
  std::size_t slow = 0;
  for (connection_slot* s = _first; s; s = s->_next) {
    if (s->_shed) continue;
    if (s->_phase == connection_phase::idle) {
      if (!idle || s->_since <= idle->_since) idle = s;  // ties: the earlier admitted
    } else if (s->_phase != connection_phase::handling && now - s->_since >= _limits.slow_after) {
      ++slow;
    }
  }
  if (idle || slow == 0) return idle;
  // Then the slow ones of the peer holding the most of them, its oldest:
  // sorted by peer, one pass finds both.
  auto& c = _candidates;
  c.clear();
  for (connection_slot* s = _first; s; s = s->_next)
    if (!s->_shed && s->_phase != connection_phase::idle &&
        s->_phase != connection_phase::handling && now - s->_since >= _limits.slow_after)
      c.push_back(s);
  std::sort(c.begin(), c.end(), [](const connection_slot* x, const connection_slot* y) {
    return x->_peer < y->_peer;
  });
  connection_slot* best = nullptr;
  std::size_t best_count = 0;
  for (std::size_t i = 0; i < c.size();) {
    std::size_t j = i;
    connection_slot* oldest = c[i];
    for (; j < c.size() && c[j]->_peer == c[i]->_peer; ++j)
      if (c[j]->_since <= oldest->_since) oldest = c[j];
    if (j - i > best_count || (j - i == best_count && oldest->_since < best->_since)) {
      best_count = j - i;
      best = oldest;
    }
    i = j;
  }
  return best;
}

bool connection_table::shed_one(mono_time now) {
  connection_slot* v = victim(now);
  if (!v) return false;
  if (v->_phase == connection_phase::idle) {
    ++_stats.shed_idle;
  } else {
    ++_stats.shed_slow;
  }
  v->_shed = true;
  --_active;
  // Its fixed cost comes back now; its buffers when its task unwinds.
  v->_fixed.reset();
  if (v->_task) v->_task->request();  // else as it attaches
  return true;
}

std::optional<connection_slot> connection_table::admit(mono_time now, std::size_t extra_cost,
                                                       std::uint64_t peer) {
  const std::size_t cost = _limits.connection_cost + extra_cost;
  const bool low = runtime::memory_low();
  if (_active >= _limits.max_connections || _memory.available() < cost || low) {
    if (!shed_one(now)) {
      ++(_active >= _limits.max_connections ? _stats.refused : _stats.refused_memory);
      return std::nullopt;
    }
    // The heap recovers when the victim has unwound: not yet.
    if (low) {
      ++_stats.refused_memory;
      return std::nullopt;
    }
  }
  connection_slot slot;
  slot._fixed = memory_charge(&_memory, cost);
  if (!slot._fixed.ok()) {
    // The shed connection's buffers are still charged until it unwinds.
    ++_stats.refused_memory;
    return std::nullopt;
  }
  slot._since = now;
  slot._peer = peer;
  slot.link(this);
  ++_stats.admitted;
  return slot;
}

}  // namespace fata::http
