// dns-decode [--text] FILE...: reads each file as one DNS message and
// prints its answer, authority and additional records (OPT left out) one
// per line in the RFC 3597 generic form dig prints with +unknownformat:
//   OWNER TTL TYPEnnn \# LENGTH HEX
// The data is fata's canonical expansion (names uncompressed), so a line
// matches dig's only if fata read the whole message as dig did. With
// --text, each record is printed in presentation form instead, as
// write_record_text prints it (dig +nosplit's form).
//
// dns-decode --zone FILE ORIGIN: loads a zone file (following $INCLUDE,
// whose paths are taken from the root of the filesystem) into a zone (zone.hpp, with its
// load-time checks) and prints its records in canonical order in the same
// generic form, so they can be compared with what a server that loaded
// the same file sends in an AXFR. A check that fails prints
// "zone: OWNER TYPE: reason".
//
// Exit 1 on a message or zone fata refuses (with FILE:LINE for a zone),
// 2 on bad usage.
#include <fata/dns/message.hpp>
#include <fata/dns/text.hpp>
#include <fata/core/loop.hpp>
#include <fata/devices/hosted/kv_dir.hpp>
#include <fata/dns/zone.hpp>
#include <fata/dns/zone_store.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

void print_generic(const name& owner, std::uint32_t ttl, rr_type type, bytes rdata) {
  char text[max_name_text];
  const std::size_t owner_size = owner.to_text(std::span<char>(text, sizeof text));
  std::printf("%.*s %u TYPE%u \\# %zu", int(owner_size), text, ttl, unsigned(type), rdata.size());
  if (!rdata.empty()) std::printf(" ");
  for (std::size_t i = 0; i < rdata.size(); ++i) std::printf("%02X", rdata.u8(i));
  std::printf("\n");
}

// The filesystem as a key-value store: FILE and $INCLUDE paths are keys
// from the root.
int print_zone(const std::string& path, const name& origin) {
  auto root = hosted::kv_dir::open("/");
  if (!root) {
    std::fprintf(stderr, "dns-decode: cannot open /\n");
    return 1;
  }
  virtual_backend clock;
  loop l(clock);
  memory_budget unlimited;
  zone_builder builder(origin, unlimited);
  auto loaded = l.run(load_zone(*root, std::filesystem::absolute(path).string(), builder));
  if (!loaded) return 1;
  if (!*loaded) {
    std::fprintf(stderr, "dns-decode: %s\n", format("{}", loaded->error()).c_str());
    return 1;
  }
  const zone z = std::move(builder).take();
  for (std::size_t i = 0; i < z.size(); ++i) {
    const zone_entry e = z.at(i);
    print_generic(e.owner, e.ttl, e.type, e.rdata);
  }
  return 0;
}

int print_records(const char* path, bool text) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    std::fprintf(stderr, "dns-decode: cannot read %s\n", path);
    return 1;
  }
  const std::vector<unsigned char> message((std::istreambuf_iterator<char>(file)), {});
  auto view = message_view::parse(bytes(message.data(), message.size()));
  if (!view) {
    std::fprintf(stderr, "dns-decode: %s: %.*s\n", path, int(describe(view.error()).size()),
                 describe(view.error()).data());
    return 1;
  }
  std::vector<unsigned char> canonical(max_message_size + 2 * max_name_octets);
  for (auto s : {section::answer, section::authority, section::additional}) {
    auto records = view->records(s);
    while (auto r = records.next()) {
      if (r->type == rr_type::opt) continue;
      auto size = expand_rdata(view->wire(), *r, mut_bytes(canonical.data(), canonical.size()));
      if (!size) {
        std::fprintf(stderr, "dns-decode: %s: record data: %.*s\n", path,
                     int(describe(size.error()).size()), describe(size.error()).data());
        return 1;
      }
      if (text) {
        std::string line;
        format_sink sink = string_sink(line);
        write_record_text(sink, r->owner, r->ttl, r->rclass, r->type,
                          bytes(canonical.data(), *size));
        std::printf("%s\n", line.c_str());
        continue;
      }
      print_generic(r->owner, r->ttl, r->type, bytes(canonical.data(), *size));
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string_view(argv[1]) == "--zone") {
    if (argc != 4) {
      std::fprintf(stderr, "usage: dns-decode --zone FILE ORIGIN\n");
      return 2;
    }
    auto origin = name::from_text(argv[3]);
    if (!origin) {
      std::fprintf(stderr, "dns-decode: bad origin %s\n", argv[3]);
      return 2;
    }
    return print_zone(argv[2], *origin);
  }
  const bool text = argc > 1 && std::string_view(argv[1]) == "--text";
  const int first = text ? 2 : 1;
  if (argc <= first) {
    std::fprintf(stderr, "usage: dns-decode [--text] FILE...\n");
    return 2;
  }
  for (int i = first; i < argc; ++i) {
    if (int status = print_records(argv[i], text); status != 0) return status;
  }
  return 0;
}
