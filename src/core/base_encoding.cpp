#include <fata/core/base_encoding.hpp>

#include <array>

namespace fata {

namespace {

constexpr std::string_view hex_digits = "0123456789ABCDEF";
constexpr std::string_view base32hex_digits = "0123456789ABCDEFGHIJKLMNOPQRSTUV";
constexpr std::string_view base64_digits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view base64url_digits =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

using reverse_table = std::array<std::int8_t, 256>;

// Symbol value by character, -1 outside the alphabet. Hex and base32hex
// read either case (RFC 4648 §8 and §7 print upper case; zone files use both).
constexpr reverse_table reverse_of(std::string_view digits, bool either_case) {
  reverse_table table{};
  table.fill(-1);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const char c = digits[i];
    table[static_cast<unsigned char>(c)] = static_cast<std::int8_t>(i);
    if (either_case && c >= 'A' && c <= 'Z') {
      table[static_cast<unsigned char>(c - 'A' + 'a')] = static_cast<std::int8_t>(i);
    }
  }
  return table;
}

constexpr reverse_table hex_values = reverse_of(hex_digits, true);
constexpr reverse_table base32hex_values = reverse_of(base32hex_digits, true);
constexpr reverse_table base64_values = reverse_of(base64_digits, false);
constexpr reverse_table base64url_values = reverse_of(base64url_digits, false);

struct alphabet {
  std::string_view digits;
  const reverse_table* values;
  unsigned bits;          // per symbol
  unsigned group;         // symbols per padded group
  bool padded_on_write;
};

constexpr alphabet alphabet_of(base_encoding e) {
  switch (e) {
    case base_encoding::hex: return {hex_digits, &hex_values, 4, 2, false};
    case base_encoding::base32hex: return {base32hex_digits, &base32hex_values, 5, 8, false};
    case base_encoding::base64: return {base64_digits, &base64_values, 6, 4, true};
    case base_encoding::base64url: return {base64url_digits, &base64url_values, 6, 4, false};
  }
  return {hex_digits, &hex_values, 4, 2, false};
}

}  // namespace

std::size_t encoded_size(base_encoding e, std::size_t octets) noexcept {
  const alphabet a = alphabet_of(e);
  const std::size_t symbols = (octets * 8 + a.bits - 1) / a.bits;
  if (!a.padded_on_write) return symbols;
  return (symbols + a.group - 1) / a.group * a.group;
}

void write_encoded(format_sink& out, base_encoding e, bytes data) {
  const alphabet a = alphabet_of(e);
  const std::uint32_t mask = (1u << a.bits) - 1;
  char chunk[64];
  std::size_t used = 0;
  std::size_t symbols = 0;
  auto put = [&](char c) {
    chunk[used++] = c;
    if (used == sizeof chunk) {
      out.append({chunk, used});
      used = 0;
    }
  };
  std::uint32_t bits = 0;
  unsigned bit_count = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    bits = (bits << 8) | data.u8(i);
    bit_count += 8;
    while (bit_count >= a.bits) {
      bit_count -= a.bits;
      put(a.digits[(bits >> bit_count) & mask]);
      ++symbols;
    }
    bits &= (1u << bit_count) - 1;
  }
  if (bit_count > 0) {
    put(a.digits[(bits << (a.bits - bit_count)) & mask]);
    ++symbols;
  }
  if (a.padded_on_write) {
    for (; symbols % a.group != 0; ++symbols) put('=');
  }
  if (used > 0) out.append({chunk, used});
}

std::string encoded(base_encoding e, bytes data) {
  std::string out;
  out.reserve(encoded_size(e, data.size()));
  format_sink sink = string_sink(out);
  write_encoded(sink, e, data);
  return out;
}

result<void, decode_error> base_decoder::feed(std::string_view text) {
  const alphabet a = alphabet_of(_encoding);
  for (const char c : text) {
    if (c == '=' && _encoding != base_encoding::hex) {
      ++_padding;
      continue;
    }
    if (_padding > 0) return unexpected(decode_error::after_padding);
    const int value = (*a.values)[static_cast<unsigned char>(c)];
    if (value < 0) return unexpected(decode_error::bad_character);
    _bits = (_bits << a.bits) | static_cast<std::uint32_t>(value);
    _bit_count += a.bits;
    ++_symbols;
    if (_bit_count >= 8) {
      _bit_count -= 8;
      if (_size == _out.size()) return unexpected(decode_error::no_space);
      _out.set_u8(_size++, static_cast<std::uint8_t>(_bits >> _bit_count));
      _bits &= (1u << _bit_count) - 1;
    }
  }
  return {};
}

result<std::size_t, decode_error> base_decoder::finish() {
  const alphabet a = alphabet_of(_encoding);
  // A last symbol that carries no whole octet's worth of new bits is one
  // no encoder writes; one with bits set beyond the data is another text
  // for the same octets.
  if (_bit_count >= a.bits || _bits != 0) return unexpected(decode_error::leftover_bits);
  // Padding, when present, fills the last group exactly.
  if (_padding > 0 && _padding != (a.group - _symbols % a.group) % a.group) {
    return unexpected(decode_error::bad_padding);
  }
  return _size;
}

}  // namespace fata
