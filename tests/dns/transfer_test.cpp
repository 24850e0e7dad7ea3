// Outgoing zone transfers (transfer.hpp) between fata's own two ends: who
// may transfer and what each refusal carries, a zone larger than one
// message streamed in order with every message signed over the one
// before, and IXFR answered from the requestor's serial. dns.axfr-out
// checks the same against dig and NSD as a secondary.
#include <fata/dns/transfer.hpp>

#include <gtest/gtest.h>

#include <fata/dns/zone_load.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

name text_name(std::string_view s) { return name::from_text(s).value(); }

constexpr std::uint64_t now = 1'796'000'000;

tsig_key key_of(std::string_view key_name, std::string_view secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=") {
  return tsig_key::from_base64(text_name(key_name), tsig_algorithm::hmac_sha256, secret).value();
}

// The zone example. from the text of its file.
std::unique_ptr<zone> load_example(const std::string& text) {
  static memory_budget unlimited;
  zone_builder builder(text_name("example."), unlimited);
  zone_loader loader(builder, "test.zone", text);
  auto step = loader.run();
  EXPECT_TRUE(step && !*step);
  return std::make_unique<zone>(std::move(builder).take());
}

// A zone of `extra` TXT records of 200 octets each beyond SOA, NS and glue.
std::unique_ptr<zone> make_zone(std::size_t extra, std::uint32_t serial = 5) {
  std::string text = "$TTL 3600\n@ SOA ns1 hostmaster " + std::to_string(serial) +
                     " 7200 3600 1209600 300\n@ NS ns1\nns1 A 192.0.2.2\n"
                     "child NS ns.child\nns.child A 192.0.2.7\n";
  const std::string filler(200, 'x');
  for (std::size_t i = 0; i < extra; ++i) text += "t" + std::to_string(i) + " TXT " + filler + "\n";
  return load_example(text);
}

struct request_options {
  rr_type qtype = rr_type::axfr;
  std::string_view qname = "example.";
  const tsig_key* key = nullptr;
  std::uint64_t signed_at = now;
  std::optional<std::uint32_t> ixfr_serial{};
  bool edns = false;
};

struct request {
  std::vector<std::uint8_t> wire;
  tsig_mac mac;
};

