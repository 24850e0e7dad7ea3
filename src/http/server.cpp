#include <fata/http/server.hpp>

#include <fata/core/fmt.hpp>

#include <cstring>
#include <new>
#include <fata/http/fields.hpp>

namespace fata::http {

namespace {
log::source access_log{"http.access", "one line per HTTP request served"};

void append_decimal(std::string& out, std::uint64_t v) {
  char buf[24];
  int n = 0;
  do {
    buf[n++] = char('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) out.push_back(buf[--n]);
}
}  // namespace

// --- response ---------------------------------------------------------------

void response::add_header(std::string_view name, std::string_view value) {
  _head.append(name);
  _head.append(": ");
  _head.append(value);
  _head.append("\r\n");
}

void response::append_view(bytes b) {
  if (b.empty()) return;
  _parts.push_back({b.data(), 0, b.size()});
  _parts_size += b.size();
}

void response::append_text(std::string_view text) {
  if (text.empty()) return;
  _parts.push_back({nullptr, _text.size(), text.size()});
  _text.append(text);
  _parts_size += text.size();
}

void response::set_stream(std::unique_ptr<body_source> source,
                          std::optional<std::uint64_t> length) {
  _stream = std::move(source);
  _stream_length = length;
}

void response::set_length_only(std::uint64_t length) { _length_only = length; }

std::optional<std::uint64_t> response::body_length() const {
  if (_length_only) return _length_only;
  if (_stream) return _stream_length;
  return _parts_size;
}

void response::collect(std::vector<bytes>& out) const {
  for (const part& p : _parts) {
    if (p.data) {
      out.push_back(bytes(p.data, p.size));
    } else {
      out.push_back(bytes(_text.data() + p.offset, p.size));
    }
  }
}

void response::reset() {
  status = 200;
  close = false;
  _head.clear();
  _text.clear();
  _parts.clear();
  _parts_size = 0;
  _stream.reset();
  _stream_length.reset();
  _length_only.reset();
}

// --- request bodies -----------------------------------------------------------

task<result<std::string, body_error>> read_all(request_body& body, std::size_t max) {
  std::string out;
  for (;;) {
    auto piece = co_await body.read();
    if (!piece) co_return unexpected(piece.error());
    if (piece->empty()) co_return out;
    if (piece->size() > max - out.size()) co_return unexpected(body_error::too_large);
    out.append(piece->chars());
  }
}

// --- server helpers -----------------------------------------------------------

namespace detail {

connection_buffer::connection_buffer(const limits& lim, memory_budget* budget)
    : _budget(budget),
      _data(nullptr),
      _size(inline_size),
      _capacity(lim.max_head + lim.max_request_line / 2 + 16 * 1024) {
  _data = _inline.data();
}

bool connection_buffer::move_to_heap(std::size_t size) {
  const std::size_t pending_size = _end - _start;
  if (size < pending_size) size = pending_size;
  memory_charge charge(_budget, size);
  if (!charge.ok()) return false;
  std::unique_ptr<std::byte[]> fresh(new (std::nothrow) std::byte[size]);
  if (!fresh) return false;
  if (pending_size) std::memcpy(fresh.get(), _data + _start, pending_size);
  _heap = std::move(fresh);
  _heap_size = size;
  _charge = std::move(charge);  // the old storage's charge goes with it
  _data = _heap.get();
  _size = size;
  _start = 0;
  _end = pending_size;
  return true;
}

connection_buffer::room connection_buffer::room_for_head() {
  // Keep the pending bytes at the front once past the middle, so that a
  // whole head always fits.
  if (_start > 0 && (_end == _size || _start > _size / 2)) {
    const std::size_t n = _end - _start;
    std::memmove(_data, _data + _start, n);
    _start = 0;
    _end = n;
  }
  if (_end < _size) return {mut_bytes(_data + _end, _size - _end)};
  // Full: a head this long moves to (larger) heap storage, up to the limit.
  if (_size >= _capacity) return {};
  std::size_t grown = _size * 2 < 4096 ? 4096 : _size * 2;
  if (grown > _capacity) grown = _capacity;
  if (!move_to_heap(grown)) return {{}, true};
  return {mut_bytes(_data + _end, _size - _end)};
}

bool connection_buffer::reserve_body_room(std::size_t keep, std::uint64_t want) {
  if (want > body_room) want = body_room;
  if (_size - keep >= want) return true;
  const std::size_t kept = keep - _start;
  if (move_to_heap(kept + static_cast<std::size_t>(want))) return true;
  return _size > keep;
}

void connection_buffer::release() {
  if (!empty() || !_heap) return;
  _heap.reset();
  _heap_size = 0;
  _charge.reset();
  _data = _inline.data();
  _size = _inline.size();
  _start = _end = 0;
}

std::string_view date_cache::get(wall_time now) {
  const std::int64_t second = to_ns(now) / 1'000'000'000;
  if (second != _second) {
    _second = second;
    format_http_date(wall_from_ns(second * 1'000'000'000), std::span<char>(_text));
  }
  return {_text, http_date_size};
}

bool bodiless(method m, int status) {
  return m == method::head || status < 200 || status == status::no_content ||
         status == status::not_modified;
}

void write_head(std::string& out, const response& res, const head_options& o) {
  out.clear();
  // RFC 9112 §4: answer with our highest version, HTTP/1.1.
  out.append("HTTP/1.1 ");
  append_decimal(out, static_cast<std::uint64_t>(o.status));
  out.push_back(' ');
  out.append(reason_phrase(o.status));
  out.append("\r\n");
  if (!o.server_name.empty()) {
    out.append("Server: ");
    out.append(o.server_name);
    out.append("\r\n");
  }
  out.append("Date: ");
  out.append(o.date);
  out.append("\r\n");
  out.append(res.header_block());
  if (o.length) {
    out.append("Content-Length: ");
    append_decimal(out, *o.length);
    out.append("\r\n");
  } else if (o.chunked) {
    out.append("Transfer-Encoding: chunked\r\n");
  }
  if (o.close) {
    out.append("Connection: close\r\n");
  } else if (o.keep_alive_10) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
}

std::string_view error_body(int status) {
  switch (status) {
    case 400: return "400 Bad Request\n";
    case 404: return "404 Not Found\n";
    case 405: return "405 Method Not Allowed\n";
    case 408: return "408 Request Timeout\n";
    case 412: return "412 Precondition Failed\n";
    case 413: return "413 Content Too Large\n";
    case 414: return "414 URI Too Long\n";
    case 416: return "416 Range Not Satisfiable\n";
    case 431: return "431 Request Header Fields Too Large\n";
    case 500: return "500 Internal Server Error\n";
    case 501: return "501 Not Implemented\n";
    case 503: return "503 Service Unavailable\n";
    case 505: return "505 HTTP Version Not Supported\n";
    default: return "error\n";
  }
}

void log_access(const connection_info& c, std::string_view method, std::string_view target,
                int version_minor, int status, std::uint64_t bytes, duration elapsed) {
  access_log.info("{} \"{} {} HTTP/1.{}\" {} {} {}{}", c.remote, method, target, version_minor,
                  status, bytes, elapsed, c.secure ? " tls" : "");
}

sig::flow_error wait_error(errc e) {
  return e == errc::timed_out ? sig::flow_error::timed_out : sig::flow_error::cancelled;
}

}  // namespace detail

}  // namespace fata::http
