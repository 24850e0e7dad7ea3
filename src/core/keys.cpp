#include <fata/core/keys.hpp>

#include <algorithm>

namespace fata {

namespace {
constinit key_base* keys_head = nullptr;
}

key_base::key_base(std::string_view name, std::string_view doc, std::string_view group,
                   bool has_default)
    : _has_default(has_default), _name(name), _doc(doc), _group(group) {
  // Keep registration order: append at the tail.
  if (!keys_head) {
    keys_head = this;
    return;
  }
  key_base* tail = keys_head;
  while (tail->_next) tail = tail->_next;
  tail->_next = this;
  _prev = tail;
}

key_base::~key_base() {
  if (_prev) _prev->_next = _next;
  else keys_head = _next;
  if (_next) _next->_prev = _prev;
}

key_base* key_base::first() { return keys_head; }

key_base* find_key(std::string_view name) {
  for (key_base* k = keys_head; k; k = k->next())
    if (k->name() == name) return k;
  return nullptr;
}

result<bool, std::string> key_codec<bool>::parse(std::string_view s) {
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  return unexpected(std::string("expected true or false"));
}

namespace detail {

result<unsigned long long, std::string> parse_unsigned(std::string_view s, unsigned long long max) {
  if (s.empty()) return unexpected(std::string("expected a number"));
  unsigned base = 10;
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
    base = 16;
    s = s.substr(2);
  }
  unsigned long long v = 0;
  for (char c : s) {
    unsigned d;
    if (c >= '0' && c <= '9') d = static_cast<unsigned>(c - '0');
    else if (base == 16 && c >= 'a' && c <= 'f') d = static_cast<unsigned>(c - 'a' + 10);
    else if (base == 16 && c >= 'A' && c <= 'F') d = static_cast<unsigned>(c - 'A' + 10);
    else return unexpected(format("expected an integer in 0..{}", max));
    if (v > (max - d) / base) return unexpected(format("expected an integer in 0..{}", max));
    v = v * base + d;
  }
  return v;
}

result<long long, std::string> parse_signed(std::string_view s, long long min, long long max) {
  const bool negative = !s.empty() && s[0] == '-';
  const unsigned long long limit =
      negative ? 0ULL - static_cast<unsigned long long>(min) : static_cast<unsigned long long>(max);
  auto m = parse_unsigned(negative ? s.substr(1) : s, limit);
  if (!m) return unexpected(format("expected an integer in {}..{}", min, max));
  if (negative) return static_cast<long long>(0ULL - *m);
  return static_cast<long long>(*m);
}

}  // namespace detail

result<double, std::string> key_codec<double>::parse(std::string_view s) {
  // Decimal notation only: [-]digits[.digits].
  double v = 0, scale = 1;
  bool negative = false, dot = false, digits = false;
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) negative = s[i++] == '-';
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digits = true;
      if (dot) {
        scale /= 10;
        v += (c - '0') * scale;
      } else {
        v = v * 10 + (c - '0');
      }
    } else {
      return unexpected(std::string("expected a decimal number"));
    }
  }
  if (!digits) return unexpected(std::string("expected a decimal number"));
  return negative ? -v : v;
}

result<port, std::string> key_codec<port>::parse(std::string_view s) {
  auto v = detail::parse_unsigned(s, 65535);
  if (!v) return unexpected(std::string("expected a port number in 0..65535"));
  return port(static_cast<std::uint16_t>(*v));
}

result<duration, std::string> key_codec<duration>::parse(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  const std::string_view unit = s.substr(digits);
  const char* error = "expected a duration such as 250ms, 5s or 2m (units ns, us, ms, s, m, h)";
  if (digits == 0) return unexpected(std::string(error));
  struct unit_scale {
    std::string_view name;
    long long ns;
  };
  static constexpr unit_scale units[] = {{"ns", 1},          {"us", 1'000},
                                         {"ms", 1'000'000},  {"s", 1'000'000'000},
                                         {"m", 60'000'000'000}, {"h", 3'600'000'000'000}};
  for (const unit_scale& u : units) {
    if (u.name != unit) continue;
    auto n = detail::parse_unsigned(s.substr(0, digits),
                                    static_cast<unsigned long long>(INT64_MAX / u.ns));
    if (!n) return unexpected(std::string(error));
    return duration(static_cast<long long>(*n) * u.ns);
  }
  return unexpected(std::string(error));
}

namespace {

bool is_help(std::string_view a) { return a == "--help" || a == "-h" || a == "-help"; }

}  // namespace

std::string keys_help(std::string_view program, std::string_view summary) {
  std::string out = format("usage: {} [--KEY=VALUE ...]\n", program);
  if (!summary.empty()) format_append(out, "\n{}\n", summary);
  std::vector<key_base*> keys;
  for (key_base* k = key_base::first(); k; k = k->next()) keys.push_back(k);
  std::stable_sort(keys.begin(), keys.end(), [](key_base* a, key_base* b) {
    if (a->group() != b->group()) {
      // The application's own keys first.
      if (a->group() == "APPLICATION") return true;
      if (b->group() == "APPLICATION") return false;
      return a->group() < b->group();
    }
    return a->name() < b->name();
  });
  std::string_view group;
  for (key_base* k : keys) {
    if (k->group() != group) {
      group = k->group();
      format_append(out, "\n{}\n", group);
    }
    std::string flag = k->is_flag() ? format("--{}[=BOOL]", k->name())
                                     : format("--{}={}", k->name(), k->type_name());
    format_append(out, "  {:<28} {}", flag, k->doc());
    if (k->required()) out += " (required)";
    else format_append(out, " (default: {})", k->default_text());
    out += '\n';
  }
  out += "\n  --help                       Print this help and exit.\n";
  return out;
}

key_parse_outcome parse_keys(std::span<const char* const> args, std::string_view program,
                             std::string_view summary) {
  using action = key_parse_outcome::action;
  auto fail = [](std::string msg) { return key_parse_outcome{action::usage_error, std::move(msg)}; };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i] ? std::string_view(args[i]) : std::string_view();
    if (is_help(a)) return {action::show_help, keys_help(program, summary)};
    if (a.size() < 3 || a.substr(0, 2) != "--")
      return fail(format("unexpected argument '{}' (keys are given as --KEY=VALUE; see --help)", a));
    std::string_view body = a.substr(2);
    const std::size_t eq = body.find('=');
    std::string_view name = body.substr(0, eq);
    key_base* k = find_key(name);
    if (!k) return fail(format("unknown key '--{}' (see --help)", name));
    std::string_view value;
    if (eq != std::string_view::npos) {
      value = body.substr(eq + 1);
    } else if (k->is_flag()) {
      value = "true";
    } else if (i + 1 < args.size() && args[i + 1]) {
      value = args[++i];
    } else {
      return fail(format("missing value for '--{}' (expected {})", name, k->type_name()));
    }
    if (auto r = k->set_text(value); !r)
      return fail(format("invalid value '{}' for '--{}': {}", value, name, r.error()));
    k->mark_given();
  }
  for (key_base* k = key_base::first(); k; k = k->next())
    if (k->required() && !k->given())
      return fail(format("missing required key '--{}={}' (see --help)", k->name(), k->type_name()));
  return {action::run, {}};
}

}  // namespace fata
