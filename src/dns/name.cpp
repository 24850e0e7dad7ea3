#include <fata/dns/name.hpp>

#include <algorithm>
#include <cstring>

namespace fata::dns {

namespace {

constexpr std::uint8_t pointer_bits = 0xc0;
// Pointers address the first 16 KiB of a message.
constexpr std::size_t max_pointer_target = 0x3fff;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Characters that mean something in a zone file and so are escaped as \X
// when printed (RFC 1035 §5.1).
bool is_special(std::uint8_t c) {
  switch (c) {
    case '.': case '\\': case '"': case '(': case ')': case ';': case '@': case '$':
      return true;
    default:
      return false;
  }
}

bool labels_equal(const std::uint8_t* a, const std::uint8_t* b, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) {
    if (fold_case(a[i]) != fold_case(b[i])) return false;
  }
  return true;
}

}  // namespace

result<name, dns_error> name::from_text(std::string_view text, const name& origin) {
  if (text == "@") return origin;
  if (text == ".") return name();
  if (text.empty()) return unexpected(dns_error::empty_label);
  name out;
  std::size_t size = 0;        // octets of labels so far
  std::size_t label_start = 0;  // where the current label's length octet sits
  std::size_t label_len = 0;
  bool absolute = false;
  auto put = [&](std::uint8_t octet) -> result<void, dns_error> {
    if (label_len == max_label_octets) return unexpected(dns_error::label_too_long);
    // Room for this octet and the root label after it.
    if (size + 1 >= max_name_octets) return unexpected(dns_error::name_too_long);
    out._wire[size++] = octet;
    ++label_len;
    return {};
  };
  out._wire[0] = 0;
  size = 1;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.') {
      if (label_len == 0) return unexpected(dns_error::empty_label);
      out._wire[label_start] = static_cast<std::uint8_t>(label_len);
      if (i + 1 == text.size()) {
        absolute = true;
        break;
      }
      if (size + 1 >= max_name_octets) return unexpected(dns_error::name_too_long);
      label_start = size++;
      label_len = 0;
      continue;
    }
    if (c != '\\') {
      if (auto r = put(static_cast<std::uint8_t>(c)); !r) return unexpected(r.error());
      continue;
    }
    if (i + 1 == text.size()) return unexpected(dns_error::bad_escape);
    if (!is_digit(text[i + 1])) {
      if (auto r = put(static_cast<std::uint8_t>(text[++i])); !r) return unexpected(r.error());
      continue;
    }
    if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3])) {
      return unexpected(dns_error::bad_escape);
    }
    const unsigned value = unsigned(text[i + 1] - '0') * 100 + unsigned(text[i + 2] - '0') * 10 +
                           unsigned(text[i + 3] - '0');
    if (value > 255) return unexpected(dns_error::bad_escape);
    if (auto r = put(static_cast<std::uint8_t>(value)); !r) return unexpected(r.error());
    i += 3;
  }
  if (!absolute) {
    // The last label was not closed by a dot.
    if (label_len == 0) return unexpected(dns_error::empty_label);
    out._wire[label_start] = static_cast<std::uint8_t>(label_len);
  }
  // `size` now covers the labels; the origin's wire form (with its root)
  // follows a relative name, the root alone an absolute one.
  const name root;
  const bytes suffix = absolute ? root.wire() : origin.wire();
  if (size + suffix.size() > max_name_octets) return unexpected(dns_error::name_too_long);
  std::memcpy(out._wire.data() + size, suffix.data(), suffix.size());
  out._size = static_cast<std::uint8_t>(size + suffix.size());
  return out;
}

result<name, dns_error> name::from_wire(bytes wire) {
  auto at = read_name(wire, 0);
  if (!at) return unexpected(at.error());
  // A pointer would have had to point backward from offset 0: impossible,
  // so the name is uncompressed; it must fill the bytes exactly.
  if (at->end != wire.size()) return unexpected(dns_error::trailing_data);
  return at->value;
}

std::size_t name::label_count() const {
  std::size_t count = 0;
  for (std::size_t i = 0; _wire[i] != 0; i += 1 + _wire[i]) ++count;
  return count;
}

bytes name::label(std::size_t index) const {
  std::size_t i = 0;
  for (; index > 0; --index) {
    FATA_ASSERT(_wire[i] != 0);
    i += 1 + _wire[i];
  }
  FATA_ASSERT(_wire[i] != 0);
  return {_wire.data() + i + 1, _wire[i]};
}

name name::parent(std::size_t n) const {
  std::size_t i = 0;
  for (; n > 0 && _wire[i] != 0; --n) i += 1 + _wire[i];
  name out;
  std::memcpy(out._wire.data(), _wire.data() + i, _size - i);
  out._size = static_cast<std::uint8_t>(_size - i);
  return out;
}

