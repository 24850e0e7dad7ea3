// URLs as an HTTP client needs them (RFC 3986, the http and https schemes
// of RFC 9110 §4.2): scheme, host, port and request target, and the
// resolution of a redirect's Location against the URL it came from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <fata/core/addr.hpp>

namespace fata::http {

struct url {
  bool https = false;
  std::string host;    // lower-cased; IPv6 literals are not supported
  fata::port number;   // the explicit port, or 80 / 443
  std::string target;  // path and query, "/" at least; no fragment

  // The Host field value: host, with ":port" when not the default.
  std::string authority() const;
  // The whole URL, "https://host[:port]/target".
  std::string text() const;

  // Parses an absolute http or https URL; nullopt for anything else
  // (another scheme, userinfo, a bad port, spaces or controls).
  static std::optional<url> parse(std::string_view text);
};

// The host of a Host field value (RFC 9110 §7.2: uri-host [":" port]),
// when it is one a server may echo into a URL it sends back: a DNS name
// (labels of letters, digits, '-' and '_', 1 to 63 characters, 253 in all,
// one final dot allowed), an IPv4 address, or a bracketed IPv6 literal,
// with an optional decimal port up to 65535. Anything else (userinfo,
// '/', '\\', percent signs, spaces, empty labels...) is nullopt. The port
// is not part of the result.
std::optional<std::string_view> host_of_field(std::string_view field);

// Resolves a Location value (absolute URL, "//host/path", "/path", or a
// relative path) against `base` (RFC 3986 §5.2, without dot-segment
// removal beyond what servers need); nullopt if unusable.
std::optional<url> resolve_location(const url& base, std::string_view location);

}  // namespace fata::http
