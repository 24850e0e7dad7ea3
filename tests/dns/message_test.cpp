// Messages: the header, checked parsing of every section and of record
// data by type, canonical record data, and the compressing writer with
// truncation (RFC 1035 §4, RFC 3597, RFC 2136, RFC 6891, RFC 8945).
#include <fata/dns/message.hpp>

#include <gtest/gtest.h>

#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

using octets = std::vector<std::uint8_t>;

name text(std::string_view s) { return name::from_text(s).value(); }
bytes view(const octets& v) { return {v.data(), v.size()}; }
octets of(bytes b) { return {b.u8_data(), b.u8_data() + b.size()}; }
octets wire_of(const name& n) { return of(n.wire()); }
octets cat(std::initializer_list<octets> parts) {
  octets out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
octets be16(std::uint16_t v) { return {std::uint8_t(v >> 8), std::uint8_t(v)}; }

constexpr std::uint16_t in = std::uint16_t(rr_class::in);

// A message with one question and the given records in the answer
// section, each as owner pointer to the question, type, class IN, TTL 60.
octets answer_message(std::uint16_t qtype, std::vector<std::pair<std::uint16_t, octets>> answers) {
  octets m = {0x12, 0x34, 0x84, 0x00, 0, 1, 0, std::uint8_t(answers.size()), 0, 0, 0, 0};
  const octets q = cat({wire_of(text("example.")), be16(qtype), be16(in)});
  m.insert(m.end(), q.begin(), q.end());
  for (const auto& [type, rdata] : answers) {
    const octets rr = cat({{0xc0, 12}, be16(type), be16(in), {0, 0, 0, 60},
                           be16(std::uint16_t(rdata.size())), rdata});
    m.insert(m.end(), rr.begin(), rr.end());
  }
  return m;
}

dns_error parse_error_of(const octets& m) {
  auto v = message_view::parse(view(m));
  EXPECT_FALSE(v.has_value());
  return v ? dns_error{} : v.error();
}

}  // namespace

TEST(DnsHeader, RoundTripsEveryFlag) {
  header h;
  h.id = 0xbeef;
  h.response = true;
  h.opcode = opcode::update;
  h.authoritative = true;
  h.truncated = true;
  h.recursion_desired = true;
  h.recursion_available = true;
  h.authentic_data = true;
  h.checking_disabled = true;
  h.rcode = 5;
  octets m(header_size, 0);
  h.encode(mut_bytes(m.data(), m.size()));
  EXPECT_EQ(m[2], 0x80 | 5 << 3 | 0x04 | 0x02 | 0x01);
  EXPECT_EQ(m[3], 0x80 | 0x20 | 0x10 | 5);
  EXPECT_EQ(header::decode(view(m)), h);
}

TEST(DnsMessage, ParsesAQueryAsDigSendsIt) {
  // dig example.com A +edns: RD, one question, an OPT with a cookie.
  const octets m = cat({{0xab, 0xcd, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1},
                        wire_of(text("example.com.")), be16(1), be16(in),
                        {0},  // OPT owner: the root
                        be16(41), be16(1232), {0, 0, 0, 0}, be16(12), be16(10), be16(8),
                        {1, 2, 3, 4, 5, 6, 7, 8}});
  auto v = message_view::parse(view(m));
  ASSERT_TRUE(v.has_value()) << describe(v.error());
  EXPECT_EQ(v->header().id, 0xabcd);
  EXPECT_TRUE(v->header().recursion_desired);
  EXPECT_TRUE(v->header().authentic_data);
  EXPECT_FALSE(v->header().response);
  auto q = v->question_at();
  ASSERT_TRUE(q.has_value());
  EXPECT_EQ(q->qname, text("EXAMPLE.com."));
  EXPECT_EQ(q->qtype, rr_type::a);
  EXPECT_EQ(q->qclass, in);
  EXPECT_FALSE(v->question_at(1).has_value());
  auto opt = v->opt();
  ASSERT_TRUE(opt.has_value());
  EXPECT_EQ(opt->rclass, 1232);
  EXPECT_EQ(opt->rdata.size(), 12u);
  EXPECT_EQ(v->opt_count(), 1u);
  EXPECT_FALSE(v->tsig().has_value());
}

