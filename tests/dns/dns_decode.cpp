// dns-decode [--text] FILE...: reads each file as one DNS message and
// prints its answer, authority and additional records (OPT left out) one
// per line in the RFC 3597 generic form dig prints with +unknownformat:
//   OWNER TTL TYPEnnn \# LENGTH HEX
// The data is fata's canonical expansion (names uncompressed), so a line
// matches dig's only if fata read the whole message as dig did. With
// --text, each record is printed in presentation form instead, as
// write_record_text prints it (dig +nosplit's form). Exit 1 on a message
// fata refuses, 2 on bad usage.
#include <fata/dns/message.hpp>
#include <fata/dns/text.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

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
  char owner[max_name_text];
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
        format_sink sink{
            [](void* l, std::string_view t) { static_cast<std::string*>(l)->append(t); }, &line};
        write_record_text(sink, r->owner, r->ttl, r->rclass, r->type,
                          bytes(canonical.data(), *size));
        std::printf("%s\n", line.c_str());
        continue;
      }
      const std::size_t owner_size = r->owner.to_text(std::span<char>(owner, sizeof owner));
      std::printf("%.*s %u TYPE%u \\# %zu", int(owner_size), owner, r->ttl, unsigned(r->type), *size);
      if (*size != 0) std::printf(" ");
      for (std::size_t i = 0; i < *size; ++i) std::printf("%02X", canonical[i]);
      std::printf("\n");
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
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
