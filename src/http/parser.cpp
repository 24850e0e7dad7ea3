// RFC 9112 message parsing. See parser.hpp for the rules enforced.
#include <fata/http/parser.hpp>

namespace fata::http {

namespace {

// tchar (RFC 9110 §5.6.2).
constexpr bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
      return true;
    default:
      return false;
  }
}

constexpr bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!is_tchar(static_cast<unsigned char>(c))) return false;
  return true;
}

// field-vchar / SP / HTAB (RFC 9110 §5.5): no controls, no DEL.
constexpr bool is_field_char(unsigned char c) {
  return c == '\t' || (c >= 0x20 && c != 0x7f);
}

// Characters of a request-target: visible ASCII (RFC 3986 is stricter, but
// what matters for safety is no whitespace, controls or non-ASCII).
constexpr bool is_target_char(unsigned char c) { return c > 0x20 && c < 0x7f; }

constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

constexpr int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One line of `s` starting at `pos`: its text without the terminator and
// the position after it. `complete` is false if no LF has arrived yet.
struct line {
  std::string_view text;
  std::size_t next = 0;
  bool complete = false;
  bool bad = false;  // a CR not followed by LF
};

line next_line(std::string_view s, std::size_t pos) {
  line l;
  const std::size_t lf = s.find('\n', pos);
  if (lf == std::string_view::npos) {
    l.text = s.substr(pos);
    return l;
  }
  l.complete = true;
  l.next = lf + 1;
  std::size_t end = lf;
  if (end > pos && s[end - 1] == '\r') --end;
  l.text = s.substr(pos, end - pos);
  if (l.text.find('\r') != std::string_view::npos) l.bad = true;
  return l;
}

