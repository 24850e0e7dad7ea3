#include <fata/dns/zone_file.hpp>

#include <algorithm>
#include <charconv>

#include <fata/core/addr.hpp>
#include <fata/core/base_encoding.hpp>
#include <fata/core/time.hpp>
#include <fata/dns/message.hpp>

namespace fata::dns {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }
bool ends_field(char c) { return is_blank(c) || c == '\n' || c == ';' || c == '(' || c == ')'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

template <class T>
std::optional<T> decimal(std::string_view text, T max) {
  unsigned long long v = 0;
  if (text.empty() || text[0] == '+' || text[0] == '-') return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v > max) return std::nullopt;
  return static_cast<T>(v);
}

// Seconds, or w/d/h/m/s units, up to `max`.
std::optional<std::uint32_t> seconds_from_text(std::string_view text, std::uint32_t max) {
  if (text.empty()) return std::nullopt;
  if (text.back() >= '0' && text.back() <= '9') return decimal<std::uint32_t>(text, max);
  std::uint64_t total = 0;
  std::size_t from = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] >= '0' && text[i] <= '9') continue;
    std::uint64_t unit = 0;
    switch (lower(text[i])) {
      case 'w': unit = 604800; break;
      case 'd': unit = 86400; break;
      case 'h': unit = 3600; break;
      case 'm': unit = 60; break;
      case 's': unit = 1; break;
      default: return std::nullopt;
    }
    const auto count = decimal<std::uint32_t>(text.substr(from, i - from), max);
    if (!count) return std::nullopt;
    total += *count * unit;
    if (total > max) return std::nullopt;
    from = i + 1;
  }
  return static_cast<std::uint32_t>(total);
}

// Record data as it is written, refusing to grow past its buffer.
class rdata_builder {
 public:
  explicit rdata_builder(mut_bytes out) : _out(out) {}

  std::size_t size() const { return _size; }
  mut_bytes data() const { return _out; }

  result<void, dns_error> put(std::uint64_t value, std::size_t octets) {
    if (_out.size() - _size < octets) return unexpected(dns_error::rdata_too_long);
    for (std::size_t i = 0; i < octets; ++i) {
      _out.set_u8(_size + i, static_cast<std::uint8_t>(value >> (8 * (octets - 1 - i))));
    }
    _size += octets;
    return {};
  }
  result<void, dns_error> put(bytes data) {
    if (_out.size() - _size < data.size()) return unexpected(dns_error::rdata_too_long);
    for (std::size_t i = 0; i < data.size(); ++i) _out.set_u8(_size + i, data.u8(i));
    _size += data.size();
    return {};
  }
  // Reserves a length octet (or two) to fill in once what follows is known.
  result<std::size_t, dns_error> reserve(std::size_t octets) {
    const std::size_t at = _size;
    if (auto r = put(0, octets); !r) return unexpected(r.error());
    return at;
  }
  result<void, dns_error> finish_length(std::size_t at, std::size_t octets, std::size_t max) {
    const std::size_t length = _size - at - octets;
    if (length > max) {
      return unexpected(octets == 1 ? dns_error::string_too_long : dns_error::rdata_too_long);
    }
    for (std::size_t i = 0; i < octets; ++i) {
      _out.set_u8(at + i, static_cast<std::uint8_t>(length >> (8 * (octets - 1 - i))));
    }
    return {};
  }
  mut_bytes tail() const { return _out.size() > _size ? _out.skip(_size) : mut_bytes(); }
  void grow(std::size_t n) { _size += n; }
  void truncate(std::size_t n) { _size = n; }

 private:
  mut_bytes _out;
  std::size_t _size = 0;
};

// The octet at text[i] once escapes are undone: `\X` is X, `\DDD` the
// octet DDD. Moves `i` to the escape's last character.
result<std::uint8_t, dns_error> unescaped_octet(std::string_view text, std::size_t& i) {
  if (text[i] != '\\') return static_cast<std::uint8_t>(text[i]);
  if (++i == text.size()) return unexpected(dns_error::bad_escape);
  if (text[i] < '0' || text[i] > '9') return static_cast<std::uint8_t>(text[i]);
  if (text.size() - i < 3) return unexpected(dns_error::bad_escape);
  const auto v = decimal<unsigned>(text.substr(i, 3), 255);
  if (!v) return unexpected(dns_error::bad_escape);
  i += 2;
  return static_cast<std::uint8_t>(*v);
}

