// NOTIFY from a primary (notify.hpp): the message a secondary reads, and
// which answers acknowledge it; and a secondary's answers (answer_notify),
// checked by the primary's own judge. dns.notify-out checks the same
// against NSD as a secondary, dns.secondary against Knot as a primary.
#include <fata/dns/notify.hpp>

#include <gtest/gtest.h>

#include <fata/dns/zone_load.hpp>

#include <memory>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

constexpr std::uint64_t now = 1'796'000'000;

std::unique_ptr<zone> example_zone() {
  static memory_budget unlimited;
  zone_builder builder(name::from_text("example.").value(), unlimited);
  zone_loader loader(builder, "test.zone",
                     "$TTL 3600\n@ SOA ns1 hostmaster 42 7200 3600 1209600 300\n@ NS ns1\n"
                     "ns1 A 192.0.2.2\n");
  auto step = loader.run();
  EXPECT_TRUE(step && !*step);
  return std::make_unique<zone>(std::move(builder).take());
}

const tsig_key key = tsig_key::from_base64(name::from_text("notify.key.").value(),
                                           tsig_algorithm::hmac_sha256,
                                           "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")
                         .value();

struct answer_options {
  std::uint16_t id = 0x1357;
  bool response = true;
  dns::opcode opcode = opcode::notify;
  std::uint8_t rcode = 0;
  const char* qname = "example.";
  const tsig_key* sign_with = nullptr;
  bytes request_mac{};
};

std::vector<std::uint8_t> make_answer(const answer_options& o) {
  std::vector<std::uint8_t> out(512);
  message_writer w(mut_bytes(out.data(), out.size()));
  header h;
  h.id = o.id;
  h.response = o.response;
  h.opcode = o.opcode;
  h.authoritative = true;
  h.rcode = o.rcode;
  w.set_header(h);
  EXPECT_TRUE(w.add_question(name::from_text(o.qname).value(), rr_type::soa, 1));
  if (o.sign_with) {
    EXPECT_TRUE(tsig_sign(w, *o.sign_with,
                          {.place = tsig_place::first_answer, .prior_mac = o.request_mac, .now = now}));
  }
  out.resize(w.finish().size());
  return out;
}

notify_answer judge(const std::vector<std::uint8_t>& answer, const notify_message& sent, const zone& z,
                    const tsig_key* k) {
  return check_notify_answer(bytes(answer.data(), answer.size()), sent, z, k, now).answer;
}

TEST(DnsNotify, TheMessageCarriesTheZonesSoa) {
  const auto z = example_zone();
  std::vector<std::uint8_t> buffer(512);
  for (const tsig_key* k : {static_cast<const tsig_key*>(nullptr), &key}) {
    auto m = write_notify(*z, 0x1357, k, now, mut_bytes(buffer.data(), buffer.size()));
    ASSERT_TRUE(m.has_value());
    auto v = message_view::parse(m->message);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->header().id, 0x1357);
    EXPECT_EQ(v->header().opcode, opcode::notify);
    EXPECT_TRUE(v->header().authoritative);
    EXPECT_FALSE(v->header().response);
    const auto q = v->question_at(0);
    ASSERT_TRUE(q.has_value());
    EXPECT_EQ(q->qname, z->apex());
    EXPECT_EQ(q->qtype, rr_type::soa);
    ASSERT_EQ(v->count(section::answer), 1u);
    auto answers = v->records(section::answer);
    const auto soa = answers.next();
    ASSERT_TRUE(soa.has_value());
    EXPECT_EQ(soa->type, rr_type::soa);
    EXPECT_EQ(soa->rdata.be32(soa->rdata.size() - 20), 42u);  // the serial
    EXPECT_EQ(v->tsig().has_value(), k != nullptr);
    if (k) {
      auto checked = tsig_verify(*v, key, tsig_place::request, bytes(), now);
      ASSERT_TRUE(checked.has_value());
      EXPECT_EQ(checked->mac.size, m->mac.size);
    }
  }
}

TEST(DnsNotify, OnlyTheAnswerToItAcknowledges) {
  const auto z = example_zone();
  std::vector<std::uint8_t> buffer(512);
  const notify_message sent = *write_notify(*z, 0x1357, nullptr, now, mut_bytes(buffer.data(), buffer.size()));
  EXPECT_EQ(judge(make_answer({}), sent, *z, nullptr), notify_answer::acknowledged);
  EXPECT_EQ(judge(make_answer({.id = 0x1358}), sent, *z, nullptr), notify_answer::not_the_answer);
  EXPECT_EQ(judge(make_answer({.response = false}), sent, *z, nullptr), notify_answer::not_the_answer);
  EXPECT_EQ(judge(make_answer({.opcode = opcode::query}), sent, *z, nullptr), notify_answer::not_the_answer);
  EXPECT_EQ(judge(make_answer({.qname = "other."}), sent, *z, nullptr), notify_answer::not_the_answer);
  const auto refused = make_answer({.rcode = 5});
  const notify_check c = check_notify_answer(bytes(refused.data(), refused.size()), sent, *z, nullptr, now);
  EXPECT_EQ(c.answer, notify_answer::refused);
  EXPECT_EQ(c.code, rcode::refused);
  const std::uint8_t scrap[3] = {0x13, 0x57, 0x80};
  EXPECT_EQ(check_notify_answer(bytes(scrap, 3), sent, *z, nullptr, now).answer, notify_answer::not_the_answer);
}

