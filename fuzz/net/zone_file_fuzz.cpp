// Fuzz target: zone files. Reading ends, with records, $INCLUDEs and
// errors as values, within one call per octet; every record read is
// canonical data, and prints as text that reads back to the same data.
#include <fata/dns/zone_file.hpp>

#include <string_view>

#include "dns_text_roundtrip.hpp"

using namespace fata;
using namespace fata::dns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  zone_file_reader reader(text, name::from_text("example.").value());
  // Every call takes at least one octet of the text, so this bound is
  // never reached by a reader that makes progress.
  for (std::size_t calls = 0; calls <= size + 1; ++calls) {
    auto item = reader.next();
    if (!item) {
      FUZZ_CHECK(item.error().line >= 1);
      continue;
    }
    if (!*item) return 0;
    if ((*item)->what == zone_item::kind::include) continue;
    const zone_record& r = (*item)->record;
    FUZZ_CHECK(check_canonical_rdata(r.type, r.rdata).has_value());
    check_text_round_trip(r.type, r.rdata);
  }
  FUZZ_CHECK(!"the reader stopped making progress");
  return 0;
}