// Appends the octets a field stands for.
result<void, dns_error> put_unescaped(rdata_builder& out, std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto octet = unescaped_octet(text, i);
    if (!octet) return unexpected(octet.error());
    if (auto r = out.put(*octet, 1); !r) return r;
  }
  return {};
}

// The fields of one entry, with the errors of reading them as values.
class field_reader {
 public:
  field_reader(zone_lexer& lexer, const name& origin) : _lexer(lexer), _origin(origin) {}

  result<std::optional<text_field>, dns_error> next() {
    if (_peeked) {
      auto f = *_peeked;
      _peeked.reset();
      return f;
    }
    return _lexer.next_field();
  }
  result<text_field, dns_error> required() {
    auto f = next();
    if (!f) return unexpected(f.error());
    if (!*f) return unexpected(dns_error::missing_field);
    return **f;
  }
  // The next field without taking it; nullptr at the entry's end.
  result<const text_field*, dns_error> peek() {
    if (!_peeked) {
      auto f = _lexer.next_field();
      if (!f) return unexpected(f.error());
      if (!*f) return nullptr;
      _peeked = **f;
    }
    return &*_peeked;
  }
  result<bool, dns_error> more() {
    auto p = peek();
    if (!p) return unexpected(p.error());
    return *p != nullptr;
  }
  result<void, dns_error> end() {
    auto m = more();
    if (!m) return unexpected(m.error());
    if (*m) return unexpected(dns_error::extra_field);
    return {};
  }

  template <class T>
  result<void, dns_error> number(rdata_builder& out, T max) {
    auto f = required();
    if (!f) return unexpected(f.error());
    const auto v = decimal<T>(f->text, max);
    if (!v || f->quoted) return unexpected(dns_error::bad_number);
    return out.put(*v, sizeof(T));
  }
  result<void, dns_error> u8(rdata_builder& out) { return number<std::uint8_t>(out, 255); }
  result<void, dns_error> u16(rdata_builder& out) { return number<std::uint16_t>(out, 65535); }
  result<void, dns_error> u32(rdata_builder& out) {
    return number<std::uint32_t>(out, 0xffffffffu);
  }
  // SOA's timers: 32 bits (RFC 1035 §3.3.13), with TTL units too, as
  // BIND and NSD read them.
  result<void, dns_error> period(rdata_builder& out) {
    auto f = required();
    if (!f) return unexpected(f.error());
    const auto v = seconds_from_text(f->text, 0xffffffffu);
    if (!v || f->quoted) return unexpected(dns_error::bad_number);
    return out.put(*v, 4);
  }
  result<void, dns_error> domain(rdata_builder& out) {
    auto f = required();
    if (!f) return unexpected(f.error());
    if (f->quoted) return unexpected(dns_error::bad_rdata);
    auto n = name::from_text(f->text, _origin);
    if (!n) return unexpected(n.error());
    return out.put(n->wire());
  }
  // A <character-string>: quoted or not, up to 255 octets.
  result<void, dns_error> string(rdata_builder& out) {
    auto f = required();
    if (!f) return unexpected(f.error());
    auto at = out.reserve(1);
    if (!at) return unexpected(at.error());
    if (auto r = put_unescaped(out, f->text); !r) return r;
    return out.finish_length(*at, 1, 255);
  }
  static dns_error reason(decode_error e) {
    return e == decode_error::no_space ? dns_error::rdata_too_long : dns_error::bad_encoding;
  }
  // Binary data in `e` over the remaining fields (RFC 4034 lets
  // whitespace split it); at least one field.
  result<void, dns_error> encoded(rdata_builder& out, base_encoding e) {
    base_decoder decoder(e, out.tail());
    bool any = false;
    for (;;) {
      auto f = next();
      if (!f) return unexpected(f.error());
      if (!*f) break;
      any = true;
      if (auto fed = decoder.feed((*f)->text); !fed) return unexpected(reason(fed.error()));
    }
    auto size = decoder.finish();
    if (!any) return unexpected(dns_error::missing_field);
    if (!size) return unexpected(reason(size.error()));
    out.grow(*size);
    return {};
  }
  // RFC 4034 §4.1.2's type bitmap from the remaining fields.
  result<void, dns_error> type_bitmap(rdata_builder& out) {
    // One bit per type: 8 KiB, on the stack only while the bitmap is built.
    std::array<std::uint8_t, 65536 / 8> present{};
    for (;;) {
      auto f = next();
      if (!f) return unexpected(f.error());
      if (!*f) break;
      const auto t = type_from_text((*f)->text);
      if (!t) return unexpected(dns_error::unknown_type);
      const auto v = static_cast<std::uint16_t>(*t);
      present[v / 8] |= static_cast<std::uint8_t>(0x80u >> (v % 8));
    }
    for (std::size_t window = 0; window < 256; ++window) {
      std::size_t length = 32;
      while (length > 0 && present[window * 32 + length - 1] == 0) --length;
      if (length == 0) continue;
      if (auto r = out.put(window, 1); !r) return r;
      if (auto r = out.put(length, 1); !r) return r;
      if (auto r = out.put(bytes(present.data() + window * 32, length)); !r) return r;
    }
    return {};
  }

