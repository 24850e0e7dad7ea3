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
// - request bodies of either framing (Content-Length, chunked) stream to
//   the handler in bounded pieces (`request::body`), after a `100 Continue`
//   when the client asked for one and the handler reads; a body the
//   handler leaves unread is never stored: up to limits.max_discard bytes
//   of it are read and dropped after the response, otherwise the
//   connection closes after the response;
// - responses get Date, Server, and Content-Length (or chunked coding for a
//   stream of unknown length, close-delimited for HTTP/1.0); the body is
//   dropped for HEAD, 1xx, 204 and 304;
// - bad requests are answered with the status RFC 9110 names for them (400,
//   413, 414, 431, 501, 505), a request whose head does not arrive within
//   header_timeout, or that is not complete (head and body) within
//   request_timeout, with 408; the connection is then closed with a
//   lingering close (so the error response reaches the client) and the
//   server goes on serving other connections;
// - timeouts: a connection idle between requests longer than idle_timeout
//   is closed; a body read or a response write that stalls longer than
//   body_timeout / send_timeout ends the connection;
// - admission (http/connections.hpp): at most max_connections connections
//   and one memory budget for all of them; when full, the oldest idle or
//   slow connection is shed to make room, and only then are new ones
//   refused. A connection's buffer grows with the request it reads (from a
//   small in-frame area to the head limit), is charged to the budget, and
//   is given back after each request; a buffer the budget refuses gets the
//   request a 503;
// - one access log line per request through the `http.access` log source.
//
// Handlers run one request at a time per connection and may suspend. The
// request (its head, body and every view in it) is valid until the
// handler's response has been sent.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/budget.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/join.hpp>
#include <fata/core/log.hpp>
#include <fata/core/loop.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/http/connections.hpp>
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
  // From the first byte of a request to the end of its body, whatever the
  // pace of each read: a body trickled in a byte before each body_timeout
  // gets 408 here.
  duration request_timeout = 60s;
  // A kept-alive connection waiting for its next request.
  duration idle_timeout = 30s;
  // Longest stall while reading a request body or writing a response.
  duration body_timeout = 30s;
  duration send_timeout = 60s;
  // After an error response: how long unread input is drained before the
  // connection closes (a lingering close, so the client sees the response).
  duration linger_timeout = 2s;
  std::size_t max_requests_per_connection = 100000;
  // Bytes of an unread request body read and dropped after the response
  // so that the connection can go on; a longer one closes it.
  std::size_t max_discard = 64 * 1024;
  // The table of connections this server admits into, shared with other
  // servers of the image (null: one of its own, from max_connections and
  // memory).
  connection_table* connections = nullptr;
  std::size_t max_connections = 1024;
  std::size_t memory = 0;  // 0: connection_limits' default
  // The Server field; empty sends none.
  std::string_view server_name = "fata";
};

struct server_stats {
  std::uint64_t connections = 0;          // served so far
  std::uint64_t connections_refused = 0;  // not admitted (see connection_table_stats)
  std::uint64_t active = 0;               // open now
  std::uint64_t requests = 0;             // requests answered (errors included)
  std::uint64_t by_class[6] = {};         // responses by status class: [1]=1xx ... [5]=5xx
  std::uint64_t bad_requests = 0;         // heads or bodies rejected by the parser
  std::uint64_t header_timeouts = 0;      // 408 for a head not complete in time
  std::uint64_t request_timeouts = 0;     // 408 for a head and body not complete in time
  std::uint64_t idle_closes = 0;          // kept-alive connections closed for idleness
  std::uint64_t aborted = 0;              // connections that failed mid-request (shed ones included)
  std::uint64_t no_memory = 0;            // 503: a buffer the memory budget refused
  std::uint64_t bodies_discarded = 0;     // unread bodies read and dropped after the response
  std::uint64_t body_bytes_sent = 0;
};

// Who is on the other end of a connection.
struct connection_info {
  sig::ip_endpoint remote{};
  bool secure = false;  // the flow is TLS
};

