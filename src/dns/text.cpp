#include <fata/dns/text.hpp>

#include <fata/core/addr.hpp>
#include <fata/core/base_encoding.hpp>
#include <fata/core/time.hpp>

namespace fata::dns {

namespace {

// Reads record data front to back. A read past the end, or a name that
// is not plain labels, marks the cursor failed and yields zeros, so a
// printer can run to its end and ask once whether the data fitted its form.
class rdata_cursor {
 public:
  explicit rdata_cursor(bytes data) : _data(data) {}

  bool failed() const { return _failed; }
  bool at_end() const { return _at == _data.size(); }
  // Whether the data was read exactly, to its end.
  bool whole() const { return !_failed && at_end(); }
  void fail() { _failed = true; }

  std::uint8_t u8() { return static_cast<std::uint8_t>(number(1)); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(number(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(number(4)); }
  bytes take(std::size_t n) {
    if (_failed || n > _data.size() - _at) {
      _failed = true;
      return {};
    }
    const bytes out = _data.sub(_at, n);
    _at += n;
    return out;
  }
  bytes rest() { return take(_data.size() - _at); }
  // A <character-string>'s octets, without the length.
  bytes string() { return take(u8()); }
  dns::name name() {
    std::size_t end = _at;
    // Canonical data has no pointers: plain labels up to the root label.
    while (!_failed && end < _data.size() && _data.u8(end) != 0) {
      if (_data.u8(end) > 63) _failed = true;
      end += 1 + _data.u8(end);
    }
    if (_failed || end >= _data.size()) {
      _failed = true;
      return {};
    }
    auto n = dns::name::from_wire(take(end + 1 - _at));
    if (!n) {
      _failed = true;
      return {};
    }
    return *n;
  }

 private:
  std::uint32_t number(std::size_t size) {
    const bytes b = take(size);
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < b.size(); ++i) v = (v << 8) | b.u8(i);
    return v;
  }

  bytes _data;
  std::size_t _at = 0;
  bool _failed = false;
};

void write_number(format_sink& out, std::uint32_t v) { format_to(out, "{}", v); }

void write_decimal_escape(format_sink& out, std::uint8_t c) {
  const char digits[4] = {'\\', static_cast<char>('0' + c / 100),
                          static_cast<char>('0' + c / 10 % 10), static_cast<char>('0' + c % 10)};
  out.append({digits, 4});
}

bool printable(std::uint8_t c) { return c >= 0x20 && c < 0x7f; }

// Digests, hashes and salts: upper-case hex.
void write_hex(format_sink& out, bytes data) { write_encoded(out, base_encoding::hex, data); }

// RFC 4034 §4.1.2: windows of up to 32 octets, one bit per type.
void write_type_bitmap(format_sink& out, rdata_cursor& c) {
  while (!c.failed() && !c.at_end()) {
    const unsigned window = c.u8();
    const bytes bits = c.take(c.u8());
    for (std::size_t i = 0; i < bits.size(); ++i) {
      for (unsigned bit = 0; bit < 8; ++bit) {
        if ((bits.u8(i) & (0x80u >> bit)) == 0) continue;
        out.put(' ');
        write_type_text(out, static_cast<rr_type>(window * 256 + i * 8 + bit));
      }
    }
  }
}

// SVCB parameter keys (RFC 9460 §14.3.2).
std::string_view svc_key_mnemonic(std::uint16_t key) {
  switch (key) {
    case 0: return "mandatory";
    case 1: return "alpn";
    case 2: return "no-default-alpn";
    case 3: return "port";
    case 4: return "ipv4hint";
    case 5: return "ech";
    case 6: return "ipv6hint";
    case 7: return "dohpath";
    default: return "";
  }
}

void write_svc_key(format_sink& out, std::uint16_t key) {
  if (const auto m = svc_key_mnemonic(key); !m.empty()) {
    out.append(m);
  } else {
    format_to(out, "key{}", key);
  }
}

// One SvcParam, " key=value"; marks `c` failed when the value does not
// have its key's form.
void write_svc_param(format_sink& out, rdata_cursor& c) {
  const std::uint16_t key = c.u16();
  const bytes value = c.take(c.u16());
  if (c.failed()) return;
  out.put(' ');
  write_svc_key(out, key);
  switch (key) {
    case 0: {  // mandatory: a list of keys
      if (value.empty() || value.size() % 2 != 0) return c.fail();
      for (std::size_t i = 0; i < value.size(); i += 2) {
        // RFC 9460 §8: increasing, each once; text in another order would
        // read back sorted, so such data has no text of this form.
        if (i > 0 && value.be16(i - 2) >= value.be16(i)) return c.fail();
        out.put(i == 0 ? '=' : ',');
        write_svc_key(out, value.be16(i));
      }
      return;
    }
    case 1: {  // alpn: character-strings as one comma-separated list
      rdata_cursor ids(value);
      out.append("=\"");
      for (bool first = true; !ids.at_end() && !ids.failed(); first = false) {
        const bytes id = ids.string();
        if (id.empty()) return c.fail();
        if (!first) out.put(',');
        for (std::size_t i = 0; i < id.size(); ++i) {
          const std::uint8_t o = id.u8(i);
          // RFC 9460 Appendix A.1: a comma or backslash inside an item is
          // escaped for the list (\, and \\), and each backslash again for
          // the quoted string.
          if (o == ',') {
            out.append("\\\\,");
          } else if (o == '\\') {
            out.append("\\\\\\\\");
          } else if (o == '"') {
            out.append("\\\"");
          } else if (printable(o)) {
            out.put(static_cast<char>(o));
          } else {
            write_decimal_escape(out, o);
          }
        }
      }
      out.put('"');
      if (value.empty() || ids.failed()) c.fail();
      return;
    }
    case 2:  // no-default-alpn: no value
      if (!value.empty()) c.fail();
      return;
    case 3:  // port
      if (value.size() != 2) return c.fail();
      out.put('=');
      write_number(out, value.be16(0));
      return;
    case 4:  // ipv4hint
    case 6: {  // ipv6hint
      const std::size_t size = key == 4 ? 4 : 16;
      if (value.empty() || value.size() % size != 0) return c.fail();
      for (std::size_t i = 0; i < value.size(); i += size) {
        out.put(i == 0 ? '=' : ',');
        if (key == 4) {
          format_to(out, "{}", ipv4_addr(value.be32(i)));
        } else {
          ipv6_addr a;
          for (std::size_t k = 0; k < 16; ++k) a.octets[k] = value.u8(i + k);
          format_to(out, "{}", a);
        }
      }
      return;
    }
    case 5:  // ech: an ECHConfigList in base64
      if (value.empty()) return c.fail();
      out.put('=');
      write_encoded(out, base_encoding::base64, value);
      return;
    default:  // dohpath and unknown keys: the octets as a string
      if (value.empty()) return;
      out.put('=');
      write_character_string(out, value);
      return;
  }
}

// YYYYMMDDHHmmSS (RFC 4034 §3.2). The field is seconds since 1970 modulo
// 2^32; read as unsigned it covers 1970 to 2106.
void write_signature_time(format_sink& out, std::uint32_t seconds) {
  const civil_time t = to_civil(wall_from_ns(std::int64_t{seconds} * 1'000'000'000));
  format_to(out, "{:04}{:02}{:02}{:02}{:02}{:02}", t.year, t.month, t.day, t.hour, t.minute,
            t.second);
}

// Prints `rdata` in `type`'s own form; false when the data does not have
// that form (or the type has none), having printed something undefined.
bool write_typed_rdata(format_sink& out, rr_type type, bytes rdata) {
  rdata_cursor c(rdata);
  auto space = [&] { out.put(' '); };
  switch (type) {
    case rr_type::a: {
      const bytes b = c.take(4);
      if (c.failed()) return false;
      format_to(out, "{}", ipv4_addr(b.be32(0)));
      break;
    }
    case rr_type::aaaa: {
      ipv6_addr a;
      const bytes b = c.take(16);
      for (std::size_t i = 0; i < b.size(); ++i) a.octets[i] = b.u8(i);
      format_to(out, "{}", a);
      break;
    }
    case rr_type::ns:
    case rr_type::cname:
    case rr_type::ptr:
    case rr_type::dname: write_name_text(out, c.name()); break;
    case rr_type::soa:
      write_name_text(out, c.name());
      space();
      write_name_text(out, c.name());
      for (int i = 0; i < 5; ++i) {
        space();
        write_number(out, c.u32());
      }
      break;
    case rr_type::mx:
    case rr_type::afsdb:
      write_number(out, c.u16());
      space();
      write_name_text(out, c.name());
      break;
    case rr_type::rp:
      write_name_text(out, c.name());
      space();
      write_name_text(out, c.name());
      break;
    case rr_type::hinfo:
      write_character_string(out, c.string());
      space();
      write_character_string(out, c.string());
      break;
    case rr_type::txt:
      for (bool first = true; !c.at_end() && !c.failed(); first = false) {
        if (!first) space();
        write_character_string(out, c.string());
      }
      if (rdata.empty()) return false;
      break;
    case rr_type::srv:
      for (int i = 0; i < 3; ++i) {
        write_number(out, c.u16());
        space();
      }
      write_name_text(out, c.name());
      break;
    case rr_type::naptr:
      write_number(out, c.u16());
      space();
      write_number(out, c.u16());
      for (int i = 0; i < 3; ++i) {
        space();
        write_character_string(out, c.string());
      }
      space();
      write_name_text(out, c.name());
      break;
    case rr_type::caa: {
      write_number(out, c.u8());
      space();
      // The tag is letters and digits (RFC 8659 §4.1), printed bare.
      const bytes tag = c.string();
      if (tag.empty()) return false;
      for (std::size_t i = 0; i < tag.size(); ++i) {
        const std::uint8_t o = tag.u8(i);
        const bool alnum = (o >= '0' && o <= '9') || (o >= 'a' && o <= 'z') || (o >= 'A' && o <= 'Z');
        if (!alnum) return false;
      }
      out.append(tag.chars());
      space();
      write_character_string(out, c.rest());
      break;
    }
    case rr_type::ds:
    case rr_type::sshfp:
    case rr_type::tlsa: {
      // DS: key tag, algorithm, digest type; SSHFP: algorithm, type;
      // TLSA: usage, selector, matching type. Then a digest.
      if (type == rr_type::ds) {
        write_number(out, c.u16());
        space();
      }
      write_number(out, c.u8());
      space();
      write_number(out, c.u8());
      if (type == rr_type::tlsa) {
        space();
        write_number(out, c.u8());
      }
      const bytes digest = c.rest();
      if (digest.empty()) return false;
      space();
      write_hex(out, digest);
      break;
    }
    case rr_type::dnskey: {
      write_number(out, c.u16());
      space();
      write_number(out, c.u8());
      space();
      write_number(out, c.u8());
      const bytes key = c.rest();
      if (key.empty()) return false;
      space();
      write_encoded(out, base_encoding::base64, key);
      break;
    }
    case rr_type::rrsig: {
      write_type_text(out, static_cast<rr_type>(c.u16()));
      space();
      write_number(out, c.u8());  // algorithm
      space();
      write_number(out, c.u8());  // labels
      space();
      write_number(out, c.u32());  // original TTL
      space();
      write_signature_time(out, c.u32());  // expiration
      space();
      write_signature_time(out, c.u32());  // inception
      space();
      write_number(out, c.u16());  // key tag
      space();
      write_name_text(out, c.name());
      const bytes signature = c.rest();
      if (signature.empty()) return false;
      space();
      write_encoded(out, base_encoding::base64, signature);
      break;
    }
    case rr_type::nsec:
      write_name_text(out, c.name());
      write_type_bitmap(out, c);
      break;
    case rr_type::nsec3:
    case rr_type::nsec3param: {
      write_number(out, c.u8());  // hash algorithm
      space();
      write_number(out, c.u8());  // flags
      space();
      write_number(out, c.u16());  // iterations
      space();
      // RFC 5155 §3.3: "-" for an empty salt.
      const bytes salt = c.string();
      if (salt.empty()) {
        out.put('-');
      } else {
        write_hex(out, salt);
      }
      if (type == rr_type::nsec3param) break;
      const bytes next = c.string();
      if (next.empty()) return false;
      space();
      write_encoded(out, base_encoding::base32hex, next);
      write_type_bitmap(out, c);
      break;
    }
    case rr_type::svcb:
    case rr_type::https:
      write_number(out, c.u16());
      space();
      write_name_text(out, c.name());
      while (!c.failed() && !c.at_end()) write_svc_param(out, c);
      break;
    default: return false;
  }
  return c.whole();
}

}  // namespace

void write_type_text(format_sink& out, rr_type type) {
  if (const auto m = mnemonic(type); !m.empty()) {
    out.append(m);
  } else {
    format_to(out, "TYPE{}", static_cast<unsigned>(type));
  }
}

void write_class_text(format_sink& out, std::uint16_t rclass) {
  switch (static_cast<rr_class>(rclass)) {
    case rr_class::in: out.append("IN"); return;
    case rr_class::ch: out.append("CH"); return;
    case rr_class::none: out.append("NONE"); return;
    case rr_class::any: out.append("ANY"); return;
  }
  format_to(out, "CLASS{}", rclass);
}

void write_name_text(format_sink& out, const name& n) {
  char text[max_name_text];
  out.append({text, n.to_text(text)});
}

void format_value(format_sink& out, const format_spec& spec, const name& n) {
  char text[max_name_text];
  fata::format_value(out, spec, std::string_view(text, n.to_text(text)));
}

void write_character_string(format_sink& out, bytes octets) {
  out.put('"');
  std::size_t plain_from = 0;
  for (std::size_t i = 0; i < octets.size(); ++i) {
    const std::uint8_t o = octets.u8(i);
    if (printable(o) && o != '"' && o != '\\') continue;
    out.append(octets.sub(plain_from, i - plain_from).chars());
    if (printable(o)) {
      out.put('\\');
      out.put(static_cast<char>(o));
    } else {
      write_decimal_escape(out, o);
    }
    plain_from = i + 1;
  }
  out.append(octets.skip(plain_from).chars());
  out.put('"');
}

void write_generic_rdata(format_sink& out, bytes rdata) {
  format_to(out, "\\# {}", rdata.size());
  if (rdata.empty()) return;
  out.put(' ');
  write_hex(out, rdata);
}

void write_rdata_text(format_sink& out, rr_type type, bytes rdata) {
  // A dry run first: whether the data has its type's form is known only
  // at its end, and nothing may reach `out` before that.
  format_sink discard{[](void*, std::string_view) {}, nullptr};
  if (write_typed_rdata(discard, type, rdata)) {
    write_typed_rdata(out, type, rdata);
  } else {
    write_generic_rdata(out, rdata);
  }
}

void write_record_text(format_sink& out, const name& owner, std::uint32_t ttl,
                       std::uint16_t rclass, rr_type type, bytes rdata) {
  write_name_text(out, owner);
  out.put(' ');
  write_number(out, ttl);
  out.put(' ');
  write_class_text(out, rclass);
  out.put(' ');
  write_type_text(out, type);
  out.put(' ');
  write_rdata_text(out, type, rdata);
}

}  // namespace fata::dns
