// The stub resolver's pure parts (stub.hpp): the query, each verdict on a
// reply (another ID or question, TC, NXDOMAIN and NODATA with their
// negative TTL, SERVFAIL, a CNAME chain in any order, records at other
// names ignored), and the cache's TTLs and bounds. dns.lookup-unbound
// checks the whole resolver against unbound and NSD.
#include <fata/dns/stub.hpp>

#include <gtest/gtest.h>

#include <fata/dns/message.hpp>

#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

name text_name(std::string_view s) { return name::from_text(s).value(); }

struct record_spec {
  section where;
  const char* owner;
  rr_type type;
  std::uint32_t ttl;
  std::vector<std::uint8_t> rdata;
};

std::vector<std::uint8_t> wire_name(std::string_view s) {
  const name n = text_name(s);  // wire() views it: it must outlive the copy
  const bytes w = n.wire();
  return {w.u8_data(), w.u8_data() + w.size()};
}

std::vector<std::uint8_t> soa_rdata(std::uint32_t minimum) {
  auto out = wire_name("ns.example.");
  auto rname = wire_name("hostmaster.example.");
  out.insert(out.end(), rname.begin(), rname.end());
  for (std::uint32_t v : {1u, 7200u, 3600u, 1209600u, minimum}) {
    for (int i = 3; i >= 0; --i) out.push_back(std::uint8_t(v >> (8 * i)));
  }
  return out;
}

std::vector<std::uint8_t> reply(std::uint16_t id, const char* qname, rr_type qtype, std::uint8_t code,
                                const std::vector<record_spec>& records, bool tc = false) {
  std::vector<std::uint8_t> out(4096);
  message_writer w(mut_bytes(out.data(), out.size()));
  header h;
  h.id = id;
  h.response = true;
  h.recursion_desired = true;
  h.recursion_available = true;
  h.truncated = tc;
  h.rcode = code;
  w.set_header(h);
  EXPECT_TRUE(w.add_question(text_name(qname), qtype, 1));
  for (const auto& r : records) {
    EXPECT_TRUE(w.add_record(r.where, text_name(r.owner), r.type, 1, r.ttl,
                             bytes(r.rdata.data(), r.rdata.size())));
  }
  out.resize(w.finish().size());
  return out;
}

stub_judgement judge(const std::vector<std::uint8_t>& m, const char* qname, rr_type qtype,
                     lookup_result& out, std::uint16_t id = 0x2222) {
  return judge_stub_reply(bytes(m.data(), m.size()), id, text_name(qname), qtype, out);
}

TEST(DnsStub, TheQueryAsksForRecursion) {
  std::vector<std::uint8_t> out(512);
  auto q = write_stub_query(text_name("www.example."), rr_type::aaaa, 0x1234, 1232,
                            mut_bytes(out.data(), out.size()));
  ASSERT_TRUE(q.has_value());
  auto v = message_view::parse(*q);
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->header().id, 0x1234);
  EXPECT_TRUE(v->header().recursion_desired);
  EXPECT_FALSE(v->header().response);
  EXPECT_EQ(v->question_at(0)->qtype, rr_type::aaaa);
  ASSERT_TRUE(v->opt().has_value());
  EXPECT_EQ(v->opt()->rclass, 1232);
  auto plain = write_stub_query(text_name("www.example."), rr_type::a, 1, 0, mut_bytes(out.data(), out.size()));
  EXPECT_FALSE(message_view::parse(*plain)->opt().has_value());
}

TEST(DnsStub, OnlyTheAnswerToTheQuestionCounts) {
  lookup_result out;
  const std::vector<record_spec> a = {{section::answer, "www.example.", rr_type::a, 60, {192, 0, 2, 1}}};
  EXPECT_EQ(judge(reply(0x2223, "www.example.", rr_type::a, 0, a), "www.example.", rr_type::a, out).verdict,
            stub_reply::not_the_answer);
  EXPECT_EQ(judge(reply(0x2222, "ftp.example.", rr_type::a, 0, a), "www.example.", rr_type::a, out).verdict,
            stub_reply::not_the_answer);
  EXPECT_EQ(judge(reply(0x2222, "www.example.", rr_type::aaaa, 0, a), "www.example.", rr_type::a, out).verdict,
            stub_reply::not_the_answer);
  const std::uint8_t scrap[5] = {0x22, 0x22, 0x80, 0, 0};
  EXPECT_EQ(judge_stub_reply(bytes(scrap, 5), 0x2222, text_name("www.example."), rr_type::a, out).verdict,
            stub_reply::not_the_answer);
  EXPECT_EQ(judge(reply(0x2222, "www.example.", rr_type::a, 0, {}, true), "www.example.", rr_type::a, out).verdict,
            stub_reply::truncated);
  EXPECT_EQ(judge(reply(0x2222, "WWW.Example.", rr_type::a, 0, a), "www.example.", rr_type::a, out).verdict,
            stub_reply::answered);
}