// Why a request body could not be read.
enum class body_error : std::uint8_t {
  malformed = 1,  // bad chunked coding (400)
  too_large,      // beyond limits.max_body (413)
  timed_out,      // a read stalled past body_timeout or the request past request_timeout (408)
  closed,         // the connection failed or was shed
  no_memory,      // a frame or buffer to read it could not be had (503)
};

constexpr std::string_view describe(body_error e) noexcept {
  switch (e) {
    case body_error::malformed: return "malformed body";
    case body_error::too_large: return "body too large";
    case body_error::timed_out: return "body timed out";
    case body_error::closed: return "connection closed";
    case body_error::no_memory: return "out of memory";
  }
  return "unknown body error";
}

// The status a server answers a body error with (0: none, the connection is gone).
constexpr int status_for(body_error e) noexcept {
  switch (e) {
    case body_error::malformed: return status::bad_request;
    case body_error::too_large: return status::content_too_large;
    case body_error::timed_out: return status::request_timeout;
    case body_error::closed: return 0;
    case body_error::no_memory: return status::service_unavailable;
  }
  return 0;
}

// A request's body as the handler reads it: in pieces that are views into
// the connection's buffer, each valid until the next read. Reading is
// optional; the server deals with what is left (see above).
class request_body {
 public:
  virtual ~request_body() = default;
  // The next piece (at most the buffer's room, 16 KiB or so); empty once
  // the body is complete (at once when there is none). Suspends while the
  // client sends. After an error every read returns it again.
  virtual task<result<bytes, body_error>> read() = 0;
  // The request has a body (Content-Length > 0 or chunked).
  bool present() const { return _present; }
  // Its declared length, when it has one.
  std::optional<std::uint64_t> length() const { return _length; }
  bool finished() const { return _finished; }
  std::uint64_t received() const { return _received; }

 protected:
  bool _present = false;
  std::optional<std::uint64_t> _length;
  bool _finished = true;
  std::uint64_t _received = 0;
};

// Reads a whole body into a string of at most `max` bytes (too_large
// beyond: the handler's own bound, under limits.max_body).
task<result<std::string, body_error>> read_all(request_body& body, std::size_t max);

// One request as a handler sees it.
struct request {
  const request_head& head;
  request_body& body;
  const connection_info& connection;
  wall_time time;  // when the head was complete
};

template <class H>
concept handler = requires(H& h, const request& req, response& res) {
  { h.handle(req, res) } -> std::same_as<task<void>>;
};

namespace detail {

// The input buffer of one connection. Reading starts in a small area of
// its own (part of the connection's frame, charged with it); a head that
// does not fit moves to heap storage that doubles up to the head limit,
// and a body is read through heap storage of body_room bytes. Heap storage
// is charged to the connection's memory budget and given back by
// release() when nothing is pending (after each request), so an idle
// connection holds none.
class connection_buffer {
 public:
  static constexpr std::size_t inline_size = 1024;
  static constexpr std::size_t body_room = 16 * 1024;

  connection_buffer(const limits& lim, memory_budget* budget);
  connection_buffer(const connection_buffer&) = delete;
  connection_buffer& operator=(const connection_buffer&) = delete;

  bytes pending() const { return bytes(_data + _start, _end - _start); }
  bool empty() const { return _start == _end; }
  struct room {
    mut_bytes space;          // empty: the head limit is reached
    bool refused = false;     // the budget refused the storage
  };
  // Room to read a head into after the pending bytes: compacts, or moves
  // to (larger) heap storage. Invalidates views into the buffer.
  room room_for_head();
  // Makes sure a body can be read after `keep` through min(want,
  // body_room) bytes, as far as the budget allows; false if there is no
  // room at all after `keep`. May move the pending bytes to the start of
  // new storage: invalidates views, and `keep` becomes keep - start().
  bool reserve_body_room(std::size_t keep, std::uint64_t want);
  void filled(std::size_t n) { _end += n; }
  std::size_t start() const { return _start; }
  std::size_t end() const { return _end; }
  bytes slice(std::size_t from, std::size_t to) const { return bytes(_data + from, to - from); }
  // Drops everything from `keep` on, to read new input there.
  mut_bytes room_after(std::size_t keep) {
    _end = keep;
    return mut_bytes(_data + keep, _size - keep);
  }
  void set_end(std::size_t end) { _end = end; }
  // The next request starts at `pos`.
  void consume_to(std::size_t pos) {
    _start = pos;
    if (_start == _end) _start = _end = 0;
  }
  // Gives the heap storage back if nothing is pending.
  void release();
  std::size_t heap_storage() const { return _heap_size; }

