// Fuzz target: zone files. Reading ends, with records, $INCLUDEs and
// errors as values, within one call per octet; every record read is
// canonical data, and prints as text that reads back to the same data.
// The records go into a zone, whose checks give a zone or a problem, and
// whose records come out in canonical order, each found again by name.
#include <fata/dns/zone.hpp>
#include <fata/dns/zone_file.hpp>

#include <string_view>

#include "dns_text_roundtrip.hpp"

using namespace fata;
using namespace fata::dns;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const name apex = name::from_text("example.").value();
  zone_file_reader reader(text, apex);
  memory_budget budget(1 << 20);
  zone_builder builder(apex, budget);
  // Every call takes at least one octet of the text, so this bound is
  // never reached by a reader that makes progress.
  for (std::size_t calls = 0; calls <= size + 1; ++calls) {
    auto item = reader.next();
    if (!item) {
      FUZZ_CHECK(item.error().line >= 1);
      continue;
    }
    if (!*item) {
      if (!builder.finish()) return 0;
      const zone z = std::move(builder).take();
      for (std::size_t i = 0; i < z.size(); ++i) {
        const zone_entry e = z.at(i);
        if (i > 0) FUZZ_CHECK((z.at(i - 1).owner <=> e.owner) <= 0);
        const auto found = z.find(e.owner, e.type);
        FUZZ_CHECK(found.first <= i && i < found.last);
      }
      FUZZ_CHECK(budget.used() == z.memory());
      return 0;
    }
    if ((*item)->what == zone_item::kind::include) continue;
    const zone_record& r = (*item)->record;
    FUZZ_CHECK(check_canonical_rdata(r.type, r.rdata).has_value());
    check_text_round_trip(r.type, r.rdata);
    (void)builder.add(r.owner, r.type, r.ttl, r.rdata);  // out of zone, over budget: refused
  }
  FUZZ_CHECK(!"the reader stopped making progress");
  return 0;
}