// "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3).
result<int, parse_error> parse_version(std::string_view v) {
  if (v.size() < 5 || v.substr(0, 5) != "HTTP/") return unexpected(parse_error::bad_request);
  if (v.size() != 8 || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' || v[7] > '9')
    return unexpected(parse_error::bad_request);
  if (v[5] != '1') return unexpected(parse_error::version_unsupported);
  return v[7] - '0';
}

// Parses header lines from `pos` up to and including the empty line.
// Returns the head length, 0 if incomplete.
result<std::size_t, parse_error> parse_fields(std::string_view s, std::size_t pos,
                                              const limits& lim, header_list& out) {
  const std::size_t max_fields =
      lim.max_headers < header_list::capacity ? lim.max_headers : header_list::capacity;
  for (;;) {
    line l = next_line(s, pos);
    if (!l.complete) {
      if (s.size() > lim.max_head) return unexpected(parse_error::header_too_large);
      // A partial line can already be seen to be bad.
      for (char c : l.text)
        if (!is_field_char(static_cast<unsigned char>(c)) && c != '\r')
          return unexpected(parse_error::bad_request);
      return std::size_t(0);
    }
    if (l.next > lim.max_head) return unexpected(parse_error::header_too_large);
    if (l.bad) return unexpected(parse_error::bad_request);
    if (l.text.empty()) return l.next;
    // Obsolete line folding (RFC 9112 §5.2): rejected.
    if (l.text.front() == ' ' || l.text.front() == '\t')
      return unexpected(parse_error::bad_request);
    const std::size_t colon = l.text.find(':');
    if (colon == std::string_view::npos) return unexpected(parse_error::bad_request);
    const std::string_view name = l.text.substr(0, colon);
    // No whitespace between name and colon (RFC 9112 §5.1): is_token fails.
    if (!is_token(name)) return unexpected(parse_error::bad_request);
    const std::string_view value = trim(l.text.substr(colon + 1));
    for (char c : value)
      if (!is_field_char(static_cast<unsigned char>(c))) return unexpected(parse_error::bad_request);
    if (out.size() >= max_fields) return unexpected(parse_error::header_too_large);
    out.add(name, value);
    pos = l.next;
  }
}

// What the Transfer-Encoding fields say (RFC 9112 §6.1): chunked may
// appear only once, as the final coding.
enum class transfer_coding : std::uint8_t {
  chunked,        // exactly "chunked"
  coded_chunked,  // other codings, then chunked
  not_chunked,    // the final coding is not chunked
};

result<transfer_coding, parse_error> check_transfer_encoding(const header_list& h) {
  std::string_view last;
  std::size_t items = 0;
  for (const auto& f : h) {
    if (!iequals(f.name, "transfer-encoding")) continue;
    std::string_view v = f.value;
    while (!v.empty()) {
      const std::size_t comma = v.find(',');
      std::string_view item = trim(v.substr(0, comma));
      if (!item.empty()) {
        if (items && iequals(last, "chunked")) return unexpected(parse_error::bad_request);
        last = item;
        ++items;
      }
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  if (items == 0) return unexpected(parse_error::bad_request);
  if (!iequals(last, "chunked")) return transfer_coding::not_chunked;
  return items == 1 ? transfer_coding::chunked : transfer_coding::coded_chunked;
}

result<std::optional<std::uint64_t>, parse_error> content_length_of(const header_list& h) {
  std::optional<std::uint64_t> length;
  for (const auto& f : h) {
    if (!iequals(f.name, "content-length")) continue;
    auto v = parse_content_length(f.value);
    if (!v) return unexpected(parse_error::bad_request);
    if (length && *length != *v) return unexpected(parse_error::bad_request);
    length = *v;
  }
  return length;
}

}  // namespace

std::optional<std::uint64_t> parse_content_length(std::string_view value) {
  std::optional<std::uint64_t> out;
  while (true) {
    const std::size_t comma = value.find(',');
    const std::string_view item = trim(value.substr(0, comma));
    if (item.empty() || item.size() > 18) return std::nullopt;
    std::uint64_t n = 0;
    for (char c : item) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + std::uint64_t(c - '0');
    }
    if (out && *out != n) return std::nullopt;
    out = n;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return out;
}

result<std::size_t, parse_error> parse_request(bytes in, const limits& lim, request_head& out) {
  const std::string_view s = in.chars();
  out.headers.clear();
  std::size_t pos = 0;
  // RFC 9112 §2.2: ignore at least one empty line before the request line.
  for (int i = 0; i < 4; ++i) {
    if (s.substr(pos, 2) == "\r\n") {
      pos += 2;
    } else if (s.substr(pos, 1) == "\n") {
      pos += 1;
    } else {
      break;
    }
  }
  line rl = next_line(s, pos);
  if (!rl.complete) {
    // Garbage (a TLS ClientHello on a plain port, binary noise) is refused
    // at once instead of waiting for a line end that may never come.
    for (std::size_t i = 0; i < rl.text.size(); ++i) {
      const auto c = static_cast<unsigned char>(rl.text[i]);
      if ((c < 0x20 && !(c == '\r' && i + 1 == rl.text.size())) || c >= 0x7f)
        return unexpected(parse_error::bad_request);
    }
    if (rl.text.size() > lim.max_request_line + 1) return unexpected(parse_error::uri_too_long);
    if (s.size() > lim.max_head) return unexpected(parse_error::header_too_large);
    return std::size_t(0);
  }
  if (rl.text.size() > lim.max_request_line) return unexpected(parse_error::uri_too_long);
  if (rl.bad) return unexpected(parse_error::bad_request);

  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
  const std::string_view text = rl.text;
  const std::size_t sp1 = text.find(' ');
  if (sp1 == std::string_view::npos) return unexpected(parse_error::bad_request);
  const std::size_t sp2 = text.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return unexpected(parse_error::bad_request);
  out.method_text = text.substr(0, sp1);
  out.target = text.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = text.substr(sp2 + 1);
  if (!is_token(out.method_text) || out.target.empty())
    return unexpected(parse_error::bad_request);
  for (char c : out.target)
    if (!is_target_char(static_cast<unsigned char>(c))) return unexpected(parse_error::bad_request);
  auto minor = parse_version(version);
  if (!minor) return unexpected(minor.error());
  out.version_minor = *minor;
  out.verb = parse_method(out.method_text);

  auto head_len = parse_fields(s, rl.next, lim, out.headers);
  if (!head_len) return unexpected(head_len.error());
  if (*head_len == 0) return std::size_t(0);

  // Host (RFC 9112 §3.2): exactly one in HTTP/1.1.
  const std::size_t hosts = out.headers.count("host");
  if (hosts > 1 || (hosts == 0 && out.version_minor >= 1))
    return unexpected(parse_error::bad_request);
  out.host = hosts ? *out.headers.get("host") : std::string_view{};

  // request-target forms (RFC 9112 §3.2).
  out.path = {};
  out.query = {};
  std::string_view t = out.target;
  if (t.front() == '/') {
    // origin-form
  } else if (t.size() > 7 && (iequals(t.substr(0, 7), "http://") ||
                              (t.size() > 8 && iequals(t.substr(0, 8), "https://")))) {
    // absolute-form: the authority replaces Host (§3.2.2).
    t.remove_prefix(t[4] == ':' ? 7 : 8);
    const std::size_t end = t.find_first_of("/?");
    out.host = t.substr(0, end);
    if (out.host.empty()) return unexpected(parse_error::bad_request);
    t = end == std::string_view::npos ? std::string_view{} : t.substr(end);
  } else if (t == "*" && out.verb == method::options) {
    // asterisk-form
  } else if (out.verb == method::connect) {
    // authority-form
    out.host = t;
    t = {};
  } else {
    return unexpected(parse_error::bad_request);
  }
  const std::size_t q = t.find('?');
  out.path = t.substr(0, q);
  if (q != std::string_view::npos) out.query = t.substr(q + 1);
  if (out.path.empty() && out.verb != method::connect) out.path = "/";

  // Message body length (RFC 9112 §6.1, §6.3).
  out.body = body_kind::none;
  out.content_length = 0;
  auto length = content_length_of(out.headers);
  if (!length) return unexpected(length.error());
  if (out.headers.count("transfer-encoding")) {
    if (out.version_minor == 0 || *length) return unexpected(parse_error::bad_request);
    // Only chunked is implemented; another coding is 501 (§6.1).
    auto coding = check_transfer_encoding(out.headers);
    if (!coding) return unexpected(coding.error());
    if (*coding != transfer_coding::chunked) return unexpected(parse_error::not_implemented);
    out.body = body_kind::chunked;
  } else if (*length) {
    if (**length > lim.max_body) return unexpected(parse_error::body_too_large);
    out.content_length = **length;
    out.body = out.content_length ? body_kind::length : body_kind::none;
  }

  out.keep_alive = out.version_minor >= 1 ? !out.headers.has_token("connection", "close")
                                          : out.headers.has_token("connection", "keep-alive");
  out.expect_continue = false;
  if (auto e = out.headers.get("expect")) out.expect_continue = iequals(*e, "100-continue");
  return *head_len;
}

result<std::size_t, parse_error> parse_response(bytes in, const limits& lim, method request_verb,
                                                response_head& out) {
  const std::string_view s = in.chars();
  out.headers.clear();
  line sl = next_line(s, 0);
  if (!sl.complete) {
    if (sl.text.size() > lim.max_request_line + 1) return unexpected(parse_error::uri_too_long);
    if (s.size() > lim.max_head) return unexpected(parse_error::header_too_large);
    return std::size_t(0);
  }
  if (sl.text.size() > lim.max_request_line) return unexpected(parse_error::uri_too_long);
  if (sl.bad) return unexpected(parse_error::bad_request);
  // status-line = HTTP-version SP status-code SP [ reason-phrase ] (§4);
  // a missing SP after the code is tolerated.
  const std::string_view text = sl.text;
  if (text.size() < 12 || text[8] != ' ') return unexpected(parse_error::bad_request);
  auto minor = parse_version(text.substr(0, 8));
  if (!minor) return unexpected(minor.error());
  out.version_minor = *minor;
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (text[i] < '0' || text[i] > '9') return unexpected(parse_error::bad_request);
    code = code * 10 + (text[i] - '0');
  }
  if (code < 100) return unexpected(parse_error::bad_request);
  out.code = code;
  if (text.size() > 12) {
    if (text[12] != ' ') return unexpected(parse_error::bad_request);
    out.reason = text.substr(13);
  } else {
    out.reason = {};
  }
  for (char c : out.reason)
    if (!is_field_char(static_cast<unsigned char>(c))) return unexpected(parse_error::bad_request);

  auto head_len = parse_fields(s, sl.next, lim, out.headers);
  if (!head_len) return unexpected(head_len.error());
  if (*head_len == 0) return std::size_t(0);

  out.keep_alive = out.version_minor >= 1 ? !out.headers.has_token("connection", "close")
                                          : out.headers.has_token("connection", "keep-alive");
  out.content_length = 0;
  out.body = body_kind::none;
  if (request_verb == method::head || code < 200 || code == 204 || code == 304 ||
      (request_verb == method::connect && code < 300))
    return *head_len;
  auto length = content_length_of(out.headers);
  if (!length) return unexpected(length.error());
  if (out.headers.count("transfer-encoding")) {
    auto coding = check_transfer_encoding(out.headers);
    if (!coding) return unexpected(coding.error());
    if (*coding != transfer_coding::not_chunked) {
      out.body = body_kind::chunked;
    } else {
      out.body = body_kind::until_close;
      out.keep_alive = false;
    }
  } else if (*length) {
    out.content_length = **length;
    out.body = out.content_length ? body_kind::length : body_kind::none;
  } else {
    out.body = body_kind::until_close;
    out.keep_alive = false;
  }
  return *head_len;
}

result<chunked_decoder::step, parse_error> chunked_decoder::feed(bytes in) {
  std::size_t i = 0;
  const std::size_t n = in.size();
  auto end_size_line = [this]() -> result<void, parse_error> {
    _line = 0;
    _ext_started = false;
    _in_quote = false;
    if (_chunk == 0) {
      _state = state::trailer;
      return {};
    }
    if (_chunk > _limits.max_body || _total > _limits.max_body - _chunk)
      return unexpected(parse_error::body_too_large);
    _state = state::data;
    return {};
  };
  while (i < n) {
    const auto c = static_cast<unsigned char>(in[i]);
    switch (_state) {
      case state::size: {
        const int v = hex_value(c);
        if (v >= 0) {
          // 15 hex digits are far beyond any body limit; more overflow.
          if (++_digits > 15) return unexpected(parse_error::body_too_large);
          _chunk = _chunk * 16 + std::uint64_t(v);
          ++_line;
          ++i;
          break;
        }
        if (_digits == 0) return unexpected(parse_error::bad_request);
        _state = state::extension;
        break;
      }
      case state::extension:
        // chunk-ext = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-val ] ):
        // checked for characters and length, otherwise ignored.
        if (++_line > _limits.max_chunk_line) return unexpected(parse_error::bad_request);
        if (c == '\r' && !_in_quote) {
          _state = state::size_lf;
        } else if (c == '\n' && !_in_quote) {
          if (auto r = end_size_line(); !r) return unexpected(r.error());
        } else if (!_ext_started) {
          // Only BWS may come between the size and the first ';'.
          if (c == ';') {
            _ext_started = true;
          } else if (c != ' ' && c != '\t') {
            return unexpected(parse_error::bad_request);
          }
        } else if (c == '"') {
          _in_quote = !_in_quote;
        } else if (!is_field_char(c)) {
          return unexpected(parse_error::bad_request);
        }
        ++i;
        break;
      case state::size_lf:
        if (c != '\n') return unexpected(parse_error::bad_request);
        ++i;
        if (auto r = end_size_line(); !r) return unexpected(r.error());
        break;
      case state::data: {
        const std::uint64_t take = std::min<std::uint64_t>(_chunk, n - i);
        const bytes data = in.sub(i, static_cast<std::size_t>(take));
        i += static_cast<std::size_t>(take);
        _chunk -= take;
        _total += take;
        if (_chunk == 0) _state = state::data_cr;
        return step{i, data};
      }
      case state::data_cr:
        if (c == '\r') {
          _state = state::data_lf;
        } else if (c == '\n') {
          _state = state::size;
          _digits = 0;
        } else {
          return unexpected(parse_error::bad_request);
        }
        ++i;
        break;
      case state::data_lf:
        if (c != '\n') return unexpected(parse_error::bad_request);
        _state = state::size;
        _digits = 0;
        ++i;
        break;
      case state::trailer:
        if (c == '\r') {
          _state = state::trailer_lf;
        } else if (c == '\n') {
          ++i;
          if (_line == 0) {
            _state = state::done;
            return step{i, {}};
          }
          _line = 0;
          break;
        } else {
          if (!is_field_char(c)) return unexpected(parse_error::bad_request);
          ++_line;
          if (++_trailer > _limits.max_trailer) return unexpected(parse_error::header_too_large);
        }
        ++i;
        break;
      case state::trailer_lf:
        if (c != '\n') return unexpected(parse_error::bad_request);
        ++i;
        if (_line == 0) {
          _state = state::done;
          return step{i, {}};
        }
        _line = 0;
        _state = state::trailer;
        break;
      case state::done:
        return step{i, {}};
    }
  }
  return step{i, {}};
}

std::string_view chunk_header(std::uint64_t size, std::span<char> out) {
  static constexpr char digits[] = "0123456789abcdef";
  char tmp[16];
  int len = 0;
  do {
    tmp[len++] = digits[size & 15];
    size >>= 4;
  } while (size != 0);
  const bool last = len == 1 && tmp[0] == '0';
  std::size_t pos = 0;
  while (len > 0) out[pos++] = tmp[--len];
  out[pos++] = '\r';
  out[pos++] = '\n';
  if (last) {
    out[pos++] = '\r';
    out[pos++] = '\n';
  }
  return {out.data(), pos};
}

}  // namespace fata::http
