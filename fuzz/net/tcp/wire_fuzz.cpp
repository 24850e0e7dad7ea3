// Fuzz target: TCP segments. The first 8 input bytes are the pseudo-header
// addresses. A segment that parses and passes its checksum must re-emit
// with a valid checksum and parse back to the same value (SACK blocks that
// no longer fit beside the other options may be left out, never garbled).
#include <fata/net/tcp/wire.hpp>

#include <vector>

#include "../fuzz_common.hpp"

using namespace fata;
using namespace fata::net::tcp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  const bytes in(data, size);
  const ipv4_addr source(in.be32(0));
  const ipv4_addr destination(in.be32(4));
  const bytes segment = in.skip(8);
  // Options alone, from any bytes.
  (void)options::parse(segment.first(segment.size() < 40 ? segment.size() : 40));
  auto p = packet::parse(segment);
  if (!p) return 0;
  FUZZ_CHECK(p->header_len() >= packet::min_header_len && p->header_len() <= segment.size());
  FUZZ_CHECK(p->payload().size() + p->header_len() == segment.size());
  auto r = repr::parse(*p, source, destination);
  if (!r) return 0;
  FUZZ_CHECK(r->header_len() <= packet::max_header_len);
  std::vector<std::uint8_t> out(r->total_len());
  r->emit(mut_bytes(out.data(), out.size()), source, destination);
  auto back = packet::parse(bytes(out.data(), out.size()));
  FUZZ_CHECK(back && back->checksum_valid(source, destination));
  auto again = repr::parse(*back, source, destination);
  FUZZ_CHECK(again);
  FUZZ_CHECK(again->source_port == r->source_port && again->destination_port == r->destination_port);
  FUZZ_CHECK(again->seq == r->seq && again->flags == r->flags && again->window == r->window);
  FUZZ_CHECK(!r->has(flag::ack) || again->ack == r->ack);
  FUZZ_CHECK(again->payload == r->payload);
  FUZZ_CHECK(again->opts.mss == r->opts.mss && again->opts.window_scale == r->opts.window_scale);
  FUZZ_CHECK(again->opts.sack_permitted == r->opts.sack_permitted && again->opts.ts == r->opts.ts);
  FUZZ_CHECK(again->opts.sack_count <= r->opts.sack_count);
  for (std::size_t i = 0; i < again->opts.sack_count; ++i)
    FUZZ_CHECK(again->opts.sack[i] == r->opts.sack[i]);
  return 0;
}
