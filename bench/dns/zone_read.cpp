// dns-zone-read FILE ORIGIN: loads a zone file as a server would, through
// a key-value store (the filesystem's root as a kv_dir, zone_store.hpp):
// fata's reader parses every record to canonical wire form and a
// zone_builder keeps it, then sorts and checks the zone (zone.hpp). Prints
// how many records the zone holds and the memory it charged. The benchmark
// bench/dns/zone-read times it against nsd-checkzone on the same file. Exit 1 on a malformed zone (with
// FILE:LINE, or the check that failed), 2 on bad usage.
#include <fata/core/loop.hpp>
#include <fata/devices/hosted/kv_dir.hpp>
#include <fata/dns/zone.hpp>
#include <fata/dns/zone_store.hpp>

#include <cstdio>
#include <filesystem>
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
  auto root = hosted::kv_dir::open("/");
  if (!root) {
    std::fprintf(stderr, "dns-zone-read: cannot open /\n");
    return 1;
  }
  virtual_backend clock;
  loop l(clock);
  memory_budget unlimited;
  zone_builder builder(*origin, unlimited);
  auto loaded = l.run(load_zone(*root, std::filesystem::absolute(argv[1]).string(), builder));
  if (!loaded) return 1;
  if (!*loaded) {
    std::fprintf(stderr, "dns-zone-read: %s\n", format("{}", loaded->error()).c_str());
    return 1;
  }
  const zone z = std::move(builder).take();
  std::printf("records=%zu zone_memory=%zu\n", z.size(), z.memory());
  return 0;
}