TEST(DnsStub, NegativeAnswersCarryTheSoasTtl) {
  lookup_result out;
  const std::vector<record_spec> soa = {{section::authority, "example.", rr_type::soa, 900, soa_rdata(300)}};
  auto nx = judge(reply(0x2222, "no.example.", rr_type::a, 3, soa), "no.example.", rr_type::a, out);
  EXPECT_EQ(nx.verdict, stub_reply::nxdomain);
  EXPECT_EQ(nx.negative_ttl, 300u);
  auto nodata = judge(reply(0x2222, "www.example.", rr_type::mx, 0, soa), "www.example.", rr_type::mx, out);
  EXPECT_EQ(nodata.verdict, stub_reply::no_data);
  EXPECT_EQ(nodata.negative_ttl, 300u);
  EXPECT_EQ(judge(reply(0x2222, "www.example.", rr_type::mx, 0, {}), "www.example.", rr_type::mx, out).negative_ttl,
            0u);
  auto failed = judge(reply(0x2222, "www.example.", rr_type::a, 2, {}), "www.example.", rr_type::a, out);
  EXPECT_EQ(failed.verdict, stub_reply::server_failure);
  EXPECT_EQ(failed.code, rcode::servfail);
}

TEST(DnsStub, TheChainIsFollowedAndOtherNamesIgnored) {
  lookup_result out;
  // Out of order: the target's record first, then the two CNAMEs, and a
  // record for a name off the chain that must not be taken.
  const std::vector<record_spec> records = {
      {section::answer, "host.example.", rr_type::a, 30, {192, 0, 2, 7}},
      {section::answer, "mid.example.", rr_type::cname, 600, wire_name("host.example.")},
      {section::answer, "www.example.", rr_type::cname, 120, wire_name("mid.example.")},
      {section::answer, "evil.example.", rr_type::a, 30, {203, 0, 113, 66}},
      {section::answer, "host.example.", rr_type::a, 45, {192, 0, 2, 8}},
  };
  auto j = judge(reply(0x2222, "www.example.", rr_type::a, 0, records), "www.example.", rr_type::a, out);
  ASSERT_EQ(j.verdict, stub_reply::answered);
  EXPECT_EQ(out.canonical_name, text_name("host.example."));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out.rdata(0).u8(3), 7);
  EXPECT_EQ(out.rdata(1).u8(3), 8);
  EXPECT_EQ(out.ttl, 30u);
  // A chain with no record at its end is NODATA; a CNAME asked for is
  // the answer itself.
  const std::vector<record_spec> dangling = {
      {section::answer, "www.example.", rr_type::cname, 120, wire_name("gone.example.")}};
  EXPECT_EQ(judge(reply(0x2222, "www.example.", rr_type::a, 0, dangling), "www.example.", rr_type::a, out).verdict,
            stub_reply::no_data);
  auto cname = judge(reply(0x2222, "www.example.", rr_type::cname, 0, dangling), "www.example.",
                     rr_type::cname, out);
  EXPECT_EQ(cname.verdict, stub_reply::answered);
  EXPECT_EQ(out.size(), 1u);
}

TEST(DnsStub, ALoopOfCnamesEnds) {
  lookup_result out;
  const std::vector<record_spec> loop = {
      {section::answer, "a.example.", rr_type::cname, 60, wire_name("b.example.")},
      {section::answer, "b.example.", rr_type::cname, 60, wire_name("a.example.")}};
  EXPECT_EQ(judge(reply(0x2222, "a.example.", rr_type::a, 0, loop), "a.example.", rr_type::a, out).verdict,
            stub_reply::no_data);
}

lookup_result one_address(std::uint32_t ttl, std::uint8_t last) {
  lookup_result r;
  r.ttl = ttl;
  const std::uint8_t a[4] = {192, 0, 2, last};
  r.add(bytes(a, 4));
  return r;
}