 private:
  bool move_to_heap(std::size_t size);

  std::array<std::byte, inline_size> _inline;
  std::unique_ptr<std::byte[]> _heap;
  std::size_t _heap_size = 0;
  memory_charge _charge;
  memory_budget* _budget;
  std::byte* _data;
  std::size_t _size;
  std::size_t _capacity;  // the most heap storage a head may need
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

// The body of one request over `Flow`, read through the connection's
// buffer after the head.
template <sig::flow Flow>
class body_stream final : public request_body {
 public:
  body_stream(Flow& flow, connection_buffer& buf, const request_head& head, std::size_t body_pos,
              const server_config& cfg, mono_time deadline)
      : _flow(&flow), _buf(&buf), _head(&head), _body_pos(body_pos), _pos(body_pos),
        _cfg(&cfg), _decoder(cfg.limits), _remaining(head.content_length), _deadline(deadline) {
    _present = head.body == body_kind::chunked ||
               (head.body == body_kind::length && head.content_length > 0);
    _finished = !_present;
    if (head.body == body_kind::length) _length = head.content_length;
  }

  task<result<bytes, body_error>> read() override { return read_piece(this); }

  // Where the next request starts, once finished.
  std::size_t end_position() const { return _pos; }
  std::optional<body_error> error() const { return _error; }
  // Whether the client may still be holding the body back for a 100
  // Continue that was never sent.
  bool awaits_continue() const {
    return _present && !_continue_sent && _head->expect_continue && _head->version_minor >= 1;
  }
  // Whether what is left may be read and dropped (max_discard bytes at
  // most, a known length): otherwise the connection must close.
  bool can_discard() const {
    if (_finished) return true;
    if (_error || awaits_continue() || _head->body != body_kind::length) return false;
    return _remaining <= _cfg->max_discard;
  }
  // Reads and drops the rest of the body (after can_discard()).
  task<bool> discard() { return discard_rest(this); }

 private:
  static task<result<bytes, body_error>> read_piece(body_stream* self) {
    if (self->_error) co_return unexpected(*self->_error);
    if (self->_finished) co_return bytes{};
    if (self->awaits_continue()) {
      // RFC 9110 §10.1.1: the handler reads, so tell the client to send.
      self->_continue_sent = true;
      static constexpr std::string_view cont = "HTTP/1.1 100 Continue\r\n\r\n";
      auto w = co_await with_timeout(self->_cfg->send_timeout, self->_flow->write(bytes::of(cont)));
      if (!w || !*w) co_return self->fail(body_error::closed);
    }
    connection_buffer& buf = *self->_buf;
    for (;;) {
      while (self->_pos < buf.end()) {
        if (self->_head->body == body_kind::length) {
          const std::size_t take = static_cast<std::size_t>(
              std::min<std::uint64_t>(self->_remaining, buf.end() - self->_pos));
          const bytes piece = buf.slice(self->_pos, self->_pos + take);
          self->_pos += take;
          self->_remaining -= take;
          self->_received += take;
          if (self->_remaining == 0) self->_finished = true;
          co_return piece;
        }
        auto step = self->_decoder.feed(buf.slice(self->_pos, buf.end()));
        if (!step)
          co_return self->fail(step.error() == parse_error::body_too_large ? body_error::too_large
                                                                           : body_error::malformed);
        if (step->consumed == 0 && step->data.empty()) co_return self->fail(body_error::malformed);
        self->_pos += step->consumed;
        self->_received += step->data.size();
        if (self->_decoder.done()) self->_finished = true;
        if (!step->data.empty() || self->_finished) co_return step->data;
      }
      if (self->_finished) co_return bytes{};
      // Everything buffered is used: read more after the head.
      const mono_time now = loop::current().now();
      if (now >= self->_deadline) co_return self->fail(body_error::timed_out);
      const duration left = self->_deadline - now;
      mut_bytes room = buf.room_after(self->_body_pos);
      self->_pos = self->_body_pos;
      const duration wait = left < self->_cfg->body_timeout ? left : self->_cfg->body_timeout;
      auto n = co_await with_timeout(wait, self->_flow->read(room));
      if (!n) co_return self->fail(n.error() == errc::timed_out ? body_error::timed_out : body_error::closed);
      if (!*n || **n == 0) co_return self->fail(body_error::closed);
      buf.set_end(self->_body_pos + **n);
    }
  }