 private:
  zone_lexer& _lexer;
  const name& _origin;
  std::optional<text_field> _peeked;
};

// YYYYMMDDHHmmSS, or seconds since 1970 (RFC 4034 §3.2).
std::optional<std::uint32_t> signature_time(std::string_view text) {
  if (text.size() != 14) return decimal<std::uint32_t>(text, 0xffffffffu);
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  auto field = [&](std::size_t at, std::size_t n) {
    return static_cast<int>(*decimal<unsigned>(text.substr(at, n), 9999));
  };
  civil_time t{};
  t.year = field(0, 4);
  t.month = field(4, 2);
  t.day = field(6, 2);
  t.hour = field(8, 2);
  t.minute = field(10, 2);
  t.second = field(12, 2);
  // The field holds seconds up to 2106; from_civil counts nanoseconds in 64 bits.
  if (t.year < 1970 || t.year > 2106 || t.month < 1 || t.month > 12 || t.day < 1 ||
      t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 59) {
    return std::nullopt;
  }
  const std::int64_t seconds = to_ns(from_civil(t)) / 1'000'000'000;
  // A day past the month's end comes back as another date.
  const civil_time again = to_civil(wall_from_ns(seconds * 1'000'000'000));
  if (again.day != t.day || seconds > 0xffffffffLL) return std::nullopt;
  return static_cast<std::uint32_t>(seconds);
}

std::optional<std::uint16_t> svc_key_from_text(std::string_view text) {
  constexpr std::string_view names[] = {"mandatory", "alpn",     "no-default-alpn", "port",
                                        "ipv4hint",  "ech",      "ipv6hint",        "dohpath"};
  for (std::size_t i = 0; i < std::size(names); ++i) {
    if (text == names[i]) return static_cast<std::uint16_t>(i);
  }
  if (text.size() > 3 && text.substr(0, 3) == "key") {
    return decimal<std::uint16_t>(text.substr(3), 65535);
  }
  return std::nullopt;
}

// Walks an SVCB value list (RFC 9460 Appendix A.1): the string's escapes
// undone, then commas separate items and a backslash makes the next octet
// part of its item. Calls octet(o) for each octet of an item and
// item_end() after each item.
template <class Octet, class ItemEnd>
result<void, dns_error> walk_value_list(std::string_view text, Octet&& octet, ItemEnd&& item_end) {
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto o = unescaped_octet(text, i);
    if (!o) return unexpected(o.error());
    if (!escaped && *o == '\\') {
      escaped = true;
      continue;
    }
    auto r = !escaped && *o == ',' ? item_end() : octet(*o);
    if (!r) return r;
    escaped = false;
  }
  if (escaped) return unexpected(dns_error::bad_svc_param);
  return item_end();
}

// One `key[=value]` into `out` as key, length, value.
result<void, dns_error> put_svc_param(rdata_builder& out, const text_field& field) {
  const std::string_view text = field.text;
  const std::size_t equals = text.find('=');
  const auto key = svc_key_from_text(text.substr(0, equals));
  if (field.quoted || !key) return unexpected(dns_error::bad_svc_param);
  std::string_view value;
  bool has_value = equals != std::string_view::npos;
  if (has_value) {
    value = text.substr(equals + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
  }
  if (auto r = out.put(*key, 2); !r) return r;
  auto length_at = out.reserve(2);
  if (!length_at) return unexpected(length_at.error());
  switch (*key) {
    case 2:  // no-default-alpn
      if (has_value) return unexpected(dns_error::bad_svc_param);
      break;
    case 3: {  // port
      const auto port = has_value ? decimal<std::uint16_t>(value, 65535) : std::nullopt;
      if (!port) return unexpected(dns_error::bad_svc_param);
      if (auto r = out.put(*port, 2); !r) return r;
      break;
    }
    case 5: {  // ech: base64
      base_decoder decoder(base_encoding::base64, out.tail());
      if (!has_value || value.empty() || !decoder.feed(value)) {
        return unexpected(dns_error::bad_svc_param);
      }
      auto size = decoder.finish();
      if (!size) return unexpected(dns_error::bad_svc_param);
      out.grow(*size);
      break;
    }
    case 1: {  // alpn: each item a character-string
      if (!has_value || value.empty()) return unexpected(dns_error::bad_svc_param);
      std::size_t item_at = out.size();
      auto r = walk_value_list(
          value,
          [&](std::uint8_t o) -> result<void, dns_error> {
            // An item's length octet goes in before its first octet.
            if (out.size() == item_at) {
              if (auto at = out.reserve(1); !at) return unexpected(at.error());
            }
            return out.put(o, 1);
          },
          [&]() -> result<void, dns_error> {
            if (out.size() == item_at) return unexpected(dns_error::bad_svc_param);
            if (auto f = out.finish_length(item_at, 1, 255); !f) return f;
            item_at = out.size();
            return {};
          });
      if (!r) return r;
      break;
    }
    case 0:
    case 4:
    case 6: {  // mandatory, ipv4hint, ipv6hint: short items read as text
      if (!has_value || value.empty()) return unexpected(dns_error::bad_svc_param);
      const std::size_t items_at = out.size();
      std::array<char, 64> item{};
      std::size_t item_size = 0;
      auto r = walk_value_list(
          value,
          [&](std::uint8_t o) -> result<void, dns_error> {
            if (item_size == item.size()) return unexpected(dns_error::bad_svc_param);
            item[item_size++] = static_cast<char>(o);
            return {};
          },
          [&]() -> result<void, dns_error> {
            const std::string_view text(item.data(), item_size);
            item_size = 0;
            if (*key == 0) {
              const auto k = svc_key_from_text(text);
              if (!k) return unexpected(dns_error::bad_svc_param);
              return out.put(*k, 2);
            }
            if (*key == 4) {
              const auto a = ipv4_addr::parse(text);
              if (!a) return unexpected(dns_error::bad_svc_param);
              return out.put(a->value, 4);
            }
            const auto a = ipv6_addr::parse(text);
            if (!a) return unexpected(dns_error::bad_svc_param);
            return out.put(bytes(a->octets.data(), a->octets.size()));
          });
      if (!r) return r;
      if (*key == 0) {
        // Mandatory keys go on the wire in increasing order, each once
        // (RFC 9460 §8); the text may list them in any order.
        std::uint8_t* keys = out.data().u8_data() + items_at;
        const std::size_t count = (out.size() - items_at) / 2;
        auto key_at = [&](std::size_t i) { return std::uint16_t(keys[2 * i] << 8 | keys[2 * i + 1]); };
        for (std::size_t i = 1; i < count; ++i) {
          for (std::size_t k = i; k > 0 && key_at(k - 1) > key_at(k); --k) {
            std::swap(keys[2 * k - 2], keys[2 * k]);
            std::swap(keys[2 * k - 1], keys[2 * k + 1]);
          }
        }
        for (std::size_t i = 1; i < count; ++i) {
          if (key_at(i - 1) == key_at(i)) return unexpected(dns_error::bad_svc_param);
        }
      }
      break;
    }
    default:  // dohpath and keyNNN: the value's octets
      if (auto r = put_unescaped(out, value); !r) return r;
      break;
  }
  return out.finish_length(*length_at, 2, 65535);
}

// SvcParams in increasing key order, each once (RFC 9460 §2.2). Text in
// that order (what the printer writes) is taken as it comes, however
// long; text in another order, up to 64 parameters, is sorted in place.
result<void, dns_error> put_svc_params(rdata_builder& out, field_reader& fields) {
  struct param {
    std::uint16_t key;
    std::size_t offset;
    std::size_t size;
  };
  std::array<param, 64> params{};
  std::size_t count = 0;
  bool in_order = true;
  for (;;) {
    auto f = fields.next();
    if (!f) return unexpected(f.error());
    if (!*f) break;
    const std::size_t at = out.size();
    if (auto r = put_svc_param(out, **f); !r) return r;
    const param p{out.data().be16(at), at, out.size() - at};
    if (count > 0 && p.key == params[(count - 1) % params.size()].key) {
      return unexpected(dns_error::bad_svc_param);
    }
    if (count > 0 && p.key < params[(count - 1) % params.size()].key) in_order = false;
    if (!in_order && count >= params.size()) return unexpected(dns_error::bad_svc_param);
    // In order, only the last parameter matters; the slots are reused.
    params[count % params.size()] = p;
    ++count;
  }
  if (in_order) return {};
  // Insertion sort by rotating each parameter's octets into place.
  for (std::size_t i = 1; i < count; ++i) {
    for (std::size_t k = i; k > 0 && params[k - 1].key > params[k].key; --k) {
      std::uint8_t* base = out.data().u8_data();
      std::rotate(base + params[k - 1].offset, base + params[k].offset,
                  base + params[k].offset + params[k].size);
      params[k].offset = params[k - 1].offset;
      params[k - 1].offset = params[k].offset + params[k].size;
      std::swap(params[k - 1], params[k]);
    }
  }
  for (std::size_t i = 1; i < count; ++i) {
    if (params[i - 1].key == params[i].key) return unexpected(dns_error::bad_svc_param);
  }
  return {};
}

// RFC 3597 §5: `\# LENGTH HEX...`, once the `\#` is read.
result<void, dns_error> put_generic(rdata_builder& out, field_reader& fields) {
  auto length_field = fields.required();
  if (!length_field) return unexpected(length_field.error());
  const auto length = decimal<std::size_t>(length_field->text, max_rdata_size);
  if (!length) return unexpected(dns_error::bad_generic_length);
  auto more = fields.more();
  if (!more) return unexpected(more.error());
  if (*length == 0) return *more ? unexpected(dns_error::bad_generic_length) : result<void, dns_error>{};
  if (auto r = fields.encoded(out, base_encoding::hex); !r) {
    return unexpected(r.error() == dns_error::missing_field ? dns_error::bad_generic_length
                                                            : r.error());
  }
  if (out.size() != *length) return unexpected(dns_error::bad_generic_length);
  return {};
}

result<void, dns_error> put_typed(rr_type type, rdata_builder& out, field_reader& f) {
  switch (type) {
    case rr_type::a: {
      auto field = f.required();
      if (!field) return unexpected(field.error());
      const auto a = ipv4_addr::parse(field->text);
      if (!a || field->quoted) return unexpected(dns_error::bad_address);
      return out.put(a->value, 4);
    }
    case rr_type::aaaa: {
      auto field = f.required();
      if (!field) return unexpected(field.error());
      const auto a = ipv6_addr::parse(field->text);
      if (!a || field->quoted) return unexpected(dns_error::bad_address);
      return out.put(bytes(a->octets.data(), a->octets.size()));
    }
    case rr_type::ns:
    case rr_type::cname:
    case rr_type::ptr:
    case rr_type::dname: return f.domain(out);
    case rr_type::soa: {
      if (auto r = f.domain(out); !r) return r;
      if (auto r = f.domain(out); !r) return r;
      if (auto r = f.u32(out); !r) return r;
      for (int i = 0; i < 4; ++i) {
        if (auto r = f.period(out); !r) return r;
      }
      return {};
    }
    case rr_type::mx:
    case rr_type::afsdb:
      if (auto r = f.u16(out); !r) return r;
      return f.domain(out);
    case rr_type::rp:
      if (auto r = f.domain(out); !r) return r;
      return f.domain(out);
    case rr_type::hinfo:
      if (auto r = f.string(out); !r) return r;
      return f.string(out);
    case rr_type::txt:
      do {
        if (auto r = f.string(out); !r) return r;
        auto more = f.more();
        if (!more) return unexpected(more.error());
        if (!*more) return {};
      } while (true);
    case rr_type::srv:
      for (int i = 0; i < 3; ++i) {
        if (auto r = f.u16(out); !r) return r;
      }
      return f.domain(out);
    case rr_type::naptr:
      if (auto r = f.u16(out); !r) return r;
      if (auto r = f.u16(out); !r) return r;
      for (int i = 0; i < 3; ++i) {
        if (auto r = f.string(out); !r) return r;
      }
      return f.domain(out);
    case rr_type::caa: {
      if (auto r = f.u8(out); !r) return r;
      auto tag = f.required();
      if (!tag) return unexpected(tag.error());
      for (const char c : tag->text) {
        const bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum) return unexpected(dns_error::bad_rdata);
      }
      if (tag->text.empty() || tag->text.size() > 255) return unexpected(dns_error::bad_rdata);
      if (auto r = out.put(tag->text.size(), 1); !r) return r;
      if (auto r = out.put(bytes::of(tag->text)); !r) return r;
      auto value = f.required();
      if (!value) return unexpected(value.error());
      return put_unescaped(out, value->text);
    }
    case rr_type::ds:
      if (auto r = f.u16(out); !r) return r;
      [[fallthrough]];
    case rr_type::sshfp:
      if (auto r = f.u8(out); !r) return r;
      if (auto r = f.u8(out); !r) return r;
      return f.encoded(out, base_encoding::hex);
    case rr_type::tlsa:
      for (int i = 0; i < 3; ++i) {
        if (auto r = f.u8(out); !r) return r;
      }
      return f.encoded(out, base_encoding::hex);
    case rr_type::dnskey:
      if (auto r = f.u16(out); !r) return r;
      if (auto r = f.u8(out); !r) return r;
      if (auto r = f.u8(out); !r) return r;
      return f.encoded(out, base_encoding::base64);
    case rr_type::rrsig: {
      auto covered = f.required();
      if (!covered) return unexpected(covered.error());
      const auto t = type_from_text(covered->text);
      if (!t) return unexpected(dns_error::unknown_type);
      if (auto r = out.put(static_cast<std::uint16_t>(*t), 2); !r) return r;
      if (auto r = f.u8(out); !r) return r;   // algorithm
      if (auto r = f.u8(out); !r) return r;   // labels
      if (auto r = f.u32(out); !r) return r;  // original TTL
      for (int i = 0; i < 2; ++i) {           // expiration, inception
        auto field = f.required();
        if (!field) return unexpected(field.error());
        const auto when = signature_time(field->text);
        if (!when) return unexpected(dns_error::bad_time);
        if (auto r = out.put(*when, 4); !r) return r;
      }
      if (auto r = f.u16(out); !r) return r;  // key tag
      if (auto r = f.domain(out); !r) return r;
      return f.encoded(out, base_encoding::base64);
    }
    case rr_type::nsec:
      if (auto r = f.domain(out); !r) return r;
      return f.type_bitmap(out);
    case rr_type::nsec3:
    case rr_type::nsec3param: {
      if (auto r = f.u8(out); !r) return r;
      if (auto r = f.u8(out); !r) return r;
      if (auto r = f.u16(out); !r) return r;
      auto salt = f.required();
      if (!salt) return unexpected(salt.error());
      auto salt_at = out.reserve(1);
      if (!salt_at) return unexpected(salt_at.error());
      if (salt->text != "-") {
        base_decoder decoder(base_encoding::hex, out.tail());
        auto size = decoder.feed(salt->text) ? decoder.finish() : unexpected(decode_error::bad_character);
        if (!size || *size == 0) return unexpected(dns_error::bad_encoding);
        out.grow(*size);
      }
      if (auto r = out.finish_length(*salt_at, 1, 255); !r) return r;
      if (type == rr_type::nsec3param) return {};
      auto next = f.required();
      if (!next) return unexpected(next.error());
      auto next_at = out.reserve(1);
      if (!next_at) return unexpected(next_at.error());
      base_decoder decoder(base_encoding::base32hex, out.tail());
      auto size = decoder.feed(next->text) ? decoder.finish() : unexpected(decode_error::bad_character);
      if (!size || *size == 0) return unexpected(dns_error::bad_encoding);
      out.grow(*size);
      if (auto r = out.finish_length(*next_at, 1, 255); !r) return r;
      return f.type_bitmap(out);
    }
    case rr_type::svcb:
    case rr_type::https:
      if (auto r = f.u16(out); !r) return r;
      if (auto r = f.domain(out); !r) return r;
      return put_svc_params(out, f);
    default: return unexpected(dns_error::unknown_type);  // only \# reads it
  }
}

bool is_meta(rr_type t) {
  return t == rr_type::opt || t == rr_type::tsig || t == rr_type::axfr || t == rr_type::ixfr ||
         t == rr_type::any;
}

}  // namespace