result<name, dns_error> name::prepend(bytes label) const {
  if (label.empty()) return unexpected(dns_error::empty_label);
  if (label.size() > max_label_octets) return unexpected(dns_error::label_too_long);
  if (1 + label.size() + _size > max_name_octets) return unexpected(dns_error::name_too_long);
  name out;
  out._wire[0] = static_cast<std::uint8_t>(label.size());
  std::memcpy(out._wire.data() + 1, label.data(), label.size());
  std::memcpy(out._wire.data() + 1 + label.size(), _wire.data(), _size);
  out._size = static_cast<std::uint8_t>(1 + label.size() + _size);
  return out;
}

result<name, dns_error> name::under(const name& prefix) const {
  const std::size_t labels = prefix._size - 1;
  if (labels + _size > max_name_octets) return unexpected(dns_error::name_too_long);
  name out;
  std::memcpy(out._wire.data(), prefix._wire.data(), labels);
  std::memcpy(out._wire.data() + labels, _wire.data(), _size);
  out._size = static_cast<std::uint8_t>(labels + _size);
  return out;
}

bool name::is_subdomain_of(const name& ancestor) const {
  if (ancestor._size > _size) return false;
  const std::size_t mine = label_count();
  const std::size_t theirs = ancestor.label_count();
  if (theirs > mine) return false;
  std::size_t i = 0;
  for (std::size_t skip = mine - theirs; skip > 0; --skip) i += 1 + _wire[i];
  return _size - i == ancestor._size &&
         labels_equal(_wire.data() + i, ancestor._wire.data(), ancestor._size);
}

bool operator==(const name& a, const name& b) {
  // Length octets are at most 63, below 'A', so folding leaves them be.
  return a._size == b._size && labels_equal(a._wire.data(), b._wire.data(), a._size);
}

std::strong_ordering canonical_order(bytes a, bytes b) {
  // Hot in sorting a zone: raw octets (both are whole names in wire form,
  // which the walks below stay inside), and the offsets of each name's
  // labels, left to right (at most 127), with only those written read.
  const std::uint8_t* pa = a.u8_data();
  const std::uint8_t* pb = b.u8_data();
  // Most comparisons in a zone are of a record's owner with its
  // neighbour's, the same octets: equal without walking the labels.
  if (a.size() == b.size() && std::memcmp(pa, pb, a.size()) == 0) return std::strong_ordering::equal;
  std::array<std::uint8_t, 128> ao;
  std::array<std::uint8_t, 128> bo;
  std::size_t an = 0, bn = 0;
  for (std::size_t i = 0; pa[i] != 0; i += 1 + pa[i]) ao[an++] = static_cast<std::uint8_t>(i);
  for (std::size_t i = 0; pb[i] != 0; i += 1 + pb[i]) bo[bn++] = static_cast<std::uint8_t>(i);
  while (an > 0 && bn > 0) {
    const std::uint8_t* la = pa + ao[--an];
    const std::uint8_t* lb = pb + bo[--bn];
    const std::size_t common = std::min(la[0], lb[0]);
    for (std::size_t k = 1; k <= common; ++k) {
      const std::uint8_t x = fold_case(la[k]);
      const std::uint8_t y = fold_case(lb[k]);
      if (x != y) return x <=> y;
    }
    if (la[0] != lb[0]) return la[0] <=> lb[0];
  }
  return an <=> bn;
}

std::strong_ordering operator<=>(const name& a, const name& b) {
  return canonical_order(a.wire(), b.wire());
}

std::size_t name::to_text(std::span<char> out) const {
  FATA_ASSERT(out.size() >= max_name_text);
  if (is_root()) {
    out[0] = '.';
    return 1;
  }
  std::size_t n = 0;
  for (std::size_t i = 0; _wire[i] != 0; i += 1 + _wire[i]) {
    for (std::size_t k = 1; k <= _wire[i]; ++k) {
      const std::uint8_t c = _wire[i + k];
      if (c > 0x20 && c < 0x7f && !is_special(c)) {
        out[n++] = static_cast<char>(c);
      } else if (c > 0x20 && c < 0x7f) {
        out[n++] = '\\';
        out[n++] = static_cast<char>(c);
      } else {
        out[n++] = '\\';
        out[n++] = static_cast<char>('0' + c / 100);
        out[n++] = static_cast<char>('0' + c / 10 % 10);
        out[n++] = static_cast<char>('0' + c % 10);
      }
    }
    out[n++] = '.';
  }
  return n;
}