  static task<bool> discard_rest(body_stream* self) {
    for (;;) {
      if (self->_finished) co_return true;
      auto piece = co_await self->read();
      if (!piece) co_return false;
    }
  }

  unexpected<body_error> fail(body_error e) {
    _error = e;
    return unexpected(e);
  }

  Flow* _flow;
  connection_buffer* _buf;
  const request_head* _head;
  std::size_t _body_pos;
  std::size_t _pos;
  const server_config* _cfg;
  chunked_decoder _decoder;
  std::uint64_t _remaining;
  mono_time _deadline;
  std::optional<body_error> _error;
  bool _continue_sent = false;
};

template <class Flow>
task<void> close_flow(Flow flow) {
  co_await flow.close();
}

}  // namespace detail

// Closes a connection an accept loop turns away, as a member of `group`,
// so that the loop does not wait for the close; and does not await a task
// whose frame may be refused, which would cancel the loop itself
// (fata/core/task.hpp): without a frame the flow is dropped, which aborts it.
template <class Flow>
void close_in(task_group& group, Flow&& flow) {
  (void)group.spawn(detail::close_flow(std::forward<Flow>(flow)));
}

template <handler Handler, sig::pclock Clock>
class server {
 public:
  server(Handler& h, Clock& clock, server_config cfg = {})
      : _handler(&h), _clock(&clock), _cfg(cfg) {
    if (!_cfg.connections) {
      connection_limits lim;
      lim.max_connections = _cfg.max_connections;
      lim.memory = _cfg.memory;
      _own_table = std::make_unique<connection_table>(lim);
      _cfg.connections = _own_table.get();
    }
  }
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Serves requests on `flow` until the client closes, a timeout or an
  // error ends the connection, or the calling task is cancelled (or shed
  // through `slot`); then closes the flow. Suspends throughout. A
  // default slot belongs to no table: the connection is not bounded, and
  // its buffers are charged to this server's table.
  template <sig::flow Flow>
  task<void> serve_connection(Flow& flow, connection_info info, connection_slot slot = {});

  // Accepts connections from `listener` and serves each in its own task
  // until the listener is closed or the calling task is cancelled; then
  // cancels the connections still open and waits for them.
  template <sig::tcp_listener Listener>
  task<void> serve(Listener& listener);

  const server_stats& stats() const { return _stats; }
  const server_config& config() const { return _cfg; }
  server_stats& mutable_stats() { return _stats; }
  connection_table& connections() { return *_cfg.connections; }

 private:
  enum class head_status : std::uint8_t { ok, closed, idle, bad, timed_out, failed, no_memory };
  struct head_result {
    head_status what;
    std::size_t length = 0;
    parse_error error{};
    // A read whose frame was refused (fata/core/task.hpp): the connection
    // fails, as one whose flow failed.
    static head_result refused() { return {head_status::failed}; }
  };

  template <sig::flow Flow>
  task<head_result> read_head(Flow& flow, detail::connection_buffer& buf, request_head& head,
                              bool first, connection_slot& slot);
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
  static task<void> connection_task(server* self, Flow flow, connection_slot slot);

