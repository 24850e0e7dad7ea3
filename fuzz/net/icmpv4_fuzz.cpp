// Fuzz target: ICMPv4 messages. A parsed message round-trips through
// icmpv4_repr, checksum included.
#include <fata/net/wire/icmpv4.hpp>

#include <vector>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto p = icmpv4_packet::parse(bytes(data, size));
  if (!p) return 0;
  (void)p->echo_ident();
  (void)p->next_hop_mtu();
  const icmpv4_repr r = icmpv4_repr::parse(*p);
  std::vector<std::uint8_t> out(r.buffer_len());
  r.emit(mut_bytes(out.data(), out.size()));
  auto back = icmpv4_packet::parse(bytes(out.data(), out.size()));
  FUZZ_CHECK(back && icmpv4_repr::parse(*back) == r);
  return 0;
}
