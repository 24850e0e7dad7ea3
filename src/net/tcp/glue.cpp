// The coroutine glue: flows and listeners over the layer's connections.
// Every suspending operation is a named coroutine that holds a reference
// to its connection entry (so a concurrent close cannot free it) and
// waits on the entry's wait queues, which the layer notifies.
#include <fata/net/tcp/layer.hpp>

#include <fata/core/loop.hpp>

#include "core.hpp"

namespace fata::net::tcp {

namespace detail {

flow make_flow(std::shared_ptr<core> c, entry* e) { return flow(std::move(c), e); }

namespace {

using sig::flow_error;

mono_time now_or_zero() {
  loop* l = loop::current_or_null();
  return l ? l->now() : mono_time{};
}

task<result<std::size_t, flow_error>> do_read(std::shared_ptr<core> c, entry* e, mut_bytes out) {
  if (!e) co_return unexpected(flow_error::closed);
  entry_ref ref(c.get(), e);
  for (;;) {
    if (e->handle_closed || !c->alive) co_return unexpected(flow_error::closed);
    const mono_time now = loop::current().now();
    const std::size_t n = e->conn.recv(out, now);
    if (n > 0) {
      c->flush(e, now);  // a window update may be due
      co_return n;
    }
    if (e->read_shut) co_return unexpected(flow_error::closed);
    if (out.empty() || e->conn.recv_finished()) co_return std::size_t(0);
    if (e->conn.is_closed()) {
      if (e->conn.reason() == close_reason::none) co_return std::size_t(0);
      co_return unexpected(error_of(e->conn));
    }
    auto woken = co_await e->readers.wait();
    if (!woken) co_return unexpected(flow_error::cancelled);
  }
}

task<result<void, flow_error>> do_write(std::shared_ptr<core> c, entry* e,
                                        std::span<const bytes> parts) {
  if (!e) co_return unexpected(flow_error::closed);
  entry_ref ref(c.get(), e);
  for (bytes part : parts) {
    std::size_t done = 0;
    while (done < part.size()) {
      if (e->handle_closed || !c->alive) co_return unexpected(flow_error::closed);
      if (e->conn.is_closed()) co_return unexpected(error_of(e->conn));
      if (!e->conn.may_send()) co_return unexpected(flow_error::closed);
      done += e->conn.send(part.skip(done));
      c->flush(e, loop::current().now());
      if (done == part.size()) break;
      auto woken = co_await e->writers.wait();
      if (!woken) co_return unexpected(flow_error::cancelled);
    }
  }
  co_return result<void, flow_error>{};
}

task<result<flow, flow_error>> do_connect(std::shared_ptr<core> c, sig::ip_endpoint remote) {
  remote.address = remote.address.unmapped();  // ::ffff:a.b.c.d is IPv4 (RFC 4291 §2.5.5.2)
  if (!c->alive || !c->ip) co_return unexpected(flow_error::closed);
  if (c->without_entropy) co_return unexpected(flow_error::io);
  if (remote.address.is_any() || remote.number.value == 0 || remote.address.is_broadcast() ||
      remote.address.is_multicast())
    co_return unexpected(flow_error::unreachable);
  const ip_addr local = c->ip->source_for(remote.address);
  if (local.is_any()) co_return unexpected(flow_error::unreachable);
  auto p = c->pick_port(local, remote);
  if (!p) co_return unexpected(flow_error::io);
  const four_tuple t{{local, *p}, remote};
  mono_time now = loop::current().now();
  entry* e = c->create(t, now);
  if (!e) co_return unexpected(flow_error::io);
  entry_ref ref(c.get(), e);
  e->conn.open_active(c->secret.initial_sequence(t, now), now);
  c->flush(e, now);
  for (;;) {
    const state s = e->conn.state();
    if (s != state::syn_sent && s != state::syn_received) break;
    auto woken = co_await e->opened.wait();
    if (!woken) {
      e->conn.abort();
      if (c->alive) c->flush(e, loop::current().now());
      co_return unexpected(flow_error::cancelled);
    }
  }
  if (e->conn.was_established()) co_return make_flow(c, e);
  if (e->unreachable) co_return unexpected(flow_error::unreachable);
  co_return unexpected(error_of(e->conn));
}

task<result<flow, flow_error>> do_accept(std::shared_ptr<core> c,
                                         std::shared_ptr<listener_state> l) {
  if (!l) co_return unexpected(flow_error::closed);
  for (;;) {
    if (!l->open || !c->alive) co_return unexpected(flow_error::closed);
    if (!l->ready.empty()) {
      entry* e = l->ready.front();
      l->ready.pop_front();
      e->queued = false;
      e->listener = nullptr;
      flow f = make_flow(c, e);
      c->release(e);  // the accept queue's reference
      co_return f;
    }
    auto woken = co_await l->acceptors.wait();
    if (!woken) co_return unexpected(flow_error::cancelled);
  }
}

task<void> done() { co_return; }

task<result<void, flow_error>> ready(result<void, flow_error> r) { co_return r; }

}  // namespace

}  // namespace detail

// --- flow -----------------------------------------------------------------

task<result<flow, sig::flow_error>> layer::connect(sig::ip_endpoint remote) {
  return detail::do_connect(_core, remote);
}

flow::flow(std::shared_ptr<detail::core> c, detail::entry* e) : _core(std::move(c)), _entry(e) {
  ++_entry->refs;
}

flow::flow(flow&& other) noexcept
    : _core(std::move(other._core)), _entry(std::exchange(other._entry, nullptr)) {}

flow& flow::operator=(flow&& other) noexcept {
  if (this != &other) {
    release();
    _core = std::move(other._core);
    _entry = std::exchange(other._entry, nullptr);
  }
  return *this;
}

flow::~flow() { release(); }

void flow::release() {
  if (!_entry) return;
  detail::entry* e = std::exchange(_entry, nullptr);
  if (!e->handle_closed) {
    // sig/stack.hpp: dropping a flow that was not closed aborts it.
    e->handle_closed = true;
    e->conn.abort();
    if (_core->alive && loop::current_or_null()) _core->flush(e, detail::now_or_zero());
  }
  e->readers.notify_all();
  e->writers.notify_all();
  _core->release(e);
}

task<result<std::size_t, sig::flow_error>> flow::read(mut_bytes out) {
  return detail::do_read(_core, _entry, out);
}

task<result<void, sig::flow_error>> flow::write(bytes data) {
  // The one-part span lives in the coroutine frame (a copy of `data`).
  return writev_one(_core, _entry, data);
}

task<result<void, sig::flow_error>> flow::writev(std::span<const bytes> parts) {
  return detail::do_write(_core, _entry, parts);
}

task<result<void, sig::flow_error>> flow::writev_one(std::shared_ptr<detail::core> c,
                                                     detail::entry* e, bytes data) {
  const bytes parts[1] = {data};
  co_return co_await detail::do_write(std::move(c), e, parts);
}

task<result<void, sig::flow_error>> flow::shutdown(sig::shutdown_mode how) {
  // Takes effect at once; the task only reports it.
  detail::entry* e = _entry;
  if (!e || e->handle_closed || !_core->alive) return detail::ready(unexpected(sig::flow_error::closed));
  if (e->conn.is_closed() && e->conn.reason() != close_reason::none)
    return detail::ready(unexpected(detail::error_of(e->conn)));
  const mono_time now = detail::now_or_zero();
  if (how == sig::shutdown_mode::write || how == sig::shutdown_mode::both) e->conn.shutdown_write(now);
  if (how == sig::shutdown_mode::read || how == sig::shutdown_mode::both) {
    e->conn.shutdown_read();
    e->read_shut = true;
  }
  _core->flush(e, now);
  e->readers.notify_all();
  return detail::ready({});
}

task<void> flow::close() {
  // Takes effect at once (the FIN is queued, or a RST sent); the
  // connection finishes in the background.
  if (detail::entry* e = std::exchange(_entry, nullptr)) {
    if (!e->handle_closed) {
      e->handle_closed = true;
      if (_core->alive) {
        const mono_time now = detail::now_or_zero();
        e->conn.close(now);
        _core->flush(e, now);
        _core->adopt_orphan(e, now);
      }
    }
    e->readers.notify_all();
    e->writers.notify_all();
    _core->release(e);
  }
  return detail::done();
}

sig::ip_endpoint flow::local() const { return _entry ? _entry->conn.tuple().local : sig::ip_endpoint{}; }
sig::ip_endpoint flow::remote() const {
  return _entry ? _entry->conn.tuple().remote : sig::ip_endpoint{};
}

void flow::set_nodelay(bool on) {
  if (!_entry) return;
  _entry->conn.set_nodelay(on);
  if (on && _core->alive && loop::current_or_null()) _core->flush(_entry, detail::now_or_zero());
}

const connection* flow::state() const { return _entry ? &_entry->conn : nullptr; }

// --- listener -------------------------------------------------------------

listener::listener(std::shared_ptr<detail::core> c, std::shared_ptr<detail::listener_state> l)
    : _core(std::move(c)), _state(std::move(l)) {}

listener& listener::operator=(listener&& other) noexcept {
  if (this != &other) {
    close();
    _core = std::move(other._core);
    _state = std::move(other._state);
  }
  return *this;
}

listener::~listener() { close(); }

task<result<flow, sig::flow_error>> listener::accept() { return detail::do_accept(_core, _state); }

sig::ip_endpoint listener::local() const {
  return _state ? sig::ip_endpoint{ipv4_addr::any(), _state->number} : sig::ip_endpoint{};
}

std::size_t listener::pending() const { return _state ? _state->ready.size() : 0; }

void listener::close() {
  if (!_state) return;
  std::shared_ptr<detail::listener_state> l = std::move(_state);
  if (!l->open) return;
  l->open = false;
  detail::core& c = *_core;
  if (auto it = c.listeners.find(l->number.value); it != c.listeners.end() && it->second == l)
    c.listeners.erase(it);
  l->acceptors.notify_all();
  if (!c.alive) return;
  const mono_time now = detail::now_or_zero();
  // Connections never accepted are reset, half-open ones included.
  std::vector<detail::entry*> orphans;
  for (auto& [t, e] : c.table)
    if (e->listener == l.get()) orphans.push_back(e);
  for (detail::entry* e : l->ready)
    if (!e->in_table) orphans.push_back(e);
  for (detail::entry* e : orphans) {
    const bool hold = e->queued;
    if (hold) ++e->refs;  // keep it while it leaves the queue
    c.drop_from_listener(e);
    e->conn.abort();
    if (loop::current_or_null()) c.flush(e, now);
    if (hold) c.release(e);
  }
}

}  // namespace fata::net::tcp
