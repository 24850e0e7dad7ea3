// HTTP/1.1 message vocabulary (RFC 9110, RFC 9112): methods, status codes,
// header fields, and the parsed heads of requests and responses.
//
// Heads are zero-copy: every string_view in a request_head or
// response_head points into the bytes the head was parsed from (or is a
// constant, for a path defaulted to "/"), and is valid only while those
// bytes are. Header fields live in a fixed-capacity
// array inside the head (no allocation); the parser's limits keep a head
// within it. Field names compare case-insensitively (RFC 9110 §5.1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <fata/core/result.hpp>

namespace fata::http {

// Request methods (RFC 9110 §9). Method names are case-sensitive; any other
// token is `unknown` and a server answers it with 501.
enum class method : std::uint8_t {
  get,
  head,
  post,
  put,
  delete_,
  connect,
  options,
  trace,
  patch,
  unknown,
};

std::string_view to_string(method m);
// The method a token names, or method::unknown.
method parse_method(std::string_view token);

// Status codes used by fata, with their reason phrases (RFC 9110 §15).
namespace status {
inline constexpr int continue_ = 100;
inline constexpr int ok = 200;
inline constexpr int no_content = 204;
inline constexpr int partial_content = 206;
inline constexpr int moved_permanently = 301;
inline constexpr int found = 302;
inline constexpr int see_other = 303;
inline constexpr int not_modified = 304;
inline constexpr int temporary_redirect = 307;
inline constexpr int permanent_redirect = 308;
inline constexpr int bad_request = 400;
inline constexpr int forbidden = 403;
inline constexpr int not_found = 404;
inline constexpr int method_not_allowed = 405;
inline constexpr int request_timeout = 408;
inline constexpr int length_required = 411;
inline constexpr int precondition_failed = 412;
inline constexpr int content_too_large = 413;
inline constexpr int uri_too_long = 414;
inline constexpr int range_not_satisfiable = 416;
inline constexpr int expectation_failed = 417;
inline constexpr int header_fields_too_large = 431;
inline constexpr int internal_server_error = 500;
inline constexpr int not_implemented = 501;
inline constexpr int bad_gateway = 502;
inline constexpr int service_unavailable = 503;
inline constexpr int version_not_supported = 505;
}  // namespace status

// The reason phrase of a status code ("Not Found"); "Unknown" otherwise.
std::string_view reason_phrase(int code);

// Why a message could not be parsed. Each maps onto the status a server
// answers with (status_for); a client treats every one as a broken peer.
enum class parse_error : std::uint8_t {
  bad_request = 1,      // malformed syntax (400)
  uri_too_long,         // the request line exceeds its limit (414)
  header_too_large,     // the head or the number of fields exceeds its limit (431)
  not_implemented,      // a transfer coding we do not implement (501)
  version_unsupported,  // an HTTP major version other than 1 (505)
  body_too_large,       // a declared or chunked body exceeds its limit (413)
};

constexpr std::string_view describe(parse_error e) noexcept {
  switch (e) {
    case parse_error::bad_request: return "malformed message";
    case parse_error::uri_too_long: return "request line too long";
    case parse_error::header_too_large: return "header section too large";
    case parse_error::not_implemented: return "transfer coding not implemented";
    case parse_error::version_unsupported: return "HTTP version not supported";
    case parse_error::body_too_large: return "body too large";
  }
  return "unknown parse error";
}

constexpr int status_for(parse_error e) noexcept {
  switch (e) {
    case parse_error::bad_request: return status::bad_request;
    case parse_error::uri_too_long: return status::uri_too_long;
    case parse_error::header_too_large: return status::header_fields_too_large;
    case parse_error::not_implemented: return status::not_implemented;
    case parse_error::version_unsupported: return status::version_not_supported;
    case parse_error::body_too_large: return status::content_too_large;
  }
  return status::bad_request;
}

// Case-insensitive ASCII comparison, for field names and tokens.
bool iequals(std::string_view a, std::string_view b);

struct header_field {
  std::string_view name;
  std::string_view value;  // without leading and trailing whitespace
};

// The fields of one head, in order, with lookup by name.
class header_list {
 public:
  // The most fields a head can hold; parser limits stay within it.
  static constexpr std::size_t capacity = 128;

  std::size_t size() const { return _count; }
  bool empty() const { return _count == 0; }
  const header_field& operator[](std::size_t i) const { return _fields[i]; }
  const header_field* begin() const { return _fields.data(); }
  const header_field* end() const { return _fields.data() + _count; }

  // Appends a field; false when full.
  bool add(std::string_view name, std::string_view value);
  void clear() { _count = 0; }

  // The value of the first field called `name`, if any.
  std::optional<std::string_view> get(std::string_view name) const;
  // How many fields are called `name`.
  std::size_t count(std::string_view name) const;
  // True if any field called `name` lists `token` among its comma-separated
  // elements (case-insensitively, ignoring parameters after ';'):
  // has_token("connection", "close").
  bool has_token(std::string_view name, std::string_view token) const;

 private:
  std::array<header_field, capacity> _fields;
  std::size_t _count = 0;
};

// How the length of a message body is known (RFC 9112 §6.3).
enum class body_kind : std::uint8_t {
  none,         // no body
  length,       // exactly content_length bytes
  chunked,      // chunked transfer coding
  until_close,  // responses only: the body ends when the connection does
};

struct request_head {
  method verb = method::unknown;
  std::string_view method_text;  // the method token as sent
  std::string_view target;       // the request-target as sent
  std::string_view path;         // origin-form path (absolute-form: its path), still %-encoded
  std::string_view query;        // after '?', without it; empty if none
  std::string_view host;         // the Host field, or the authority of an absolute-form target
  int version_minor = 1;         // HTTP/1.<minor>
  header_list headers;
  body_kind body = body_kind::none;
  std::uint64_t content_length = 0;
  // The connection stays open after the response (HTTP/1.1 without
  // `Connection: close`, or HTTP/1.0 with `Connection: keep-alive`).
  bool keep_alive = true;
  // `Expect: 100-continue` was sent.
  bool expect_continue = false;
};

struct response_head {
  int version_minor = 1;
  int code = 0;
  std::string_view reason;
  header_list headers;
  body_kind body = body_kind::none;
  std::uint64_t content_length = 0;
  bool keep_alive = true;
};

}  // namespace fata::http
