// Fuzz target: Ethernet II frames with VLAN tags. Any input either parses
// or is rejected; a parsed frame's accessors stay in bounds and its header
// round-trips through ethernet_repr (for at most one tag).
#include <fata/net/wire/ethernet.hpp>

#include <vector>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net::wire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto f = ethernet_frame::parse(bytes(data, size));
  if (!f) return 0;
  FUZZ_CHECK(f->header_size() <= size && f->tag_count() <= ethernet_frame::max_tags);
  FUZZ_CHECK(f->payload().size() == size - f->header_size());
  (void)f->vlan_id();
  const ethernet_repr r = ethernet_repr::parse(*f);
  if (f->tag_count() <= 1) {
    std::vector<std::uint8_t> out(r.buffer_len());
    r.emit(mut_bytes(out.data(), out.size()));
    auto back = ethernet_frame::parse(bytes(out.data(), out.size()));
    FUZZ_CHECK(back && ethernet_repr::parse(*back) == r);
  }
  return 0;
}
