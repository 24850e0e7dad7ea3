// What an HTTP handler answers: a status, header fields, and a body made of
// parts (borrowed views, or text the response owns) or a stream.
//
//   res.status = 200;
//   res.add_header("Content-Type", "text/html; charset=utf-8");
//   res.append_view(site.mapped("/index.html").value());  // zero-copy
//
// The server adds Date, Server, Content-Length or Transfer-Encoding, and
// Connection itself; handlers must not. Borrowed views must stay valid
// until the response has been sent (static data, a crunched store's
// memory, or the handler's own state that outlives the request). A
// response object is reused for every request of a connection: reset()
// keeps its allocations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>

namespace fata::http {

// A body produced piece by piece (a large file read in chunks). The
// response owns it until the response has been sent.
class body_source {
 public:
  virtual ~body_source() = default;
  // The next piece of the body, valid until the next call; empty at the
  // end. An error aborts the response (the connection is closed).
  virtual task<result<bytes, errc>> next() = 0;
};

class response {
 public:
  int status = 200;
  // Close the connection after this response.
  bool close = false;

  // Adds a header field. Contract: name is a token and value has no CR or
  // LF (handlers build them from trusted text).
  void add_header(std::string_view name, std::string_view value);
  // Header fields added so far, as "Name: value\r\n" lines.
  std::string_view header_block() const { return _head; }

  // Appends a borrowed view to the body.
  void append_view(bytes b);
  // Appends a copy of `text` to the body.
  void append_text(std::string_view text);
  // Streams the body from `source`; `length` is the Content-Length if
  // known (otherwise the body is sent chunked, or until close to HTTP/1.0).
  void set_stream(std::unique_ptr<body_source> source, std::optional<std::uint64_t> length);
  // For HEAD and other body-less answers to a request: the Content-Length
  // of the body a GET would have had, without the body.
  void set_length_only(std::uint64_t length);

  // The body's length when known.
  std::optional<std::uint64_t> body_length() const;
  body_source* stream() const { return _stream.get(); }
  // The body's parts as views (valid until the response changes).
  void collect(std::vector<bytes>& out) const;

  void reset();

 private:
  struct part {
    const std::byte* data;  // borrowed; nullptr when owned
    std::size_t offset;     // owned: offset into _text
    std::size_t size;
  };
  std::string _head;
  std::string _text;
  std::vector<part> _parts;
  std::uint64_t _parts_size = 0;
  std::unique_ptr<body_source> _stream;
  std::optional<std::uint64_t> _stream_length;
  std::optional<std::uint64_t> _length_only;
};

}  // namespace fata::http
