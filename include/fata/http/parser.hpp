// HTTP/1.1 message parsing (RFC 9112): request and response heads, and the
// chunked transfer coding. Pure functions over bytes: no I/O, no
// allocation, no state kept between calls except in chunked_decoder.
//
// Heads are parsed from a buffer holding the bytes received so far: the
// parser answers "incomplete" (0) until the head's final empty line has
// arrived, then its length. Callers re-parse from the start when more
// bytes arrive; heads are bounded by `limits`, so that costs little, and
// the limits are checked on incomplete input too, so an endless request
// line or header section is rejected as soon as it crosses its limit.
//
// Strictness, each rule from RFC 9112 and chosen to close request
// smuggling: lines end with CRLF (a bare LF is accepted as a terminator,
// §2.2; a bare CR is an error); exactly one SP between request-line parts
// (§3); no whitespace between a field name and its colon (§5.1);
// obsolete line folding is rejected (§5.2); field values may not contain
// control characters (RFC 9110 §5.5); Content-Length must be digits and
// every copy must agree (RFC 9110 §8.6); Transfer-Encoding together with
// Content-Length, Transfer-Encoding in HTTP/1.0, or a transfer coding other
// than a final `chunked` is rejected (§6.1, §6.3); an HTTP/1.1 request
// needs exactly one Host (§3.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/http/message.hpp>

namespace fata::http {

struct limits {
  // The request line (method, target, version), without its CRLF: 414.
  std::size_t max_request_line = 8 * 1024;
  // The whole head, request or status line included: 431.
  std::size_t max_head = 16 * 1024;
  // Header fields in one head (at most header_list::capacity): 431.
  std::size_t max_headers = 100;
  // A request body, declared or chunked: 413.
  std::uint64_t max_body = 1024 * 1024;
  // One chunk-size line with its extensions, and a chunked trailer section.
  std::size_t max_chunk_line = 4 * 1024;
  std::size_t max_trailer = 8 * 1024;
};

// Parses a request head from the start of `in` into `out`. Returns the
// head's length once its empty line has arrived (the body starts there),
// 0 if more bytes are needed, or the error a server answers with a status
// (see status_for). Up to four empty lines before the request line are
// skipped (RFC 9112 §2.2) and counted in the length.
result<std::size_t, parse_error> parse_request(bytes in, const limits& lim, request_head& out);

// Parses a response head, as parse_request does. `request_verb` is the
// method of the request it answers: responses to HEAD, 1xx, 204 and 304
// have no body, and a 2xx to CONNECT none either (RFC 9112 §6.3).
result<std::size_t, parse_error> parse_response(bytes in, const limits& lim, method request_verb,
                                                response_head& out);

// Decodes the chunked transfer coding (RFC 9112 §7.1) incrementally. Feed
// it the bytes after the head as they arrive; each call consumes a prefix
// of its input and may give back a slice of that input that is body data
// (zero-copy). Chunk extensions are checked for syntax and ignored;
// trailer fields are checked and discarded.
class chunked_decoder {
 public:
  explicit chunked_decoder(const limits& lim = {}) : _limits(lim) {}

  struct step {
    std::size_t consumed = 0;  // bytes of the input used by this call
    bytes data;                // body bytes found (a slice of the input)
  };
  // Consumes input until it produces data, needs more, or ends. body_too_large
  // once the decoded body would exceed limits.max_body.
  result<step, parse_error> feed(bytes in);
  // The last chunk and the trailer section have been consumed.
  bool done() const { return _state == state::done; }
  std::uint64_t body_size() const { return _total; }

 private:
  enum class state : std::uint8_t {
    size,       // hex digits of the chunk size
    extension,  // after the size: extensions up to the line end
    size_lf,    // CR seen, expecting LF
    data,
    data_cr,    // after the data: expecting CR (or LF)
    data_lf,
    trailer,    // a trailer line (or the final empty line)
    trailer_lf,
    done,
  };
  limits _limits;
  state _state = state::size;
  std::uint64_t _chunk = 0;       // size being parsed / data left in the chunk
  std::uint64_t _total = 0;
  std::size_t _line = 0;          // bytes of the current line so far
  std::size_t _trailer = 0;       // bytes of trailer section so far
  int _digits = 0;
  bool _in_quote = false;
  bool _ext_started = false;
};

// Writes the chunk-size line for a chunk of `size` bytes ("1a2b\r\n") into
// `out` (at least 18 bytes) and returns it. A size of 0 writes the last
// chunk with an empty trailer section ("0\r\n\r\n").
std::string_view chunk_header(std::uint64_t size, std::span<char> out);

// Parses a Content-Length value (RFC 9110 §8.6): digits only; a list of
// identical values ("5, 5") is accepted as that value.
std::optional<std::uint64_t> parse_content_length(std::string_view value);

}  // namespace fata::http