TEST(DnsMessage, ReadsEveryTypesDataAndExpandsCompressedNames) {
  // Names in rdata point at the question ("example." at 12).
  const octets soa = cat({{2, 'n', 's', 0xc0, 12}, {0xc0, 12},
                          {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5}});
  const octets mx = {0, 10, 4, 'm', 'a', 'i', 'l', 0xc0, 12};
  const octets srv = {0, 1, 0, 2, 0, 53, 0xc0, 12};  // compressed, as RFC 3597 tolerates
  const octets txt = {3, 'a', 'b', 'c', 0, 1, 'd'};
  const octets caa = {0, 5, 'i', 's', 's', 'u', 'e', 'c', 'a', '.', 'n', 'e', 't'};
  const octets opaque = {9, 9, 9};
  const octets m = answer_message(255, {{1, {192, 0, 2, 1}},
                                        {28, octets(16, 0x20)},
                                        {6, soa},
                                        {15, mx},
                                        {33, srv},
                                        {16, txt},
                                        {257, caa},
                                        {65280, opaque}});
  auto v = message_view::parse(view(m));
  ASSERT_TRUE(v.has_value()) << describe(v.error());
  auto answers = v->records(section::answer);
  EXPECT_EQ(answers.remaining(), 8u);
  std::vector<record> rs;
  while (auto r = answers.next()) rs.push_back(*r);
  ASSERT_EQ(rs.size(), 8u);
  EXPECT_EQ(rs[0].owner, text("example."));
  EXPECT_EQ(rs[0].type, rr_type::a);
  EXPECT_EQ(rs[0].ttl, 60u);
  EXPECT_EQ(of(rs[0].rdata), (octets{192, 0, 2, 1}));
  EXPECT_EQ(rs[7].type, rr_type(65280));
  octets buf(1024);
  const mut_bytes out(buf.data(), buf.size());
  auto expanded = [&](const record& r) {
    auto n = expand_rdata(view(m), r, out);
    EXPECT_TRUE(n.has_value());
    return octets(buf.begin(), buf.begin() + static_cast<long>(n.value_or(0)));
  };
  EXPECT_EQ(expanded(rs[2]), cat({wire_of(text("ns.example.")), wire_of(text("example.")),
                                  octets(soa.end() - 20, soa.end())}));
  EXPECT_EQ(expanded(rs[3]), cat({{0, 10}, wire_of(text("mail.example."))}));
  EXPECT_EQ(expanded(rs[4]), cat({{0, 1, 0, 2, 0, 53}, wire_of(text("example."))}));
  EXPECT_EQ(expanded(rs[5]), txt);
  EXPECT_EQ(expanded(rs[7]), opaque);
  for (const auto& r : rs) {
    EXPECT_TRUE(check_canonical_rdata(r.type, view(expanded(r))).has_value()) << int(r.type);
  }
  EXPECT_EQ(expand_rdata(view(m), rs[2], out.first(10)).error(), dns_error::no_space);
}

