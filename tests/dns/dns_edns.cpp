// dns-edns QUERY OUT [CLIENT_ADDRESS]: reads the query in QUERY as a
// server would, prints what its OPT record asked for on one line
//   udp=N version=N do=0|1 cookie=CLIENT[/SERVER] server_cookie=good|bad|none padding=0|1
// (or "edns=none", or "error=RCODE" when read_edns refuses it), and writes
// to OUT an answer with one A record, 192.0.2.1, for its question: with
// an OPT record carrying a fresh server cookie when the query had a
// cookie, padded to a multiple of 468 octets when the query was padded,
// and BADVERS or FORMERR when read_edns said so. The cookie secret is
// fixed; the time is the wall clock's. For tests/dns/edns-interop.
#include <fata/core/base_encoding.hpp>
#include <fata/dns/edns.hpp>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: dns-edns QUERY OUT\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  const std::vector<std::uint8_t> query{std::istreambuf_iterator<char>(in), {}};
  auto view = message_view::parse(bytes(query.data(), query.size()));
  if (!view || view->count(section::question) != 1) return 1;
  const std::uint8_t client_address[4] = {127, 0, 0, 1};
  const auto now = static_cast<std::uint32_t>(std::time(nullptr));
  const cookie_secret secret{};

  std::vector<std::uint8_t> buffer(4096);
  message_writer w(mut_bytes(buffer.data(), buffer.size()));
  header h = view->header();
  h.response = true;
  h.authoritative = true;
  w.set_header(h);
  const auto q = view->question_at(0);
  if (!w.add_question(q->qname, q->qtype, q->qclass)) return 1;

  edns_answer answer;
  const auto opt = view->opt();
  if (!opt) {
    std::printf("edns=none\n");
  } else if (auto e = read_edns(*opt); !e) {
    std::printf("error=%u\n", unsigned(e.error()));
    answer.response_code = e.error();
  } else {
    std::string cookie = "none";
    std::string judged = "none";
    if (e->cookie) {
      cookie = encoded(base_encoding::hex, bytes(e->cookie->client.data(), 8));
      if (e->cookie->server_size > 0) {
        cookie += "/" + encoded(base_encoding::hex, e->cookie->server_view());
        judged = server_cookie_is_good(secret, *e->cookie, bytes(client_address, 4), now) ? "good"
                                                                                          : "bad";
      }
      answer.cookie = make_server_cookie(secret, e->cookie->client, bytes(client_address, 4), now);
    }
    std::printf("udp=%u version=%u do=%d cookie=%s server_cookie=%s padding=%d\n",
                unsigned(e->udp_size), unsigned(e->version), e->dnssec_ok ? 1 : 0, cookie.c_str(),
                judged.c_str(), e->padding ? 1 : 0);
    answer.dnssec_ok = e->dnssec_ok;
    if (e->padding) answer.pad_to_block = 468;
    const std::uint8_t address[4] = {192, 0, 2, 1};
    if (!w.add_record(section::answer, q->qname, rr_type::a, 1, 60, bytes(address, 4))) return 1;
  }
  if (opt && !add_edns(w, answer)) return 1;
  std::ofstream out(argv[2], std::ios::binary);
  const bytes message = w.finish();
  out.write(reinterpret_cast<const char*>(message.data()), std::streamsize(message.size()));
  return out ? 0 : 1;
}
