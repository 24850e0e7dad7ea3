// Incoming zone transfers (transfer_in.hpp) against fata's own primary
// side (transfer.hpp, update.hpp): the secondary's request answered by
// zone_transfer and the messages fed back, the zone that results compared
// record by record with the primary's; AXFR across many signed messages,
// IXFR from a journal of two changes, up to date, the AXFR fallback, and
// each way a transfer fails; and the refresh schedule (refresh.hpp) that
// says when to ask. dns.secondary checks the same against Knot
// and NSD as primaries.
#include <fata/dns/transfer_in.hpp>

#include <gtest/gtest.h>

#include <fata/dns/refresh.hpp>
#include <fata/dns/transfer.hpp>
#include <fata/dns/update.hpp>
#include <fata/dns/zone_load.hpp>

#include <memory>
#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

name text_name(std::string_view s) { return name::from_text(s).value(); }

constexpr std::uint64_t now = 1'796'000'000;
constexpr std::uint16_t in = 1, none = 254;

tsig_key key_of(std::string_view key_name,
                std::string_view secret = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=") {
  return tsig_key::from_base64(text_name(key_name), tsig_algorithm::hmac_sha256, secret).value();
}

memory_budget& unlimited() {
  static memory_budget budget;
  return budget;
}

std::unique_ptr<zone> load(const std::string& text) {
  zone_builder builder(text_name("example."), unlimited());
  zone_loader loader(builder, "test.zone", text);
  auto step = loader.run();
  EXPECT_TRUE(step && !*step);
  return std::make_unique<zone>(std::move(builder).take());
}

const std::string example_text =
    "$TTL 3600\n@ SOA ns1 hostmaster 7 7200 3600 1209600 300\n@ NS ns1\n@ NS ns2\n"
    "ns1 A 192.0.2.1\nns2 A 192.0.2.2\nwww A 192.0.2.10\nwww A 192.0.2.11\n"
    "www TXT \"web\"\nalias CNAME www\nmail MX 10 ns1\n";

// The same zone with `extra` TXT records of 200 octets: many messages.
std::unique_ptr<zone> large_zone(std::size_t extra) {
  std::string text = example_text;
  const std::string filler(200, 'x');
  for (std::size_t i = 0; i < extra; ++i) text += "t" + std::to_string(i) + " TXT " + filler + "\n";
  return load(text);
}

void expect_same_zone(const zone& a, const zone& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const zone_entry x = a.at(i), y = b.at(i);
    EXPECT_EQ(x.owner, y.owner) << i;
    EXPECT_EQ(x.type, y.type) << i;
    EXPECT_EQ(x.ttl, y.ttl) << i;
    EXPECT_TRUE(x.rdata == y.rdata) << i;
  }
}

std::uint32_t serial_of(const zone& z) { return *soa_serial(z.at(z.find(z.apex(), rr_type::soa).first).rdata); }

// A primary (zone_transfer over its zone and journal) and a secondary
// holding `held`; the messages of each answer, kept for tampering.
struct transfer_in_fixture : ::testing::Test {
  const tsig_key key = key_of("xfr.key.");
  std::vector<tsig_key> keys{key};
  std::unique_ptr<zone> primary = load(example_text);
  std::vector<std::unique_ptr<zone>> versions;
  zone_journal journal;
  std::vector<std::uint8_t> request_buffer = std::vector<std::uint8_t>(512);
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(65535);
  std::vector<std::vector<std::uint8_t>> messages;

  // One signed UPDATE to the primary, journalled.
  void update(std::string_view owner, std::uint16_t rclass, std::uint32_t ttl, std::vector<std::uint8_t> data) {
    std::vector<std::uint8_t> wire(4096);
    message_writer w(mut_bytes(wire.data(), wire.size()));
    header h;
    h.id = 1;
    h.opcode = opcode::update;
    w.set_header(h);
    ASSERT_TRUE(w.add_question(text_name("example."), rr_type::soa, in));
    ASSERT_TRUE(w.add_record(section::authority, text_name(owner), rr_type::a, rclass, ttl,
                             bytes(data.data(), data.size())));
    ASSERT_TRUE(tsig_sign(w, key, {.place = tsig_place::request, .now = now}).has_value());
    wire.resize(w.finish().size());
    std::vector<const zone*> zones{current()};
    auto o = answer_update(zones, update_policy{.keys = keys}, bytes(wire.data(), wire.size()), now, unlimited(),
                           mut_bytes(buffer.data(), buffer.size()));
    ASSERT_EQ(o.code, rcode::noerror);
    ASSERT_TRUE(o.updated);
    journal = journal.with(o.change);
    versions.push_back(std::move(o.updated));
  }
  const zone* current() const { return versions.empty() ? primary.get() : versions.back().get(); }