request make_request(const request_options& o) {
  request r;
  r.wire.resize(1024);
  message_writer w(mut_bytes(r.wire.data(), r.wire.size()));
  header h;
  h.id = 0x4242;
  w.set_header(h);
  EXPECT_TRUE(w.add_question(text_name(o.qname), o.qtype, 1));
  if (o.ixfr_serial) {
    // ns1.example. hostmaster.example. SERIAL 0 0 0 0, uncompressed.
    std::vector<std::uint8_t> soa = {3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
                                     10, 'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r',
                                     7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
    for (int i = 3; i >= 0; --i) soa.push_back(std::uint8_t(*o.ixfr_serial >> (8 * i)));
    soa.resize(soa.size() + 16, 0);
    EXPECT_TRUE(w.add_record(section::authority, text_name(o.qname), rr_type::soa, 1, 0,
                             bytes(soa.data(), soa.size())));
  }
  if (o.edns) {
    EXPECT_TRUE(w.add_record(section::additional, name(), rr_type::opt, 1232, 0, bytes()));
  }
  if (o.key) {
    auto mac = tsig_sign(w, *o.key, {.place = tsig_place::request, .now = o.signed_at});
    EXPECT_TRUE(mac.has_value());
    if (mac) r.mac = *mac;
  }
  r.wire.resize(w.finish().size());
  return r;
}

struct answer {
  std::vector<std::vector<std::uint8_t>> messages;
};

struct transfer_fixture : ::testing::Test {
  std::unique_ptr<zone> example = make_zone(3);
  std::vector<const zone*> zones{example.get()};
  const tsig_key key = key_of("xfr.key.");
  std::vector<tsig_key> keys{key_of("other.key."), key};
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(65535);

  answer run(const request& r, std::uint64_t at = now) {
    const bytes wire(r.wire.data(), r.wire.size());
    EXPECT_TRUE(asks_for_transfer(wire));
    zone_transfer t(zones, transfer_policy{.keys = keys}, wire, at);
    answer a;
    while (auto m = t.next(mut_bytes(buffer.data(), buffer.size()), at)) {
      a.messages.emplace_back(m->u8_data(), m->u8_data() + m->size());
      EXPECT_LT(a.messages.size(), 1000u);
      if (a.messages.size() >= 1000) break;
    }
    EXPECT_FALSE(a.messages.empty());
    return a;
  }
};

message_view view_of(const std::vector<std::uint8_t>& m) {
  return message_view::parse(bytes(m.data(), m.size())).value();
}

TEST_F(transfer_fixture, AnUnsignedRequestFromAnAllowedAddressGetsTheZoneUnsigned) {
  const request r = make_request({});
  const bytes wire(r.wire.data(), r.wire.size());
  zone_transfer t(zones, transfer_policy{.keys = keys, .unsigned_allowed = true}, wire, now);
  EXPECT_EQ(t.code(), rcode::noerror);
  std::size_t records = 0;
  while (auto m = t.next(mut_bytes(buffer.data(), buffer.size()), now)) {
    auto v = message_view::parse(*m);
    ASSERT_TRUE(v.has_value());
    EXPECT_FALSE(v->tsig().has_value());
    records += v->count(section::answer);
  }
  EXPECT_EQ(records, example->size() + 1);
  // A signed request is still checked: a wrong MAC is refused.
  const tsig_key impostor = key_of("xfr.key.", "AQECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  const request bad = make_request({.key = &impostor});
  zone_transfer refused(zones, transfer_policy{.keys = keys, .unsigned_allowed = true},
                        bytes(bad.wire.data(), bad.wire.size()), now);
  EXPECT_EQ(refused.code(), rcode::notauth);
}

TEST_F(transfer_fixture, AnUnsignedRequestIsRefused) {
  for (bool edns : {false, true}) {
    const answer a = run(make_request({.edns = edns}));
    ASSERT_EQ(a.messages.size(), 1u);
    const message_view v = view_of(a.messages[0]);
    EXPECT_EQ(v.header().rcode, static_cast<std::uint8_t>(rcode::refused));
    EXPECT_FALSE(v.header().authoritative);
    EXPECT_EQ(v.count(section::answer), 0u);
    EXPECT_FALSE(v.tsig().has_value());
    if (edns) {
      auto opt = v.opt();
      ASSERT_TRUE(opt.has_value());
      // The Extended DNS Error option (15) saying Prohibited (18).
      const bytes o = opt->rdata;
      ASSERT_GE(o.size(), 6u);
      EXPECT_EQ(o.be16(0), 15u);
      EXPECT_EQ(o.be16(4), 18u);
    }
  }
}

TEST_F(transfer_fixture, AnUnknownKeyOrAWrongMacGetsAnUnsignedNotauth) {
  const tsig_key stranger = key_of("stranger.key.");
  const tsig_key impostor = key_of("xfr.key.", "c2VjcmV0IHRoYXQgaXMgbm90IHRoZSBvbmU=");
  for (auto [k, error] : {std::pair{&stranger, rcode::badkey}, std::pair{&impostor, rcode::badsig}}) {
    const answer a = run(make_request({.key = k}));
    ASSERT_EQ(a.messages.size(), 1u);
    const message_view v = view_of(a.messages[0]);
    EXPECT_EQ(v.header().rcode, static_cast<std::uint8_t>(rcode::notauth));
    EXPECT_EQ(v.count(section::answer), 0u);
    ASSERT_TRUE(v.tsig().has_value());
    const auto f = read_tsig(v);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->key_name, k->key_name);
    EXPECT_EQ(f->error, static_cast<std::uint16_t>(error));
    EXPECT_EQ(f->mac.size(), 0u);
    EXPECT_EQ(f->original_id, 0x4242);
  }
}

TEST_F(transfer_fixture, AStaleRequestGetsASignedBadtimeWithTheServersTime) {
  const request r = make_request({.key = &key, .signed_at = now - 1000});
  const answer a = run(r);
  ASSERT_EQ(a.messages.size(), 1u);
  const message_view v = view_of(a.messages[0]);
  EXPECT_EQ(v.header().rcode, static_cast<std::uint8_t>(rcode::notauth));
  const auto f = read_tsig(v);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->error, static_cast<std::uint16_t>(rcode::badtime));
  EXPECT_EQ(f->time_signed, now - 1000);
  ASSERT_EQ(f->other.size(), 6u);
  std::uint64_t server_time = 0;
  for (std::size_t i = 0; i < 6; ++i) server_time = server_time << 8 | f->other.u8(i);
  EXPECT_EQ(server_time, now);
  // Signed over the request's MAC, at the request's time.
  EXPECT_TRUE(tsig_verify(v, key, tsig_place::first_answer, r.mac.view(), now - 1000).has_value());
}