TEST(DnsStubCache, EntriesLiveForTheirTtl) {
  memory_budget budget(1 << 20);
  lookup_cache cache(8, budget);
  const mono_time t0{};
  cache.store(text_name("www.example."), rr_type::a, one_address(60, 1), t0);
  cache.store_negative(text_name("no.example."), rr_type::a, lookup_error::nxdomain, 30, t0);
  auto hit = cache.find(text_name("WWW.example."), rr_type::a, t0 + std::chrono::seconds(59));
  ASSERT_TRUE(hit.has_value());
  ASSERT_NE(hit->records, nullptr);
  EXPECT_EQ(hit->records->rdata(0).u8(3), 1);
  EXPECT_FALSE(cache.find(text_name("www.example."), rr_type::aaaa, t0).has_value());
  EXPECT_FALSE(cache.find(text_name("www.example."), rr_type::a, t0 + std::chrono::seconds(60)).has_value());
  auto negative = cache.find(text_name("no.example."), rr_type::a, t0 + std::chrono::seconds(29));
  ASSERT_TRUE(negative.has_value());
  EXPECT_EQ(negative->records, nullptr);
  EXPECT_EQ(negative->error, lookup_error::nxdomain);
  // TTLs are capped: a week's answer is kept a day.
  cache.store(text_name("long.example."), rr_type::a, one_address(7 * 86400, 2), t0);
  EXPECT_FALSE(cache.find(text_name("long.example."), rr_type::a, t0 + std::chrono::seconds(86400)).has_value());
}

TEST(DnsStubCache, FullItDropsWhatExpiresFirstAndGivesItsMemoryBack) {
  memory_budget budget(1 << 20);
  {
    lookup_cache cache(3, budget);
    const mono_time t0{};
    cache.store(text_name("a.example."), rr_type::a, one_address(300, 1), t0);
    cache.store(text_name("b.example."), rr_type::a, one_address(100, 2), t0);
    cache.store(text_name("c.example."), rr_type::a, one_address(200, 3), t0);
    cache.store(text_name("d.example."), rr_type::a, one_address(400, 4), t0);
    EXPECT_EQ(cache.size(), 3u);
    EXPECT_FALSE(cache.find(text_name("b.example."), rr_type::a, t0).has_value());
    EXPECT_TRUE(cache.find(text_name("a.example."), rr_type::a, t0).has_value());
    EXPECT_TRUE(cache.find(text_name("d.example."), rr_type::a, t0).has_value());
    EXPECT_GT(budget.used(), 0u);
  }
  EXPECT_EQ(budget.used(), 0u);
  // A budget smaller than one entry keeps nothing, and refuses nothing else.
  memory_budget tiny(16);
  lookup_cache small(8, tiny);
  small.store(text_name("a.example."), rr_type::a, one_address(300, 1), mono_time{});
  EXPECT_EQ(small.size(), 0u);
}

// The index (open addressing, backward-shift deletion) through many
// stores, replacements, expiries and evictions: every entry held is found
// with its own records, none dropped is, and the memory all comes back.
TEST(DnsStubCache, TheIndexFindsWhatIsHeldThroughEvictionsAndExpiries) {
  memory_budget budget(1 << 20);
  {
    lookup_cache cache(64, budget);
    const mono_time t0{};
    std::vector<std::uint32_t> stored;  // the last inserted TTL of each name, 0: never stored
    stored.assign(500, 0);
    std::uint32_t seed = 12345;
    auto next = [&] { return seed = seed * 1103515245u + 12345u; };
    auto host = [](std::size_t n) { return text_name("h" + std::to_string(n) + ".Example."); };
    for (int step = 0; step < 5000; ++step) {
      const std::size_t n = next() % stored.size();
      const std::uint32_t ttl = 10 + next() % 1000;
      const auto now = t0 + std::chrono::seconds(step / 10);
      cache.store(host(n), rr_type::a, one_address(ttl, static_cast<std::uint8_t>(n)), now);
      stored[n] = ttl;
      ASSERT_LE(cache.size(), 64u);
      // What was just stored is found, in any case, with its own data.
      auto just = cache.find(text_name("H" + std::to_string(n) + ".example."), rr_type::a, now);
      ASSERT_TRUE(just.has_value()) << step;
      ASSERT_NE(just->records, nullptr);
      EXPECT_EQ(just->records->rdata(0).u8(3), static_cast<std::uint8_t>(n));
    }
    const auto end = t0 + std::chrono::seconds(500);
    std::size_t found = 0;
    for (std::size_t n = 0; n < stored.size(); ++n) {
      auto h = cache.find(host(n), rr_type::a, end);
      if (!h) continue;
      ++found;
      ASSERT_NE(stored[n], 0u);
      ASSERT_NE(h->records, nullptr);
      EXPECT_EQ(h->records->rdata(0).u8(3), static_cast<std::uint8_t>(n));
      EXPECT_FALSE(cache.find(host(n), rr_type::aaaa, end).has_value());
    }
    EXPECT_EQ(found, cache.size());  // expired ones went as they were asked for
    EXPECT_GT(found, 0u);
  }
  EXPECT_EQ(budget.used(), 0u);
}

}  // namespace