  // The primary's answer to the secondary's request.
  transfer_request ask(const zone* held, const tsig_key* signer, bool with_journal = true) {
    auto r = write_transfer_request(text_name("example."), held, 0x3131, signer, now,
                                    mut_bytes(request_buffer.data(), request_buffer.size()));
    EXPECT_TRUE(r.has_value());
    std::vector<const zone*> zones{current()};
    std::vector<const zone_journal*> journals{&journal};
    zone_transfer t(zones,
                    transfer_policy{.keys = keys, .journals = with_journal ? std::span(journals)
                                                                           : std::span<const zone_journal* const>{}},
                    r->message, now);
    messages.clear();
    while (auto m = t.next(mut_bytes(buffer.data(), buffer.size()), now)) {
      messages.emplace_back(m->u8_data(), m->u8_data() + m->size());
    }
    return *r;
  }

  incoming_transfer::progress feed_all(incoming_transfer& in_transfer) {
    auto p = incoming_transfer::progress::more;
    for (const auto& m : messages) {
      p = in_transfer.feed(bytes(m.data(), m.size()), now);
      if (p != incoming_transfer::progress::more) break;
    }
    return p;
  }
};

TEST_F(transfer_in_fixture, AxfrOverManySignedMessagesGivesThePrimarysZone) {
  primary = large_zone(300);
  const transfer_request r = ask(nullptr, &key);
  ASSERT_GT(messages.size(), 2u);
  EXPECT_EQ(r.message.be16(0), 0x3131);
  incoming_transfer t(text_name("example."), nullptr, r, &key, unlimited());
  ASSERT_EQ(feed_all(t), incoming_transfer::progress::complete) << describe(t.failure());
  EXPECT_FALSE(t.incremental());
  EXPECT_FALSE(t.up_to_date());
  EXPECT_EQ(t.messages(), messages.size());
  EXPECT_EQ(t.records(), primary->size() + 1);
  auto z = t.take_zone();
  ASSERT_TRUE(z);
  expect_same_zone(*z, *primary);
  EXPECT_FALSE(t.take_change());
}

TEST_F(transfer_in_fixture, IxfrAppliesEachChangeOfTheJournal) {
  update("new.example.", in, 300, {192, 0, 2, 50});
  update("www.example.", none, 0, {192, 0, 2, 10});
  update("new.example.", none, 0, {192, 0, 2, 50});
  update("www.example.", in, 600, {192, 0, 2, 12});
  const transfer_request r = ask(primary.get(), &key);
  incoming_transfer t(text_name("example."), primary.get(), r, &key, unlimited());
  ASSERT_EQ(feed_all(t), incoming_transfer::progress::complete) << describe(t.failure());
  EXPECT_TRUE(t.incremental());
  EXPECT_EQ(t.serial(), 11u);
  auto z = t.take_zone();
  ASSERT_TRUE(z);
  expect_same_zone(*z, *current());
  auto change = t.take_change();
  ASSERT_TRUE(change);
  EXPECT_EQ(change->from_serial(), 7u);
  EXPECT_EQ(change->to_serial(), 11u);
  // The old SOA, -www .10, the new SOA, +www .12: new.example. came and went.
  EXPECT_EQ(change->size(), 4u);
}

TEST_F(transfer_in_fixture, IxfrAtTheCurrentSerialIsUpToDate) {
  const transfer_request r = ask(primary.get(), &key);
  ASSERT_EQ(messages.size(), 1u);
  incoming_transfer t(text_name("example."), primary.get(), r, &key, unlimited());
  ASSERT_EQ(feed_all(t), incoming_transfer::progress::complete);
  EXPECT_TRUE(t.up_to_date());
  EXPECT_FALSE(t.take_zone());
}