TEST_F(transfer_fixture, AZoneNotServedIsNotauthSigned) {
  const request r = make_request({.qname = "www.example.", .key = &key});
  const answer a = run(r);
  ASSERT_EQ(a.messages.size(), 1u);
  const message_view v = view_of(a.messages[0]);
  EXPECT_EQ(v.header().rcode, static_cast<std::uint8_t>(rcode::notauth));
  EXPECT_TRUE(tsig_verify(v, key, tsig_place::first_answer, r.mac.view(), now).has_value());
}

TEST_F(transfer_fixture, AZoneLargerThanAMessageStreamsSignedInOrder) {
  example = make_zone(1000);  // 200 KB of TXT: four messages or more
  zones = {example.get()};
  for (bool edns : {false, true}) {
    const request r = make_request({.key = &key, .edns = edns});
    const answer a = run(r);
    ASSERT_GE(a.messages.size(), 4u);
    std::vector<zone_entry> seen;
    tsig_mac prior = r.mac;
    for (std::size_t i = 0; i < a.messages.size(); ++i) {
      const message_view v = view_of(a.messages[i]);
      EXPECT_LE(a.messages[i].size(), 65535u);
      EXPECT_EQ(v.header().id, 0x4242);
      EXPECT_TRUE(v.header().response);
      EXPECT_TRUE(v.header().authoritative);
      EXPECT_EQ(v.header().rcode, 0);
      EXPECT_EQ(v.count(section::question), i == 0 ? 1u : 0u);
      EXPECT_EQ(v.opt().has_value(), edns);
      auto checked = tsig_verify(v, key, i == 0 ? tsig_place::first_answer : tsig_place::later_answer,
                                 prior.view(), now);
      ASSERT_TRUE(checked.has_value()) << "message " << i;
      prior = checked->mac;
      auto records = v.records(section::answer);
      while (auto rec = records.next()) {
        std::vector<std::uint8_t> data(65535);
        const auto size = expand_rdata(v.wire(), *rec, mut_bytes(data.data(), data.size()));
        ASSERT_TRUE(size.has_value());
        EXPECT_EQ(rec->rclass, 1u);
        seen.push_back(zone_entry{rec->owner, rec->type, rec->ttl, bytes()});
        // The data must be the zone's, octet for octet.
        bool found = false;
        for (auto k = example->find(rec->owner, rec->type); k.first < k.last; ++k.first) {
          const zone_entry e = example->at(k.first);
          found = found || (e.rdata.size() == *size &&
                            std::equal(data.begin(), data.begin() + *size, e.rdata.u8_data()));
        }
        EXPECT_TRUE(found);
      }
    }
    // SOA first and last, each other record once, in canonical order.
    ASSERT_EQ(seen.size(), example->size() + 1);
    EXPECT_EQ(seen.front().type, rr_type::soa);
    EXPECT_EQ(seen.back().type, rr_type::soa);
    std::size_t at = 1;
    for (std::size_t i = 0; i < example->size(); ++i) {
      const zone_entry e = example->at(i);
      if (e.type == rr_type::soa) continue;
      EXPECT_EQ(seen[at].owner, e.owner);
      EXPECT_EQ(seen[at].type, e.type);
      EXPECT_EQ(seen[at].ttl, e.ttl);
      ++at;
    }
  }
}

// A zone with one TXT record of `strings` strings of 250 octets.
std::unique_ptr<zone> zone_with_large_txt(std::size_t strings) {
  std::string text = "$TTL 3600\n@ SOA ns1 hostmaster 5 7200 3600 1209600 300\n@ NS ns1\n"
                     "ns1 A 192.0.2.2\nbig TXT";
  for (std::size_t i = 0; i < strings; ++i) text += " " + std::string(250, 'a' + char(i % 26));
  text += "\nz A 192.0.2.9\n";
  return load_example(text);
}

