// An HTTP/1.1 server over any flow (RFC 9110, RFC 9112): a TCP connection
// of either stack, a TLS session, or a test pipe.
//
//   struct hello {
//     fata::task<void> handle(const fata::http::request& req, fata::http::response& res) {
//       res.add_header("Content-Type", "text/plain");
//       res.append_text("hello\n");
//       co_return;
//     }
//   };
//   fata::http::server srv(handler, pclock, config);
//   co_await srv.serve(listener);           // or srv.serve_connection(flow, info)
//
// What the server does, so that handlers need not:
// - persistent connections and pipelining: requests on a connection are
//   answered in order; bytes of the next request that arrived with the
//   previous one are parsed before reading again;
// - request bodies of either framing (Content-Length, chunked) are read
//   completely, bounded by limits.max_body, before the handler runs, after
//   a `100 Continue` when the client asked for one;
// - responses get Date, Server, and Content-Length (or chunked coding for a
//   stream of unknown length, close-delimited for HTTP/1.0); the body is
//   dropped for HEAD, 1xx, 204 and 304;
// - bad requests are answered with the status RFC 9110 names for them (400,
//   413, 414, 431, 501, 505), and a request whose head does not arrive
//   within header_timeout with 408; the connection is then closed with a
//   lingering close (so the error response reaches the client) and the
//   server goes on serving other connections;
// - timeouts: a connection idle between requests longer than idle_timeout
//   is closed; a body or a response write that stalls longer than
//   body_timeout / send_timeout ends the connection;
// - at most max_connections connections at once (more are closed at once);
// - one access log line per request through the `http.access` log source.
//
// Handlers run one request at a time per connection and may suspend. The
// request (its head, body and every view in it) is valid until the
// handler's response has been sent.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/bytes.hpp>
#include <fata/core/join.hpp>
#include <fata/core/log.hpp>
#include <fata/core/loop.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/http/message.hpp>
#include <fata/http/parser.hpp>
#include <fata/http/response.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/flow.hpp>
#include <fata/sig/stack.hpp>

namespace fata::http {

struct server_config {
  http::limits limits;
  // From a connection's start (or the first byte of a later request) to
  // the end of the request head: slower clients get 408.
  duration header_timeout = 10s;
  // A kept-alive connection waiting for its next request.
  duration idle_timeout = 30s;
  // Longest stall while reading a request body or writing a response.
  duration body_timeout = 30s;
  duration send_timeout = 60s;
  // After an error response: how long unread input is drained before the
  // connection closes (a lingering close, so the client sees the response).
  duration linger_timeout = 2s;
  std::size_t max_requests_per_connection = 100000;
  std::size_t max_connections = 1024;
  // The Server field; empty sends none.
  std::string_view server_name = "fata";
};

struct server_stats {
  std::uint64_t connections = 0;          // served so far
  std::uint64_t connections_refused = 0;  // over max_connections
  std::uint64_t active = 0;               // open now
  std::uint64_t requests = 0;             // requests answered (errors included)
  std::uint64_t by_class[6] = {};         // responses by status class: [1]=1xx ... [5]=5xx
  std::uint64_t bad_requests = 0;         // heads or bodies rejected by the parser
  std::uint64_t header_timeouts = 0;      // 408 sent
  std::uint64_t idle_closes = 0;          // kept-alive connections closed for idleness
  std::uint64_t aborted = 0;              // connections that failed mid-request
  std::uint64_t body_bytes_sent = 0;
};

// Who is on the other end of a connection.
struct connection_info {
  sig::ipv4_endpoint remote{};
  bool secure = false;  // the flow is TLS
};

// One request as a handler sees it.
struct request {
  const request_head& head;
  bytes body;                 // the complete body (empty if none)
  const connection_info& connection;
  wall_time time;             // when the head was complete
};

template <class H>
concept handler = requires(H& h, const request& req, response& res) {
  { h.handle(req, res) } -> std::same_as<task<void>>;
};

namespace detail {

// The non-template parts of a connection: its input buffer, and how a
// response head is written.
class connection_buffer {
 public:
  explicit connection_buffer(const limits& lim);
  bool valid() const { return _mem.valid() && _mem.size() > 0; }
  bytes pending() const { return bytes(_mem.data() + _start, _end - _start); }
  bool empty() const { return _start == _end; }
  // Room to read into after the pending bytes, compacting if that helps.
  mut_bytes room_for_head();
  void filled(std::size_t n) { _end += n; }
  // Body reading: bytes after position `pos`, reading space after `keep`.
  std::size_t start() const { return _start; }
  std::size_t end() const { return _end; }
  bytes slice(std::size_t from, std::size_t to) const { return bytes(_mem.data() + from, to - from); }
  // Drops everything from `keep` on, to read new input there.
  mut_bytes room_after(std::size_t keep) {
    _end = keep;
    return mut_bytes(_mem.data() + keep, _mem.size() - keep);
  }
  void set_end(std::size_t end) { _end = end; }
  // The next request starts at `pos`.
  void consume_to(std::size_t pos) {
    _start = pos;
    if (_start == _end) _start = _end = 0;
  }