TEST_F(transfer_in_fixture, IxfrBeyondTheJournalComesWholeInAxfrsForm) {
  update("new.example.", in, 300, {192, 0, 2, 50});
  const transfer_request r = ask(primary.get(), &key, false);
  incoming_transfer t(text_name("example."), primary.get(), r, &key, unlimited());
  ASSERT_EQ(feed_all(t), incoming_transfer::progress::complete) << describe(t.failure());
  EXPECT_FALSE(t.incremental());
  auto z = t.take_zone();
  ASSERT_TRUE(z);
  EXPECT_EQ(serial_of(*z), 8u);
  expect_same_zone(*z, *current());
}

TEST_F(transfer_in_fixture, AChangeThatDoesNotApplyToTheZoneHeldFails) {
  update("www.example.", none, 0, {192, 0, 2, 10});
  // The secondary's serial 7 lacks www's .10, which the change deletes.
  std::string text = example_text;
  text.erase(text.find("www A 192.0.2.10\n"), 17);
  auto held = load(text);
  const transfer_request r = ask(held.get(), &key);
  incoming_transfer t(text_name("example."), held.get(), r, &key, unlimited());
  EXPECT_EQ(feed_all(t), incoming_transfer::progress::failed);
  EXPECT_EQ(t.failure(), transfer_failure::not_following);
  EXPECT_FALSE(t.take_zone());
}

TEST_F(transfer_in_fixture, RefusalsEndTheTransferWithTheirRcode) {
  {
    const transfer_request r = ask(nullptr, nullptr);  // unsigned: REFUSED
    incoming_transfer t(text_name("example."), nullptr, r, nullptr, unlimited());
    EXPECT_EQ(feed_all(t), incoming_transfer::progress::failed);
    EXPECT_EQ(t.failure(), transfer_failure::refused);
    EXPECT_EQ(t.code(), rcode::refused);
  }
  {
    const tsig_key other = key_of("xfr.key.", "c2VjcmV0IG9mIGFub3RoZXIga2V5IG9mIHRoZSBzYW1lIG5hbWU=");
    const transfer_request r = ask(nullptr, &other);  // BADSIG: an unsigned NOTAUTH
    incoming_transfer t(text_name("example."), nullptr, r, &other, unlimited());
    EXPECT_EQ(feed_all(t), incoming_transfer::progress::failed);
    // Under a key, an unsigned answer is no answer of the primary's.
    EXPECT_EQ(t.failure(), transfer_failure::bad_signature);
  }
}

TEST_F(transfer_in_fixture, ATamperedOrUnsignedMessageFailsTheSignature) {
  primary = large_zone(300);
  const transfer_request r = ask(nullptr, &key);
  ASSERT_GT(messages.size(), 2u);
  {
    auto tampered = messages;
    // A TXT octet of the second message.
    tampered[1][tampered[1].size() / 2] ^= std::uint8_t(1);
    incoming_transfer t(text_name("example."), nullptr, r, &key, unlimited());
    EXPECT_EQ(t.feed(bytes(tampered[0].data(), tampered[0].size()), now), incoming_transfer::progress::more);
    EXPECT_EQ(t.feed(bytes(tampered[1].data(), tampered[1].size()), now), incoming_transfer::progress::failed);
    EXPECT_EQ(t.failure(), transfer_failure::bad_signature);
  }
  {
    // The first message replayed as the second: its MAC is over the
    // request's, not the one before.
    incoming_transfer t(text_name("example."), nullptr, r, &key, unlimited());
    EXPECT_EQ(t.feed(bytes(messages[0].data(), messages[0].size()), now), incoming_transfer::progress::more);
    EXPECT_EQ(t.feed(bytes(messages[0].data(), messages[0].size()), now), incoming_transfer::progress::failed);
    EXPECT_EQ(t.failure(), transfer_failure::bad_signature);
  }
  {
    // Fed unsigned, under a key.
    incoming_transfer t(text_name("example."), nullptr, r, &key, unlimited());
    std::vector<std::uint8_t> stripped = messages[0];
    // The TSIG record is the last of the message: cut it and its count.
    const auto arcount = std::uint16_t(stripped[10] << 8 | stripped[11]);
    ASSERT_GE(arcount, 1u);
    std::size_t tsig_at = stripped.size();
    // The key name xfr.key. as owner, then type 250.
    static const std::uint8_t owner[] = {3, 'x', 'f', 'r', 3, 'k', 'e', 'y', 0, 0, 250};
    for (std::size_t i = 12; i + sizeof owner <= stripped.size(); ++i) {
      if (std::equal(std::begin(owner), std::end(owner), stripped.begin() + std::ptrdiff_t(i))) tsig_at = i;
    }
    ASSERT_LT(tsig_at, stripped.size());
    stripped.resize(tsig_at);
    stripped[10] = std::uint8_t((arcount - 1) >> 8);
    stripped[11] = std::uint8_t(arcount - 1);
    EXPECT_EQ(t.feed(bytes(stripped.data(), stripped.size()), now), incoming_transfer::progress::failed);
    EXPECT_EQ(t.failure(), transfer_failure::bad_signature);
  }
}

