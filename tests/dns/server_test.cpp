// The authoritative answers of server.hpp, rule by rule, on messages made
// and read with the library's own writer and view: what dig and NSD
// check in tests/dns/server-differential, here without a network and
// with the edges they cannot reach (no reply at all, budgets of octets,
// cookies, a chain into another zone).
#include <fata/dns/server.hpp>

#include <gtest/gtest.h>

#include <fata/dns/message.hpp>
#include <fata/dns/text.hpp>
#include <fata/dns/zone_load.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

name text_name(std::string_view s) { return name::from_text(s).value(); }

constexpr std::string_view example_zone =
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.2\n"
    "www A 192.0.2.4\n"
    "alias CNAME www\n"
    "loop1 CNAME loop2\n"
    "loop2 CNAME loop1\n"
    "tosub CNAME host.sub\n"
    "*.wild A 192.0.2.5\n"
    "x.y.ent A 192.0.2.6\n"
    "child NS ns.child\n"
    "ns.child A 192.0.2.7\n"
    "sub NS ns1.sub\n"
    "ns1.sub A 192.0.2.8\n";

constexpr std::string_view sub_zone =
    "$TTL 600\n"
    "@ SOA ns1 hostmaster 7 7200 3600 1209600 60\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.8\n"
    "host A 192.0.2.9\n";

std::unique_ptr<zone> load(std::string_view apex, std::string_view text) {
  static memory_budget unlimited;
  zone_builder builder(text_name(apex), unlimited);
  zone_loader loader(builder, "test.zone", text);
  auto step = loader.run();
  EXPECT_TRUE(step && !*step);
  return std::make_unique<zone>(std::move(builder).take());
}

struct query_options {
  std::optional<std::uint16_t> edns_size{};  // an OPT record asking for this size
  std::uint8_t edns_version = 0;
  bool cookie = false;
  bool padding = false;  // an empty Padding option (RFC 7830)
  std::uint16_t qclass = 1;
  dns::opcode opcode = opcode::query;
};

std::vector<std::uint8_t> make_query(std::string_view qname, rr_type qtype, query_options o = {}) {
  std::vector<std::uint8_t> out(512);
  message_writer w(mut_bytes(out.data(), out.size()));
  header h;
  h.id = 0xbeef;
  h.opcode = o.opcode;
  w.set_header(h);
  EXPECT_TRUE(w.add_question(text_name(qname), qtype, o.qclass));
  if (o.edns_size) {
    std::vector<std::uint8_t> options;
    if (o.cookie) options = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    if (o.padding) options.insert(options.end(), {0, 12, 0, 0});
    EXPECT_TRUE(w.add_record(section::additional, name(), rr_type::opt, *o.edns_size,
                             std::uint32_t(o.edns_version) << 16,
                             bytes(options.data(), options.size())));
  }
  const bytes m = w.finish();
  return {m.u8_data(), m.u8_data() + m.size()};
}

// A reply as text: the rcode, AA and TC, then each section's records.
struct seen {
  header h;
  std::uint16_t code = 0;  // with the OPT record's upper bits
  std::vector<std::string> answer, authority, additional;
  std::optional<record> opt;
  std::size_t size = 0;
};

std::string record_text(const message_view& v, const record& r) {
  std::vector<std::uint8_t> data(65535);
  const auto size = expand_rdata(v.wire(), r, mut_bytes(data.data(), data.size()));
  EXPECT_TRUE(size.has_value());
  std::string out;
  format_sink sink = string_sink(out);
  write_record_text(sink, r.owner, r.ttl, r.rclass, r.type, bytes(data.data(), size ? *size : 0));
  return out;
}

seen read_reply(bytes message) {
  auto v = message_view::parse(message);
  EXPECT_TRUE(v.has_value());
  seen s;
  if (!v) return s;
  s.h = v->header();
  s.code = s.h.rcode;
  s.size = message.size();
  s.opt = v->opt();
  if (s.opt) s.code = static_cast<std::uint16_t>(s.code | (s.opt->ttl >> 24) << 4);
  auto collect = [&](section sec, std::vector<std::string>& into) {
    auto records = v->records(sec);
    while (auto r = records.next()) {
      if (r->type != rr_type::opt) into.push_back(record_text(*v, *r));
    }
  };
  collect(section::answer, s.answer);
  collect(section::authority, s.authority);
  collect(section::additional, s.additional);
  return s;
}

struct server_fixture : ::testing::Test {
  std::unique_ptr<zone> example = load("example.", example_zone);
  std::unique_ptr<zone> sub = load("sub.example.", sub_zone);
  std::vector<const zone*> zones{example.get(), sub.get()};
  server_config config;
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(65535);

