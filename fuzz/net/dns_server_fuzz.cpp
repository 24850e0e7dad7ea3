// Fuzz target: the authoritative server's answers (server.hpp). Any
// octets as a query, over UDP and over TCP, get either no reply (too
// short, or a response) or a reply that parses, answers the query's ID
// with QR set, fits the transport's limit, and whose summary says what
// its header says; with a cookie secret, so that cookies are made too.
// A query asking for a transfer goes to zone_transfer (transfer.hpp) too,
// as the TCP glue sends it: every message it writes parses, answers the
// ID, fits 65535 octets, and the answer ends within the zone's size.
// The same octets, taken as a secondary's answer to a NOTIFY (signed and
// not), are judged without harm, and acknowledge only when they answer it;
// taken as a recursive server's reply to the stub resolver, they are
// judged without harm, and records come only with the question's ID; and
// the server's reply to them, cut as a rate limiter's slip, still parses.
// An UPDATE (update.hpp) is answered as is, which the lack of a key
// refuses, and again signed with the update key, so that prerequisites and
// changes run: the reply parses and answers the ID, and a changed zone
// comes with a newer serial and the change between the two.
// Taken as a primary's answer to a secondary's AXFR and IXFR requests
// (transfer_in.hpp; the ID set to the request's, so that the records are
// read), fed twice as two messages: no harm, and a transfer that completes
// with a zone brings the primary's serial and, when incremental, the change.
// A NOTIFY request is answered as a secondary would (answer_notify): the
// reply parses and answers the ID, and only NOERROR names a zone.
#include <fata/dns/message.hpp>
#include <fata/dns/notify.hpp>
#include <fata/dns/rrl.hpp>
#include <fata/dns/stub.hpp>
#include <fata/dns/server.hpp>
#include <fata/dns/transfer.hpp>
#include <fata/dns/transfer_in.hpp>
#include <fata/dns/update.hpp>
#include <fata/dns/zone_load.hpp>

#include <array>
#include <memory>
#include <vector>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::dns;

