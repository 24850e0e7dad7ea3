// dns-tsig: fata's TSIG signing and checking as a command, for
// tests/dns/tsig-interop to put between NSD and dig.
//
//   dns-tsig query KEY ALGORITHM SECRET QNAME QTYPE OUT
//       writes a query (AXFR when QTYPE is 252), signed; prints its MAC.
//   dns-tsig check KEY ALGORITHM SECRET PLACE PRIOR_MAC FILE
//       checks the signed message in FILE; PLACE is request, first or
//       later (PRIOR_MAC in hex, "-" for none). Prints "ok MAC" and exits
//       0, or prints "fail RCODE" and exits 1.
//   dns-tsig answer KEY ALGORITHM SECRET QUERY OUT
//       checks the signed query in QUERY and writes a signed answer to it
//       with one A record, 192.0.2.1, for its question.
//
// ALGORITHM is hmac-sha256, hmac-sha384 or hmac-sha512; SECRET is base64.
// The time is the wall clock's. Exit 2 on bad usage.
#include <fata/core/base_encoding.hpp>
#include <fata/dns/tsig.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

int usage() {
  std::fprintf(stderr,
               "usage: dns-tsig query KEY ALGORITHM SECRET QNAME QTYPE OUT\n"
               "       dns-tsig check KEY ALGORITHM SECRET request|first|later PRIOR_MAC FILE\n"
               "       dns-tsig answer KEY ALGORITHM SECRET QUERY OUT\n");
  return 2;
}

std::vector<std::uint8_t> read_file(const char* path) {
  std::ifstream file(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(file), {}};
}

bool write_file(const char* path, bytes data) {
  std::ofstream file(path, std::ios::binary);
  file.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size()));
  return bool(file);
}

std::string hex(bytes data) {
  const std::string text = encoded(base_encoding::hex, data);
  return text.empty() ? "-" : text;
}

std::uint64_t now() { return static_cast<std::uint64_t>(std::time(nullptr)); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) return usage();
  const std::string_view command = argv[1];
  auto key_name = name::from_text(argv[2]);
  auto algorithm = name::from_text(argv[3]);
  if (!key_name || !algorithm) return usage();
  const auto a = tsig_algorithm_from_name(*algorithm);
  if (!a) return usage();
  auto key = tsig_key::from_base64(*key_name, *a, argv[4]);
  if (!key) {
    std::fprintf(stderr, "dns-tsig: the secret is not base64\n");
    return 2;
  }
  std::vector<std::uint8_t> buffer(max_message_size);
  if (command == "query" && argc == 8) {
    auto qname = name::from_text(argv[5]);
    if (!qname) return usage();
    message_writer w(mut_bytes(buffer.data(), buffer.size()));
    header h;
    h.id = 0x5a5a;
    w.set_header(h);
    if (!w.add_question(*qname, static_cast<rr_type>(std::stoi(argv[6])), 1)) return 1;
    auto mac = tsig_sign(w, *key, {.place = tsig_place::request, .now = now()});
    if (!mac || !write_file(argv[7], w.finish())) return 1;
    std::printf("%s\n", hex(mac->view()).c_str());
    return 0;
  }
  if (command == "check" && argc == 8) {
    const std::string_view place_text = argv[5];
    const tsig_place place = place_text == "request" ? tsig_place::request
                             : place_text == "first" ? tsig_place::first_answer
                                                     : tsig_place::later_answer;
    std::vector<std::uint8_t> prior(max_tsig_mac);
    std::size_t prior_size = 0;
    if (std::string_view(argv[6]) != "-") {
      base_decoder d(base_encoding::hex, mut_bytes(prior.data(), prior.size()));
      auto size = d.feed(argv[6]) ? d.finish() : unexpected(decode_error::bad_character);
      if (!size) return usage();
      prior_size = *size;
    }
    const auto message = read_file(argv[7]);
    auto view = message_view::parse(bytes(message.data(), message.size()));
    if (!view || !view->tsig()) {
      std::printf("fail unsigned\n");
      return 1;
    }
    auto ok = tsig_verify(*view, *key, place, bytes(prior.data(), prior_size), now());
    if (!ok) {
      std::printf("fail %u\n", unsigned(ok.error()));
      return 1;
    }
    std::printf("ok %s\n", hex(ok->mac.view()).c_str());
    return 0;
  }
  if (command == "answer" && argc == 7) {
    const auto query = read_file(argv[5]);
    auto view = message_view::parse(bytes(query.data(), query.size()));
    if (!view || !view->tsig() || view->count(section::question) != 1) return 1;
    auto checked = tsig_verify(*view, *key, tsig_place::request, {}, now());
    if (!checked) {
      std::fprintf(stderr, "dns-tsig: the query does not verify: %u\n", unsigned(checked.error()));
      return 1;
    }
    const auto q = view->question_at(0);
    message_writer w(mut_bytes(buffer.data(), buffer.size()));
    header h = view->header();
    h.response = true;
    h.authoritative = true;
    w.set_header(h);
    const std::uint8_t address[4] = {192, 0, 2, 1};
    if (!w.add_question(q->qname, q->qtype, q->qclass) ||
        !w.add_record(section::answer, q->qname, rr_type::a, 1, 60, bytes(address, 4))) {
      return 1;
    }
    auto mac = tsig_sign(w, *key,
                         {.place = tsig_place::first_answer, .prior_mac = checked->mac.view(),
                          .now = now()});
    if (!mac || !write_file(argv[6], w.finish())) return 1;
    return 0;
  }
  return usage();
}
