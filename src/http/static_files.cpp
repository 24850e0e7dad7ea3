#include <fata/http/static_files.hpp>

#include <fata/core/fmt.hpp>

namespace fata::http::detail {

namespace {
std::int64_t seconds_of(wall_time t) { return to_ns(t) / 1'000'000'000; }
}  // namespace

std::optional<key_path> normalise_path(std::string_view raw) {
  std::string decoded;
  if (!percent_decode(raw, decoded)) return std::nullopt;
  key_path out;
  out.trailing_slash = !decoded.empty() && decoded.back() == '/';
  std::string_view rest = decoded;
  while (!rest.empty()) {
    const std::size_t slash = rest.find('/');
    const std::string_view seg = rest.substr(0, slash);
    if (seg == "..") return std::nullopt;
    if (!seg.empty() && seg != ".") {
      out.key += '/';
      out.key += seg;
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return out;
}

std::string location_path(std::string_view key) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(key.size() + 1);
  for (char ch : key) {
    const auto c = static_cast<unsigned char>(ch);
    // RFC 3986 §3.3: pchar = unreserved / pct-encoded / sub-delims / ":" / "@".
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '!' || c == '$' ||
                      c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' ||
                      c == ',' || c == ';' || c == '=' || c == ':' || c == '@' || c == '/';
    if (keep) {
      out += ch;
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  return out;
}

std::string etag_of(const sig::kv_digest& d) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out = "\"";
  // 128 bits of the SHA-256 are plenty to tell versions apart.
  for (std::size_t i = 0; i < 16; ++i) {
    out += hex[d[i] >> 4];
    out += hex[d[i] & 15];
  }
  out += '"';
  return out;
}

precondition evaluate_preconditions(const request_head& h, std::string_view etag,
                                    wall_time modified) {
  const bool safe = h.verb == method::get || h.verb == method::head;
  const std::int64_t mod = seconds_of(modified);
  // RFC 9110 §13.2.2, steps 1-4.
  if (auto im = h.headers.get("if-match")) {
    if (!etag_matches(*im, etag, false)) return precondition::failed;
  } else if (auto ius = h.headers.get("if-unmodified-since")) {
    auto d = parse_http_date(*ius);
    if (d && mod > seconds_of(*d)) return precondition::failed;
  }
  if (auto inm = h.headers.get("if-none-match")) {
    if (etag_matches(*inm, etag, true))
      return safe ? precondition::not_modified : precondition::failed;
  } else if (safe) {
    if (auto ims = h.headers.get("if-modified-since")) {
      auto d = parse_http_date(*ims);
      if (d && mod <= seconds_of(*d)) return precondition::not_modified;
    }
  }
  return precondition::proceed;
}

bool if_range_allows(const request_head& h, std::string_view etag, wall_time modified) {
  auto ir = h.headers.get("if-range");
  if (!ir) return true;
  // RFC 9110 §13.1.5: an entity-tag must match strongly; a date must equal
  // the Last-Modified exactly.
  if (!ir->empty() && (ir->front() == '"' || ir->substr(0, 2) == "W/"))
    return etag_matches(*ir, etag, false);
  auto d = parse_http_date(*ir);
  return d && seconds_of(*d) == seconds_of(modified);
}

void respond_with_ranges(response& res, const request_head&, bytes body,
                         std::string_view content_type, const range_request& ranges) {
  char buf[128];
  res.status = status::partial_content;
  if (ranges.count == 1) {
    const byte_range r = ranges.ranges[0];
    res.add_header("Content-Range", format_into(buf, "bytes {}-{}/{}", r.first, r.last, body.size()));
    res.add_header("Content-Type", content_type);
    res.append_view(body.sub(static_cast<std::size_t>(r.first), static_cast<std::size_t>(r.length())));
    return;
  }
  // RFC 9110 §14.6: multipart/byteranges.
  static constexpr std::string_view boundary = "fata-byteranges-5f1c3a9e0b7d";
  res.add_header("Content-Type", format_into(buf, "multipart/byteranges; boundary={}", boundary));
  for (std::size_t i = 0; i < ranges.count; ++i) {
    const byte_range r = ranges.ranges[i];
    std::string part;
    format_append(part, "\r\n--{}\r\nContent-Type: {}\r\nContent-Range: bytes {}-{}/{}\r\n\r\n",
                  boundary, content_type, r.first, r.last, body.size());
    res.append_text(part);
    res.append_view(body.sub(static_cast<std::size_t>(r.first), static_cast<std::size_t>(r.length())));
  }
  std::string end;
  format_append(end, "\r\n--{}--\r\n", boundary);
  res.append_text(end);
}

}  // namespace fata::http::detail