  result<reply, no_reply> raw(const std::vector<std::uint8_t>& query,
                              transport t = transport::udp, std::size_t room = 65535) {
    static constexpr std::uint8_t address[4] = {192, 0, 2, 100};
    query_context context{.transport = t, .client_address = bytes(address, 4), .now = 1'700'000'000};
    return answer_query(zones, config, bytes(query.data(), query.size()), context,
                        mut_bytes(buffer.data(), room));
  }
  seen ask(std::string_view qname, rr_type qtype, query_options o = {},
           transport t = transport::udp) {
    auto r = raw(make_query(qname, qtype, o), t);
    EXPECT_TRUE(r.has_value());
    if (!r) return {};
    seen s = read_reply(r->message);
    EXPECT_EQ(s.h.id, 0xbeef);
    EXPECT_TRUE(s.h.response);
    EXPECT_EQ(r->summary.code, static_cast<rcode>(s.code));
    EXPECT_EQ(r->summary.authoritative, s.h.authoritative);
    EXPECT_EQ(r->summary.truncated, s.h.truncated);
    return s;
  }
};

using strings = std::vector<std::string>;

TEST_F(server_fixture, AnExactMatchIsAuthoritativeWithTheApexNsAndItsAddresses) {
  const seen s = ask("www.example.", rr_type::a);
  EXPECT_EQ(s.code, 0);
  EXPECT_TRUE(s.h.authoritative);
  EXPECT_EQ(s.answer, strings{"www.example. 3600 IN A 192.0.2.4"});
  EXPECT_EQ(s.authority, strings{"example. 3600 IN NS ns1.example."});
  EXPECT_EQ(s.additional, strings{"ns1.example. 3600 IN A 192.0.2.2"});
}

TEST_F(server_fixture, NegativeAnswersCarryTheSoaWithItsMinimumAsTtl) {
  const seen nx = ask("nope.example.", rr_type::a);
  EXPECT_EQ(nx.code, static_cast<std::uint16_t>(rcode::nxdomain));
  EXPECT_TRUE(nx.h.authoritative);
  EXPECT_TRUE(nx.answer.empty());
  EXPECT_EQ(nx.authority, strings{"example. 300 IN SOA ns1.example. hostmaster.example. 1 7200 3600 1209600 300"});
  const seen nodata = ask("www.example.", rr_type::aaaa);
  EXPECT_EQ(nodata.code, 0);
  EXPECT_EQ(nodata.authority, nx.authority);
  // An empty non-terminal exists: NODATA, not NXDOMAIN (RFC 8020).
  EXPECT_EQ(ask("y.ent.example.", rr_type::a).code, 0);
}

TEST_F(server_fixture, AWildcardAnswersWithTheQueryName) {
  const seen s = ask("a.b.wild.example.", rr_type::a);
  EXPECT_EQ(s.answer, strings{"a.b.wild.example. 3600 IN A 192.0.2.5"});
  // The wildcard without the type: NODATA.
  const seen none = ask("a.wild.example.", rr_type::txt);
  EXPECT_EQ(none.code, 0);
  EXPECT_TRUE(none.answer.empty());
  EXPECT_EQ(none.authority.size(), 1u);
}

TEST_F(server_fixture, ADelegationIsAReferralWithGlueAndNoAa) {
  const seen s = ask("deep.host.child.example.", rr_type::a);
  EXPECT_EQ(s.code, 0);
  EXPECT_FALSE(s.h.authoritative);
  EXPECT_TRUE(s.answer.empty());
  EXPECT_EQ(s.authority, strings{"child.example. 3600 IN NS ns.child.example."});
  EXPECT_EQ(s.additional, strings{"ns.child.example. 3600 IN A 192.0.2.7"});
  // DS at the cut is the parent's to answer: here NODATA, with AA.
  const seen ds = ask("child.example.", rr_type::ds);
  EXPECT_TRUE(ds.h.authoritative);
  EXPECT_EQ(ds.authority.size(), 1u);
}

TEST_F(server_fixture, CnameChainsFollowIntoAnotherServedZoneAndStopAtALoop) {
  const seen s = ask("tosub.example.", rr_type::a);
  EXPECT_EQ(s.answer, (strings{"tosub.example. 3600 IN CNAME host.sub.example.",
                               "host.sub.example. 600 IN A 192.0.2.9"}));
  EXPECT_EQ(s.authority, strings{"sub.example. 600 IN NS ns1.sub.example."});
  const seen loop = ask("loop1.example.", rr_type::a);
  EXPECT_EQ(loop.answer, (strings{"loop1.example. 3600 IN CNAME loop2.example.",
                                  "loop2.example. 3600 IN CNAME loop1.example."}));
  EXPECT_TRUE(loop.authority.empty());
  // Asked for the CNAME itself: not followed.
  EXPECT_EQ(ask("alias.example.", rr_type::cname).answer,
            strings{"alias.example. 3600 IN CNAME www.example."});
}

TEST_F(server_fixture, ALongChainStopsAfterSixteenLinks) {
  std::string text = std::string(example_zone);
  for (int i = 0; i < 30; ++i) text += "c" + std::to_string(i) + " CNAME c" + std::to_string(i + 1) + "\n";
  text += "c30 A 192.0.2.30\n";
  example = load("example.", text);
  zones[0] = example.get();
  const seen s = ask("c0.example.", rr_type::a);
  EXPECT_EQ(s.code, 0);
  EXPECT_EQ(s.answer.size(), 17u);
  EXPECT_EQ(s.answer.back(), "c16.example. 3600 IN CNAME c17.example.");
  EXPECT_TRUE(s.authority.empty());
}

TEST_F(server_fixture, AnyGetsOneRrsetAlone) {
  const seen s = ask("example.", rr_type::any);
  ASSERT_EQ(s.answer.size(), 1u);
  EXPECT_TRUE(s.authority.empty());
  EXPECT_TRUE(s.additional.empty());
}

TEST_F(server_fixture, ZonesAndClassesNotServedAreRefusedWithAnExtendedError) {
  const seen other = ask("example.org.", rr_type::a, {.edns_size = 1232});
  EXPECT_EQ(other.code, static_cast<std::uint16_t>(rcode::refused));
  EXPECT_FALSE(other.h.authoritative);
  ASSERT_TRUE(other.opt.has_value());
  // The EDE option: code 15, length 2, info code 20.
  const std::uint8_t not_authoritative[] = {0, 15, 0, 2, 0, 20};
  EXPECT_TRUE(std::equal(other.opt->rdata.u8_data(), other.opt->rdata.u8_data() + 6,
                         not_authoritative));
  EXPECT_EQ(ask("example.", rr_type::soa, {.qclass = 3}).code, static_cast<std::uint16_t>(rcode::refused));
  EXPECT_EQ(ask("example.", rr_type::axfr).code, static_cast<std::uint16_t>(rcode::refused));
  EXPECT_EQ(ask("example.", rr_type::soa, {.opcode = opcode::update}).code,
            static_cast<std::uint16_t>(rcode::notimp));
}

TEST_F(server_fixture, TheSummarySaysWhenAQueryAsksForATransfer) {
  for (const rr_type t : {rr_type::axfr, rr_type::ixfr}) {
    auto r = raw(make_query("example.", t), transport::tcp);
    ASSERT_TRUE(r.has_value());
    EXPECT_TRUE(r->summary.asks_for_transfer);
    EXPECT_EQ(r->summary.code, rcode::refused);
  }
  auto ordinary = raw(make_query("example.", rr_type::soa), transport::tcp);
  ASSERT_TRUE(ordinary.has_value());
  EXPECT_FALSE(ordinary->summary.asks_for_transfer);
  auto update = raw(make_query("example.", rr_type::axfr, {.opcode = opcode::update}), transport::tcp);
  ASSERT_TRUE(update.has_value());
  EXPECT_FALSE(update->summary.asks_for_transfer);
}

TEST_F(server_fixture, OverAnEncryptedTransportAPaddedQueryGetsA468OctetBlock) {
  auto ask_padded = [&](bool padding, bool encrypted) {
    static constexpr std::uint8_t address[4] = {192, 0, 2, 100};
    const auto query = make_query("www.example.", rr_type::a, {.edns_size = 1232, .padding = padding});
    query_context context{.transport = transport::tcp, .client_address = bytes(address, 4), .now = 1,
                          .encrypted = encrypted};
    auto r = answer_query(zones, config, bytes(query.data(), query.size()), context,
                          mut_bytes(buffer.data(), buffer.size()));
    EXPECT_TRUE(r.has_value());
    return r ? r->message.size() : 0;
  };
  EXPECT_EQ(ask_padded(true, true) % 468, 0u);
  EXPECT_GT(ask_padded(true, true), 0u);
  // Not asked for, or in the clear: no padding.
  EXPECT_NE(ask_padded(false, true) % 468, 0u);
  EXPECT_NE(ask_padded(true, false) % 468, 0u);
}

TEST_F(server_fixture, UdpRepliesFitTheirSizeAndSetTcWhenTheAnswerDoesNot) {
  // 20 TXT records of 100 octets: over 512 and 1232, under 4096.
  std::string text = std::string(example_zone);
  for (int i = 0; i < 20; ++i) text += "big TXT \"" + std::string(100, 'a') + std::to_string(i) + "\"\n";
  example = load("example.", text);
  zones[0] = example.get();
  const seen classic = ask("big.example.", rr_type::txt);
  EXPECT_TRUE(classic.h.truncated);
  EXPECT_TRUE(classic.answer.empty());
  EXPECT_LE(classic.size, 512u);
  const seen edns = ask("big.example.", rr_type::txt, {.edns_size = 4096});
  EXPECT_TRUE(edns.h.truncated) << "the server's own limit is 1232";
  EXPECT_LE(edns.size, 1232u);
  config.max_udp_size = 4096;
  const seen larger = ask("big.example.", rr_type::txt, {.edns_size = 4096});
  EXPECT_FALSE(larger.h.truncated);
  EXPECT_EQ(larger.answer.size(), 20u);
  const seen tcp = ask("big.example.", rr_type::txt, {}, transport::tcp);
  EXPECT_FALSE(tcp.h.truncated);
  EXPECT_EQ(tcp.answer.size(), 20u);
}

TEST_F(server_fixture, EdnsIsAnsweredWithBadversForAnotherVersionAndACookieWithASecret) {
  const seen v1 = ask("www.example.", rr_type::a, {.edns_size = 1232, .edns_version = 1});
  EXPECT_EQ(v1.code, static_cast<std::uint16_t>(rcode::badvers));
  EXPECT_TRUE(v1.answer.empty());
  cookie_secret secret;
  secret.key[0] = 7;
  config.cookies = &secret;
  const seen c = ask("www.example.", rr_type::a, {.edns_size = 1232, .cookie = true});
  ASSERT_TRUE(c.opt.has_value());
  // Code 10, 8 octets of client cookie and 16 of server cookie.
  ASSERT_GE(c.opt->rdata.size(), 28u);
  EXPECT_EQ(c.opt->rdata.be16(0), 10);
  EXPECT_EQ(c.opt->rdata.be16(2), 24);
  EXPECT_EQ(c.opt->rdata.u8(4), 1);
}

TEST_F(server_fixture, AServerCookieSentBackIsVerified) {
  cookie_secret secret;
  secret.key[0] = 9;
  config.cookies = &secret;
  const auto first = raw(make_query("www.example.", rr_type::a, {.edns_size = 1232, .cookie = true}));
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(first->summary.cookie_verified);  // a client cookie alone proves nothing
  const seen c = read_reply(first->message);
  ASSERT_TRUE(c.opt.has_value());
  ASSERT_GE(c.opt->rdata.size(), 28u);
  // The query again with the whole cookie, and with its server part changed.
  auto with_cookie = [&](bool damaged) {
    std::vector<std::uint8_t> options(c.opt->rdata.u8_data(), c.opt->rdata.u8_data() + 28);
    if (damaged) options[27] ^= 1;
    std::vector<std::uint8_t> out(512);
    message_writer w(mut_bytes(out.data(), out.size()));
    header h;
    h.id = 0xbeef;
    w.set_header(h);
    EXPECT_TRUE(w.add_question(text_name("www.example."), rr_type::a, 1));
    EXPECT_TRUE(w.add_record(section::additional, name(), rr_type::opt, 1232, 0,
                             bytes(options.data(), options.size())));
    const bytes m = w.finish();
    return std::vector<std::uint8_t>(m.u8_data(), m.u8_data() + m.size());
  };
  const auto good = raw(with_cookie(false));
  ASSERT_TRUE(good.has_value());
  EXPECT_TRUE(good->summary.cookie_verified);
  const auto bad = raw(with_cookie(true));
  ASSERT_TRUE(bad.has_value());
  EXPECT_FALSE(bad->summary.cookie_verified);
  EXPECT_EQ(bad->summary.code, rcode::noerror);  // answered, with a fresh cookie (RFC 7873 §5.2.3)
}

TEST_F(server_fixture, MalformedQueriesGetFormerrAndResponsesAndScrapsNoReply) {
  auto q = make_query("www.example.", rr_type::a);
  auto two = q;
  two[5] = 2;  // QDCOUNT 2 with one question: truncated, does not parse
  auto r = raw(two);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->summary.code, rcode::formerr);
  EXPECT_EQ(r->message.size(), header_size);
  auto response = q;
  response[2] |= 0x80;
  EXPECT_EQ(raw(response).error(), no_reply::response);
  EXPECT_EQ(raw(std::vector<std::uint8_t>(q.begin(), q.begin() + 11)).error(), no_reply::too_short);
}

TEST_F(server_fixture, ABufferTooSmallForAnAnswerGivesTcNotAnOverrun) {
  auto r = raw(make_query("www.example.", rr_type::a), transport::tcp, 40);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->summary.truncated);
  EXPECT_LE(r->message.size(), 40u);
}

}  // namespace
