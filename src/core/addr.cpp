#include <fata/core/addr.hpp>

namespace fata {

namespace {

std::optional<unsigned> parse_decimal(std::string_view s, unsigned max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  if (s.size() > 1 && s[0] == '0') return std::nullopt;  // no leading zeros
  unsigned long v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > max) return std::nullopt;
  }
  return static_cast<unsigned>(v);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

void format_value(format_sink& sink, const format_spec& spec, const port& p) {
  format_value(sink, spec, static_cast<unsigned long long>(p.value));
}

std::optional<mac_addr> mac_addr::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  mac_addr m;
  const char sep = text[2];
  if (sep != ':' && sep != '-') return std::nullopt;
  for (int i = 0; i < 6; ++i) {
    const int hi = hex_value(text[3 * i]);
    const int lo = hex_value(text[3 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[3 * i + 2] != sep) return std::nullopt;
    m.octets[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return m;
}

void format_value(format_sink& sink, const format_spec& spec, const mac_addr& a) {
  char buf[18];
  const char* hex = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) {
    buf[3 * i] = hex[a.octets[i] >> 4];
    buf[3 * i + 1] = hex[a.octets[i] & 15];
    buf[3 * i + 2] = ':';
  }
  format_padded(sink, spec, std::string_view(buf, 17), false);
}

std::optional<ipv4_addr> ipv4_addr::parse(std::string_view text) {
  std::uint32_t value = 0;
  for (int i = 0; i < 4; ++i) {
    const std::size_t dot = i < 3 ? text.find('.') : text.size();
    if (dot == std::string_view::npos) return std::nullopt;
    auto octet = parse_decimal(text.substr(0, dot), 255);
    if (!octet) return std::nullopt;
    value = value << 8 | *octet;
    text = i < 3 ? text.substr(dot + 1) : std::string_view{};
  }
  return ipv4_addr(value);
}

void format_value(format_sink& sink, const format_spec& spec, const ipv4_addr& a) {
  char buf[16];
  std::string_view s = format_into(buf, "{}.{}.{}.{}", a.octet(0), a.octet(1), a.octet(2), a.octet(3));
  format_padded(sink, spec, s, false);
}

std::optional<ipv4_prefix> ipv4_prefix::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = ipv4_addr::parse(text.substr(0, slash));
  auto len = parse_decimal(text.substr(slash + 1), 32);
  if (!addr || !len) return std::nullopt;
  return ipv4_prefix{*addr, static_cast<std::uint8_t>(*len)};
}

void format_value(format_sink& sink, const format_spec& spec, const ipv4_prefix& p) {
  char buf[20];
  format_padded(sink, spec, format_into(buf, "{}/{}", p.address, p.length), false);
}

std::optional<ipv6_addr> ipv6_addr::parse(std::string_view text) {
  // Groups before and after a "::"; an embedded IPv4 address counts as two.
  std::array<std::uint16_t, 8> head{}, tail{};
  int nhead = 0, ntail = 0;
  bool compressed = false;
  if (text.size() < 2 || text.size() > 45) return std::nullopt;
  std::size_t i = 0;
  if (text.substr(0, 2) == "::") {
    compressed = true;
    i = 2;
    if (i == text.size()) return ipv6_addr{};
  } else if (text[0] == ':') {
    return std::nullopt;
  }
  while (i < text.size()) {
    std::size_t end = text.find(':', i);
    if (end == std::string_view::npos) end = text.size();
    std::string_view group = text.substr(i, end - i);
    auto& groups = compressed ? tail : head;
    int& n = compressed ? ntail : nhead;
    if (group.find('.') != std::string_view::npos) {
      if (end != text.size()) return std::nullopt;
      auto v4 = ipv4_addr::parse(group);
      if (!v4 || n > 6) return std::nullopt;
      groups[n++] = static_cast<std::uint16_t>(v4->value >> 16);
      groups[n++] = static_cast<std::uint16_t>(v4->value & 0xffff);
      i = end;
      break;
    }
    if (group.empty() || group.size() > 4 || n >= 8) return std::nullopt;
    unsigned v = 0;
    for (char c : group) {
      const int h = hex_value(c);
      if (h < 0) return std::nullopt;
      v = v << 4 | static_cast<unsigned>(h);
    }
    groups[n++] = static_cast<std::uint16_t>(v);
    if (end == text.size()) {
      i = end;
      break;
    }
    // A second ':' right after this one starts the compressed run.
    if (end + 1 < text.size() && text[end + 1] == ':') {
      if (compressed) return std::nullopt;
      compressed = true;
      i = end + 2;
      if (i == text.size()) break;
    } else {
      i = end + 1;
      if (i == text.size()) return std::nullopt;  // trailing single ':'
    }
  }
  const int total = nhead + ntail;
  if (compressed ? total > 7 : total != 8) return std::nullopt;
  ipv6_addr a;
  std::array<std::uint16_t, 8> all{};
  for (int k = 0; k < nhead; ++k) all[k] = head[k];
  for (int k = 0; k < ntail; ++k) all[8 - ntail + k] = tail[k];
  for (int k = 0; k < 8; ++k) {
    a.octets[2 * k] = static_cast<std::uint8_t>(all[k] >> 8);
    a.octets[2 * k + 1] = static_cast<std::uint8_t>(all[k] & 0xff);
  }
  return a;
}

void format_value(format_sink& sink, const format_spec& spec, const ipv6_addr& a) {
  // RFC 5952: lower case, no leading zeros, the longest run of two or more
  // zero groups (the first if tied) becomes "::".
  int best_start = -1, best_len = 0;
  for (int k = 0; k < 8;) {
    if (a.group(k) != 0) {
      ++k;
      continue;
    }
    int start = k;
    while (k < 8 && a.group(k) == 0) ++k;
    if (k - start > best_len && k - start >= 2) {
      best_start = start;
      best_len = k - start;
    }
  }
  char buf[48];
  fixed_writer w(buf);
  format_sink s = w.sink();
  format_spec hex;
  hex.type = 'x';
  for (int k = 0; k < 8; ++k) {
    if (k == best_start) {
      s.append("::");
      k += best_len - 1;
      continue;
    }
    if (k != 0 && k != best_start + best_len) s.put(':');
    format_value(s, hex, static_cast<unsigned long long>(a.group(k)));
  }
  format_padded(sink, spec, w.view(), false);
}

bool ipv6_prefix::contains(const ipv6_addr& a) const {
  int bits = length;
  for (int k = 0; k < 16 && bits > 0; ++k, bits -= 8) {
    const std::uint8_t mask = bits >= 8 ? 0xff : static_cast<std::uint8_t>(0xff << (8 - bits));
    if ((a.octets[k] & mask) != (address.octets[k] & mask)) return false;
  }
  return true;
}

std::optional<ipv6_prefix> ipv6_prefix::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto addr = ipv6_addr::parse(text.substr(0, slash));
  auto len = parse_decimal(text.substr(slash + 1), 128);
  if (!addr || !len) return std::nullopt;
  return ipv6_prefix{*addr, static_cast<std::uint8_t>(*len)};
}

void format_value(format_sink& sink, const format_spec& spec, const ipv6_prefix& p) {
  char buf[56];
  format_padded(sink, spec, format_into(buf, "{}/{}", p.address, p.length), false);
}


std::optional<ip_addr> ip_addr::parse(std::string_view text) {
  if (text.find(':') == std::string_view::npos) {
    if (auto a = ipv4_addr::parse(text)) return ip_addr(*a);
    return std::nullopt;
  }
  if (auto a = ipv6_addr::parse(text)) return ip_addr(*a);
  return std::nullopt;
}

void format_value(format_sink& sink, const format_spec& spec, const ip_addr& a) {
  if (a.is_v4()) format_value(sink, spec, a.v4());
  else format_value(sink, spec, a.v6());
}

}  // namespace fata
