// dns-zone-read FILE ORIGIN: reads a zone file with fata's reader, every
// record parsed to canonical wire form, and prints how many records and
// octets of record data it held. The benchmark bench/dns/zone-read times
// it against nsd-checkzone on the same file. Exit 1 on a malformed zone
// (with FILE:LINE) or an $INCLUDE (the benchmark's zones have none), 2 on
// bad usage.
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
  std::size_t records = 0;
  std::size_t octets = 0;
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
    ++records;
    octets += (*item)->record.rdata.size();
  }
  std::printf("records=%zu rdata_octets=%zu\n", records, octets);
  return 0;
}