TEST(DnsMessage, RefusesRecordDataThatDoesNotFitItsType) {
  EXPECT_EQ(parse_error_of(answer_message(1, {{1, {1, 2, 3}}})), dns_error::bad_rdata);
  EXPECT_EQ(parse_error_of(answer_message(1, {{1, {1, 2, 3, 4, 5}}})), dns_error::bad_rdata);
  EXPECT_EQ(parse_error_of(answer_message(28, {{28, octets(15, 0)}})), dns_error::bad_rdata);
  // A TXT string running past the data, and TXT with no string at all.
  EXPECT_EQ(parse_error_of(answer_message(16, {{16, {4, 'a', 'b'}}})), dns_error::bad_rdata);
  EXPECT_EQ(parse_error_of(answer_message(16, {{16, {}}})), dns_error::bad_rdata);
  // A CNAME whose name runs past its data into the next record.
  EXPECT_EQ(parse_error_of(answer_message(5, {{5, {3, 'a', 'b'}}, {1, {1, 2, 3, 4}}})),
            dns_error::bad_rdata);
  // An RRSIG's signer must not be compressed (RFC 4034 §3.1.7).
  octets rrsig = cat({be16(1), {8, 1}, {0, 0, 0, 60}, octets(8, 0), be16(1), {0xc0, 12}, {1}});
  EXPECT_EQ(parse_error_of(answer_message(46, {{46, rrsig}})), dns_error::bad_rdata);
  // NSEC windows must increase and hold 1 to 32 octets.
  const octets next = wire_of(text("b.example."));
  EXPECT_TRUE(message_view::parse(view(answer_message(47, {{47, cat({next, {0, 1, 0x40, 1, 1, 0x40}})}})))
                  .has_value());
  EXPECT_EQ(parse_error_of(answer_message(47, {{47, cat({next, {1, 1, 0x40, 0, 1, 0x40}})}})),
            dns_error::bad_rdata);
  EXPECT_EQ(parse_error_of(answer_message(47, {{47, cat({next, {0, 0}})}})), dns_error::bad_rdata);
  EXPECT_EQ(parse_error_of(answer_message(47, {{47, cat({next, {0, 33}, octets(33, 0)})}})),
            dns_error::bad_rdata);
  // Trailing zero octets, and so windows without types (RFC 4034 §4.1.2).
  EXPECT_EQ(parse_error_of(answer_message(47, {{47, cat({next, {0, 2, 0x40, 0}})}})),
            dns_error::bad_rdata);
  EXPECT_EQ(parse_error_of(answer_message(47, {{47, cat({next, {0, 1, 0x40, 1, 1, 0}})}})),
            dns_error::bad_rdata);
  // SVCB keys must strictly increase (RFC 9460 §2.2).
  const octets svc_ok = cat({be16(1), {0}, be16(1), be16(2), {'h', '2'}, be16(3), be16(2), be16(443)});
  EXPECT_TRUE(message_view::parse(view(answer_message(65, {{65, svc_ok}}))).has_value());
  const octets svc_bad = cat({be16(1), {0}, be16(3), be16(2), be16(443), be16(1), be16(2), {'h', '2'}});
  EXPECT_EQ(parse_error_of(answer_message(65, {{65, svc_bad}})), dns_error::bad_rdata);
  // An opaque type takes anything, even nothing.
  EXPECT_TRUE(message_view::parse(view(answer_message(65280, {{65280, {}}}))).has_value());
}

TEST(DnsMessage, RefusesLyingCountsAndTrailingBytes) {
  octets m = answer_message(1, {{1, {192, 0, 2, 1}}});
  octets more = m;
  more[7] = 2;  // two answers, one present
  EXPECT_EQ(parse_error_of(more), dns_error::truncated);
  octets huge = m;
  huge[4] = huge[5] = 0xff;  // 65535 questions
  EXPECT_EQ(parse_error_of(huge), dns_error::truncated);
  octets trailing = m;
  trailing.push_back(0);
  EXPECT_EQ(parse_error_of(trailing), dns_error::trailing_data);
  EXPECT_EQ(parse_error_of(octets(11, 0)), dns_error::truncated);
  // The answer's data length runs past the end.
  octets cut(m.begin(), m.end() - 1);
  EXPECT_EQ(parse_error_of(cut), dns_error::truncated);
}

