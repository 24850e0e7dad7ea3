// Fuzz target: ARP packets. A parsed packet round-trips through arp_repr.
#include <fata/net/wire/arp.hpp>

#include <vector>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto p = arp_packet::parse(bytes(data, size));
  if (!p) return 0;
  const arp_repr r = arp_repr::parse(*p);
  std::vector<std::uint8_t> out(r.buffer_len());
  r.emit(mut_bytes(out.data(), out.size()));
  auto back = arp_packet::parse(bytes(out.data(), out.size()));
  FUZZ_CHECK(back && arp_repr::parse(*back) == r);
  return 0;
}