TEST_F(transfer_in_fixture, AnotherIdOrAMessageAfterTheEndFails) {
  const transfer_request r = ask(nullptr, nullptr);
  keys.clear();
  {
    // Allowed unsigned: a one-message AXFR.
    std::vector<const zone*> zones{current()};
    zone_transfer z(zones, transfer_policy{.unsigned_allowed = true}, r.message, now);
    messages.clear();
    while (auto m = z.next(mut_bytes(buffer.data(), buffer.size()), now)) {
      messages.emplace_back(m->u8_data(), m->u8_data() + m->size());
    }
  }
  ASSERT_EQ(messages.size(), 1u);
  {
    incoming_transfer t(text_name("example."), nullptr, r, nullptr, unlimited());
    auto other_id = messages[0];
    other_id[1] ^= 1;
    EXPECT_EQ(t.feed(bytes(other_id.data(), other_id.size()), now), incoming_transfer::progress::failed);
    EXPECT_EQ(t.failure(), transfer_failure::not_the_answer);
  }
  {
    incoming_transfer t(text_name("example."), nullptr, r, nullptr, unlimited());
    EXPECT_EQ(feed_all(t), incoming_transfer::progress::complete);
    EXPECT_EQ(t.feed(bytes(messages[0].data(), messages[0].size()), now), incoming_transfer::progress::failed);
    EXPECT_EQ(t.failure(), transfer_failure::malformed);
  }
  {
    incoming_transfer t(text_name("example."), nullptr, r, nullptr, unlimited());
    EXPECT_EQ(t.feed(bytes(messages[0].data(), 20), now), incoming_transfer::progress::failed);
    EXPECT_EQ(t.failure(), transfer_failure::malformed);
  }
}

// An answer written by hand: the SOA, then `middle`, then the SOA.
std::vector<std::uint8_t> handmade_answer(const zone& z, std::string_view owner, rr_type type,
                                          std::vector<std::uint8_t> data, std::uint16_t rclass = in) {
  std::vector<std::uint8_t> wire(4096);
  message_writer w(mut_bytes(wire.data(), wire.size()));
  header h;
  h.id = 0x3131;
  h.response = true;
  h.authoritative = true;
  w.set_header(h);
  EXPECT_TRUE(w.add_question(text_name("example."), rr_type::axfr, in));
  const zone_entry soa = z.at(z.find(z.apex(), rr_type::soa).first);
  EXPECT_TRUE(w.add_record(section::answer, soa.owner, rr_type::soa, in, soa.ttl, soa.rdata));
  for (std::size_t i = 0; i < z.size(); ++i) {
    const zone_entry e = z.at(i);
    if (e.type == rr_type::soa) continue;
    EXPECT_TRUE(w.add_record(section::answer, e.owner, e.type, in, e.ttl, e.rdata));
  }
  EXPECT_TRUE(w.add_record(section::answer, text_name(owner), type, rclass, 300, bytes(data.data(), data.size())));
  EXPECT_TRUE(w.add_record(section::answer, soa.owner, rr_type::soa, in, soa.ttl, soa.rdata));
  wire.resize(w.finish().size());
  return wire;
}

