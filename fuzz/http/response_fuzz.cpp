// Fuzz target: the response side of the HTTP/1.1 parser, as the client
// meets it: status line, fields and framing, for a GET and a HEAD.
#include <fata/http/parser.hpp>

#include "../net/fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fata;
  using namespace fata::http;
  limits lim;
  lim.max_request_line = 512;
  lim.max_head = 2048;
  lim.max_headers = 20;
  for (method m : {method::get, method::head}) {
    response_head head;
    auto r = parse_response(bytes(data, size), lim, m, head);
    if (!r || *r == 0) continue;
    FUZZ_CHECK(*r <= size);
    FUZZ_CHECK(head.code >= 100 && head.code <= 999);
    if (m == method::head) FUZZ_CHECK(head.body == body_kind::none);
    if (head.body == body_kind::until_close) FUZZ_CHECK(!head.keep_alive);
  }
  return 0;
}
