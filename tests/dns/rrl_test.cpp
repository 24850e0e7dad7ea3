// Response rate limiting (rrl.hpp): a network's burst and rate, the slip
// of every other limited reply, networks apart, refilling with time, no
// limit at rate 0, and the truncated reply a slip sends.
#include <fata/dns/rrl.hpp>

#include <gtest/gtest.h>

#include <fata/dns/message.hpp>

#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

constexpr std::uint8_t client_a[4] = {192, 0, 2, 10};
constexpr std::uint8_t client_a_neighbour[4] = {192, 0, 2, 99};  // the same /24
constexpr std::uint8_t client_b[4] = {198, 51, 100, 10};

TEST(DnsRrl, ANetworkGetsItsRateThenSlipsAndDrops) {
  response_rate_limiter rrl(rrl_config{.rate = 10, .slip = 2, .buckets = 64, .hash_key = 7});
  const mono_time t0{};
  int sent = 0, slipped = 0, dropped = 0;
  for (int i = 0; i < 30; ++i) {
    const bytes who(i % 2 ? client_a : client_a_neighbour, 4);
    switch (rrl.judge(who, t0)) {
      case rrl_verdict::send: ++sent; break;
      case rrl_verdict::slip: ++slipped; break;
      case rrl_verdict::drop: ++dropped; break;
    }
  }
  EXPECT_EQ(sent, 10);  // the burst: one second's worth
  EXPECT_EQ(slipped, 10);
  EXPECT_EQ(dropped, 10);
  EXPECT_EQ(rrl.stats().limited, 20u);
  EXPECT_EQ(rrl.stats().slipped, 10u);
  // Another network is not limited by the first's flood.
  EXPECT_EQ(rrl.judge(bytes(client_b, 4), t0), rrl_verdict::send);
  // A tenth of a second later, one more reply; a second later, a burst.
  EXPECT_EQ(rrl.judge(bytes(client_a, 4), t0 + std::chrono::milliseconds(100)), rrl_verdict::send);
  EXPECT_NE(rrl.judge(bytes(client_a, 4), t0 + std::chrono::milliseconds(100)), rrl_verdict::send);
  int later = 0;
  for (int i = 0; i < 30; ++i) later += rrl.judge(bytes(client_a, 4), t0 + std::chrono::seconds(5)) == rrl_verdict::send;
  EXPECT_EQ(later, 10);
}

TEST(DnsRrl, RepliesCloserThanAMillisecondStillRefill) {
  response_rate_limiter rrl(rrl_config{.rate = 1000, .slip = 0, .buckets = 16});
  mono_time t{};
  int sent = 0;
  // Two seconds of a reply every 100 µs: 20 000 asked, about 1 000 a
  // second (and the first second's burst) allowed.
  for (int i = 0; i < 20000; ++i) {
    sent += rrl.judge(bytes(client_a, 4), t) == rrl_verdict::send;
    t += std::chrono::microseconds(100);
  }
  EXPECT_GE(sent, 2900);
  EXPECT_LE(sent, 3100);
  EXPECT_EQ(rrl.stats().slipped, 0u);
}

TEST(DnsRrl, RateZeroLimitsNothing) {
  response_rate_limiter rrl(rrl_config{.rate = 0});
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(rrl.judge(bytes(client_a, 4), mono_time{}), rrl_verdict::send);
}

TEST(DnsRrl, ASlipIsTheQuestionWithTc) {
  std::vector<std::uint8_t> out(512);
  message_writer w(mut_bytes(out.data(), out.size()));
  header h;
  h.id = 0x4321;
  h.response = true;
  h.authoritative = true;
  w.set_header(h);
  ASSERT_TRUE(w.add_question(name::from_text("www.example.").value(), rr_type::a, 1));
  const std::uint8_t a[4] = {192, 0, 2, 1};
  ASSERT_TRUE(w.add_record(section::answer, name::from_text("www.example.").value(), rr_type::a, 1, 60,
                           bytes(a, 4)));
  const std::size_t size = w.finish().size();
  const bytes cut = truncate_to_question(mut_bytes(out.data(), size));
  auto v = message_view::parse(cut);
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE(v->header().truncated);
  EXPECT_EQ(v->header().id, 0x4321);
  EXPECT_EQ(v->count(section::question), 1u);
  EXPECT_EQ(v->count(section::answer), 0u);
  EXPECT_EQ(v->question_at(0)->qname, name::from_text("www.example.").value());
}

}  // namespace