 private:
  buffer _mem;
  std::size_t _start = 0;
  std::size_t _end = 0;
};

// Caches the formatted Date field for the current second.
class date_cache {
 public:
  std::string_view get(wall_time now);

 private:
  std::int64_t _second = -1;
  char _text[32] = {};
};

struct head_options {
  int status;
  int version_minor;
  bool close;            // send Connection: close
  bool keep_alive_10;    // an HTTP/1.0 client asked for keep-alive
  bool send_body;        // false for HEAD, 1xx, 204, 304
  std::optional<std::uint64_t> length;  // Content-Length; nullopt: chunked or until close
  bool chunked;
  std::string_view date;
  std::string_view server_name;
};

// Writes the status line and header section into `out` (cleared first).
void write_head(std::string& out, const response& res, const head_options& o);
// A short text body for an error status.
std::string_view error_body(int status);
// True if a response with this status to this method carries no body.
bool bodiless(method m, int status);

void log_access(const connection_info& c, std::string_view method, std::string_view target,
                int version_minor, int status, std::uint64_t bytes, duration elapsed);

sig::flow_error wait_error(errc e);

}  // namespace detail

template <handler Handler, sig::pclock Clock>
class server {
 public:
  server(Handler& h, Clock& clock, server_config cfg = {})
      : _handler(&h), _clock(&clock), _cfg(cfg) {}
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Serves requests on `flow` until the client closes, a timeout or an
  // error ends the connection, or the calling task is cancelled; then
  // closes the flow. Suspends throughout.
  template <sig::flow Flow>
  task<void> serve_connection(Flow& flow, connection_info info);

  // Accepts connections from `listener` and serves each in its own task
  // until the listener is closed or the calling task is cancelled; then
  // cancels the connections still open and waits for them.
  template <sig::tcp_listener Listener>
  task<void> serve(Listener& listener);

  const server_stats& stats() const { return _stats; }
  const server_config& config() const { return _cfg; }
  server_stats& mutable_stats() { return _stats; }

 private:
  enum class head_status : std::uint8_t { ok, closed, idle, bad, timed_out, failed };
  struct head_result {
    head_status what;
    std::size_t length = 0;
    parse_error error{};
  };

  template <sig::flow Flow>
  task<head_result> read_head(Flow& flow, detail::connection_buffer& buf, request_head& head,
                              bool first);
  template <sig::flow Flow>
  task<result<std::size_t, int>> read_body(Flow& flow, detail::connection_buffer& buf,
                                           const request_head& head, std::size_t body_pos,
                                           std::string& body);
  template <sig::flow Flow>
  task<result<std::uint64_t, sig::flow_error>> send(Flow& flow, int version_minor, method verb,
                                                    response& res, bool close,
                                                    std::string& head_text,
                                                    std::vector<bytes>& parts);
  template <sig::flow Flow>
  task<void> send_error(Flow& flow, int status, int version_minor, std::string& head_text,
                        std::vector<bytes>& parts);
  template <sig::flow Flow>
  task<void> linger_close(Flow& flow);
  template <sig::flow Flow>
  static task<void> connection_task(server* self, Flow flow);