TEST_F(transfer_in_fixture, RecordsOutsideTheZoneOrItsChecksFail) {
  const transfer_request r = ask(nullptr, nullptr);
  struct bad {
    std::string_view owner;
    rr_type type;
    std::vector<std::uint8_t> data;
    std::uint16_t rclass;
    transfer_failure failure;
  };
  const std::vector<bad> cases = {
      {"www.other.", rr_type::a, {192, 0, 2, 1}, in, transfer_failure::out_of_zone},
      {"www.example.", rr_type::a, {192, 0, 2, 1}, 3, transfer_failure::out_of_zone},
      // A CNAME beside www's addresses.
      {"www.example.", rr_type::cname, {3, 'n', 's', '1', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0}, in,
       transfer_failure::bad_zone},
  };
  for (const bad& b : cases) {
    const auto wire = handmade_answer(*primary, b.owner, b.type, b.data, b.rclass);
    incoming_transfer t(text_name("example."), nullptr, r, nullptr, unlimited());
    EXPECT_EQ(t.feed(bytes(wire.data(), wire.size()), now), incoming_transfer::progress::failed) << b.owner;
    EXPECT_EQ(t.failure(), b.failure) << b.owner;
  }
  {
    // Over the budget.
    memory_budget tight(64);
    const auto wire = handmade_answer(*primary, "x.example.", rr_type::a, {192, 0, 2, 9});
    incoming_transfer t(text_name("example."), nullptr, r, nullptr, tight);
    EXPECT_EQ(t.feed(bytes(wire.data(), wire.size()), now), incoming_transfer::progress::failed);
    EXPECT_EQ(t.failure(), transfer_failure::over_budget);
  }
}

TEST(DnsTransferIn, TheRequestIsIxfrWithTheSerialHeldElseAxfr) {
  std::vector<std::uint8_t> out(512);
  auto held = load(example_text);
  auto ixfr = write_transfer_request(text_name("example."), held.get(), 9, nullptr, now,
                                     mut_bytes(out.data(), out.size()));
  ASSERT_TRUE(ixfr);
  auto v = message_view::parse(ixfr->message).value();
  EXPECT_EQ(v.question_at(0)->qtype, rr_type::ixfr);
  ASSERT_EQ(v.count(section::authority), 1u);
  auto soa = v.records(section::authority).next();
  EXPECT_EQ(*soa_serial(soa->rdata), 7u);
  auto axfr = write_transfer_request(text_name("example."), nullptr, 9, nullptr, now,
                                     mut_bytes(out.data(), out.size()));
  ASSERT_TRUE(axfr);
  v = message_view::parse(axfr->message).value();
  EXPECT_EQ(v.question_at(0)->qtype, rr_type::axfr);
  EXPECT_EQ(v.count(section::authority), 0u);
}

TEST(DnsRefresh, TheSoaTimersSayWhenToAskAndWhenTheCopyExpires) {
  auto z = load(example_text);  // refresh 7200, retry 3600, expire 1209600
  const auto timers = soa_timers_of(z->at(z->find(z->apex(), rr_type::soa).first).rdata);
  ASSERT_TRUE(timers);
  EXPECT_EQ(timers->refresh, 7200u);
  EXPECT_EQ(timers->retry, 3600u);
  EXPECT_EQ(timers->expire, 1209600u);
  const std::uint8_t short_data[4] = {};
  EXPECT_FALSE(soa_timers_of(bytes(short_data, 4)));

  const mono_time t0 = mono_time(seconds(1000));
  refresh_schedule s;
  EXPECT_EQ(s.next_check(), mono_time{});  // no copy: at once
  s.failed(t0);
  EXPECT_EQ(s.next_check(), t0 + refresh_schedule::first_retry);
  EXPECT_FALSE(s.expired(t0 + hours(10000)));  // nothing held, nothing expires
  s.answered(t0, *timers);
  EXPECT_EQ(s.next_check(), t0 + seconds(7200));
  s.failed(t0 + seconds(7200));
  EXPECT_EQ(s.next_check(), t0 + seconds(7200 + 3600));
  s.notified(t0 + seconds(7300));
  EXPECT_EQ(s.next_check(), t0 + seconds(7300));
  EXPECT_FALSE(s.expired(t0 + seconds(1209599)));
  // Failures do not move the expiry; an answer does.
  EXPECT_TRUE(s.expired(t0 + seconds(1209600)));
  s.answered(t0 + seconds(1209600), *timers);
  EXPECT_FALSE(s.expired(t0 + seconds(1209600)));
  s.drop_copy();
  EXPECT_FALSE(s.expired(t0 + hours(100000)));
  // An SOA of zeros does not make the secondary ask without pause.
  s.answered(t0, soa_timers{});
  EXPECT_EQ(s.next_check(), t0 + refresh_schedule::min_interval);
}

}  // namespace