result<bool, dns_error> zone_lexer::next_entry() {
  FATA_ASSERT(_entry_done);
  while (_at < _text.size()) {
    // A line of blanks and perhaps a comment is no entry.
    std::size_t i = _at;
    while (i < _text.size() && is_blank(_text[i])) ++i;
    if (i < _text.size() && _text[i] == ';') {
      while (i < _text.size() && _text[i] != '\n') ++i;
    }
    if (i == _text.size()) {
      _at = i;
      break;
    }
    if (_text[i] == '\n') {
      _at = i + 1;
      ++_line;
      continue;
    }
    _indented = i > _at;
    _at = i;
    _entry_done = false;
    _field_line = _line;
    return true;
  }
  return false;
}

result<std::optional<text_field>, dns_error> zone_lexer::next_field() {
  if (_entry_done) return std::optional<text_field>();
  for (;;) {
    while (_at < _text.size() && is_blank(_text[_at])) ++_at;
    if (_at == _text.size()) {
      _entry_done = true;
      _field_line = _line;
      if (_depth > 0) return unexpected(dns_error::unbalanced_parentheses);
      return std::optional<text_field>();
    }
    const char c = _text[_at];
    if (c == '\n') {
      ++_at;
      ++_line;
      if (_depth > 0) continue;
      _entry_done = true;
      return std::optional<text_field>();
    }
    if (c == ';') {
      while (_at < _text.size() && _text[_at] != '\n') ++_at;
      continue;
    }
    if (c == '(') {
      ++_depth;
      ++_at;
      continue;
    }
    if (c == ')') {
      if (_depth == 0) {
        _entry_done = true;
        _field_line = _line;
        // The rest of the line belongs to the broken entry.
        while (_at < _text.size() && _text[_at] != '\n') ++_at;
        return unexpected(dns_error::unbalanced_parentheses);
      }
      --_depth;
      ++_at;
      continue;
    }
    break;
  }
  const bool quoted = _text[_at] == '"';
  const std::size_t start = quoted ? _at + 1 : _at;
  std::size_t i = start;
  bool in_quotes = quoted;
  while (i < _text.size()) {
    const char c = _text[i];
    if (c == '\\') {
      if (i + 1 < _text.size() && _text[i + 1] != '\n') {
        i += 2;
        continue;
      }
      ++i;  // a dangling backslash: the field's reader refuses it
      continue;
    }
    if (c == '\n' && in_quotes) break;
    if (c == '"') {
      if (quoted) break;
      in_quotes = !in_quotes;  // key="value" inside an unquoted field
      ++i;
      continue;
    }
    if (!in_quotes && ends_field(c)) break;
    ++i;
  }
  _field_line = _line;
  if (in_quotes && (i == _text.size() || _text[i] != '"')) {
    _entry_done = true;
    _at = i;  // the next entry starts on the next line
    return unexpected(dns_error::unterminated_string);
  }
  const text_field field{_text.substr(start, i - start), quoted};
  _at = quoted ? i + 1 : i;
  return std::optional<text_field>(field);
}