TEST_F(transfer_fixture, ARecordLargerThanAUsualMessageGetsOneOfItsOwn) {
  example = zone_with_large_txt(160);  // 40 KB of data
  zones = {example.get()};
  const request r = make_request({.key = &key});
  const answer a = run(r);
  std::size_t records = 0;
  tsig_mac prior = r.mac;
  for (std::size_t i = 0; i < a.messages.size(); ++i) {
    const message_view v = view_of(a.messages[i]);
    EXPECT_EQ(v.header().rcode, 0);
    auto checked = tsig_verify(v, key, i == 0 ? tsig_place::first_answer : tsig_place::later_answer,
                               prior.view(), now);
    ASSERT_TRUE(checked.has_value());
    prior = checked->mac;
    records += v.count(section::answer);
  }
  EXPECT_EQ(records, example->size() + 1);
  // What comes before it in a usual message, then it and the rest.
  ASSERT_EQ(a.messages.size(), 2u);
  EXPECT_LE(a.messages[0].size(), 16384u);
  EXPECT_GT(a.messages[1].size(), 40000u);
}

TEST_F(transfer_fixture, ARecordTooLargeForAnyMessageEndsTheTransferWithServfail) {
  example = zone_with_large_txt(260);  // 65 260 octets of data
  zones = {example.get()};
  const answer a = run(make_request({.key = &key}));
  ASSERT_EQ(a.messages.size(), 2u);
  EXPECT_EQ(view_of(a.messages[0]).header().rcode, 0);
  const message_view last = view_of(a.messages[1]);
  EXPECT_EQ(last.header().rcode, static_cast<std::uint8_t>(rcode::servfail));
  EXPECT_EQ(last.count(section::answer), 0u);
  EXPECT_TRUE(last.tsig().has_value());
}

TEST_F(transfer_fixture, IxfrFromTheCurrentSerialIsTheSoaAlone) {
  // Serial 5 is the zone's. By RFC 1982, 2^31 + 4 is newer than 5 and
  // 2^31 + 10 older (it is more than 2^31 above it).
  for (std::uint32_t theirs : {5u, 6u, 0x80000004u}) {
    const answer a = run(make_request({.qtype = rr_type::ixfr, .key = &key, .ixfr_serial = theirs}));
    ASSERT_EQ(a.messages.size(), 1u);
    const message_view v = view_of(a.messages[0]);
    EXPECT_EQ(v.header().rcode, 0);
    EXPECT_EQ(v.count(section::answer), 1u) << theirs;
  }
  for (std::uint32_t theirs : {4u, 0x8000000au}) {
    const answer full = run(make_request({.qtype = rr_type::ixfr, .key = &key, .ixfr_serial = theirs}));
    ASSERT_EQ(full.messages.size(), 1u);
    EXPECT_EQ(view_of(full.messages[0]).count(section::answer), example->size() + 1);
  }
}

TEST_F(transfer_fixture, NoKeysMeansNoTransfers) {
  keys.clear();
  const answer a = run(make_request({.key = &key}));
  ASSERT_EQ(a.messages.size(), 1u);
  const message_view v = view_of(a.messages[0]);
  EXPECT_EQ(v.header().rcode, static_cast<std::uint8_t>(rcode::notauth));
  EXPECT_EQ(read_tsig(v)->error, static_cast<std::uint16_t>(rcode::badkey));
}

TEST(DnsTransfer, OnlyQueriesForAxfrOrIxfrAreTransfers) {
  std::vector<std::uint8_t> out(512);
  auto query = [&](rr_type t, dns::opcode op, bool response) {
    message_writer w(mut_bytes(out.data(), out.size()));
    header h;
    h.opcode = op;
    h.response = response;
    w.set_header(h);
    EXPECT_TRUE(w.add_question(text_name("example."), t, 1));
    return asks_for_transfer(w.finish());
  };
  EXPECT_TRUE(query(rr_type::axfr, opcode::query, false));
  EXPECT_TRUE(query(rr_type::ixfr, opcode::query, false));
  EXPECT_FALSE(query(rr_type::soa, opcode::query, false));
  EXPECT_FALSE(query(rr_type::axfr, opcode::notify, false));
  EXPECT_FALSE(query(rr_type::axfr, opcode::query, true));
  EXPECT_FALSE(asks_for_transfer(bytes("\x12\x34", 2)));
}

}  // namespace