  void count(int status) {
    ++_stats.requests;
    const int cls = status / 100;
    if (cls >= 1 && cls <= 5) ++_stats.by_class[cls];
  }

  Handler* _handler;
  Clock* _clock;
  server_config _cfg;
  server_stats _stats;
  detail::date_cache _date;
};

// ---------------------------------------------------------------------------

template <handler Handler, sig::pclock Clock>
template <sig::flow Flow>
task<typename server<Handler, Clock>::head_result> server<Handler, Clock>::read_head(
    Flow& flow, detail::connection_buffer& buf, request_head& head, bool first) {
  auto& lp = loop::current();
  const mono_time idle_deadline =
      saturating_add(lp.now(), first ? _cfg.header_timeout : _cfg.idle_timeout);
  mono_time deadline = mono_never;
  for (;;) {
    if (!buf.empty()) {
      auto parsed = parse_request(buf.pending(), _cfg.limits, head);
      if (!parsed) co_return head_result{head_status::bad, 0, parsed.error()};
      if (*parsed) co_return head_result{head_status::ok, *parsed};
      // RFC 9112 §9.3 leaves time limits to the server: the head must be
      // complete within header_timeout of its first byte.
      if (deadline == mono_never) deadline = saturating_add(lp.now(), _cfg.header_timeout);
    }
    const mono_time limit = buf.empty() ? idle_deadline : std::min(deadline, idle_deadline);
    const mono_time now = lp.now();
    if (now >= limit) co_return head_result{buf.empty() ? head_status::idle : head_status::timed_out};
    mut_bytes room = buf.room_for_head();
    if (room.empty()) co_return head_result{head_status::bad, 0, parse_error::header_too_large};
    auto n = co_await with_timeout(limit - now, flow.read(room));
    if (!n) {
      if (n.error() == errc::timed_out)
        co_return head_result{buf.empty() ? head_status::idle : head_status::timed_out};
      co_return head_result{head_status::failed};
    }
    if (!*n) co_return head_result{head_status::failed};
    if (**n == 0) co_return head_result{buf.empty() ? head_status::closed : head_status::failed};
    buf.filled(**n);
  }
}

template <handler Handler, sig::pclock Clock>
template <sig::flow Flow>
task<result<std::size_t, int>> server<Handler, Clock>::read_body(Flow& flow,
                                                                 detail::connection_buffer& buf,
                                                                 const request_head& head,
                                                                 std::size_t body_pos,
                                                                 std::string& body) {
  body.clear();
  if (head.body == body_kind::none) co_return body_pos;
  if (head.expect_continue && head.version_minor >= 1) {
    // RFC 9110 §10.1.1: tell the client to send the body.
    static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
    auto w = co_await with_timeout(_cfg.send_timeout, flow.write(bytes::of(cont)));
    if (!w || !*w) co_return unexpected(0);
  }
  std::size_t p = body_pos;
  chunked_decoder decoder(_cfg.limits);
  std::uint64_t remaining = head.content_length;
  for (;;) {
    // Use what is buffered.
    while (p < buf.end()) {
      if (head.body == body_kind::length) {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining, buf.end() - p));
        body.append(buf.slice(p, p + take).chars());
        p += take;
        remaining -= take;
        if (remaining == 0) co_return p;
      } else {
        auto step = decoder.feed(buf.slice(p, buf.end()));
        if (!step) co_return unexpected(status_for(step.error()));
        body.append(step->data.chars());
        p += step->consumed;
        if (decoder.done()) co_return p;
      }
    }
    if (head.body == body_kind::length && remaining == 0) co_return p;
    if (head.body == body_kind::chunked && decoder.done()) co_return p;
    // Everything buffered is consumed: read more after the head.
    mut_bytes room = buf.room_after(body_pos);
    p = body_pos;
    auto n = co_await with_timeout(_cfg.body_timeout, flow.read(room));
    if (!n) co_return unexpected(n.error() == errc::timed_out ? status::request_timeout : 0);
    if (!*n || **n == 0) co_return unexpected(0);
    buf.set_end(body_pos + **n);
  }
}