std::optional<rr_type> type_from_text(std::string_view text) {
  if (text.size() > 4 && equals_ignoring_case(text.substr(0, 4), "TYPE")) {
    const auto v = decimal<std::uint16_t>(text.substr(4), 65535);
    if (v) return static_cast<rr_type>(*v);
  }
  // Every mnemonic fata knows is in mnemonic(); look it up there.
  for (unsigned v = 1; v <= 257; ++v) {
    const auto m = mnemonic(static_cast<rr_type>(v));
    if (!m.empty() && equals_ignoring_case(m, text)) return static_cast<rr_type>(v);
  }
  return std::nullopt;
}


std::optional<std::uint32_t> ttl_from_text(std::string_view text) {
  return seconds_from_text(text, 0x7fffffff);
}

result<std::size_t, dns_error> parse_rdata_text(rr_type type, zone_lexer& lexer,
                                                const name& origin, mut_bytes out) {
  FATA_ASSERT(out.size() >= max_rdata_size);
  rdata_builder builder(out.first(max_rdata_size));
  field_reader fields(lexer, origin);
  if (is_meta(type)) return unexpected(dns_error::meta_type);
  auto first = fields.peek();
  if (!first) return unexpected(first.error());
  if (*first == nullptr) return unexpected(dns_error::missing_field);
  if (!(*first)->quoted && (*first)->text == "\\#") {
    (void)fields.next();
    if (auto r = put_generic(builder, fields); !r) return unexpected(r.error());
  } else if (auto r = put_typed(type, builder, fields); !r) {
    return unexpected(r.error());
  }
  if (auto r = fields.end(); !r) return unexpected(r.error());
  if (auto r = check_canonical_rdata(type, bytes(out.data(), builder.size())); !r) {
    return unexpected(r.error());
  }
  return builder.size();
}

