// Dynamic update (update.hpp): each rule of RFC 2136 §3 against the zone
// it leaves, the serial, the journal it feeds, and IXFR (transfer.hpp)
// answered from that journal. dns.update-ixfr checks the same with
// nsupdate, dig and NSD as a secondary.
#include <fata/dns/update.hpp>

#include <gtest/gtest.h>

#include <fata/dns/transfer.hpp>
#include <fata/dns/zone_load.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

name text_name(std::string_view s) { return name::from_text(s).value(); }

constexpr std::uint64_t now = 1'796'000'000;
constexpr std::uint16_t in = 1, none = 254, any = 255;

tsig_key key_of(std::string_view key_name) {
  return tsig_key::from_base64(text_name(key_name), tsig_algorithm::hmac_sha256,
                               "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
      .value();
}

memory_budget& unlimited() {
  static memory_budget budget;
  return budget;
}

std::unique_ptr<zone> load_example() {
  const std::string text =
      "$TTL 3600\n@ SOA ns1 hostmaster 7 7200 3600 1209600 300\n@ NS ns1\n@ NS ns2\n"
      "ns1 A 192.0.2.1\nns2 A 192.0.2.2\nwww A 192.0.2.10\nwww A 192.0.2.11\n"
      "www TXT \"web\"\nalias CNAME www\n";
  zone_builder builder(text_name("example."), unlimited());
  zone_loader loader(builder, "test.zone", text);
  auto step = loader.run();
  EXPECT_TRUE(step && !*step);
  return std::make_unique<zone>(std::move(builder).take());
}

std::vector<std::uint8_t> a_data(std::uint8_t last) { return {192, 0, 2, last}; }

struct rr {
  std::string_view owner;
  rr_type type;
  std::uint16_t rclass;
  std::uint32_t ttl;
  std::vector<std::uint8_t> data;
};

struct update_fixture : ::testing::Test {
  std::unique_ptr<zone> example = load_example();
  std::vector<const zone*> zones{example.get()};
  const tsig_key key = key_of("update.key.");
  std::vector<tsig_key> keys{key};
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(65535);
  std::vector<std::uint8_t> request;

  const std::vector<std::uint8_t>& make(const std::vector<rr>& prerequisites, const std::vector<rr>& updates,
                                        const tsig_key* signer, std::string_view zone_name = "example.",
                                        std::uint64_t signed_at = now) {
    request.assign(4096, 0);
    message_writer w(mut_bytes(request.data(), request.size()));
    header h;
    h.id = 0x5151;
    h.opcode = opcode::update;
    w.set_header(h);
    EXPECT_TRUE(w.add_question(text_name(zone_name), rr_type::soa, in));
    for (const rr& p : prerequisites) {
      EXPECT_TRUE(w.add_record(section::answer, text_name(p.owner), p.type, p.rclass, p.ttl,
                               bytes(p.data.data(), p.data.size())));
    }
    for (const rr& u : updates) {
      EXPECT_TRUE(w.add_record(section::authority, text_name(u.owner), u.type, u.rclass, u.ttl,
                               bytes(u.data.data(), u.data.size())));
    }
    if (signer) {
      EXPECT_TRUE(tsig_sign(w, *signer, {.place = tsig_place::request, .now = signed_at}).has_value());
    }
    request.resize(w.finish().size());
    return request;
  }

  update_outcome send(const std::vector<rr>& prerequisites, const std::vector<rr>& updates) {
    make(prerequisites, updates, &key);
    return answer();
  }
  update_outcome answer() {
    const bytes wire(request.data(), request.size());
    EXPECT_TRUE(is_update_request(wire));
    update_outcome o = answer_update(zones, update_policy{.keys = keys}, wire, now, unlimited(),
                                     mut_bytes(buffer.data(), buffer.size()));
    auto v = message_view::parse(o.reply);
    EXPECT_TRUE(v.has_value());
    if (v) {
      EXPECT_EQ(v->header().id, 0x5151);
      EXPECT_TRUE(v->header().response);
      EXPECT_EQ(v->header().opcode, opcode::update);
      EXPECT_EQ(v->header().rcode, static_cast<std::uint8_t>(static_cast<std::uint16_t>(o.code) & 0xf));
    }
    return o;
  }
};

std::size_t count(const zone& z, std::string_view owner, rr_type type) {
  const zone::range r = z.find(text_name(owner), type);
  return r.last - r.first;
}

std::uint32_t serial_of(const zone& z) {
  return *soa_serial(z.at(z.find(z.apex(), rr_type::soa).first).rdata);
}

TEST_F(update_fixture, AnAddAndADeleteMakeANewZoneOneSerialHigher) {
  auto o = send({}, {{"new.example.", rr_type::a, in, 300, a_data(50)},
                     {"www.example.", rr_type::txt, any, 0, {}}});
  ASSERT_EQ(o.code, rcode::noerror);
  ASSERT_TRUE(o.updated);
  EXPECT_EQ(count(*o.updated, "new.example.", rr_type::a), 1u);
  EXPECT_EQ(count(*o.updated, "www.example.", rr_type::txt), 0u);
  EXPECT_EQ(count(*o.updated, "www.example.", rr_type::a), 2u);
  EXPECT_EQ(serial_of(*o.updated), 8u);
  // The old zone is untouched.
  EXPECT_EQ(count(*example, "www.example.", rr_type::txt), 1u);
  EXPECT_EQ(serial_of(*example), 7u);
  // The change in IXFR's form: old SOA, the TXT deleted, new SOA, the A.
  ASSERT_TRUE(o.change);
  EXPECT_EQ(o.change->from_serial(), 7u);
  EXPECT_EQ(o.change->to_serial(), 8u);
  ASSERT_EQ(o.change->size(), 4u);
  EXPECT_EQ(o.change->at(0).type, rr_type::soa);
  EXPECT_EQ(o.change->at(1).type, rr_type::txt);
  EXPECT_EQ(o.change->at(2).type, rr_type::soa);
  EXPECT_EQ(o.change->at(3).owner, text_name("new.example."));
}

TEST_F(update_fixture, OneRecordAndAWholeNameAreDeleted) {
  auto one = send({}, {{"www.example.", rr_type::a, none, 0, a_data(10)}});
  ASSERT_TRUE(one.updated);
  EXPECT_EQ(count(*one.updated, "www.example.", rr_type::a), 1u);
  auto whole = send({}, {{"www.example.", rr_type::any, any, 0, {}}});
  ASSERT_TRUE(whole.updated);
  EXPECT_TRUE(whole.updated->find(text_name("www.example.")).empty());
}

TEST_F(update_fixture, PrerequisitesThatFailChangeNothing) {
  const std::vector<rr> add = {{"x.example.", rr_type::a, in, 60, a_data(1)}};
  struct failing {
    rr prerequisite;
    rcode code;
  };
  const failing cases[] = {
      {{"nope.example.", rr_type::any, any, 0, {}}, rcode::nxdomain},
      {{"www.example.", rr_type::any, none, 0, {}}, rcode::yxdomain},
      {{"www.example.", rr_type::aaaa, any, 0, {}}, rcode::nxrrset},
      {{"www.example.", rr_type::a, none, 0, {}}, rcode::yxrrset},
      // Not the whole RRset: www has .10 and .11.
      {{"www.example.", rr_type::a, in, 0, a_data(10)}, rcode::nxrrset},
      {{"www.example.", rr_type::a, in, 0, a_data(99)}, rcode::nxrrset},
      {{"www.example.", rr_type::a, any, 60, {}}, rcode::formerr},
      {{"www.other.", rr_type::a, any, 0, {}}, rcode::notzone},
  };
  for (const failing& c : cases) {
    auto o = send({c.prerequisite}, add);
    EXPECT_EQ(o.code, c.code);
    EXPECT_FALSE(o.updated);
  }
  auto exact = send({{"www.example.", rr_type::a, in, 0, a_data(10)}, {"www.example.", rr_type::a, in, 0, a_data(11)},
                     {"www.example.", rr_type::a, any, 0, {}}, {"x.example.", rr_type::any, none, 0, {}}},
                    add);
  EXPECT_EQ(exact.code, rcode::noerror);
  EXPECT_TRUE(exact.updated);
}

TEST_F(update_fixture, ThePrescanRefusesTheWholeUpdate) {
  // The good add before the bad one does not apply either.
  const rr good = {"x.example.", rr_type::a, in, 60, a_data(1)};
  EXPECT_EQ(send({}, {good, {"x.other.", rr_type::a, in, 60, a_data(1)}}).code, rcode::notzone);
  EXPECT_EQ(send({}, {good, {"x.example.", rr_type::any, in, 60, {}}}).code, rcode::formerr);
  EXPECT_EQ(send({}, {good, {"x.example.", rr_type::a, any, 60, {}}}).code, rcode::formerr);
  EXPECT_EQ(send({}, {good, {"x.example.", rr_type::a, 3, 60, a_data(1)}}).code, rcode::formerr);
  EXPECT_EQ(send({}, {good, {"x.example.", rr_type::any, none, 0, {}}}).code, rcode::formerr);
}

TEST_F(update_fixture, WhatRfc2136IgnoresIsIgnored) {
  const std::vector<std::uint8_t> www = {3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  std::vector<std::uint8_t> older_soa = {3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
                                         1, 'h', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 0, 0, 6};
  older_soa.resize(older_soa.size() + 16, 0);
  auto o = send({}, {{"www.example.", rr_type::cname, in, 60, www},             // beside data
                     {"alias.example.", rr_type::a, in, 60, a_data(3)},          // beside a CNAME
                     {"example.", rr_type::ns, any, 0, {}},                      // the apex NS RRset
                     {"example.", rr_type::any, any, 0, {}},                     // all but SOA and NS
                     {"example.", rr_type::soa, in, 60, older_soa},              // an older serial
                     {"www.example.", rr_type::a, in, 60, a_data(10)}});         // a duplicate
  EXPECT_EQ(o.code, rcode::noerror);
  EXPECT_FALSE(o.updated);
}

TEST_F(update_fixture, TheLastApexNsStays) {
  const std::vector<std::uint8_t> ns1 = {3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  const std::vector<std::uint8_t> ns2 = {3, 'n', 's', '2', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  auto o = send({}, {{"example.", rr_type::ns, none, 0, ns1}, {"example.", rr_type::ns, none, 0, ns2}});
  ASSERT_TRUE(o.updated);
  EXPECT_EQ(count(*o.updated, "example.", rr_type::ns), 1u);
}

TEST_F(update_fixture, ANewerSoaGivenSetsTheSerial) {
  std::vector<std::uint8_t> soa = {3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
                                   1, 'h', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0, 0, 0, 0, 42};
  soa.resize(soa.size() + 16, 0);
  auto o = send({}, {{"example.", rr_type::soa, in, 60, soa}});
  ASSERT_TRUE(o.updated);
  EXPECT_EQ(serial_of(*o.updated), 42u);
}

TEST_F(update_fixture, AZoneThatFailsItsChecksIsRefused) {
  const std::vector<std::uint8_t> child_ns = {2, 'n', 's', 5, 'c', 'h', 'i', 'l', 'd', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
  auto o = send({}, {{"child.example.", rr_type::ns, in, 60, child_ns}});
  EXPECT_EQ(o.code, rcode::refused);
  EXPECT_FALSE(o.updated);
  EXPECT_FALSE(o.problem.empty());
}

TEST_F(update_fixture, WhoMayUpdate) {
  const std::vector<rr> add = {{"x.example.", rr_type::a, in, 60, a_data(1)}};
  make({}, add, nullptr);
  EXPECT_EQ(answer().code, rcode::refused);
  const tsig_key stranger = key_of("stranger.key.");
  make({}, add, &stranger);
  auto badkey = answer();
  EXPECT_EQ(badkey.code, rcode::notauth);
  EXPECT_FALSE(badkey.updated);
  make({}, add, &key);
  request[request.size() - 20] ^= 1;  // in the MAC
  auto badsig = answer();
  EXPECT_EQ(badsig.code, rcode::notauth);
  EXPECT_FALSE(badsig.updated);
  make({}, add, &key, "example.org.");
  EXPECT_EQ(answer().code, rcode::notauth);
  // A request signed beyond the fudge (a replay, or a wrong clock) gets a
  // signed BADTIME and changes nothing.
  make({}, add, &key, "example.", now - 1000);
  auto stale = answer();
  EXPECT_EQ(stale.code, rcode::notauth);
  EXPECT_FALSE(stale.updated);
  auto stale_view = message_view::parse(stale.reply);
  ASSERT_TRUE(stale_view && stale_view->tsig());
  auto stale_tsig = read_tsig(*stale_view);
  ASSERT_TRUE(stale_tsig.has_value());
  EXPECT_EQ(stale_tsig->error, static_cast<std::uint16_t>(rcode::badtime));
  EXPECT_GT(stale_tsig->mac.size(), 0u);
  // A good one is signed back over the request's MAC.
  make({}, add, &key);
  auto good = answer();
  EXPECT_EQ(good.code, rcode::noerror);
  auto v = message_view::parse(good.reply);
  ASSERT_TRUE(v && v->tsig());
}

TEST_F(update_fixture, GarbageIsFormerr) {
  make({}, {}, &key);
  request[5] = 2;  // two zones
  const bytes wire(request.data(), request.size());
  auto o = answer_update(zones, update_policy{.keys = keys}, wire, now, unlimited(),
                         mut_bytes(buffer.data(), buffer.size()));
  EXPECT_EQ(o.code, rcode::formerr);
  EXPECT_FALSE(is_update_request(bytes(request.data(), 5)));
}

TEST(DnsJournal, KeepsAChainAndDropsTheOldestOverItsLimit) {
  auto change = [](std::uint32_t from, std::uint32_t to) {
    auto c = std::make_shared<zone_change>();
    c->set_serials(from, to);
    c->add(name::from_text("example.").value(), rr_type::txt, 0, bytes("\x03" "abc", 4));
    return std::shared_ptr<const zone_change>(std::move(c));
  };
  zone_journal j(1 << 20);
  j = j.with(change(1, 2)).with(change(2, 3)).with(change(3, 4));
  EXPECT_EQ(j.since(1).size(), 3u);
  EXPECT_EQ(j.since(3).size(), 1u);
  EXPECT_TRUE(j.since(4).empty());
  EXPECT_TRUE(j.since(9).empty());
  // A change that does not follow starts the journal again.
  EXPECT_EQ(j.with(change(10, 11)).size(), 1u);
  zone_journal small(change(1, 2)->memory() * 2);
  small = small.with(change(1, 2)).with(change(2, 3)).with(change(3, 4));
  EXPECT_EQ(small.size(), 2u);
  EXPECT_TRUE(small.since(1).empty());
  EXPECT_EQ(small.since(2).size(), 2u);
}

TEST_F(update_fixture, IxfrFromTheJournalSendsTheChangesSince) {
  auto first = send({}, {{"new.example.", rr_type::a, in, 300, a_data(50)}});
  ASSERT_TRUE(first.updated);
  zones[0] = first.updated.get();
  auto second = send({}, {{"www.example.", rr_type::a, none, 0, a_data(10)}});
  ASSERT_TRUE(second.updated);
  zone_journal journal;
  journal = journal.with(first.change).with(second.change);
  std::vector<const zone*> now_served{second.updated.get()};
  std::vector<const zone_journal*> journals{&journal};

  // IXFR from serial 7: new SOA, (7, 8, +new), (8, -www .10, 9), new SOA.
  std::vector<std::uint8_t> ixfr(1024);
  message_writer w(mut_bytes(ixfr.data(), ixfr.size()));
  header h;
  h.id = 7;
  w.set_header(h);
  ASSERT_TRUE(w.add_question(text_name("example."), rr_type::ixfr, in));
  const zone_entry old_soa = example->at(example->find(example->apex(), rr_type::soa).first);
  ASSERT_TRUE(w.add_record(section::authority, old_soa.owner, rr_type::soa, in, 0, old_soa.rdata));
  ASSERT_TRUE(tsig_sign(w, key, {.place = tsig_place::request, .now = now}).has_value());
  ixfr.resize(w.finish().size());
  zone_transfer t(now_served, transfer_policy{.keys = keys, .journals = journals}, bytes(ixfr.data(), ixfr.size()),
                  now);
  auto m = t.next(mut_bytes(buffer.data(), buffer.size()), now);
  ASSERT_TRUE(m.has_value());
  EXPECT_TRUE(t.incremental());
  auto v = message_view::parse(*m);
  ASSERT_TRUE(v.has_value());
  std::vector<std::uint32_t> soas;
  std::vector<rr_type> types;
  auto records = v->records(section::answer);
  while (auto r = records.next()) {
    types.push_back(r->type);
    if (r->type == rr_type::soa) soas.push_back(*soa_serial(r->rdata));
  }
  EXPECT_EQ(soas, (std::vector<std::uint32_t>{9, 7, 8, 8, 9, 9}));
  EXPECT_EQ(types, (std::vector<rr_type>{rr_type::soa, rr_type::soa, rr_type::soa, rr_type::a, rr_type::soa,
                                         rr_type::a, rr_type::soa, rr_type::soa}));
  EXPECT_FALSE(t.next(mut_bytes(buffer.data(), buffer.size()), now).has_value());
}

}  // namespace