template <handler Handler, sig::pclock Clock>
template <sig::flow Flow>
task<result<std::uint64_t, sig::flow_error>> server<Handler, Clock>::send(
    Flow& flow, int version_minor, method verb, response& res, bool close,
    std::string& head_text, std::vector<bytes>& parts) {
  const bool send_body = !detail::bodiless(verb, res.status);
  std::optional<std::uint64_t> length = res.body_length();
  body_source* stream = res.stream();
  bool chunked = false;
  if (!length && send_body) {
    // Unknown length: chunked for HTTP/1.1, delimited by closing for 1.0.
    if (version_minor >= 1) {
      chunked = true;
    } else {
      close = true;
    }
  }
  detail::head_options o{res.status, version_minor, close, !close && version_minor == 0,
                         send_body, length, chunked, _date.get(_clock->now()), _cfg.server_name};
  if (res.status == status::not_modified || res.status == status::no_content ||
      res.status < 200)
    o.length.reset();
  detail::write_head(head_text, res, o);
  parts.clear();
  parts.push_back(bytes::of(head_text));
  std::uint64_t sent = 0;
  if (send_body && !stream) {
    const std::size_t first = parts.size();
    res.collect(parts);
    for (std::size_t i = first; i < parts.size(); ++i) sent += parts[i].size();
  }
  auto w = co_await with_timeout(_cfg.send_timeout, flow.writev(std::span<const bytes>(parts)));
  if (!w) co_return unexpected(sig::flow_error::timed_out);
  if (!*w) co_return unexpected(w->error());
  if (!send_body || !stream) co_return sent;
  // A streamed body, chunked when its length is unknown.
  char size_line[24];
  for (;;) {
    auto piece = co_await stream->next();
    if (!piece) co_return unexpected(sig::flow_error::io);
    if (piece->empty()) break;
    parts.clear();
    if (chunked) parts.push_back(bytes::of(chunk_header(piece->size(), size_line)));
    parts.push_back(*piece);
    if (chunked) parts.push_back(bytes::of("\r\n"));
    auto pw = co_await with_timeout(_cfg.send_timeout, flow.writev(std::span<const bytes>(parts)));
    if (!pw) co_return unexpected(sig::flow_error::timed_out);
    if (!*pw) co_return unexpected(pw->error());
    sent += piece->size();
  }
  if (chunked) {
    auto end = co_await with_timeout(_cfg.send_timeout, flow.write(bytes::of("0\r\n\r\n")));
    if (!end) co_return unexpected(sig::flow_error::timed_out);
    if (!*end) co_return unexpected(end->error());
  }
  co_return sent;
}

template <handler Handler, sig::pclock Clock>
template <sig::flow Flow>
task<void> server<Handler, Clock>::send_error(Flow& flow, int code, int version_minor,
                                              std::string& head_text, std::vector<bytes>& parts) {
  response res;
  res.status = code;
  res.add_header("Content-Type", "text/plain; charset=utf-8");
  res.append_text(detail::error_body(code));
  count(code);
  (void)co_await send(flow, version_minor, method::get, res, true, head_text, parts);
}

template <handler Handler, sig::pclock Clock>
template <sig::flow Flow>
task<void> server<Handler, Clock>::linger_close(Flow& flow) {
  // Half-close, then drain what the client still sends for a while, so that
  // closing with unread input does not reset the connection before the
  // client has read our response.
  auto s = co_await flow.shutdown(sig::shutdown_mode::write);
  if (s) {
    std::byte sink[2048];
    const mono_time until = saturating_add(loop::current().now(), _cfg.linger_timeout);
    for (int i = 0; i < 64; ++i) {
      const mono_time now = loop::current().now();
      if (now >= until) break;
      auto n = co_await with_timeout(until - now, flow.read(mut_bytes(sink, sizeof sink)));
      if (!n || !*n || **n == 0) break;
    }
  }
  co_await flow.close();
}

