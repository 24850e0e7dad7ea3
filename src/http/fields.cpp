#include <fata/http/fields.hpp>

#include <algorithm>

#include <fata/http/message.hpp>

namespace fata::http {

namespace {

constexpr std::string_view day_names[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::string_view long_day_names[7] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                "Thursday", "Friday", "Saturday"};
constexpr std::string_view month_names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

constexpr std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

void put2(char* p, int v) {
  p[0] = char('0' + v / 10 % 10);
  p[1] = char('0' + v % 10);
}

// Reads exactly `n` digits at `s[pos]`.
std::optional<int> digits(std::string_view s, std::size_t pos, std::size_t n) {
  if (pos + n > s.size()) return std::nullopt;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

std::optional<int> month_of(std::string_view s) {
  for (int i = 0; i < 12; ++i)
    if (s == month_names[i]) return i + 1;
  return std::nullopt;
}

// "HH:MM:SS"
bool parse_time_of_day(std::string_view s, civil_time& c) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return false;
  auto h = digits(s, 0, 2), m = digits(s, 3, 2), sec = digits(s, 6, 2);
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return false;
  c.hour = *h;
  c.minute = *m;
  c.second = *sec;
  return true;
}

bool valid_day(const civil_time& c) {
  static constexpr int days_in[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return c.year >= 1970 && c.year <= 9999 && c.day >= 1 && c.day <= days_in[c.month - 1];
}

std::optional<wall_time> finish(civil_time c) {
  if (!valid_day(c)) return std::nullopt;
  c.nanosecond = 0;
  return from_civil(c);
}

// Reads a decimal integer without sign, at most 18 digits.
std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + std::uint64_t(c - '0');
  }
  return v;
}

// The q-value of one Accept-* element's parameters (RFC 9110 §12.4.2):
// 1 when absent, 0..1000 in thousandths; nullopt when malformed.
std::optional<int> q_value(std::string_view params) {
  int q = 1000;
  while (!params.empty()) {
    const std::size_t semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      p.remove_prefix(2);
      if (p.empty() || p.size() > 5) return std::nullopt;
      if (p[0] == '1') {
        q = 1000;
      } else if (p[0] == '0') {
        q = 0;
        if (p.size() > 1) {
          if (p[1] != '.') return std::nullopt;
          int scale = 100;
          for (std::size_t i = 2; i < p.size(); ++i) {
            if (p[i] < '0' || p[i] > '9') return std::nullopt;
            q += (p[i] - '0') * scale;
            scale /= 10;
          }
        }
      } else {
        return std::nullopt;
      }
    }
    if (semi == std::string_view::npos) break;
    params.remove_prefix(semi + 1);
  }
  return q;
}

}  // namespace

std::string_view format_http_date(wall_time t, std::span<char> out) {
  const civil_time c = to_civil(t);
  char* p = out.data();
  const std::string_view day = day_names[c.weekday];
  const std::string_view mon = month_names[c.month - 1];
  p[0] = day[0], p[1] = day[1], p[2] = day[2], p[3] = ',', p[4] = ' ';
  put2(p + 5, c.day);
  p[7] = ' ';
  p[8] = mon[0], p[9] = mon[1], p[10] = mon[2], p[11] = ' ';
  put2(p + 12, c.year / 100);
  put2(p + 14, c.year % 100);
  p[16] = ' ';
  put2(p + 17, c.hour);
  p[19] = ':';
  put2(p + 20, c.minute);
  p[22] = ':';
  put2(p + 23, c.second);
  p[25] = ' ', p[26] = 'G', p[27] = 'M', p[28] = 'T';
  return {p, http_date_size};
}

