// Binary data as text: hex, and RFC 4648's base32hex, base64 and
// base64url. DNS presentation forms (DS and TLSA digests, NSEC3 hashes,
// DNSKEY and RRSIG data, TSIG secrets) and JOSE (base64url) use them.
//
// Encoding writes to a format_sink in the form those users print: hex and
// base32hex in upper case without padding (RFC 5155 §3.3 leaves NSEC3's
// base32hex unpadded), base64 padded, base64url unpadded (RFC 7515 §2).
//
// Decoding is incremental, because a zone file may split one value over
// several tokens (RFC 4034 §2.2, §5.3): feed each piece, then finish. It
// is strict, so that every value has exactly one text form: hex and
// base32hex ignore case, padding is optional but must be right when
// present, and the bits left over in the last symbol must be zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include <string>

#include <fata/core/bytes.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>

namespace fata {

enum class base_encoding : std::uint8_t { hex, base32hex, base64, base64url };

enum class decode_error : std::uint8_t {
  bad_character = 1,  // outside the encoding's alphabet
  after_padding,      // a symbol after '='
  bad_padding,        // '=' where none belongs, or the wrong number of them
  leftover_bits,      // a last symbol whose unused bits are not zero, or a dangling one
  no_space,           // more octets than the output holds
};

constexpr std::string_view describe(decode_error e) noexcept {
  switch (e) {
    case decode_error::bad_character: return "character outside the encoding's alphabet";
    case decode_error::after_padding: return "data after padding";
    case decode_error::bad_padding: return "wrong padding";
    case decode_error::leftover_bits: return "incomplete last symbol";
    case decode_error::no_space: return "decoded data too long";
  }
  return "unknown decode error";
}

// The characters `octets` octets take in `e`.
std::size_t encoded_size(base_encoding e, std::size_t octets) noexcept;
void write_encoded(format_sink& out, base_encoding e, bytes data);
// The same text as a new string, for tools and tests.
std::string encoded(base_encoding e, bytes data);

class base_decoder {
 public:
  base_decoder(base_encoding e, mut_bytes out) : _encoding(e), _out(out) {}

  result<void, decode_error> feed(std::string_view text);
  // The number of octets decoded into `out`.
  result<std::size_t, decode_error> finish();

 private:
  base_encoding _encoding;
  mut_bytes _out;
  std::size_t _size = 0;
  std::uint32_t _bits = 0;     // symbols not yet making a whole octet
  unsigned _bit_count = 0;
  std::size_t _symbols = 0;    // symbols seen, to check the padding
  std::size_t _padding = 0;
};

}  // namespace fata