  void count(int status) {
    ++_stats.requests;
    const int cls = status / 100;
    if (cls >= 1 && cls <= 5) ++_stats.by_class[cls];
  }

  Handler* _handler;
  Clock* _clock;
  server_config _cfg;
  std::unique_ptr<connection_table> _own_table;
  server_stats _stats;
  detail::date_cache _date;
};

// ---------------------------------------------------------------------------

template <handler Handler, sig::pclock Clock>
template <sig::flow Flow>
task<typename server<Handler, Clock>::head_result> server<Handler, Clock>::read_head(
    Flow& flow, detail::connection_buffer& buf, request_head& head, bool first,
    connection_slot& slot) {
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
      if (deadline == mono_never) {
        deadline = saturating_add(lp.now(), _cfg.header_timeout);
        slot.enter(connection_phase::reading, lp.now());
      }
    }
    const mono_time limit = buf.empty() ? idle_deadline : std::min(deadline, idle_deadline);
    const mono_time now = lp.now();
    if (now >= limit) co_return head_result{buf.empty() ? head_status::idle : head_status::timed_out};
    auto room = buf.room_for_head();
    if (room.refused) co_return head_result{head_status::no_memory};
    if (room.space.empty()) co_return head_result{head_status::bad, 0, parse_error::header_too_large};
    auto n = co_await with_timeout(limit - now, flow.read(room.space));
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
task<void> server<Handler, Clock>::serve_connection(Flow& flow, connection_info info,
                                                    connection_slot slot) {
  ++_stats.connections;
  ++_stats.active;
  slot.attach(co_await current_cancel_state());
  // Buffers are charged to the slot's table, or without one to this
  // server's own.
  detail::connection_buffer buf(_cfg.limits, slot.memory() ? slot.memory() : &connections().memory());
  request_head head;
  response res;
  std::string head_text;
  std::vector<bytes> parts;
  bool linger = false;
  for (std::size_t served = 0;; ++served) {
    // A fresh connection that says nothing is as slow as a slow head; a
    // kept-alive one waiting for its next request is idle.
    if (served > 0) {
      slot.enter(buf.empty() ? connection_phase::idle : connection_phase::reading,
                 loop::current().now());
    }
    auto h = co_await read_head(flow, buf, head, served == 0, slot);
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
      } else if (h.what == head_status::no_memory) {
        ++_stats.no_memory;
        connections().shed_one(loop::current().now());
        co_await send_error(flow, status::service_unavailable, 1, head_text, parts);
        detail::log_access(info, "-", "-", 1, status::service_unavailable, 0, duration::zero());
        linger = true;
      } else if (h.what == head_status::idle) {
        ++_stats.idle_closes;
      } else if (h.what == head_status::failed) {
        ++_stats.aborted;
      }
      break;
    }
    const mono_time started = loop::current().now();
    std::size_t head_end = buf.start() + h.length;
    if (head.body != body_kind::none) {
      // The body is read through heap storage after the head, which may
      // move the head: parse it again where it now lies.
      const bool room = buf.reserve_body_room(
          head_end, head.body == body_kind::length ? head.content_length : detail::connection_buffer::body_room);
      (void)parse_request(buf.pending(), _cfg.limits, head);
      head_end = buf.start() + h.length;
      if (!room) {
        ++_stats.no_memory;
        connections().shed_one(loop::current().now());
        co_await send_error(flow, status::service_unavailable, head.version_minor, head_text, parts);
        detail::log_access(info, head.method_text, head.target, head.version_minor,
                           status::service_unavailable, 0, loop::current().now() - started);
        linger = true;
        break;
      }
    }
    bool close = !head.keep_alive || served + 1 >= _cfg.max_requests_per_connection;
    if (head.verb == method::unknown) {
      // RFC 9110 §9.1: a method the server does not recognise is 501; its
      // body (if any) is not read, so the connection cannot continue.
      co_await send_error(flow, status::not_implemented, head.version_minor, head_text, parts);
      detail::log_access(info, head.method_text, head.target, head.version_minor,
                         status::not_implemented, 0, loop::current().now() - started);
      linger = true;
      break;
    }
    slot.enter(connection_phase::reading, started);
    detail::body_stream<Flow> body(flow, buf, head, head_end, _cfg,
                                   saturating_add(started, _cfg.request_timeout));
    res.reset();
    const request req{head, body, info, _clock->now()};
    co_await _handler->handle(req, res);
    slot.enter(connection_phase::handling, loop::current().now());
    if (auto e = body.error()) {
      // The handler read a body that was malformed, too large, or too slow:
      // that is the answer, whatever the handler made of it.
      const int code = status_for(*e);
      if (code == 0) {
        ++_stats.aborted;
        break;
      }
      if (*e == body_error::timed_out) {
        ++_stats.request_timeouts;
      } else {
        ++_stats.bad_requests;
      }
      co_await send_error(flow, code, head.version_minor, head_text, parts);
      detail::log_access(info, head.method_text, head.target, head.version_minor, code, 0,
                         loop::current().now() - started);
      linger = true;
      break;
    }
    close = close || res.close || !body.can_discard();
    count(res.status);
    auto sent = co_await send(flow, head.version_minor, head.verb, res, close, head_text, parts);
    detail::log_access(info, head.method_text, head.target, head.version_minor, res.status,
                       sent ? *sent : 0, loop::current().now() - started);
    if (!sent) {
      ++_stats.aborted;
      break;
    }
    _stats.body_bytes_sent += *sent;
    if (close || (res.stream() && !res.body_length() && head.version_minor == 0)) {
      // A body left unread makes this close a reset unless it lingers.
      linger = !body.finished();
      break;
    }
    if (!body.finished()) {
      ++_stats.bodies_discarded;
      const bool drained = co_await body.discard();
      if (!drained) {
        ++_stats.aborted;
        break;
      }
    }
    buf.consume_to(body.end_position());
    buf.release();
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
task<void> server<Handler, Clock>::connection_task(server* self, Flow flow, connection_slot slot) {
  connection_info info;
  if constexpr (sig::tcp_flow<Flow>) {
    info.remote = flow.remote();
    // Responses are written whole; Nagle's algorithm would only hold back
    // the last segment of each until the client's delayed ACK.
    flow.set_nodelay(true);
  }
  co_await self->serve_connection(flow, info, std::move(slot));
}

template <handler Handler, sig::pclock Clock>
template <sig::tcp_listener Listener>
task<void> server<Handler, Clock>::serve(Listener& listener) {
  task_group group;
  for (;;) {
    auto f = co_await listener.accept();
    if (!f) {
      if (f.error() == sig::flow_error::closed || f.error() == sig::flow_error::cancelled) break;
      // Out of frames: those the slow connections hold come back when one
      // of them is shed, else the accept loop would wait for their timeouts.
      if (f.error() == sig::flow_error::no_memory) connections().shed_one(loop::current().now());
      // A transient failure (the host is out of descriptors): back off.
      auto slept = co_await sleep(10ms);
      if (!slept) break;
      continue;
    }
    std::uint64_t peer = 0;
    if constexpr (sig::tcp_flow<std::remove_cvref_t<decltype(*f)>>) peer = peer_key(f->remote().address);
    auto slot = connections().admit(loop::current().now(), 0, peer);
    if (!slot) {
      ++_stats.connections_refused;
      close_in(group, std::move(*f));
      continue;
    }
    slot->enter(connection_phase::reading, loop::current().now());
    // Refused when its frame cannot be had: the flow and the slot go with
    // the task, so the connection is closed and its charge returned; and,
    // as for a buffer the budget refuses, an idle or slow connection is
    // shed so that the next newcomer finds room.
    if (!group.spawn(connection_task(this, std::move(*f), std::move(*slot)))) {
      ++_stats.connections_refused;
      connections().shed_one(loop::current().now());
    }
  }
  group.cancel();
  co_await group.join();
}

}  // namespace fata::http
