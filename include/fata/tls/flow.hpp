// TLS over any flow: `accept` and `connect` run the handshake over a flow
// (a TCP connection of either stack, a test pipe...) and return a
// tls::flow, which is itself a sig::flow (and a sig::tcp_flow when the
// flow under it is one), the way lwIP's altcp puts TLS under an unchanged
// TCP API.
//
//   auto tls = co_await fata::tls::accept(std::move(tcp), server_ctx, rng);
//   if (!tls) log.warn("handshake: {}", tls.error());
//   else co_await http.serve_connection(*tls, {tcp_remote, true});
//
// BearSSL's engine does the protocol and does no I/O; this is the glue
// that moves records between the engine and the flow below:
// - entropy for each handshake comes from the random device (`Random`,
//   sig::random) only: BearSSL's own system seeding is turned off;
// - the client validates the server's chain at the time of a wall clock
//   (`Clock`, sig::pclock) and checks the host name; each failure is its
//   own tls_error;
// - the handshake is bounded by the context's handshake_timeout; reads by
//   its idle_timeout when set;
// - close() sends close_notify (RFC 5246 §7.2.1) before closing the flow
//   below; a received close_notify is the end of stream (read returns 0);
//   a flow that ends without one is `truncated`, an error (read fails with
//   flow_error::protocol);
// - one reader and one writer may use a tls::flow at the same time (the
//   records they cause to be sent are written in turn);
// - TLS 1.2 has no half-close: shutdown(write) sends close_notify, after
//   which the peer answers with its own and what it still sends is
//   discarded (RFC 5246 §7.2.1).
// Failures of TLS itself surface through sig::flow as flow_error::protocol;
// last_error() says which. Errors are sticky.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include <fata/core/bytes.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/join.hpp>
#include <fata/core/loop.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/flow.hpp>
#include <fata/sig/random.hpp>
#include <fata/sig/stack.hpp>
#include <fata/tls/context.hpp>
#include <fata/tls/engine.hpp>
#include <fata/tls/error.hpp>

namespace fata::tls {

namespace detail {

// The glue's own state: who is writing records, and who waits for the
// engine to make progress.
struct glue {
  bool send_busy = false;
  wait_queue send_idle;
  bool reading = false;
  wait_queue progress;
  bool write_shut = false;
  bool flow_closed = false;
  bool clean_eof = false;
};

sig::flow_error to_flow_error(tls_error e);
tls_error from_flow_error(sig::flow_error e);
void log_handshake_failure(bool server, tls_error e, std::string_view peer);

}  // namespace detail

template <sig::flow Inner>
class flow {
 public:
  flow(flow&&) noexcept = default;
  flow& operator=(flow&&) noexcept = default;
  flow(const flow&) = delete;
  flow& operator=(const flow&) = delete;
  // Dropping a flow that was not closed drops the flow below without
  // close_notify (for TCP: a reset).
  ~flow() = default;

  // sig::flow
  task<result<std::size_t, sig::flow_error>> read(mut_bytes out);
  task<result<void, sig::flow_error>> write(bytes data);
  task<result<void, sig::flow_error>> writev(std::span<const bytes> parts);
  task<result<void, sig::flow_error>> shutdown(sig::shutdown_mode how);
  task<void> close();

  // sig::tcp_flow, when the flow below is one.
  sig::ip_endpoint local() const
    requires sig::tcp_flow<Inner>
  {
    return _inner.local();
  }
  sig::ip_endpoint remote() const
    requires sig::tcp_flow<Inner>
  {
    return _inner.remote();
  }
  void set_nodelay(bool on)
    requires sig::tcp_flow<Inner>
  {
    _inner.set_nodelay(on);
  }

  // The protocol ALPN chose ("" if none), the SNI name, the suite, and
  // whether the session was resumed.
  std::string_view alpn() const { return _s->alpn(); }
  std::string_view server_name() const { return _s->server_name(); }
  cipher_suite suite() const { return _s->suite(); }
  bool resumed() const { return _s->resumed(); }
  // Why the flow failed (meaningful after an error).
  tls_error last_error() const { return _s->error(); }
  Inner& inner() { return _inner; }

  // Runs the handshake (used by accept and connect).
  task<result<void, tls_error>> handshake();

  flow(Inner inner, std::unique_ptr<detail::session> s)
      : _inner(std::move(inner)), _s(std::move(s)), _g(std::make_unique<detail::glue>()) {}

