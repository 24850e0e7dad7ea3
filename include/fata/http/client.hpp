// An HTTP/1.1 client connection over any flow (a TCP connection, a TLS
// session, a test pipe): one request at a time, kept alive between them.
//
//   fata::http::client_connection conn(flow);
//   co_await conn.send({.verb = method::get, .target = "/", .host = "example.org"});
//   auto head = co_await conn.read_head();          // status and fields
//   for (;;) {
//     auto piece = co_await conn.read_body();      // zero-copy slices
//     if (!piece || piece->empty()) break;
//     hash.update(*piece);
//   }
//   if (conn.reusable()) ...                        // send the next request
//
// Request bodies go with Content-Length, or chunked on request. Responses
// are framed by RFC 9112 §6.3: Content-Length, chunked, or the end of the
// connection; 1xx responses are skipped. Every wait is bounded: the head
// must arrive within head_timeout of the request, and a body read or a
// write may stall at most io_timeout. Response heads are limited by
// `limits` and bodies by max_body. A connection whose response was not read
// to its end, or that the server marked `close`, is not reusable.
//
// Following redirects and choosing plain TCP or TLS per URL is fetch.hpp's
// job, on top of this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/join.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/http/message.hpp>
#include <fata/http/parser.hpp>
#include <fata/sig/flow.hpp>

namespace fata::http {

enum class client_error : std::uint8_t {
  connect_failed = 1,  // no connection to the server (refused, unreachable)
  tls_failed,          // the TLS handshake failed (see the TLS error for why)
  timed_out,           // a response, body or write took longer than allowed
  closed,              // the server closed the connection before the response ended
  bad_response,        // the response was malformed
  too_large,           // the response head or body exceeded its limit
  too_many_redirects,
  bad_url,             // a URL or a redirect's Location could not be used
  unresolved,          // the URL's host name gave no address
  io,                  // the flow failed otherwise
  cancelled,
  no_memory,  // an allocation failed (a buffer, or a task frame of the call)
};

constexpr std::string_view describe(client_error e) noexcept {
  switch (e) {
    case client_error::connect_failed: return "could not connect";
    case client_error::tls_failed: return "TLS handshake failed";
    case client_error::timed_out: return "timed out";
    case client_error::closed: return "connection closed before the response ended";
    case client_error::bad_response: return "malformed response";
    case client_error::unresolved: return "could not resolve the host name";
    case client_error::too_large: return "response too large";
    case client_error::too_many_redirects: return "too many redirects";
    case client_error::bad_url: return "unusable URL";
    case client_error::io: return "I/O error";
    case client_error::cancelled: return "cancelled";
    case client_error::no_memory: return "out of memory";
  }
  return "unknown client error";
}

struct client_config {
  // Limits on response heads (max_request_line bounds the status line).
  http::limits limits;
  // The largest response body accepted.
  std::uint64_t max_body = std::uint64_t(1) << 32;
  duration head_timeout = 30s;
  duration io_timeout = 30s;
  std::string_view user_agent = "fata";
};

struct outgoing_request {
  method verb = method::get;
  std::string_view target = "/";
  std::string_view host;                    // the Host field (required)
  std::span<const header_field> headers{};  // extra fields
  bytes body{};
  bool chunked = false;  // send the body with the chunked coding
  bool close = false;    // ask the server to close after the response
};

namespace detail {
// Writes a request head into `out` (cleared first).
void write_request_head(std::string& out, const outgoing_request& r, std::string_view user_agent);
client_error client_error_of(sig::flow_error e);
}  // namespace detail

template <sig::flow Flow>
class client_connection {
 public:
  explicit client_connection(Flow& flow, client_config cfg = {})
      : _flow(&flow), _cfg(cfg), _buf(cfg.limits.max_head + 16 * 1024), _decoder(cfg.limits) {}
  client_connection(const client_connection&) = delete;
  client_connection& operator=(const client_connection&) = delete;

  // Writes a request. Contract: the previous response was read to its end.
  task<result<void, client_error>> send(const outgoing_request& r);
  // Reads the response head, skipping 1xx responses. The head (and every
  // view in it) is valid until the next send().
  task<result<const response_head*, client_error>> read_head();
  // The next piece of the body (a view into the connection's buffer, valid
  // until the next call); empty once the body is complete.
  task<result<bytes, client_error>> read_body();
  // Reads the rest of the body into a string (at most max_body bytes).
  task<result<std::string, client_error>> read_body_all();

  // True when another request may follow on this connection.
  bool reusable() const { return _body_done && _head.keep_alive && !_broken; }
  const response_head& head() const { return _head; }
  Flow& flow() { return *_flow; }

 private:
  // Reads more input at _end; 0 at end of stream.
  task<result<std::size_t, client_error>> fill(duration timeout);