TEST(DnsNotify, ASignedNotifyWantsASignedAnswer) {
  const auto z = example_zone();
  std::vector<std::uint8_t> buffer(512);
  const notify_message sent = *write_notify(*z, 0x1357, &key, now, mut_bytes(buffer.data(), buffer.size()));
  EXPECT_EQ(judge(make_answer({.sign_with = &key, .request_mac = sent.mac.view()}), sent, *z, &key),
            notify_answer::acknowledged);
  EXPECT_EQ(judge(make_answer({}), sent, *z, &key), notify_answer::bad_signature);
  const tsig_mac other{};
  EXPECT_EQ(judge(make_answer({.sign_with = &key, .request_mac = other.view()}), sent, *z, &key),
            notify_answer::bad_signature);
  // A refusal is one, signed or not.
  EXPECT_EQ(judge(make_answer({.rcode = 9}), sent, *z, &key), notify_answer::refused);
}

struct notify_in {
  std::unique_ptr<zone> z = example_zone();
  std::vector<std::uint8_t> request = std::vector<std::uint8_t>(512);
  std::vector<std::uint8_t> reply = std::vector<std::uint8_t>(min_notify_answer_buffer);
  const tsig_key other = tsig_key::from_base64(name::from_text("other.key.").value(), tsig_algorithm::hmac_sha256,
                                               "c2VjcmV0IG9mIGFub3RoZXIga2V5IG9mIHRoZSBzYW1lIG5hbWU=")
                             .value();

  // The primary's NOTIFY (signed with `signer`), the secondary's answer,
  // and the primary's judgement of it.
  std::pair<notify_request_outcome, notify_check> exchange(const tsig_key* signer, bool unsigned_allowed,
                                                           std::span<const tsig_key> keys,
                                                           const char* secondary_for = "example.") {
    auto sent = write_notify(*z, 0x2222, signer, now, mut_bytes(request.data(), request.size()));
    EXPECT_TRUE(sent.has_value());
    EXPECT_TRUE(is_notify_request(sent->message));
    const std::vector<notify_zone> zones{{.apex = name::from_text("other.").value(), .unsigned_allowed = true},
                                         {.apex = name::from_text(secondary_for).value(),
                                          .unsigned_allowed = unsigned_allowed}};
    notify_request_outcome o = answer_notify(zones, keys, sent->message, now, mut_bytes(reply.data(), reply.size()));
    EXPECT_FALSE(is_notify_request(o.reply));
    const notify_check c = check_notify_answer(o.reply, *sent, *z, signer, now);
    return {o, c};
  }
};

TEST(DnsNotifyIn, ASecondaryAcknowledgesSignedOrFromItsPrimary) {
  notify_in n;
  const std::vector<tsig_key> keys{n.other, key};
  {
    auto [o, c] = n.exchange(&key, false, keys);
    EXPECT_EQ(o.code, rcode::noerror);
    EXPECT_EQ(o.zone_index, std::optional<std::size_t>(1));
    EXPECT_EQ(o.serial_hint, std::optional<std::uint32_t>(42));
    EXPECT_EQ(c.answer, notify_answer::acknowledged);
  }
  {
    auto [o, c] = n.exchange(nullptr, true, keys);
    EXPECT_EQ(o.code, rcode::noerror);
    EXPECT_EQ(c.answer, notify_answer::acknowledged);
  }
}

TEST(DnsNotifyIn, WhatASecondaryRefuses) {
  notify_in n;
  const std::vector<tsig_key> keys{key};
  {
    // Unsigned, not from the primary.
    auto [o, c] = n.exchange(nullptr, false, keys);
    EXPECT_EQ(o.code, rcode::refused);
    EXPECT_FALSE(o.zone_index);
    EXPECT_EQ(c.answer, notify_answer::refused);
  }
  {
    // A key it does not hold: NOTAUTH, BADKEY, and the zone not checked.
    auto [o, c] = n.exchange(&n.other, true, keys);
    EXPECT_EQ(o.code, rcode::notauth);
    EXPECT_FALSE(o.zone_index);
    EXPECT_EQ(c.answer, notify_answer::refused);
  }
  {
    // Not secondary for the zone.
    auto [o, c] = n.exchange(&key, true, keys, "example.net.");
    EXPECT_EQ(o.code, rcode::notauth);
    EXPECT_FALSE(o.zone_index);
  }
  {
    // Garbage after a NOTIFY header: FORMERR.
    std::vector<std::uint8_t> junk = {0x12, 0x34, 0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0};
    ASSERT_TRUE(is_notify_request(bytes(junk.data(), junk.size())));
    const std::vector<notify_zone> zones{{.apex = name::from_text("example.").value(), .unsigned_allowed = true}};
    auto o = answer_notify(zones, keys, bytes(junk.data(), junk.size()), now, mut_bytes(n.reply.data(), n.reply.size()));
    EXPECT_EQ(o.code, rcode::formerr);
    auto v = message_view::parse(o.reply);
    ASSERT_TRUE(v.has_value());
    EXPECT_EQ(v->header().id, 0x1234);
  }
}

}  // namespace
