#include <fata/dns/message.hpp>

namespace fata::dns {

namespace {

// The pieces record data is made of, in the order a type's layout lists
// them; the data must end exactly where the last piece does.
enum class part : std::uint8_t {
  none,         // past the end of a layout
  fixed,        // `size` octets
  name_1035,    // a name an RFC 1035 type carries: compressed on write
  name_loose,   // written plain, but a receiver follows pointers (RFC 3597 §4)
  name_plain,   // never compressed (DNSSEC and newer types)
  string,       // <character-string>: a length octet and that many octets
  blob16,       // a two-octet length and that many octets
  strings,      // one or more character-strings to the end
  rest,         // any octets to the end, perhaps none
  type_bitmap,  // RFC 4034 §4.1.2: windows in increasing order, no trailing zeros, to the end
  svc_params,   // RFC 9460 §2.2: key, length, value; keys strictly increasing
  options,      // RFC 6891 §6.1.2: code, length, value to the end
};

struct step {
  part kind = part::none;
  std::uint8_t size = 0;
};
using layout = std::array<step, 5>;

constexpr step fixed(std::uint8_t n) { return {part::fixed, n}; }
constexpr step piece(part p) { return {p, 0}; }

layout layout_of(rr_type type) {
  switch (type) {
    case rr_type::a: return {fixed(4)};
    case rr_type::aaaa: return {fixed(16)};
    case rr_type::ns:
    case rr_type::cname:
    case rr_type::ptr: return {piece(part::name_1035)};
    case rr_type::dname: return {piece(part::name_plain)};
    case rr_type::soa: return {piece(part::name_1035), piece(part::name_1035), fixed(20)};
    case rr_type::mx: return {fixed(2), piece(part::name_1035)};
    case rr_type::afsdb: return {fixed(2), piece(part::name_loose)};
    case rr_type::rp: return {piece(part::name_loose), piece(part::name_loose)};
    case rr_type::srv: return {fixed(6), piece(part::name_loose)};
    case rr_type::hinfo: return {piece(part::string), piece(part::string)};
    case rr_type::txt: return {piece(part::strings)};
    case rr_type::naptr:
      return {fixed(4), piece(part::string), piece(part::string), piece(part::string),
              piece(part::name_loose)};
    case rr_type::caa: return {fixed(1), piece(part::string), piece(part::rest)};
    case rr_type::ds:
    case rr_type::dnskey: return {fixed(4), piece(part::rest)};
    case rr_type::sshfp: return {fixed(2), piece(part::rest)};
    case rr_type::tlsa: return {fixed(3), piece(part::rest)};
    case rr_type::rrsig: return {fixed(18), piece(part::name_plain), piece(part::rest)};
    case rr_type::nsec: return {piece(part::name_plain), piece(part::type_bitmap)};
    case rr_type::nsec3:
      return {fixed(4), piece(part::string), piece(part::string), piece(part::type_bitmap)};
    case rr_type::nsec3param: return {fixed(4), piece(part::string)};
    case rr_type::svcb:
    case rr_type::https: return {fixed(2), piece(part::name_plain), piece(part::svc_params)};
    case rr_type::opt: return {piece(part::options)};
    case rr_type::tsig:
      // Algorithm, time signed (6) and fudge (2), MAC, original ID and
      // error (4), other data.
      return {piece(part::name_plain), fixed(8), piece(part::blob16), fixed(4),
              piece(part::blob16)};
    default: return {piece(part::rest)};  // RFC 3597: opaque
  }
}

// Walks the data of a record of `type` at [start, start + length) of
// `message`, calling on_part(kind, octets, name or nullptr) for each piece.
// `canonical` data has no pointers at all.
template <class OnPart>
result<void, dns_error> walk_rdata(bytes message, std::size_t start, std::size_t length,
                                   rr_type type, bool canonical, OnPart&& on_part) {
  const std::size_t end = start + length;
  FATA_ASSERT(end <= message.size());
  std::size_t pos = start;
  for (const step& s : layout_of(type)) {
    if (s.kind == part::none) break;
    const std::size_t left = end - pos;
    switch (s.kind) {
      case part::none: break;
      case part::fixed:
        if (left < s.size) return unexpected(dns_error::bad_rdata);
        on_part(s.kind, message.sub(pos, s.size), nullptr);
        pos += s.size;
        break;
      case part::name_1035:
      case part::name_loose:
      case part::name_plain: {
        // Pointers land before `pos`, so the name's own labels must end
        // inside the data.
        auto at = read_name(message.first(end), pos);
        if (!at) {
          return unexpected(at.error() == dns_error::truncated ? dns_error::bad_rdata : at.error());
        }
        const bool compressed = at->end - pos != at->value.wire_size();
        if (compressed && (canonical || s.kind == part::name_plain)) {
          return unexpected(dns_error::bad_rdata);
        }
        on_part(s.kind, message.sub(pos, at->end - pos), &at->value);
        pos = at->end;
        break;
      }
      case part::string:
        if (left < 1 || left - 1 < message.u8(pos)) return unexpected(dns_error::bad_rdata);
        on_part(s.kind, message.sub(pos, 1 + message.u8(pos)), nullptr);
        pos += 1 + message.u8(pos);
        break;
      case part::blob16:
        if (left < 2 || left - 2 < message.be16(pos)) return unexpected(dns_error::bad_rdata);
        on_part(s.kind, message.sub(pos, 2 + message.be16(pos)), nullptr);
        pos += 2 + message.be16(pos);
        break;
      case part::strings: {
        if (left == 0) return unexpected(dns_error::bad_rdata);
        std::size_t p = pos;
        while (p < end) {
          if (end - p - 1 < message.u8(p)) return unexpected(dns_error::bad_rdata);
          p += 1 + message.u8(p);
        }
        on_part(s.kind, message.sub(pos, left), nullptr);
        pos = end;
        break;
      }
      case part::rest:
        on_part(s.kind, message.sub(pos, left), nullptr);
        pos = end;
        break;
      case part::type_bitmap: {
        int previous_window = -1;
        std::size_t p = pos;
        while (p < end) {
          if (end - p < 2) return unexpected(dns_error::bad_rdata);
          const int window = message.u8(p);
          const std::size_t bitmap_length = message.u8(p + 1);
          if (window <= previous_window || bitmap_length == 0 || bitmap_length > 32 ||
              end - p - 2 < bitmap_length) {
            return unexpected(dns_error::bad_rdata);
          }
          // No trailing zero octets, so no empty windows either (RFC 4034
          // §4.1.2): one bitmap per set of types, as BIND also insists.
          if (message.u8(p + 1 + bitmap_length) == 0) return unexpected(dns_error::bad_rdata);
          previous_window = window;
          p += 2 + bitmap_length;
        }
        on_part(s.kind, message.sub(pos, left), nullptr);
        pos = end;
        break;
      }
      case part::svc_params:
      case part::options: {
        long previous_key = -1;
        std::size_t p = pos;
        while (p < end) {
          if (end - p < 4) return unexpected(dns_error::bad_rdata);
          const long key = message.be16(p);
          const std::size_t value_length = message.be16(p + 2);
          if (end - p - 4 < value_length) return unexpected(dns_error::bad_rdata);
          if (s.kind == part::svc_params && key <= previous_key) {
            return unexpected(dns_error::bad_rdata);
          }
          previous_key = key;
          p += 4 + value_length;
        }
        on_part(s.kind, message.sub(pos, left), nullptr);
        pos = end;
        break;
      }
    }
  }
  if (pos != end) return unexpected(dns_error::bad_rdata);
  return {};
}

// UPDATE's prerequisites and deletions (RFC 2136 §2.4, §2.5) carry class
// ANY or NONE and may have no data whatever their type.
bool may_be_empty(std::uint16_t rclass, std::size_t length) {
  return length == 0 &&
         (rclass == std::uint16_t(rr_class::any) || rclass == std::uint16_t(rr_class::none));
}

constexpr std::size_t record_fixed_size = 10;  // type, class, TTL, data length

// Reads the record at `offset` of a message known to be well formed up to
// its end, or checks one that is not yet.
result<record, dns_error> read_record(bytes message, std::size_t offset, std::size_t& end) {
  auto owner = read_name(message, offset);
  if (!owner) return unexpected(owner.error());
  std::size_t pos = owner->end;
  if (message.size() - pos < record_fixed_size) return unexpected(dns_error::truncated);
  record r;
  r.owner = owner->value;
  r.type = rr_type(message.be16(pos));
  r.rclass = message.be16(pos + 2);
  r.ttl = message.be32(pos + 4);
  const std::size_t length = message.be16(pos + 8);
  pos += record_fixed_size;
  if (message.size() - pos < length) return unexpected(dns_error::truncated);
  r.rdata = message.sub(pos, length);
  r.rdata_offset = pos;
  end = pos + length;
  return r;
}

}  // namespace

header header::decode(bytes message) {
  const std::uint16_t flags = message.be16(2);
  header h;
  h.id = message.be16(0);
  h.response = (flags & 0x8000) != 0;
  h.opcode = dns::opcode((flags >> 11) & 0xf);
  h.authoritative = (flags & 0x0400) != 0;
  h.truncated = (flags & 0x0200) != 0;
  h.recursion_desired = (flags & 0x0100) != 0;
  h.recursion_available = (flags & 0x0080) != 0;
  h.authentic_data = (flags & 0x0020) != 0;
  h.checking_disabled = (flags & 0x0010) != 0;
  h.rcode = flags & 0xf;
  return h;
}

void header::encode(mut_bytes message) const {
  std::uint16_t flags = static_cast<std::uint16_t>((std::uint16_t(opcode) & 0xf) << 11 | (rcode & 0xf));
  if (response) flags |= 0x8000;
  if (authoritative) flags |= 0x0400;
  if (truncated) flags |= 0x0200;
  if (recursion_desired) flags |= 0x0100;
  if (recursion_available) flags |= 0x0080;
  if (authentic_data) flags |= 0x0020;
  if (checking_disabled) flags |= 0x0010;
  message.set_be16(0, id);
  message.set_be16(2, flags);
}

result<message_view, dns_error> message_view::parse(bytes message) {
  if (message.size() < header_size) return unexpected(dns_error::truncated);
  message_view v;
  v._message = message;
  v._header = header::decode(message);
  for (std::size_t s = 0; s < 4; ++s) v._counts[s] = message.be16(4 + 2 * s);
  std::size_t pos = header_size;
  v._starts[0] = pos;
  for (std::size_t q = 0; q < v._counts[0]; ++q) {
    auto qname = read_name(message, pos);
    if (!qname) return unexpected(qname.error());
    if (message.size() - qname->end < 4) return unexpected(dns_error::truncated);
    pos = qname->end + 4;
  }
  for (std::size_t s = 1; s < 4; ++s) {
    v._starts[s] = pos;
    for (std::size_t i = 0; i < v._counts[s]; ++i) {
      const std::size_t start = pos;
      auto r = read_record(message, start, pos);
      if (!r) return unexpected(r.error());
      if (!may_be_empty(r->rclass, r->rdata.size())) {
        auto ok = walk_rdata(message, r->rdata_offset, r->rdata.size(), r->type, false,
                             [](part, bytes, const name*) {});
        if (!ok) return unexpected(ok.error());
      }
      if (r->type == rr_type::opt) {
        if (v._opt_count++ == 0 && s == 3) v._opt_offset = start;
      } else if (r->type == rr_type::tsig) {
        if (s == 3 && i + 1 == v._counts[s]) {
          v._tsig_offset = start;
        } else {
          v._tsig_misplaced = true;
        }
      }
    }
  }
  if (pos != message.size()) return unexpected(dns_error::trailing_data);
  return v;
}

std::optional<question> message_view::question_at(std::size_t index) const {
  if (index >= _counts[0]) return std::nullopt;
  std::size_t pos = _starts[0];
  for (;;) {
    auto qname = read_name(_message, pos);
    FATA_ASSERT(qname.has_value());
    if (index-- == 0) {
      return dns::question{qname->value, rr_type(_message.be16(qname->end)),
                           _message.be16(qname->end + 2)};
    }
    pos = qname->end + 4;
  }
}

record_reader message_view::records(section s) const {
  FATA_ASSERT(s != section::question);
  const auto i = static_cast<std::size_t>(s);
  return {_message, _starts[i], _counts[i]};
}

std::optional<record> record_reader::next() {
  if (_left == 0) return std::nullopt;
  --_left;
  auto r = read_record(_message, _offset, _offset);
  FATA_ASSERT(r.has_value());
  return *r;
}

std::optional<record> message_view::opt() const {
  if (_opt_offset == 0) return std::nullopt;
  std::size_t end = 0;
  return *read_record(_message, _opt_offset, end);
}

std::optional<record> message_view::tsig() const {
  if (_tsig_offset == 0) return std::nullopt;
  std::size_t end = 0;
  return *read_record(_message, _tsig_offset, end);
}

result<std::size_t, dns_error> expand_rdata(bytes message, const record& r, mut_bytes out) {
  if (may_be_empty(r.rclass, r.rdata.size())) return 0;
  std::size_t size = 0;
  bool fits = true;
  auto ok = walk_rdata(message, r.rdata_offset, r.rdata.size(), r.type, false,
                       [&](part, bytes octets, const name* n) {
                         const bytes piece = n != nullptr ? n->wire() : octets;
                         if (!fits || piece.size() > out.size() - size) {
                           fits = false;
                           return;
                         }
                         out.copy_from(size, piece);
                         size += piece.size();
                       });
  if (!ok) return unexpected(ok.error());
  if (!fits) return unexpected(dns_error::no_space);
  return size;
}

result<void, dns_error> check_canonical_rdata(rr_type type, bytes rdata) {
  return walk_rdata(rdata, 0, rdata.size(), type, true, [](part, bytes, const name*) {});
}

message_writer::message_writer(mut_bytes out) : _buffer(out), _out(out) {
  FATA_ASSERT(out.size() >= header_size);
}

void message_writer::limit_to(std::size_t size) {
  FATA_ASSERT(size >= _size && size <= _buffer.size());
  _out = _buffer.first(size);
}

result<void, dns_error> message_writer::add_question(const name& qname, rr_type qtype,
                                                     std::uint16_t qclass) {
  FATA_ASSERT(_section == section::question);
  const mark before = position();
  auto written = _names.write(_out, _size, qname);
  if (!written || _out.size() - _size - *written < 4) {
    rewind(before);
    return unexpected(dns_error::no_space);
  }
  _size += *written;
  _out.set_be16(_size, std::uint16_t(qtype));
  _out.set_be16(_size + 2, qclass);
  _size += 4;
  ++_counts[0];
  return {};
}

result<void, dns_error> message_writer::add_record(section s, const name& owner, rr_type type,
                                                   std::uint16_t rclass, std::uint32_t ttl,
                                                   bytes rdata) {
  FATA_ASSERT(s != section::question && s >= _section);
  _section = s;
  const mark before = position();
  auto fail = [&](dns_error e) -> result<void, dns_error> {
    rewind(before);
    return unexpected(e);
  };
  // A TSIG record's owner, the key's name, is written whole: a signer
  // appends it after computing the MAC, and any receiver reads it so.
  auto written = type == rr_type::tsig ? _names.write_plain(_out, _size, owner)
                                       : _names.write(_out, _size, owner);
  if (!written) return fail(written.error());
  std::size_t pos = _size + *written;
  if (_out.size() - pos < record_fixed_size) return fail(dns_error::no_space);
  _out.set_be16(pos, std::uint16_t(type));
  _out.set_be16(pos + 2, rclass);
  _out.set_be32(pos + 4, ttl);
  const std::size_t rdata_start = pos + record_fixed_size;
  pos = rdata_start;
  bool fits = true;
  if (!may_be_empty(rclass, rdata.size())) {
    auto ok = walk_rdata(rdata, 0, rdata.size(), type, true, [&](part kind, bytes octets, const name* n) {
      if (!fits) return;
      if (n != nullptr) {
        auto w = kind == part::name_1035 ? _names.write(_out, pos, *n) : _names.write_plain(_out, pos, *n);
        if (!w) {
          fits = false;
          return;
        }
        pos += *w;
        return;
      }
      if (octets.size() > _out.size() - pos) {
        fits = false;
        return;
      }
      _out.copy_from(pos, octets);
      pos += octets.size();
    });
    // Canonical data is the caller's contract; a breach is still refused
    // rather than written.
    if (!ok) return fail(ok.error());
  }
  if (!fits) return fail(dns_error::no_space);
  _out.set_be16(rdata_start - 2, static_cast<std::uint16_t>(pos - rdata_start));
  _size = pos;
  ++_counts[static_cast<std::size_t>(s)];
  return {};
}

void message_writer::rewind(mark m) {
  FATA_ASSERT(m.size <= _size);
  _size = m.size;
  _counts = m.counts;
  _names.forget_from(m.size);
}

bytes message_writer::finish() {
  _header.encode(_out);
  for (std::size_t s = 0; s < 4; ++s) _out.set_be16(4 + 2 * s, _counts[s]);
  return _out.first(_size);
}

}  // namespace fata::dns
