#include <fata/http/message.hpp>

namespace fata::http {

namespace {

constexpr char lower(char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; }

constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view to_string(method m) {
  switch (m) {
    case method::get: return "GET";
    case method::head: return "HEAD";
    case method::post: return "POST";
    case method::put: return "PUT";
    case method::delete_: return "DELETE";
    case method::connect: return "CONNECT";
    case method::options: return "OPTIONS";
    case method::trace: return "TRACE";
    case method::patch: return "PATCH";
    case method::unknown: break;
  }
  return "UNKNOWN";
}

method parse_method(std::string_view t) {
  // Method tokens are case-sensitive (RFC 9110 §9.1).
  switch (t.size()) {
    case 3:
      if (t == "GET") return method::get;
      if (t == "PUT") return method::put;
      break;
    case 4:
      if (t == "HEAD") return method::head;
      if (t == "POST") return method::post;
      break;
    case 5:
      if (t == "TRACE") return method::trace;
      if (t == "PATCH") return method::patch;
      break;
    case 6:
      if (t == "DELETE") return method::delete_;
      break;
    case 7:
      if (t == "CONNECT") return method::connect;
      if (t == "OPTIONS") return method::options;
      break;
    default: break;
  }
  return method::unknown;
}

std::string_view reason_phrase(int code) {
  switch (code) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 426: return "Upgrade Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: break;
  }
  return "Unknown";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool header_list::add(std::string_view name, std::string_view value) {
  if (_count == capacity) return false;
  _fields[_count++] = {name, value};
  return true;
}

std::optional<std::string_view> header_list::get(std::string_view name) const {
  for (std::size_t i = 0; i < _count; ++i)
    if (iequals(_fields[i].name, name)) return _fields[i].value;
  return std::nullopt;
}

std::size_t header_list::count(std::string_view name) const {
  std::size_t n = 0;
  for (std::size_t i = 0; i < _count; ++i)
    if (iequals(_fields[i].name, name)) ++n;
  return n;
}

bool header_list::has_token(std::string_view name, std::string_view token) const {
  for (std::size_t i = 0; i < _count; ++i) {
    if (!iequals(_fields[i].name, name)) continue;
    std::string_view v = _fields[i].value;
    while (!v.empty()) {
      const std::size_t comma = v.find(',');
      std::string_view item = v.substr(0, comma);
      item = item.substr(0, item.find(';'));
      if (iequals(trim(item), token)) return true;
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  return false;
}

}  // namespace fata::http