  Flow* _flow;
  client_config _cfg;
  buffer _buf;
  std::size_t _start = 0;     // unconsumed input begins here
  std::size_t _end = 0;
  std::size_t _body_pos = 0;  // where body input is read (after the head)
  response_head _head;
  method _verb = method::get;
  chunked_decoder _decoder;
  std::uint64_t _remaining = 0;
  std::uint64_t _received = 0;
  bool _body_done = true;
  bool _broken = false;
  std::string _request_head;
};

// ---------------------------------------------------------------------------

template <sig::flow Flow>
task<result<void, client_error>> client_connection<Flow>::send(const outgoing_request& r) {
  FATA_ASSERT(_body_done);
  if (!_buf.valid()) co_return unexpected(client_error::io);
  _verb = r.verb;
  // Leftover input goes to the front, so the next head and the body
  // window after it always fit.
  if (_start > 0) {
    std::memmove(_buf.data(), _buf.data() + _start, _end - _start);
    _end -= _start;
    _start = 0;
  }
  detail::write_request_head(_request_head, r, _cfg.user_agent);
  bytes parts[4];
  std::size_t n = 0;
  parts[n++] = bytes::of(_request_head);
  char size_line[24];
  if (!r.body.empty()) {
    if (r.chunked) parts[n++] = bytes::of(chunk_header(r.body.size(), size_line));
    parts[n++] = r.body;
    if (r.chunked) parts[n++] = bytes::of("\r\n0\r\n\r\n");
  } else if (r.chunked) {
    parts[n++] = bytes::of("0\r\n\r\n");
  }
  auto w = co_await with_timeout(_cfg.io_timeout, _flow->writev(std::span<const bytes>(parts, n)));
  if (!w) {
    _broken = true;
    co_return unexpected(client_error::timed_out);
  }
  if (!*w) {
    _broken = true;
    co_return unexpected(detail::client_error_of(w->error()));
  }
  co_return result<void, client_error>{};
}

template <sig::flow Flow>
task<result<std::size_t, client_error>> client_connection<Flow>::fill(duration timeout) {
  if (_end == _buf.size()) {
    // Move unconsumed input to the front (only before a head is parsed).
    const std::size_t n = _end - _start;
    std::memmove(_buf.data(), _buf.data() + _start, n);
    _start = 0;
    _end = n;
    if (_end == _buf.size()) co_return unexpected(client_error::too_large);
  }
  auto got = co_await with_timeout(timeout,
                                   _flow->read(mut_bytes(_buf.data() + _end, _buf.size() - _end)));
  if (!got) co_return unexpected(client_error::timed_out);
  if (!*got) co_return unexpected(detail::client_error_of(got->error()));
  _end += **got;
  co_return **got;
}

template <sig::flow Flow>
task<result<const response_head*, client_error>> client_connection<Flow>::read_head() {
  const mono_time deadline = saturating_add(loop::current().now(), _cfg.head_timeout);
  for (;;) {
    auto parsed = parse_response(bytes(_buf.data() + _start, _end - _start), _cfg.limits, _verb,
                                 _head);
    if (!parsed) {
      _broken = true;
      co_return unexpected(parsed.error() == parse_error::header_too_large ||
                                   parsed.error() == parse_error::uri_too_long
                               ? client_error::too_large
                               : client_error::bad_response);
    }
    if (*parsed) {
      if (_head.code < 200) {
        // 1xx: informational, another head follows (RFC 9110 §15.2).
        _start += *parsed;
        continue;
      }
      _body_pos = _start + *parsed;
      _start = _body_pos;
      _received = 0;
      _body_done = _head.body == body_kind::none;
      _remaining = _head.content_length;
      _decoder = chunked_decoder(_cfg.limits);
      if (_head.body == body_kind::length && _head.content_length > _cfg.max_body) {
        _broken = true;
        co_return unexpected(client_error::too_large);
      }
      co_return &_head;
    }
    const mono_time now = loop::current().now();
    if (now >= deadline) {
      _broken = true;
      co_return unexpected(client_error::timed_out);
    }
    auto n = co_await fill(deadline - now);
    if (!n) {
      _broken = true;
      co_return unexpected(n.error());
    }
    if (*n == 0) {
      _broken = true;
      co_return unexpected(client_error::closed);
    }
  }
}

template <sig::flow Flow>
task<result<bytes, client_error>> client_connection<Flow>::read_body() {
  for (;;) {
    if (_body_done) co_return bytes{};
    if (_start < _end) {
      const bytes avail(_buf.data() + _start, _end - _start);
      switch (_head.body) {
        case body_kind::length: {
          const std::size_t take =
              static_cast<std::size_t>(std::min<std::uint64_t>(_remaining, avail.size()));
          _start += take;
          _remaining -= take;
          if (_remaining == 0) _body_done = true;
          co_return avail.first(take);
        }
        case body_kind::chunked: {
          auto step = _decoder.feed(avail);
          if (!step) {
            _broken = true;
            co_return unexpected(step.error() == parse_error::body_too_large
                                     ? client_error::too_large
                                     : client_error::bad_response);
          }
          _start += step->consumed;
          if (_decoder.done()) _body_done = true;
          if (!step->data.empty()) {
            _received += step->data.size();
            if (_received > _cfg.max_body) {
              _broken = true;
              co_return unexpected(client_error::too_large);
            }
            co_return step->data;
          }
          continue;
        }
        case body_kind::until_close: {
          _start = _end;
          _received += avail.size();
          if (_received > _cfg.max_body) {
            _broken = true;
            co_return unexpected(client_error::too_large);
          }
          co_return avail;
        }
        case body_kind::none:
          _body_done = true;
          continue;
      }
    }
    // All buffered input is consumed: read more after the head.
    _start = _end = _body_pos;
    auto n = co_await fill(_cfg.io_timeout);
    if (!n) {
      _broken = true;
      co_return unexpected(n.error());
    }
    if (*n == 0) {
      if (_head.body == body_kind::until_close) {
        _body_done = true;
        _broken = true;  // the connection is over
        co_return bytes{};
      }
      _broken = true;
      co_return unexpected(client_error::closed);
    }
  }
}

template <sig::flow Flow>
task<result<std::string, client_error>> client_connection<Flow>::read_body_all() {
  std::string out;
  for (;;) {
    auto piece = co_await read_body();
    if (!piece) co_return unexpected(piece.error());
    if (piece->empty()) break;
    out.append(piece->chars());
  }
  co_return out;
}

}  // namespace fata::http