TEST(DnsMessage, UpdateDeletionsMayCarryNoData) {
  // RFC 2136 §2.5.2: delete an RRset: class ANY, TTL 0, no data.
  octets m = {0, 1, 0x28, 0, 0, 1, 0, 0, 0, 1, 0, 0};
  m = cat({m, wire_of(text("example.")), be16(6), be16(in), {0xc0, 12}, be16(1),
           be16(std::uint16_t(rr_class::any)), {0, 0, 0, 0}, be16(0)});
  auto v = message_view::parse(view(m));
  ASSERT_TRUE(v.has_value()) << describe(v.error());
  EXPECT_EQ(v->header().opcode, opcode::update);
  const record deletion = *v->records(section::authority).next();
  EXPECT_EQ(deletion.rdata.size(), 0u);
  octets buf(16);
  EXPECT_EQ(expand_rdata(view(m), deletion, mut_bytes(buf.data(), buf.size())).value_or(99), 0u);
  // In class IN an A record still needs its four octets.
  m[m.size() - 8] = 0;
  m[m.size() - 7] = 1;
  EXPECT_EQ(parse_error_of(m), dns_error::bad_rdata);
}

TEST(DnsMessage, FindsTsigOnlyAsTheLastAdditionalRecord) {
  const octets tsig_rdata = cat({wire_of(text("hmac-sha256.")), {0, 0, 0x5f, 0, 0, 0}, be16(300),
                                 be16(32), octets(32, 7), be16(0x1234), be16(0), be16(0)});
  auto with_additional = [&](std::vector<std::pair<std::uint16_t, octets>> records) {
    octets m = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, std::uint8_t(records.size())};
    m = cat({m, wire_of(text("example.")), be16(252), be16(in)});
    for (const auto& [type, rdata] : records) {
      m = cat({m, wire_of(text("key.")), be16(type), be16(type == 250 ? 255 : in), {0, 0, 0, 0},
               be16(std::uint16_t(rdata.size())), rdata});
    }
    return m;
  };
  const octets last = with_additional({{1, {1, 2, 3, 4}}, {250, tsig_rdata}});
  auto v = message_view::parse(view(last));
  ASSERT_TRUE(v.has_value()) << describe(v.error());
  ASSERT_TRUE(v->tsig().has_value());
  EXPECT_EQ(v->tsig()->owner, text("key."));
  EXPECT_FALSE(v->tsig_misplaced());
  const octets first = with_additional({{250, tsig_rdata}, {1, {1, 2, 3, 4}}});
  auto w = message_view::parse(view(first));
  ASSERT_TRUE(w.has_value());
  EXPECT_FALSE(w->tsig().has_value());
  EXPECT_TRUE(w->tsig_misplaced());
  // A MAC length past the data.
  octets bad = tsig_rdata;
  bad[wire_of(text("hmac-sha256.")).size() + 9] = 40;
  EXPECT_EQ(parse_error_of(with_additional({{250, bad}})), dns_error::bad_rdata);
}

