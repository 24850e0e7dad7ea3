// Fuzz target: UDP datagrams. The first 8 input bytes are the pseudo-header
// addresses; a datagram that parses and passes its checksum round-trips
// through udp_repr with a valid checksum.
#include <fata/net/wire/udp.hpp>

#include <vector>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  const bytes in(data, size);
  const ipv4_addr source(in.be32(0));
  const ipv4_addr destination(in.be32(4));
  auto p = udp_packet::parse(in.skip(8));
  if (!p) return 0;
  FUZZ_CHECK(p->payload().size() + 8 == p->length());
  auto r = udp_repr::parse(*p, source, destination);
  if (!r) return 0;
  std::vector<std::uint8_t> out(r->total_len());
  r->emit(mut_bytes(out.data(), out.size()), source, destination);
  auto back = udp_packet::parse(bytes(out.data(), out.size()));
  FUZZ_CHECK(back && back->checksum() != 0 && back->checksum_valid(source, destination));
  auto again = udp_repr::parse(*back, source, destination);
  FUZZ_CHECK(again && *again == *r);
  return 0;
}
