// Fuzz target: the request side of the HTTP/1.1 parser. Any input must be
// answered with a head length within the input, "incomplete", or an error,
// and every view the head holds must point into the input. The bytes after
// the head also go through the chunked decoder, and the first line through
// the field-value parsers.
#include <fata/http/fields.hpp>
#include <fata/http/parser.hpp>

#include <string>

#include "../net/fuzz_common.hpp"

namespace {

bool inside(std::string_view v, const char* base, std::size_t size) {
  return v.empty() || (v.data() >= base && v.data() + v.size() <= base + size);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fata;
  using namespace fata::http;
  const char* base = reinterpret_cast<const char*>(data);
  limits lim;
  lim.max_request_line = 512;
  lim.max_head = 2048;
  lim.max_headers = 20;
  lim.max_body = 4096;
  lim.max_chunk_line = 64;
  lim.max_trailer = 256;

  request_head head;
  auto r = parse_request(bytes(data, size), lim, head);
  std::size_t body_start = 0;
  if (r && *r > 0) {
    FUZZ_CHECK(*r <= size);
    FUZZ_CHECK(*r <= lim.max_head + 4);
    FUZZ_CHECK(head.headers.size() <= lim.max_headers);
    FUZZ_CHECK(inside(head.method_text, base, size));
    FUZZ_CHECK(inside(head.target, base, size));
    FUZZ_CHECK(inside(head.path, base, size) || head.path == "/");
    FUZZ_CHECK(inside(head.query, base, size));
    for (const auto& f : head.headers) {
      FUZZ_CHECK(inside(f.name, base, size));
      FUZZ_CHECK(inside(f.value, base, size));
    }
    if (head.body == body_kind::length) FUZZ_CHECK(head.content_length <= lim.max_body);
    body_start = *r;
    // Every prefix of a complete head is incomplete or the same error-free
    // head: the parser does not depend on where reads split the bytes.
    request_head again;
    auto shorter = parse_request(bytes(data, *r - 1), lim, again);
    FUZZ_CHECK(!shorter || *shorter == 0);
  }

  // The rest as a chunked body, fed in uneven pieces.
  chunked_decoder dec(lim);
  std::size_t pos = body_start;
  std::size_t piece = size ? data[0] % 7 + 1 : 1;
  while (pos < size && !dec.done()) {
    const std::size_t len = std::min(piece, size - pos);
    auto step = dec.feed(bytes(data + pos, len));
    if (!step) break;
    FUZZ_CHECK(step->consumed <= len);
    FUZZ_CHECK(step->data.size() <= step->consumed);
    if (!step->data.empty())
      FUZZ_CHECK(step->data.data() >= reinterpret_cast<const std::byte*>(data + pos) &&
                 step->data.data() + step->data.size() <=
                     reinterpret_cast<const std::byte*>(data + pos + len));
    FUZZ_CHECK(dec.body_size() <= lim.max_body);
    pos += step->consumed;
    piece = piece % 13 + 1;
  }

  // Field values.
  const std::string_view text(base, std::min<std::size_t>(size, 200));
  (void)parse_http_date(text);
  auto ranges = parse_range(text, 1000);
  if (ranges.what == range_request::outcome::partial) {
    FUZZ_CHECK(ranges.count >= 1 && ranges.count <= range_request::max_ranges);
    for (std::size_t i = 0; i < ranges.count; ++i) {
      FUZZ_CHECK(ranges.ranges[i].first <= ranges.ranges[i].last);
      FUZZ_CHECK(ranges.ranges[i].last < 1000);
      if (i) FUZZ_CHECK(ranges.ranges[i].first > ranges.ranges[i - 1].last + 1);
    }
  }
  (void)etag_matches(text, "\"abc\"", true);
  (void)accepts_encoding(text, "gzip");
  (void)content_type_for(text);
  std::string decoded;
  if (percent_decode(text, decoded)) FUZZ_CHECK(decoded.size() <= text.size());
  return 0;
}