TEST(DnsWriter, CompressesOwnersAndRfc1035NamesOnly) {
  octets buf(512);
  message_writer w(mut_bytes(buf.data(), buf.size()));
  header h;
  h.id = 7;
  h.response = true;
  h.authoritative = true;
  w.set_header(h);
  const name zone = text("example.org.");
  ASSERT_TRUE(w.add_question(text("www.example.org."), rr_type::cname, in).has_value());
  const octets cname = wire_of(text("web.example.org."));
  ASSERT_TRUE(w.add_record(section::answer, text("www.example.org."), rr_type::cname, in, 300,
                           view(cname)).has_value());
  const octets srv = cat({{0, 1, 0, 1, 0x01, 0xbb}, wire_of(text("web.example.org."))});
  ASSERT_TRUE(w.add_record(section::answer, text("_https._tcp.example.org."), rr_type::srv, in,
                           300, view(srv)).has_value());
  const octets soa = cat({wire_of(text("ns1.example.org.")), wire_of(text("hostmaster.example.org.")),
                          octets(20, 1)});
  ASSERT_TRUE(w.add_record(section::authority, zone, rr_type::soa, in, 3600, view(soa)).has_value());
  const bytes m = w.finish();
  auto v = message_view::parse(m);
  ASSERT_TRUE(v.has_value()) << describe(v.error());
  EXPECT_EQ(v->header(), h);
  EXPECT_EQ(v->count(section::answer), 2u);
  EXPECT_EQ(v->count(section::authority), 1u);
  auto answers = v->records(section::answer);
  const record c = *answers.next();
  EXPECT_EQ(c.owner, text("www.example.org."));
  EXPECT_EQ(c.rdata.size(), 3u + 1 + 2);  // "web" then a pointer
  const record s = *answers.next();
  EXPECT_EQ(of(s.rdata), srv);  // SRV's target stays uncompressed (RFC 3597 §4)
  const record a = *v->records(section::authority).next();
  EXPECT_EQ(a.owner, zone);
  octets buf2(600);
  auto n = expand_rdata(m, a, mut_bytes(buf2.data(), buf2.size()));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(octets(buf2.begin(), buf2.begin() + static_cast<long>(*n)), soa);
  EXPECT_LT(a.rdata.size(), soa.size());
  // Header 12; question 17 + 4; CNAME 2 + 10 + (4 + 2); SRV "_https._tcp"
  // 12 + a pointer 2, 10, 6 + 17; SOA owner 2 + 10, names 4 + 2 and 11 + 2,
  // and 20.
  EXPECT_EQ(m.size(), 12u + 21 + 18 + 47 + 51);
}

TEST(DnsWriter, LeavesNothingOfARecordThatDoesNotFit) {
  octets buf(100);
  message_writer w(mut_bytes(buf.data(), buf.size()));
  ASSERT_TRUE(w.add_question(text("example.com."), rr_type::txt, in).has_value());
  const octets txt = cat({{20}, octets(20, 'x')});
  std::size_t added = 0;
  for (;;) {
    const std::size_t before = w.size();
    auto r = w.add_record(section::answer, text("example.com."), rr_type::txt, in, 60, view(txt));
    if (!r) {
      EXPECT_EQ(r.error(), dns_error::no_space);
      EXPECT_EQ(w.size(), before);
      break;
    }
    ++added;
  }
  EXPECT_EQ(added, 2u);  // 12 + 17 + 2 * 33 = 95; a third needs 128
  auto v = message_view::parse(w.finish());
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->count(section::answer), 2u);
  // Rewinding to a mark drops what came after it, compression table too.
  octets buf3(512);
  message_writer x(mut_bytes(buf3.data(), buf3.size()));
  const auto empty = x.position();
  ASSERT_TRUE(x.add_question(text("gone.example."), rr_type::a, in).has_value());
  x.rewind(empty);
  ASSERT_TRUE(x.add_question(text("kept.example."), rr_type::a, in).has_value());
  const octets target = wire_of(text("gone.example."));
  ASSERT_TRUE(x.add_record(section::answer, text("kept.example."), rr_type::cname, in, 1,
                           view(target)).has_value());
  auto y = message_view::parse(x.finish());
  ASSERT_TRUE(y.has_value());
  EXPECT_EQ(y->question_at()->qname, text("kept.example."));
  const record r = *y->records(section::answer).next();
  octets buf4(300);
  auto n = expand_rdata(y->wire(), r, mut_bytes(buf4.data(), buf4.size()));
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(octets(buf4.begin(), buf4.begin() + static_cast<long>(*n)), target);
}

TEST(DnsWriter, RefusesNonCanonicalData) {
  octets buf(512);
  message_writer w(mut_bytes(buf.data(), buf.size()));
  const octets pointer = {0xc0, 12};
  EXPECT_EQ(w.add_record(section::answer, text("a."), rr_type::cname, in, 1, view(pointer)).error(),
            dns_error::bad_pointer);
  EXPECT_EQ(w.size(), header_size);
  EXPECT_EQ(check_canonical_rdata(rr_type::a, view(octets{1, 2, 3})).error(), dns_error::bad_rdata);
}