result<std::optional<zone_item>, zone_file_error> zone_file_reader::next() {
  // What an earlier error left of its entry.
  for (;;) {
    auto f = _lexer.next_field();
    if (!f || !*f) break;
  }
  auto item = read_entry();
  if (!item) return unexpected(zone_file_error{_lexer.field_line(), item.error()});
  return *item;
}

result<std::optional<zone_item>, dns_error> zone_file_reader::read_entry() {
  for (;;) {
    auto more = _lexer.next_entry();
    if (!more) return unexpected(more.error());
    if (!*more) return std::optional<zone_item>();
    zone_item item;
    field_reader fields(_lexer, _origin);
    name owner;
    if (_lexer.entry_is_indented()) {
      if (!_last_owner) return unexpected(dns_error::no_owner);
      owner = *_last_owner;
    } else {
      auto first = fields.required();
      if (!first) return unexpected(first.error());
      if (!first->quoted && first->text.starts_with('$')) {
        auto is_item = read_directive(first->text, item);
        if (!is_item) return unexpected(is_item.error());
        if (*is_item) return std::optional<zone_item>(item);
        continue;
      }
      if (first->quoted) return unexpected(dns_error::bad_rdata);
      auto n = name::from_text(first->text, _origin);
      if (!n) return unexpected(n.error());
      owner = *n;
    }
    // [TTL] [class] type, TTL and class in either order (RFC 1035 §5.1).
    std::optional<std::uint32_t> ttl;
    bool have_class = false;
    std::optional<rr_type> type;
    while (!type) {
      auto f = fields.required();
      if (!f) return unexpected(f.error());
      const std::string_view text = f->text;
      if (f->quoted) return unexpected(dns_error::unknown_type);
      if (!ttl && !text.empty() && text[0] >= '0' && text[0] <= '9') {
        ttl = ttl_from_text(text);
        if (!ttl) return unexpected(dns_error::bad_ttl);
      } else if (!have_class && equals_ignoring_case(text, "IN")) {
        have_class = true;
      } else if (!have_class && (equals_ignoring_case(text, "CH") || equals_ignoring_case(text, "HS") ||
                                 (text.size() > 5 && equals_ignoring_case(text.substr(0, 5), "CLASS")))) {
        return unexpected(dns_error::bad_class);
      } else {
        type = type_from_text(text);
        if (!type) return unexpected(dns_error::unknown_type);
      }
    }
    auto size = parse_rdata_text(*type, _lexer, _origin, mut_bytes(_rdata.data(), _rdata.size()));
    if (!size) return unexpected(size.error());
    if (ttl) {
      _last_ttl = ttl;
    } else {
      ttl = _default_ttl ? _default_ttl : _last_ttl;
      if (!ttl) return unexpected(dns_error::no_ttl);
    }
    _last_owner = owner;
    item.what = zone_item::kind::record;
    item.record = {owner, *ttl, *type, bytes(_rdata.data(), *size)};
    return std::optional<zone_item>(item);
  }
}