 private:
  task<result<void, tls_error>> flush_records();
  task<result<void, tls_error>> receive_records(duration timeout);

  Inner _inner;
  std::unique_ptr<detail::session> _s;
  std::unique_ptr<detail::glue> _g;
};

// Runs a server handshake over `inner`. On failure the flow below is
// closed and the error returned.
template <sig::flow Inner, sig::random Random>
task<result<flow<Inner>, tls_error>> accept(Inner inner, server_context& ctx, Random& rng);

// Runs a client handshake for `host` over `inner`, validating the server
// at `clock`'s time: its chain against the context's trust anchors and its
// certificate against `host` (RFC 6125; `host` is also sent as SNI). An
// empty `host` is refused with tls_error::no_host_name before anything is
// sent (the flow below is closed): skipping the name check must be asked
// for with `no_host_check`.
template <sig::flow Inner, sig::random Random, sig::pclock Clock>
task<result<flow<Inner>, tls_error>> connect(Inner inner, client_context& ctx,
                                            std::string_view host, Clock& clock, Random& rng);

// The explicit opt-out of the host name check, for connect().
struct no_host_check_t {
  explicit constexpr no_host_check_t() = default;
};
inline constexpr no_host_check_t no_host_check{};

// As above without a host name: none is sent (no SNI) or checked, while
// the chain is still validated against the trust anchors (unless the
// context is insecure()). Any server holding a certificate from those
// anchors passes, so use it only with anchors that certify exactly the
// servers meant (a private CA, a pinned self-signed certificate). No
// session is resumed or remembered (there is no name to key it by).
template <sig::flow Inner, sig::random Random, sig::pclock Clock>
task<result<flow<Inner>, tls_error>> connect(Inner inner, client_context& ctx, no_host_check_t,
                                            Clock& clock, Random& rng);

namespace detail {
template <sig::flow Inner, sig::random Random, sig::pclock Clock>
task<result<flow<Inner>, tls_error>> connect_client(Inner inner, client_context& ctx,
                                                   std::string_view host, bool check_host,
                                                   Clock& clock, Random& rng);
}  // namespace detail

// ---------------------------------------------------------------------------

template <sig::flow Inner>
task<result<void, tls_error>> flow<Inner>::flush_records() {
  // One writer of records at a time: their bytes must not interleave.
  while (_g->send_busy) {
    auto w = co_await _g->send_idle.wait();
    if (!w) co_return unexpected(tls_error::cancelled);
  }
  _g->send_busy = true;
  result<void, tls_error> out;
  for (;;) {
    const bytes rec = _s->records_out();
    if (rec.empty()) break;
    auto w = co_await _inner.write(rec);
    if (!w) {
      out = unexpected(detail::from_flow_error(w.error()));
      _s->fail(out.error());
      break;
    }
    _s->records_sent(rec.size());
  }
  _g->send_busy = false;
  _g->send_idle.notify_one();
  _g->progress.notify_all();
  co_return out;
}

template <sig::flow Inner>
task<result<void, tls_error>> flow<Inner>::receive_records(duration timeout) {
  const mut_bytes room = _s->records_room();
  if (room.empty()) co_return unexpected(tls_error::internal);
  _g->reading = true;
  result<std::size_t, sig::flow_error> n = unexpected(sig::flow_error::io);
  if (timeout > duration::zero()) {
    auto t = co_await with_timeout(timeout, _inner.read(room));
    n = t ? std::move(*t) : result<std::size_t, sig::flow_error>(unexpected(sig::flow_error::timed_out));
  } else {
    n = co_await _inner.read(room);
  }
  _g->reading = false;
  if (!n) {
    const tls_error e = detail::from_flow_error(n.error());
    if (e != tls_error::cancelled) _s->fail(e);
    _g->progress.notify_all();
    co_return unexpected(e);
  }
  if (*n == 0) {
    _s->fail(tls_error::truncated);
    _g->progress.notify_all();
    co_return unexpected(tls_error::truncated);
  }
  _s->records_received(*n);
  _g->progress.notify_all();
  co_return result<void, tls_error>{};
}

template <sig::flow Inner>
task<result<void, tls_error>> flow<Inner>::handshake() {
  for (;;) {
    const unsigned st = _s->state();
    if (st & detail::session::closed_bit) co_return unexpected(_s->error());
    if (st & detail::session::sendrec_bit) {
      auto f = co_await flush_records();
      if (!f) co_return f;
      continue;
    }
    if (st & detail::session::sendapp_bit) {
      _s->handshake_done();
      co_return result<void, tls_error>{};
    }
    if (st & detail::session::recvrec_bit) {
      auto r = co_await receive_records(duration::zero());
      if (!r) {
        // A transport that ends mid-handshake is not a truncation attack.
        co_return unexpected(r.error() == tls_error::truncated ? tls_error::closed : r.error());
      }
      continue;
    }
    co_return unexpected(tls_error::internal);
  }
}

template <sig::flow Inner>
task<result<std::size_t, sig::flow_error>> flow<Inner>::read(mut_bytes out) {
  if (_g->flow_closed) co_return unexpected(sig::flow_error::closed);
  if (_g->clean_eof) co_return std::size_t(0);
  const duration idle = _s->server_opts() ? _s->server_opts()->idle_timeout
                                          : _s->client_opts()->idle_timeout;
  for (;;) {
    const unsigned st = _s->state();
    if (st & detail::session::recvapp_bit) {
      const bytes in = _s->app_in();
      const std::size_t n = std::min(in.size(), out.size());
      out.copy_from(0, in.first(n));
      _s->app_consumed(n);
      co_return n;
    }
    if (st & detail::session::closed_bit) {
      if (_s->closed_cleanly()) co_return std::size_t(0);
      co_return unexpected(detail::to_flow_error(_s->error()));
    }
    // Records to send are the writer's job while it is sending; a reader
    // that waited for it could deadlock against a peer that only reads
    // once we read.
    if ((st & detail::session::sendrec_bit) && !_g->send_busy) {
      // An alert or our close_notify in answer to the peer's.
      auto f = co_await flush_records();
      if (!f) {
        // The peer closed cleanly and went away before our answering
        // close_notify reached it: the stream still ended properly.
        if (_s->peer_closed()) {
          _g->clean_eof = true;
          co_return std::size_t(0);
        }
        co_return unexpected(detail::to_flow_error(f.error()));
      }
      continue;
    }
    if (st & detail::session::recvrec_bit) {
      auto r = co_await receive_records(idle);
      if (!r) co_return unexpected(detail::to_flow_error(r.error()));
      continue;
    }
    if (_g->send_busy) {
      auto w = co_await _g->progress.wait();
      if (!w) co_return unexpected(sig::flow_error::cancelled);
      continue;
    }
    co_return unexpected(sig::flow_error::protocol);
  }
}

template <sig::flow Inner>
task<result<void, sig::flow_error>> flow<Inner>::writev(std::span<const bytes> parts) {
  if (_g->flow_closed || _g->write_shut) co_return unexpected(sig::flow_error::closed);
  for (bytes data : parts) {
    while (!data.empty()) {
      const unsigned st = _s->state();
      if (st & detail::session::closed_bit)
        co_return unexpected(detail::to_flow_error(_s->error()));
      if (st & detail::session::sendapp_bit) {
        const mut_bytes room = _s->app_room();
        const std::size_t n = std::min(room.size(), data.size());
        room.copy_from(0, data.first(n));
        _s->app_put(n);
        data = data.skip(n);
        continue;
      }
      if (st & detail::session::sendrec_bit) {
        auto f = co_await flush_records();
        if (!f) co_return unexpected(detail::to_flow_error(f.error()));
        continue;
      }
      // The engine waits for input before it takes more data.
      if (_g->reading) {
        auto w = co_await _g->progress.wait();
        if (!w) co_return unexpected(sig::flow_error::cancelled);
      } else {
        auto r = co_await receive_records(duration::zero());
        if (!r) co_return unexpected(detail::to_flow_error(r.error()));
      }
    }
  }
  _s->flush_app();
  auto f = co_await flush_records();
  if (!f) co_return unexpected(detail::to_flow_error(f.error()));
  co_return result<void, sig::flow_error>{};
}

template <sig::flow Inner>
task<result<void, sig::flow_error>> flow<Inner>::write(bytes data) {
  co_return co_await writev(std::span<const bytes>(&data, 1));
}

template <sig::flow Inner>
task<result<void, sig::flow_error>> flow<Inner>::shutdown(sig::shutdown_mode how) {
  if (_g->flow_closed) co_return unexpected(sig::flow_error::closed);
  if (how != sig::shutdown_mode::read && !_g->write_shut) {
    // TLS has no half-close: close_notify ends our sending side and the
    // peer answers with its own (RFC 5246 §7.2.1).
    _g->write_shut = true;
    _s->flush_app();
    _s->close_notify();
    auto f = co_await flush_records();
    if (!f) co_return unexpected(detail::to_flow_error(f.error()));
  }
  if (how != sig::shutdown_mode::write) {
    auto r = co_await _inner.shutdown(sig::shutdown_mode::read);
    if (!r) co_return r;
  }
  co_return result<void, sig::flow_error>{};
}

template <sig::flow Inner>
task<void> flow<Inner>::close() {
  if (_g->flow_closed) co_return;
  if (!(_s->state() & detail::session::closed_bit)) {
    if (!_g->write_shut) {
      _g->write_shut = true;
      _s->flush_app();
      _s->close_notify();
    }
    // Bounded: a peer that does not read must not hold the close.
    (void)co_await with_timeout(1s, flush_records());
  }
  _g->flow_closed = true;
  co_await _inner.close();
}

template <sig::flow Inner, sig::random Random>
task<result<flow<Inner>, tls_error>> accept(Inner inner, server_context& ctx, Random& rng) {
  std::byte seed[detail::session::entropy_size];
  tls_error why{};
  std::unique_ptr<detail::session> s;
  if (rng.fill(mut_bytes(seed, sizeof seed))) {
    s = detail::session::server(*ctx.shared(), bytes(seed, sizeof seed), &why);
  } else {
    why = tls_error::no_entropy;
  }
  mut_bytes(seed, sizeof seed).fill(std::byte{0});
  if (!s) {
    co_await inner.close();
    co_return unexpected(why);
  }
  flow<Inner> f(std::move(inner), std::move(s));
  auto h = co_await with_timeout(ctx.options().handshake_timeout, f.handshake());
  const tls_error e = !h ? tls_error::timed_out : (!*h ? h->error() : tls_error{});
  if (e != tls_error{}) {
    std::string_view peer;
    char buf[32];
    if constexpr (sig::tcp_flow<Inner>) peer = format_into(buf, "{}", f.inner().remote());
    detail::log_handshake_failure(true, e, peer);
    co_await f.inner().close();
    co_return unexpected(e);
  }
  co_return std::move(f);
}

template <sig::flow Inner, sig::random Random, sig::pclock Clock>
task<result<flow<Inner>, tls_error>> connect(Inner inner, client_context& ctx,
                                            std::string_view host, Clock& clock, Random& rng) {
  co_return co_await detail::connect_client(std::move(inner), ctx, host, true, clock, rng);
}

template <sig::flow Inner, sig::random Random, sig::pclock Clock>
task<result<flow<Inner>, tls_error>> connect(Inner inner, client_context& ctx, no_host_check_t,
                                            Clock& clock, Random& rng) {
  co_return co_await detail::connect_client(std::move(inner), ctx, std::string_view{}, false,
                                            clock, rng);
}

template <sig::flow Inner, sig::random Random, sig::pclock Clock>
task<result<flow<Inner>, tls_error>> detail::connect_client(Inner inner, client_context& ctx,
                                                           std::string_view host, bool check_host,
                                                           Clock& clock, Random& rng) {
  std::byte seed[detail::session::entropy_size];
  tls_error why{};
  std::unique_ptr<detail::session> s;
  if (check_host && host.empty()) {
    why = tls_error::no_host_name;  // before drawing entropy or sending anything
  } else if (rng.fill(mut_bytes(seed, sizeof seed))) {
    s = detail::session::client(*ctx.shared(), host, check_host, clock.now(),
                                bytes(seed, sizeof seed), &why);
  } else {
    why = tls_error::no_entropy;
  }
  mut_bytes(seed, sizeof seed).fill(std::byte{0});
  const std::string_view peer = check_host ? host : std::string_view("a server (no host check)");
  if (!s) {
    detail::log_handshake_failure(false, why, peer);
    co_await inner.close();
    co_return unexpected(why);
  }
  flow<Inner> f(std::move(inner), std::move(s));
  auto h = co_await with_timeout(ctx.options().handshake_timeout, f.handshake());
  const tls_error e = !h ? tls_error::timed_out : (!*h ? h->error() : tls_error{});
  if (e != tls_error{}) {
    detail::log_handshake_failure(false, e, peer);
    co_await f.inner().close();
    co_return unexpected(e);
  }
  co_return std::move(f);
}

}  // namespace fata::tls
