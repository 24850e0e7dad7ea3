// Fuzz target: IPv4 headers. A parsed packet's views stay in bounds, and
// its repr re-emitted (without options) parses back to the same repr.
#include <fata/net/wire/ipv4.hpp>

#include <cstring>
#include <vector>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto p = ipv4_packet::parse(bytes(data, size));
  if (!p) return 0;
  FUZZ_CHECK(p->header_len() >= 20 && p->total_len() <= size);
  FUZZ_CHECK(p->header_len() + p->payload().size() == p->total_len());
  FUZZ_CHECK(p->fragment_offset() + p->payload().size() <= 65535);
  (void)p->options();
  const ipv4_repr r = ipv4_repr::parse(*p);
  std::vector<std::uint8_t> out(r.total_len());
  r.emit(mut_bytes(out.data(), out.size()));
  if (!p->payload().empty()) std::memcpy(out.data() + 20, p->payload().data(), p->payload().size());
  auto back = ipv4_packet::parse(bytes(out.data(), out.size()));
  FUZZ_CHECK(back && ipv4_repr::parse(*back) == r);
  FUZZ_CHECK(back->payload() == p->payload());
  return 0;
}
