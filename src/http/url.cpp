#include <fata/http/url.hpp>

#include <fata/core/fmt.hpp>
#include <fata/http/message.hpp>

namespace fata::http {

namespace {

bool valid_url_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f;
}

bool valid_host(std::string_view h) {
  if (h.empty() || h.size() > 253) return false;
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string url::authority() const {
  const bool default_port = (https && number.value == 443) || (!https && number.value == 80);
  if (default_port) return host;
  return format("{}:{}", host, number.value);
}

std::string url::text() const {
  return format("{}://{}{}", https ? "https" : "http", authority(), target);
}

std::optional<url> url::parse(std::string_view text) {
  for (char c : text)
    if (!valid_url_char(c)) return std::nullopt;
  url u;
  if (text.size() > 7 && iequals(text.substr(0, 7), "http://")) {
    text.remove_prefix(7);
  } else if (text.size() > 8 && iequals(text.substr(0, 8), "https://")) {
    u.https = true;
    text.remove_prefix(8);
  } else {
    return std::nullopt;
  }
  // Drop a fragment: it is never sent (RFC 9110 §7.1).
  text = text.substr(0, text.find('#'));
  const std::size_t end = text.find_first_of("/?");
  std::string_view authority = text.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view{} : text.substr(end);
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  u.number = port(u.https ? 443 : 80);
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view p = authority.substr(colon + 1);
    authority = authority.substr(0, colon);
    if (p.empty() || p.size() > 5) return std::nullopt;
    unsigned v = 0;
    for (char c : p) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + unsigned(c - '0');
    }
    if (v == 0 || v > 65535) return std::nullopt;
    u.number = port(static_cast<std::uint16_t>(v));
  }
  if (!valid_host(authority)) return std::nullopt;
  u.host.assign(authority);
  for (char& c : u.host)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  if (rest.empty()) {
    u.target = "/";
  } else if (rest.front() == '?') {
    u.target = "/";
    u.target += rest;
  } else {
    u.target.assign(rest);
  }
  return u;
}

std::optional<std::string_view> host_of_field(std::string_view field) {
  std::string_view host = field;
  std::string_view rest;
  if (!host.empty() && host.front() == '[') {
    // IP-literal (RFC 3986 §3.2.2), IPv6 only: hex digits, ':' and '.'
    // (an embedded IPv4 address); IPvFuture is refused.
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos || close < 3 || close > 46) return std::nullopt;
    for (char c : host.substr(1, close - 1)) {
      const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
                      c == ':' || c == '.';
      if (!ok) return std::nullopt;
    }
    rest = host.substr(close + 1);
    host = host.substr(0, close + 1);
  } else {
    const std::size_t colon = host.find(':');
    if (colon != std::string_view::npos) {
      rest = host.substr(colon);
      host = host.substr(0, colon);
    }
    if (host.empty() || host.size() > 254 || host == ".") return std::nullopt;
    std::string_view labels = host;
    if (labels.back() == '.') labels.remove_suffix(1);
    if (labels.size() > 253) return std::nullopt;
    std::size_t label = 0;
    for (char c : labels) {
      if (c == '.') {
        if (label == 0) return std::nullopt;
        label = 0;
        continue;
      }
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_';
      if (!ok || ++label > 63) return std::nullopt;
    }
    if (label == 0) return std::nullopt;
  }
  if (!rest.empty()) {
    // ":" port, decimal, at most 65535 (an empty port is allowed by RFC
    // 3986 but not worth echoing: refused).
    const std::string_view digits = rest.substr(1);
    if (rest.front() != ':' || digits.empty() || digits.size() > 5) return std::nullopt;
    unsigned v = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + unsigned(c - '0');
    }
    if (v > 65535) return std::nullopt;
  }
  return host;
}

std::optional<url> resolve_location(const url& base, std::string_view loc) {
  while (!loc.empty() && (loc.front() == ' ' || loc.front() == '\t')) loc.remove_prefix(1);
  if (loc.empty()) return std::nullopt;
  for (char c : loc)
    if (!valid_url_char(c)) return std::nullopt;
  if ((loc.size() > 7 && iequals(loc.substr(0, 7), "http://")) ||
      (loc.size() > 8 && iequals(loc.substr(0, 8), "https://")))
    return url::parse(loc);
  if (loc.substr(0, 2) == "//") {
    return url::parse(std::string(base.https ? "https:" : "http:") + std::string(loc));
  }
  // Another scheme ("mailto:", "ftp://"): a ':' before any '/', '?' or '#'
  // (RFC 3986 §4.2: a relative path's first segment has no colon).
  const std::size_t colon = loc.find(':');
  if (colon != std::string_view::npos && colon < loc.find_first_of("/?#")) return std::nullopt;
  url u = base;
  loc = loc.substr(0, loc.find('#'));
  if (loc.front() == '/') {
    u.target.assign(loc);
  } else if (loc.front() == '?') {
    u.target = base.target.substr(0, base.target.find('?'));
    u.target += loc;
  } else {
    // Relative path: replace the last segment of the base path.
    std::string path = base.target.substr(0, base.target.find('?'));
    path = path.substr(0, path.rfind('/') + 1);
    u.target = path + std::string(loc);
  }
  return u;
}

}  // namespace fata::http