result<bool, dns_error> zone_file_reader::read_directive(std::string_view keyword,
                                                         zone_item& item) {
  field_reader fields(_lexer, _origin);
  auto argument = fields.required();
  if (!argument) {
    return unexpected(argument.error() == dns_error::missing_field ? dns_error::bad_directive
                                                                   : argument.error());
  }
  bool is_item = false;
  if (equals_ignoring_case(keyword, "$ORIGIN")) {
    auto n = name::from_text(argument->text, _origin);
    if (!n) return unexpected(n.error());
    _origin = *n;
  } else if (equals_ignoring_case(keyword, "$TTL")) {
    const auto ttl = ttl_from_text(argument->text);
    if (!ttl) return unexpected(dns_error::bad_ttl);
    _default_ttl = ttl;
  } else if (equals_ignoring_case(keyword, "$INCLUDE")) {
    item.what = zone_item::kind::include;
    item.include.path = argument->text;
    item.include.origin = _origin;
    auto origin = fields.next();
    if (!origin) return unexpected(origin.error());
    if (*origin) {
      auto n = name::from_text((*origin)->text, _origin);
      if (!n) return unexpected(n.error());
      item.include.origin = *n;
    }
    is_item = true;
  } else {
    return unexpected(dns_error::bad_directive);
  }
  auto extra = fields.more();
  if (!extra) return unexpected(extra.error());
  if (*extra) return unexpected(dns_error::bad_directive);
  return is_item;
}

}  // namespace fata::dns
