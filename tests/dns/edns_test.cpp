// EDNS(0): reading a query's OPT record (RFC 6891), cookies (RFC 7873,
// RFC 9018's layout and time window) and padding (RFC 7830, RFC 8467).
// dns.edns-interop checks the same against dig.
#include <fata/dns/edns.hpp>

#include <gtest/gtest.h>

#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

using octets = std::vector<std::uint8_t>;

record opt_record(std::uint16_t udp, std::uint32_t ttl, const octets& options,
                  const name& owner = name()) {
  static std::vector<octets> kept;  // the record views its data
  kept.push_back(options);
  record r;
  r.owner = owner;
  r.type = rr_type::opt;
  r.rclass = udp;
  r.ttl = ttl;
  r.rdata = bytes(kept.back().data(), kept.back().size());
  return r;
}

octets option(std::uint16_t code, std::size_t length) {
  octets o = {std::uint8_t(code >> 8), std::uint8_t(code), std::uint8_t(length >> 8),
              std::uint8_t(length)};
  for (std::size_t i = 0; i < length; ++i) o.push_back(std::uint8_t(i + 1));
  return o;
}

TEST(DnsEdns, ReadsWhatAQueryAsksFor) {
  auto e = read_edns(opt_record(1232, 0x00008000, {}));
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->udp_size, 1232);
  EXPECT_TRUE(e->dnssec_ok);
  EXPECT_FALSE(e->cookie.has_value());
  EXPECT_FALSE(e->padding);
  EXPECT_EQ(read_edns(opt_record(100, 0, {}))->udp_size, 512);  // RFC 6891 §6.2.5
  EXPECT_EQ(read_edns(opt_record(4096, 0x01000000, {}))->extended_rcode, 1);
  EXPECT_EQ(read_edns(opt_record(1232, 0x00010000, {})).error(), rcode::badvers);
  EXPECT_EQ(read_edns(opt_record(1232, 0, {}, name::from_text("x.").value())).error(),
            rcode::formerr);
  auto padded = read_edns(opt_record(1232, 0, option(12, 20)));
  EXPECT_TRUE(padded->padding);
}

TEST(DnsEdns, CookiesOfTheLengthsRfc7873Allows) {
  for (std::size_t length : {8u, 16u, 24u, 40u}) {
    auto e = read_edns(opt_record(1232, 0, option(10, length)));
    ASSERT_TRUE(e.has_value()) << length;
    ASSERT_TRUE(e->cookie.has_value());
    EXPECT_EQ(e->cookie->client[0], 1);
    EXPECT_EQ(e->cookie->client[7], 8);
    EXPECT_EQ(e->cookie->server_size, length - 8);
    if (length > 8) {
      EXPECT_EQ(e->cookie->server[0], 9);
    }
  }
  for (std::size_t length : {0u, 7u, 9u, 15u, 41u}) {
    EXPECT_EQ(read_edns(opt_record(1232, 0, option(10, length))).error(), rcode::formerr) << length;
  }
}

struct built {
  octets wire;
  message_view view;
};

built answer_with(const edns_answer& a, std::size_t capacity = 4096) {
  built b{octets(capacity), {}};
  message_writer w(mut_bytes(b.wire.data(), b.wire.size()));
  header h;
  h.response = true;
  w.set_header(h);
  EXPECT_TRUE(w.add_question(name::from_text("www.example.").value(), rr_type::a, 1).has_value());
  EXPECT_TRUE(add_edns(w, a).has_value());
  b.wire.resize(w.finish().size());
  b.view = message_view::parse(bytes(b.wire.data(), b.wire.size())).value();
  return b;
}

TEST(DnsEdns, AnAnswersOptRecordCarriesTheUpperBitsOfItsRcode) {
  auto b = answer_with({.udp_size = 1232, .response_code = rcode::badvers, .dnssec_ok = true});
  EXPECT_EQ(b.view.header().rcode, 0);
  const auto opt = b.view.opt().value();
  EXPECT_EQ(opt.rclass, 1232);
  EXPECT_EQ(opt.ttl, 0x01008000u);  // extended rcode 1, version 0, DO
  b = answer_with({.response_code = rcode::refused});
  EXPECT_EQ(b.view.header().rcode, 5);
  EXPECT_EQ(b.view.opt()->ttl, 0u);
}

