// dns-zone-read FILE ORIGIN: loads a zone file as a server would: fata's
// reader parses every record to canonical wire form and a zone_builder
// keeps it, then sorts and checks the zone (zone.hpp). Prints how many
// records the zone holds and the memory it charged. The benchmark
// bench/dns/zone-read times it against nsd-checkzone on the same file.
// Exit 1 on a malformed zone (with FILE:LINE, or the check that failed)
// or an $INCLUDE (the benchmark's zones have none), 2 on bad usage.
#include <fata/dns/zone.hpp>
#include <fata/dns/zone_file.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

using namespace fata;
using namespace fata::dns;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: dns-zone-read FILE ORIGIN\n");
    return 2;
  }
  auto origin = name::from_text(argv[2]);
  if (!origin) {
    std::fprintf(stderr, "dns-zone-read: bad origin %s\n", argv[2]);
    return 2;
  }
  std::ifstream file(argv[1], std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "dns-zone-read: cannot read %s\n", argv[1]);
    return 1;
  }
  const std::string text((std::istreambuf_iterator<char>(file)), {});
  zone_file_reader reader(text, *origin);
  memory_budget unlimited;
  zone_builder builder(*origin, unlimited);
  for (;;) {
    auto item = reader.next();
    if (!item) {
      const auto why = describe(item.error().error);
      std::fprintf(stderr, "dns-zone-read: %s:%zu: %.*s\n", argv[1], item.error().line,
                   int(why.size()), why.data());
      return 1;
    }
    if (!*item) break;
    if ((*item)->what == zone_item::kind::include) {
      std::fprintf(stderr, "dns-zone-read: %s: $INCLUDE is not followed here\n", argv[1]);
      return 1;
    }
    const zone_record& r = (*item)->record;
    if (auto added = builder.add(r.owner, r.type, r.ttl, r.rdata); !added) {
      std::fprintf(stderr, "dns-zone-read: %s\n", describe(added.error().error).data());
      return 1;
    }
  }
  if (auto finished = builder.finish(); !finished) {
    std::fprintf(stderr, "dns-zone-read: %s\n", describe(finished.error().error).data());
    return 1;
  }
  const zone z = std::move(builder).take();
  std::printf("records=%zu zone_memory=%zu\n", z.size(), z.memory());
  return 0;
}
