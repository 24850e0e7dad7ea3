// Fuzz target: hex, base32hex, base64 and base64url text, as zone files
// and JOSE carry it. The first octet picks the encoding and where the text
// splits into two pieces. Text that decodes must be the one text form of
// its octets: encoding them again gives the input back, up to case (hex,
// base32hex) and padding.
#include <fata/core/base_encoding.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "fuzz_common.hpp"

using namespace fata;

namespace {

std::string normal_form(base_encoding e, std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '=') continue;
    if ((e == base_encoding::hex || e == base_encoding::base32hex) && c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto e = static_cast<base_encoding>(data[0] & 3);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t split = text.empty() ? 0 : (data[0] >> 2) % (text.size() + 1);
  std::vector<std::uint8_t> decoded(text.size());
  base_decoder decoder(e, mut_bytes(decoded.data(), decoded.size()));
  if (!decoder.feed(text.substr(0, split)) || !decoder.feed(text.substr(split))) return 0;
  auto length = decoder.finish();
  if (!length) return 0;
  const std::string again = encoded(e, bytes(decoded.data(), *length));
  FUZZ_CHECK(again.size() == encoded_size(e, *length));
  FUZZ_CHECK(normal_form(e, again) == normal_form(e, text));
  return 0;
}