TEST(DnsEdns, PaddingMakesTheMessageAMultipleOfTheBlock) {
  for (std::size_t block : {128u, 468u}) {
    const auto b = answer_with({.pad_to_block = block});
    EXPECT_EQ(b.wire.size() % block, 0u) << block;
    EXPECT_TRUE(read_edns(*b.view.opt())->padding);
  }
  // With a cookie too.
  edns_answer a{.pad_to_block = 468};
  a.cookie = dns_cookie{};
  a.cookie->server_size = 16;
  const auto b = answer_with(a);
  EXPECT_EQ(b.wire.size(), 468u);
  EXPECT_EQ(read_edns(*b.view.opt())->cookie->server_size, 16u);
  // Where the block does not fit, as much padding as does.
  const auto tight = answer_with({.pad_to_block = 468}, 200);
  EXPECT_EQ(tight.wire.size(), 200u);
  const auto tighter = answer_with({.pad_to_block = 468}, 46);  // room for the option header only
  EXPECT_EQ(tighter.wire.size(), 46u);
}

TEST(DnsEdns, NoRoomLeavesTheMessageAsItWas) {
  octets wire(39);  // the question takes 29, an OPT record 11
  message_writer w(mut_bytes(wire.data(), wire.size()));
  ASSERT_TRUE(w.add_question(name::from_text("www.example.").value(), rr_type::a, 1).has_value());
  const std::size_t before = w.size();
  auto added = add_edns(w, {.response_code = rcode::badvers});
  ASSERT_FALSE(added.has_value());
  EXPECT_EQ(w.size(), before);
  EXPECT_EQ(w.count(section::additional), 0u);
  EXPECT_EQ(w.header().rcode, 0);
}

TEST(DnsEdns, ServerCookiesAreGoodForTheirClientForAnHour) {
  cookie_secret secret;
  secret.key[0] = 7;
  const std::array<std::uint8_t, 8> client = {1, 2, 3, 4, 5, 6, 7, 8};
  const std::uint8_t address[4] = {192, 0, 2, 1};
  const std::uint8_t other_address[4] = {192, 0, 2, 2};
  const std::uint32_t now = 1'764'806'400;
  const auto c = make_server_cookie(secret, client, bytes(address, 4), now);
  EXPECT_EQ(c.server_size, 16u);
  EXPECT_EQ(c.server[0], 1);  // RFC 9018's version
  EXPECT_TRUE(server_cookie_is_good(secret, c, bytes(address, 4), now));
  EXPECT_TRUE(server_cookie_is_good(secret, c, bytes(address, 4), now + 3600));
  EXPECT_FALSE(server_cookie_is_good(secret, c, bytes(address, 4), now + 3601));
  EXPECT_TRUE(server_cookie_is_good(secret, c, bytes(address, 4), now - 300));
  EXPECT_FALSE(server_cookie_is_good(secret, c, bytes(address, 4), now - 301));
  EXPECT_FALSE(server_cookie_is_good(secret, c, bytes(other_address, 4), now));
  cookie_secret other_secret = secret;
  other_secret.key[0] = 8;
  EXPECT_FALSE(server_cookie_is_good(other_secret, c, bytes(address, 4), now));
  for (std::size_t i = 0; i < c.server_size; ++i) {
    dns_cookie changed = c;
    changed.server[i] ^= 1;
    EXPECT_FALSE(server_cookie_is_good(secret, changed, bytes(address, 4), now)) << i;
  }
  dns_cookie other_client = c;
  other_client.client[0] ^= 1;
  EXPECT_FALSE(server_cookie_is_good(secret, other_client, bytes(address, 4), now));
  // The time wraps in 2106 (serial arithmetic).
  const auto late = make_server_cookie(secret, client, bytes(address, 4), 0xffffff00u);
  EXPECT_TRUE(server_cookie_is_good(secret, late, bytes(address, 4), 0x00000100u));
}

}  // namespace