namespace {

constexpr std::string_view zone_text =
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "@ MX 10 mail\n"
    "ns1 A 192.0.2.2\n"
    "ns1 AAAA 2001:db8::2\n"
    "mail A 192.0.2.3\n"
    "www A 192.0.2.4\n"
    "www TXT \"hello\"\n"
    "alias CNAME www\n"
    "loop1 CNAME loop2\n"
    "loop2 CNAME loop1\n"
    "*.wild A 192.0.2.5\n"
    "*.cw CNAME www\n"
    "x.y.ent A 192.0.2.6\n"
    "child NS ns.child\n"
    "ns.child A 192.0.2.7\n"
    "srv._tcp SRV 0 5 80 www\n";

const zone& served() {
  static memory_budget budget;
  static std::unique_ptr<zone> z = [] {
    zone_builder builder(name::from_text("example.").value(), budget);
    zone_loader loader(builder, "fuzz.zone", zone_text);
    auto step = loader.run();
    FUZZ_CHECK(step && !*step);
    return std::make_unique<zone>(std::move(builder).take());
  }();
  return *z;
}

const tsig_key& update_key() {
  static const tsig_key key = tsig_key::from_base64(name::from_text("update.key.").value(),
                                                    tsig_algorithm::hmac_sha256,
                                                    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
                                  .value();
  return key;
}

// `message` (which parses) written again, signed with the update key.
std::optional<std::vector<std::uint8_t>> signed_again(const message_view& v) {
  std::vector<std::uint8_t> out(65535);
  message_writer w(mut_bytes(out.data(), out.size()));
  w.set_header(v.header());
  for (std::size_t i = 0; i < v.count(section::question); ++i) {
    const question q = *v.question_at(i);
    if (!w.add_question(q.qname, q.qtype, q.qclass)) return std::nullopt;
  }
  std::vector<std::uint8_t> data(65535 + 2 * max_name_octets);
  for (const section s : {section::answer, section::authority, section::additional}) {
    auto records = v.records(s);
    while (auto r = records.next()) {
      if (r->type == rr_type::tsig) continue;
      auto size = expand_rdata(v.wire(), *r, mut_bytes(data.data(), data.size()));
      if (!size) return std::nullopt;
      if (!w.add_record(s, r->owner, r->type, r->rclass, r->ttl, bytes(data.data(), *size))) return std::nullopt;
    }
  }
  if (!tsig_sign(w, update_key(), {.place = tsig_place::request, .now = 1})) return std::nullopt;
  out.resize(w.finish().size());
  return out;
}

void check_update(std::span<const zone* const> zones, bytes request, std::vector<std::uint8_t>& out) {
  static memory_budget budget(std::size_t(1) << 20);
  const update_outcome o = answer_update(zones, update_policy{.keys = std::span(&update_key(), 1)}, request, 1,
                                         budget, mut_bytes(out.data(), out.size()));
  auto v = message_view::parse(o.reply);
  FUZZ_CHECK(v.has_value());
  FUZZ_CHECK(v->header().response && v->header().opcode == opcode::update);
  FUZZ_CHECK(v->header().id == request.be16(0));
  if (o.updated) {
    FUZZ_CHECK(o.code == rcode::noerror && o.change);
    const zone_entry soa = o.updated->at(o.updated->find(o.updated->apex(), rr_type::soa).first);
    FUZZ_CHECK(*soa_serial(soa.rdata) == o.change->to_serial());
    FUZZ_CHECK(serial_older(o.change->from_serial(), o.change->to_serial()));
    FUZZ_CHECK(o.change->size() >= 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::array<const zone*, 1> zones{&served()};
  static const cookie_secret secret{};
  server_config config;
  config.cookies = &secret;
  static constexpr std::uint8_t address[4] = {192, 0, 2, 100};
  std::vector<std::uint8_t> out(65535);
  for (const transport t : {transport::udp, transport::tcp}) {
    const query_context context{.transport = t, .client_address = bytes(address, 4), .now = 1};
    auto r = answer_query(zones, config, bytes(data, size), context, mut_bytes(out.data(), out.size()));
    if (!r) {
      FUZZ_CHECK(size < header_size || (data[2] & 0x80) != 0);
      continue;
    }
    FUZZ_CHECK(r->message.size() <= (t == transport::udp ? config.max_udp_size : out.size()));
    auto v = message_view::parse(r->message);
    FUZZ_CHECK(v.has_value());
    const header& h = v->header();
    FUZZ_CHECK(h.response);
    FUZZ_CHECK(h.id == (std::uint16_t(data[0]) << 8 | data[1]));
    FUZZ_CHECK(h.authoritative == r->summary.authoritative);
    FUZZ_CHECK(h.truncated == r->summary.truncated);
    FUZZ_CHECK((static_cast<std::uint16_t>(r->summary.code) & 0xf) == h.rcode);
    FUZZ_CHECK(v->count(section::question) <= 1);
  }
  if (asks_for_transfer(bytes(data, size))) {
    static const tsig_key key =
        tsig_key::from_base64(name::from_text("xfr.key.").value(), tsig_algorithm::hmac_sha256,
                              "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
            .value();
    zone_transfer transfer(zones, transfer_policy{.keys = std::span(&key, 1)}, bytes(data, size), 1);
    std::size_t messages = 0;
    while (auto m = transfer.next(mut_bytes(out.data(), out.size()), 1)) {
      FUZZ_CHECK(++messages <= served().size() + 2);
      auto v = message_view::parse(*m);
      FUZZ_CHECK(v.has_value());
      FUZZ_CHECK(v->header().response);
      FUZZ_CHECK(v->header().id == (std::uint16_t(data[0]) << 8 | data[1]));
    }
    FUZZ_CHECK(messages >= 1);
  }
  if (is_update_request(bytes(data, size))) {
    check_update(zones, bytes(data, size), out);
    if (auto v = message_view::parse(bytes(data, size))) {
      if (auto again = signed_again(*v)) check_update(zones, bytes(again->data(), again->size()), out);
    }
  }
  static const tsig_key notify_key =
      tsig_key::from_base64(name::from_text("notify.key.").value(), tsig_algorithm::hmac_sha256,
                            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
          .value();
  for (const tsig_key* k : {static_cast<const tsig_key*>(nullptr), &notify_key}) {
    std::array<std::uint8_t, 512> request{};
    auto sent = write_notify(served(), 0x2468, k, 1, mut_bytes(request.data(), request.size()));
    FUZZ_CHECK(sent.has_value());
    const notify_check c = check_notify_answer(bytes(data, size), *sent, served(), k, 1);
    if (c.answer == notify_answer::acknowledged) {
      FUZZ_CHECK(size >= header_size && data[0] == 0x24 && data[1] == 0x68 && (data[2] & 0x80) != 0);
    }
  }
  // A slip cuts any reply the server wrote to a message that parses.
  std::vector<std::uint8_t> reply(65535);
  const query_context udp{.transport = transport::udp, .client_address = {}, .now = 1};
  if (auto r = answer_query(zones, config, bytes(data, size), udp, mut_bytes(reply.data(), reply.size()))) {
    const bytes cut = truncate_to_question(mut_bytes(reply.data(), r->message.size()));
    auto v = message_view::parse(cut);
    FUZZ_CHECK(v.has_value());
    FUZZ_CHECK(v->header().truncated);
    FUZZ_CHECK(v->count(section::answer) == 0);
  }
  if (size >= header_size) {
    static memory_budget transfer_budget(std::size_t(1) << 20);
    for (const zone* held : {static_cast<const zone*>(nullptr), &served()}) {
      std::array<std::uint8_t, 512> request{};
      auto sent = write_transfer_request(served().apex(), held, 0x3579, nullptr, 1,
                                         mut_bytes(request.data(), request.size()));
      FUZZ_CHECK(sent.has_value());
      std::vector<std::uint8_t> answer(data, data + size);
      answer[0] = 0x35;
      answer[1] = 0x79;
      incoming_transfer t(served().apex(), held, *sent, nullptr, transfer_budget);
      auto p = t.feed(bytes(answer.data(), answer.size()), 1);
      if (p == incoming_transfer::progress::more) p = t.feed(bytes(answer.data(), answer.size()), 1);
      FUZZ_CHECK(p != incoming_transfer::progress::failed || t.failure() != transfer_failure::none);
      if (p == incoming_transfer::progress::complete && !t.up_to_date()) {
        const bool incremental = t.incremental();
        auto change = t.take_change();
        auto z = t.take_zone();
        FUZZ_CHECK(z != nullptr);
        const zone_entry soa = z->at(z->find(z->apex(), rr_type::soa).first);
        FUZZ_CHECK(soa_serial(soa.rdata) == t.serial());
        FUZZ_CHECK(incremental == (change != nullptr));
      }
    }
  }
  if (is_notify_request(bytes(data, size))) {
    for (const bool from_primary : {false, true}) {
      const std::array<notify_zone, 1> zones{notify_zone{.apex = served().apex(), .unsigned_allowed = from_primary}};
      auto o = answer_notify(zones, std::span(&notify_key, 1), bytes(data, size), 1, mut_bytes(out.data(), out.size()));
      auto v = message_view::parse(o.reply);
      FUZZ_CHECK(v.has_value());
      FUZZ_CHECK(v->header().response && v->header().opcode == opcode::notify);
      FUZZ_CHECK(v->header().id == (std::uint16_t(data[0]) << 8 | data[1]));
      FUZZ_CHECK(o.zone_index.has_value() == (o.code == rcode::noerror));
    }
  }
  lookup_result found;
  const stub_judgement j = judge_stub_reply(bytes(data, size), 0x2468, name::from_text("www.example.").value(),
                                            rr_type::a, found);
  if (j.verdict == stub_reply::answered) {
    FUZZ_CHECK(size >= header_size && data[0] == 0x24 && data[1] == 0x68);
    FUZZ_CHECK(found.size() > 0);
  }
  return 0;
}