std::optional<wall_time> parse_http_date(std::string_view s) {
  civil_time c{};
  const std::size_t comma = s.find(',');
  if (comma == 3) {
    // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
    if (s.size() != 29 || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s.substr(25) != " GMT")
      return std::nullopt;
    auto day = digits(s, 5, 2);
    auto mon = month_of(s.substr(8, 3));
    auto year = digits(s, 12, 4);
    if (!day || !mon || !year || !parse_time_of_day(s.substr(17, 8), c)) return std::nullopt;
    c.day = *day, c.month = *mon, c.year = *year;
    return finish(c);
  }
  if (comma != std::string_view::npos) {
    // RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT"
    bool known = false;
    for (auto d : long_day_names) known = known || s.substr(0, comma) == d;
    const std::string_view rest = s.substr(comma + 1);
    if (!known || rest.size() != 23 || rest[0] != ' ' || rest[3] != '-' || rest[7] != '-' ||
        rest[10] != ' ' || rest.substr(19) != " GMT")
      return std::nullopt;
    auto day = digits(rest, 1, 2);
    auto mon = month_of(rest.substr(4, 3));
    auto yy = digits(rest, 8, 2);
    if (!day || !mon || !yy || !parse_time_of_day(rest.substr(11, 8), c)) return std::nullopt;
    // Two-digit years: §5.6.7 says to pick the most recent past century;
    // 70..99 are 19xx, the rest 20xx.
    c.day = *day, c.month = *mon, c.year = *yy >= 70 ? 1900 + *yy : 2000 + *yy;
    return finish(c);
  }
  // asctime: "Sun Nov  6 08:49:37 1994"
  if (s.size() != 24 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ')
    return std::nullopt;
  bool known = false;
  for (auto d : day_names) known = known || s.substr(0, 3) == d;
  auto mon = month_of(s.substr(4, 3));
  std::optional<int> day = s[8] == ' ' ? digits(s, 9, 1) : digits(s, 8, 2);
  auto year = digits(s, 20, 4);
  if (!known || !mon || !day || !year || !parse_time_of_day(s.substr(11, 8), c))
    return std::nullopt;
  c.day = *day, c.month = *mon, c.year = *year;
  return finish(c);
}

range_request parse_range(std::string_view value, std::uint64_t size) {
  range_request out;
  value = trim(value);
  // ranges-specifier = range-unit "=" range-set; only "bytes" is known.
  const std::size_t eq = value.find('=');
  if (eq == std::string_view::npos || !iequals(trim(value.substr(0, eq)), "bytes")) return out;
  std::string_view set = value.substr(eq + 1);
  std::array<byte_range, range_request::max_ranges> found{};
  std::size_t count = 0;
  std::size_t specs = 0;
  while (true) {
    const std::size_t comma = set.find(',');
    const std::string_view spec = trim(set.substr(0, comma));
    if (!spec.empty()) {
      if (++specs > range_request::max_ranges) return out;
      const std::size_t dash = spec.find('-');
      if (dash == std::string_view::npos) return out;
      const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
      if (a.empty()) {
        // suffix-range: the last b bytes.
        auto n = parse_u64(b);
        if (!n) return out;
        if (*n > 0 && size > 0) {
          const std::uint64_t len = std::min(*n, size);
          found[count++] = {size - len, size - 1};
        }
      } else {
        auto first = parse_u64(a);
        if (!first) return out;
        std::uint64_t last = ~std::uint64_t(0);
        if (!b.empty()) {
          auto l = parse_u64(b);
          if (!l || *l < *first) return out;  // invalid: ignore the field
          last = *l;
        }
        if (*first < size) found[count++] = {*first, std::min(last, size - 1)};
      }
    }
    if (comma == std::string_view::npos) break;
    set.remove_prefix(comma + 1);
  }
  if (specs == 0) return out;
  if (count == 0) {
    out.what = range_request::outcome::unsatisfiable;
    return out;
  }
  // Insertion sort: at most max_ranges items.
  for (std::size_t i = 1; i < count; ++i)
    for (std::size_t j = i; j > 0 && found[j].first < found[j - 1].first; --j)
      std::swap(found[j], found[j - 1]);
  out.count = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (out.count > 0 && found[i].first <= out.ranges[out.count - 1].last + 1) {
      out.ranges[out.count - 1].last = std::max(out.ranges[out.count - 1].last, found[i].last);
    } else {
      out.ranges[out.count++] = found[i];
    }
  }
  out.what = range_request::outcome::partial;
  return out;
}

bool etag_matches(std::string_view list, std::string_view etag, bool weak) {
  list = trim(list);
  if (list == "*") return true;
  const bool etag_weak = etag.substr(0, 2) == "W/";
  const std::string_view opaque = etag_weak ? etag.substr(2) : etag;
  while (!list.empty()) {
    list = trim(list);
    bool item_weak = false;
    if (list.substr(0, 2) == "W/") {
      item_weak = true;
      list.remove_prefix(2);
    }
    if (list.empty() || list.front() != '"') return false;
    const std::size_t close = list.find('"', 1);
    if (close == std::string_view::npos) return false;
    const std::string_view item = list.substr(0, close + 1);
    if (item == opaque && (weak || (!item_weak && !etag_weak))) return true;
    list.remove_prefix(close + 1);
    list = trim(list);
    if (list.empty()) break;
    if (list.front() != ',') return false;
    list.remove_prefix(1);
  }
  return false;
}

bool accepts_encoding(std::string_view value, std::string_view coding) {
  std::optional<int> named, star;
  while (!value.empty()) {
    const std::size_t comma = value.find(',');
    const std::string_view item = trim(value.substr(0, comma));
    const std::size_t semi = item.find(';');
    const std::string_view name = trim(item.substr(0, semi));
    const std::optional<int> q =
        semi == std::string_view::npos ? std::optional<int>(1000) : q_value(item.substr(semi + 1));
    if (q) {
      if (iequals(name, coding)) named = *q;
      if (name == "*") star = *q;
    }
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  if (named) return *named > 0;
  return star && *star > 0;
}

std::string_view content_type_for(std::string_view path) {
  struct entry {
    std::string_view ext;
    std::string_view type;
  };
  static constexpr entry types[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"xml", "application/xml"},
      {"atom", "application/atom+xml"},
      {"rss", "application/rss+xml"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"pdf", "application/pdf"},
      {"wasm", "application/wasm"},
      {"mp4", "video/mp4"},
      {"webm", "video/webm"},
      {"mp3", "audio/mpeg"},
      {"ogg", "audio/ogg"},
      {"zip", "application/zip"},
      {"gz", "application/gzip"},
      {"tar", "application/x-tar"},
  };
  const std::size_t slash = path.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  const std::size_t dot = name.rfind('.');
  if (dot != std::string_view::npos && dot + 1 < name.size()) {
    const std::string_view ext = name.substr(dot + 1);
    for (const auto& e : types)
      if (iequals(e.ext, ext)) return e.type;
  }
  return "application/octet-stream";
}

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c != '%') {
      out.push_back(c);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    auto hex = [](char h) -> int {
      if (h >= '0' && h <= '9') return h - '0';
      if (h >= 'a' && h <= 'f') return h - 'a' + 10;
      if (h >= 'A' && h <= 'F') return h - 'A' + 10;
      return -1;
    };
    const int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const char d = char(hi * 16 + lo);
    if (d == '\0' || d == '/') return false;
    out.push_back(d);
    i += 2;
  }
  return true;
}

}  // namespace fata::http