result<name_at, dns_error> read_name(bytes message, std::size_t offset) {
  name_at at;
  // Decoded here first: `at` keeps the root until the name is whole.
  std::array<std::uint8_t, max_name_octets> wire{};
  std::size_t size = 0;
  std::size_t pos = offset;
  std::size_t run_start = offset;  // pointers must land before this
  bool jumped = false;
  for (;;) {
    if (pos >= message.size()) return unexpected(dns_error::truncated);
    const std::uint8_t c = message.u8(pos);
    if (c == 0) {
      wire[size++] = 0;
      if (!jumped) at.end = pos + 1;
      break;
    }
    if ((c & pointer_bits) == pointer_bits) {
      if (pos + 1 >= message.size()) return unexpected(dns_error::truncated);
      const std::size_t target = std::size_t(c & ~pointer_bits) << 8 | message.u8(pos + 1);
      if (target >= run_start) return unexpected(dns_error::bad_pointer);
      if (!jumped) at.end = pos + 2;
      jumped = true;
      run_start = target;
      pos = target;
      continue;
    }
    if ((c & pointer_bits) != 0) return unexpected(dns_error::bad_label_type);
    if (c > message.size() - pos - 1) return unexpected(dns_error::truncated);
    // This label and the root after it must fit in 255 octets.
    if (size + 1 + c + 1 > max_name_octets) return unexpected(dns_error::name_too_long);
    wire[size] = c;
    std::memcpy(wire.data() + size + 1, message.data() + pos + 1, c);
    size += 1 + c;
    pos += 1 + c;
  }
  std::memcpy(at.value._wire.data(), wire.data(), size);
  at.value._size = static_cast<std::uint8_t>(size);
  return at;
}

result<std::size_t, dns_error> name_compressor::write(mut_bytes out, std::size_t offset,
                                                      const name& n) {
  return write_labels(out, offset, n, true);
}

result<std::size_t, dns_error> name_compressor::write_plain(mut_bytes out, std::size_t offset,
                                                            const name& n) {
  return write_labels(out, offset, n, false);
}

std::uint32_t folded_hash(bytes wire, std::size_t from) {
  std::uint32_t h = 2166136261u ^ static_cast<std::uint32_t>(wire.size() - from);
  for (std::size_t i = from; i < wire.size(); ++i) h = (h ^ fold_case(wire.u8(i))) * 16777619u;
  return h;
}

void name_compressor::index(std::size_t entry) {
  std::size_t slot = _hashes[entry] & (slots - 1);
  while (_slots[slot] != 0) slot = (slot + 1) & (slots - 1);
  _slots[slot] = static_cast<std::uint16_t>(entry + 1);
}

void name_compressor::forget_from(std::size_t offset) {
  const std::size_t before = _count;
  while (_count > 0 && _offsets[_count - 1] >= offset) --_count;
  if (_count == before) return;
  // Rare (a record that did not fit): the index is built again.
  _slots.fill(0);
  for (std::size_t k = 0; k < _count; ++k) index(k);
}

result<std::size_t, dns_error> name_compressor::write_labels(mut_bytes out, std::size_t offset,
                                                             const name& n, bool compress) {
  const bytes wire = n.wire();
  // The longest written suffix, looking from the left; the root alone is
  // never worth a pointer (one octet against two).
  std::size_t keep = wire.size();  // octets of labels written out
  std::size_t pointer = 0;
  if (compress) {
    for (std::size_t from = 0; wire.u8(from) != 0 && keep == wire.size();
         from += 1 + wire.u8(from)) {
      const std::uint32_t h = folded_hash(wire, from);
      for (std::size_t slot = h & (slots - 1); _slots[slot] != 0; slot = (slot + 1) & (slots - 1)) {
        const std::size_t k = _slots[slot] - 1u;
        if (_hashes[k] == h && suffix_matches(out, _offsets[k], n, from)) {
          keep = from;
          pointer = _offsets[k];
          break;
        }
      }
    }
  }
  const bool points = keep != wire.size();
  const std::size_t size = points ? keep + 2 : wire.size();
  if (offset > out.size() || size > out.size() - offset) return unexpected(dns_error::no_space);
  out.copy_from(offset, wire.first(keep));
  if (points) out.set_be16(offset + keep, static_cast<std::uint16_t>(0xc000 | pointer));
  // Remember the suffixes written out in full, for the names to come.
  for (std::size_t from = 0; from < keep && wire.u8(from) != 0; from += 1 + wire.u8(from)) {
    if (_count == capacity || offset + from > max_pointer_target) break;
    _offsets[_count] = static_cast<std::uint16_t>(offset + from);
    _hashes[_count] = folded_hash(wire, from);
    index(_count++);
  }
  return size;
}

bool name_compressor::suffix_matches(bytes message, std::size_t offset, const name& n,
                                     std::size_t from) {
  const bytes wire = n.wire();
  std::size_t pos = offset;
  std::size_t i = from;
  // The compressor wrote these octets, but a bound keeps a bug from looping.
  for (std::size_t hops = 0; hops <= max_name_octets; ++hops) {
    const std::uint8_t c = message.u8(pos);
    if ((c & pointer_bits) == pointer_bits) {
      pos = std::size_t(c & ~pointer_bits) << 8 | message.u8(pos + 1);
      continue;
    }
    if (c != wire.u8(i)) return false;
    if (c == 0) return true;
    if (!labels_equal(message.u8_data() + pos + 1, wire.u8_data() + i + 1, c)) return false;
    pos += 1 + c;
    i += 1 + c;
  }
  return false;
}

}  // namespace fata::dns
