#include <fata/core/fmt.hpp>

#include <cstring>
#include <limits>

namespace fata {

void fixed_writer::append(std::string_view text) {
  const std::size_t room = _out.size() - _length;
  const std::size_t n = text.size() < room ? text.size() : room;
  if (n != 0) std::memcpy(_out.data() + _length, text.data(), n);
  _length += n;
  if (n < text.size()) _truncated = true;
}

void format_padded(format_sink& sink, const format_spec& spec, std::string_view body,
                   bool numeric) {
  const int len = static_cast<int>(body.size());
  if (spec.width <= len) {
    sink.append(body);
    return;
  }
  int pad = spec.width - len;
  // Zero padding goes between the sign or radix prefix and the digits.
  if (numeric && spec.zero_pad && spec.align == 0) {
    std::size_t prefix = 0;
    if (!body.empty() && (body[0] == '-' || body[0] == '+')) prefix = 1;
    if (body.size() >= prefix + 2 && body[prefix] == '0' &&
        (body[prefix + 1] == 'x' || body[prefix + 1] == 'X' || body[prefix + 1] == 'b' ||
         body[prefix + 1] == 'o'))
      prefix += 2;
    sink.append(body.substr(0, prefix));
    for (int i = 0; i < pad; ++i) sink.put('0');
    sink.append(body.substr(prefix));
    return;
  }
  char align = spec.align ? spec.align : (numeric ? '>' : '<');
  int before = align == '>' ? pad : align == '^' ? pad / 2 : 0;
  int after = pad - before;
  for (int i = 0; i < before; ++i) sink.put(spec.fill);
  sink.append(body);
  for (int i = 0; i < after; ++i) sink.put(spec.fill);
}

namespace {

// Writes the digits of v in `base` at the end of buf; returns the start.
char* write_digits(char* end, unsigned long long v, unsigned base, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  char* p = end;
  do {
    *--p = digits[v % base];
    v /= base;
  } while (v != 0);
  return p;
}

void format_integer(format_sink& sink, const format_spec& spec, unsigned long long magnitude,
                    bool negative) {
  if (spec.type == 'c') {
    char c = static_cast<char>(magnitude);
    format_padded(sink, spec, std::string_view(&c, 1), false);
    return;
  }
  unsigned base = 10;
  const char* prefix = "";
  bool upper = false;
  switch (spec.type) {
    case 'x': base = 16; prefix = "0x"; break;
    case 'X': base = 16; prefix = "0X"; upper = true; break;
    case 'b': base = 2; prefix = "0b"; break;
    case 'o': base = 8; prefix = "0o"; break;
    default: break;
  }
  char buf[72];
  char* end = buf + sizeof buf;
  char* p = write_digits(end, magnitude, base, upper);
  if (spec.alternate && base != 10) {
    for (std::size_t i = std::strlen(prefix); i-- > 0;) *--p = prefix[i];
  }
  if (negative) *--p = '-';
  format_padded(sink, spec, std::string_view(p, static_cast<std::size_t>(end - p)), true);
}

}  // namespace

void format_value(format_sink& sink, const format_spec& spec, long long value) {
  const bool negative = value < 0;
  const unsigned long long magnitude =
      negative ? 0ULL - static_cast<unsigned long long>(value) : static_cast<unsigned long long>(value);
  format_integer(sink, spec, magnitude, negative);
}

void format_value(format_sink& sink, const format_spec& spec, unsigned long long value) {
  format_integer(sink, spec, value, false);
}

void format_value(format_sink& sink, const format_spec& spec, bool value) {
  format_padded(sink, spec, value ? "true" : "false", false);
}

void format_value(format_sink& sink, const format_spec& spec, char value) {
  if (spec.type != 0 && spec.type != 'c' && spec.type != 's') {
    format_integer(sink, spec, static_cast<unsigned char>(value), false);
    return;
  }
  format_padded(sink, spec, std::string_view(&value, 1), false);
}

void format_value(format_sink& sink, const format_spec& spec, std::string_view value) {
  if (spec.precision >= 0 && static_cast<std::size_t>(spec.precision) < value.size())
    value = value.substr(0, static_cast<std::size_t>(spec.precision));
  format_padded(sink, spec, value, false);
}

void format_value(format_sink& sink, const format_spec& spec, const void* value) {
  format_spec s = spec;
  s.type = 'x';
  s.alternate = true;
  format_integer(sink, s, reinterpret_cast<std::uintptr_t>(value), false);
}

void format_value(format_sink& sink, const format_spec& spec, double value) {
  char buf[96];
  std::size_t n = 0;
  auto put = [&](char c) {
    if (n < sizeof buf) buf[n++] = c;
  };
  if (value != value) {
    format_padded(sink, spec, "nan", true);
    return;
  }
  if (value < 0 || (value == 0 && __builtin_signbit(value))) {
    put('-');
    value = -value;
  }
  if (value > std::numeric_limits<double>::max()) {
    for (char c : std::string_view("inf")) put(c);
    format_padded(sink, spec, std::string_view(buf, n), true);
    return;
  }
  const bool general = spec.type != 'f' && spec.type != 'e';
  int precision = spec.precision >= 0 ? (spec.precision > 17 ? 17 : spec.precision) : 6;
  bool exponent = spec.type == 'e' || (general && (value >= 1e16 || (value != 0 && value < 1e-5)));
  int exp10 = 0;
  if (exponent) {
    while (value >= 10) { value /= 10; ++exp10; }
    while (value != 0 && value < 1) { value *= 10; --exp10; }
  }
  double scale = 1;
  for (int i = 0; i < precision; ++i) scale *= 10;
  double scaled = value * scale + 0.5;
  unsigned long long whole = static_cast<unsigned long long>(value);
  unsigned long long frac =
      static_cast<unsigned long long>(scaled) - static_cast<unsigned long long>(
                                                    static_cast<double>(whole) * scale);
  if (frac >= static_cast<unsigned long long>(scale)) {
    whole += 1;
    frac -= static_cast<unsigned long long>(scale);
    if (exponent && whole >= 10) { whole = 1; ++exp10; }
  }
  char digits[32];
  char* end = digits + sizeof digits;
  for (char* p = write_digits(end, whole, 10, false); p < end; ++p) put(*p);
  if (precision > 0) {
    char fd[24];
    for (int i = precision; i-- > 0;) {
      fd[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    int keep = precision;
    if (general)
      while (keep > 0 && fd[keep - 1] == '0') --keep;
    if (keep > 0) {
      put('.');
      for (int i = 0; i < keep; ++i) put(fd[i]);
    }
  }
  if (exponent) {
    put('e');
    put(exp10 < 0 ? '-' : '+');
    unsigned e = static_cast<unsigned>(exp10 < 0 ? -exp10 : exp10);
    if (e < 10) put('0');
    for (char* p = write_digits(end, e, 10, false); p < end; ++p) put(*p);
  }
  format_padded(sink, spec, std::string_view(buf, n), true);
}

void format_duration(format_sink& sink, const format_spec& spec, std::int64_t ns) {
  char buf[48];
  fixed_writer w(buf);
  format_sink s = w.sink();
  format_spec plain;
  const double v = static_cast<double>(ns);
  const double mag = v < 0 ? -v : v;
  plain.precision = spec.precision >= 0 ? spec.precision : 3;
  if (mag >= 1e9) {
    format_value(s, plain, v / 1e9);
    s.append("s");
  } else if (mag >= 1e6) {
    format_value(s, plain, v / 1e6);
    s.append("ms");
  } else if (mag >= 1e3) {
    format_value(s, plain, v / 1e3);
    s.append("us");
  } else {
    format_value(s, format_spec{}, static_cast<long long>(ns));
    s.append("ns");
  }
  format_padded(sink, spec, w.view(), true);
}

namespace detail {

namespace {

// Parses the text between ':' and '}'; false if it is malformed.
bool parse_spec(std::string_view text, format_spec& spec) {
  std::size_t i = 0;
  auto is_align = [](char c) { return c == '<' || c == '>' || c == '^'; };
  if (text.size() >= 2 && is_align(text[1])) {
    spec.fill = text[0];
    spec.align = text[1];
    i = 2;
  } else if (!text.empty() && is_align(text[0])) {
    spec.align = text[0];
    i = 1;
  }
  if (i < text.size() && text[i] == '#') { spec.alternate = true; ++i; }
  if (i < text.size() && text[i] == '0') { spec.zero_pad = true; ++i; }
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (spec.width > 1000) return false;
    spec.width = spec.width * 10 + (text[i] - '0');
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    spec.precision = 0;
    bool any = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      if (spec.precision > 1000) return false;
      spec.precision = spec.precision * 10 + (text[i] - '0');
      ++i;
      any = true;
    }
    if (!any) return false;
  }
  if (i < text.size()) {
    spec.type = text[i];
    ++i;
  }
  return i == text.size();
}

}  // namespace

void vformat(format_sink& sink, std::string_view fmt, std::span<const format_arg> args) {
  std::size_t next_arg = 0;
  std::size_t i = 0;
  while (i < fmt.size()) {
    const std::size_t brace = fmt.find_first_of("{}", i);
    if (brace == std::string_view::npos) {
      sink.append(fmt.substr(i));
      return;
    }
    sink.append(fmt.substr(i, brace - i));
    if (fmt[brace] == '}') {
      // A lone '}' prints as itself; '}}' is an escaped brace.
      sink.put('}');
      i = brace + ((brace + 1 < fmt.size() && fmt[brace + 1] == '}') ? 2 : 1);
      continue;
    }
    if (brace + 1 < fmt.size() && fmt[brace + 1] == '{') {
      sink.put('{');
      i = brace + 2;
      continue;
    }
    const std::size_t close = fmt.find('}', brace);
    if (close == std::string_view::npos) {
      sink.append(fmt.substr(brace));
      return;
    }
    std::string_view field = fmt.substr(brace + 1, close - brace - 1);
    format_spec spec;
    bool ok = true;
    if (!field.empty()) {
      if (field[0] == ':') ok = parse_spec(field.substr(1), spec);
      else ok = false;
    }
    if (ok && next_arg < args.size()) {
      args[next_arg].fn(sink, spec, args[next_arg].value);
    } else {
      sink.append("{?}");
    }
    ++next_arg;
    i = close + 1;
  }
}

}  // namespace detail

}  // namespace fata