template <handler Handler, sig::pclock Clock>
template <sig::flow Flow>
task<void> server<Handler, Clock>::serve_connection(Flow& flow, connection_info info) {
  ++_stats.connections;
  ++_stats.active;
  detail::connection_buffer buf(_cfg.limits);
  if (!buf.valid()) {
    --_stats.active;
    co_await flow.close();
    co_return;
  }
  request_head head;
  response res;
  std::string body;
  std::string head_text;
  head_text.reserve(512);
  std::vector<bytes> parts;
  parts.reserve(8);
  bool linger = false;
  for (std::size_t served = 0;; ++served) {
    auto h = co_await read_head(flow, buf, head, served == 0);
    if (h.what != head_status::ok) {
      if (h.what == head_status::bad) {
        ++_stats.bad_requests;
        co_await send_error(flow, status_for(h.error), 1, head_text, parts);
        detail::log_access(info, "-", "-", 1, status_for(h.error), 0, duration::zero());
        linger = true;
      } else if (h.what == head_status::timed_out) {
        ++_stats.header_timeouts;
        co_await send_error(flow, status::request_timeout, 1, head_text, parts);
        detail::log_access(info, "-", "-", 1, status::request_timeout, 0, duration::zero());
        linger = true;
      } else if (h.what == head_status::idle) {
        ++_stats.idle_closes;
      } else if (h.what == head_status::failed) {
        ++_stats.aborted;
      }
      break;
    }
    const mono_time started = loop::current().now();
    const std::size_t head_end = buf.start() + h.length;
    bool close = !head.keep_alive || served + 1 >= _cfg.max_requests_per_connection;
    int code = 0;
    if (head.verb == method::unknown) {
      // RFC 9110 §9.1: a method the server does not recognise is 501; its
      // body (if any) is not read, so the connection cannot continue.
      code = status::not_implemented;
    }
    std::size_t next = head_end;
    if (code == 0) {
      auto b = co_await read_body(flow, buf, head, head_end, body);
      if (!b) {
        if (b.error() == 0) {
          ++_stats.aborted;
          break;
        }
        code = b.error();
        ++_stats.bad_requests;
      } else {
        next = *b;
      }
    }
    if (code != 0) {
      co_await send_error(flow, code, head.version_minor, head_text, parts);
      detail::log_access(info, head.method_text, head.target, head.version_minor, code, 0,
                         loop::current().now() - started);
      linger = true;
      break;
    }
    res.reset();
    const request req{head, bytes::of(body), info, _clock->now()};
    co_await _handler->handle(req, res);
    close = close || res.close;
    count(res.status);
    auto sent = co_await send(flow, head.version_minor, head.verb, res, close, head_text, parts);
    detail::log_access(info, head.method_text, head.target, head.version_minor, res.status,
                       sent ? *sent : 0, loop::current().now() - started);
    if (!sent) {
      ++_stats.aborted;
      break;
    }
    _stats.body_bytes_sent += *sent;
    if (close || (res.stream() && !res.body_length() && head.version_minor == 0)) break;
    buf.consume_to(next);
  }
  if (linger) {
    co_await linger_close(flow);
  } else {
    co_await flow.close();
  }
  --_stats.active;
}

template <handler Handler, sig::pclock Clock>
template <sig::flow Flow>
task<void> server<Handler, Clock>::connection_task(server* self, Flow flow) {
  connection_info info;
  if constexpr (sig::tcp_flow<Flow>) {
    info.remote = flow.remote();
    // Responses are written whole; Nagle's algorithm would only hold back
    // the last segment of each until the client's delayed ACK.
    flow.set_nodelay(true);
  }
  co_await self->serve_connection(flow, info);
}

template <handler Handler, sig::pclock Clock>
template <sig::tcp_listener Listener>
task<void> server<Handler, Clock>::serve(Listener& listener) {
  task_group group;
  for (;;) {
    auto f = co_await listener.accept();
    if (!f) {
      if (f.error() == sig::flow_error::closed || f.error() == sig::flow_error::cancelled) break;
      // A transient failure (the host is out of descriptors): back off.
      auto slept = co_await sleep(10ms);
      if (!slept) break;
      continue;
    }
    if (group.size() >= _cfg.max_connections) {
      ++_stats.connections_refused;
      co_await f->close();
      continue;
    }
    group.spawn(connection_task(this, std::move(*f)));
  }
  group.cancel();
  co_await group.join();
}

}  // namespace fata::http
