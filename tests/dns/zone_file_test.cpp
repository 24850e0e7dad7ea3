// Zone files and the presentation form read back: every syntax of RFC
// 1035 §5 the reader takes, every error with its line, and text the
// printer writes reading back to the octets it came from.
#include <fata/dns/zone_file.hpp>

#include <gtest/gtest.h>

#include <fata/dns/message.hpp>
#include <fata/dns/text.hpp>

#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

using octets = std::vector<std::uint8_t>;

name text_name(std::string_view s) { return name::from_text(s).value(); }

std::string printed(rr_type type, bytes rdata) {
  std::string out;
  format_sink sink = string_sink(out);
  write_rdata_text(sink, type, rdata);
  return out;
}

result<octets, dns_error> parsed(rr_type type, std::string_view text,
                                 const name& origin = name()) {
  zone_lexer lexer(text);
  EXPECT_TRUE(lexer.next_entry().value());
  std::vector<std::uint8_t> out(max_rdata_size);
  auto size = parse_rdata_text(type, lexer, origin, mut_bytes(out.data(), out.size()));
  if (!size) return unexpected(size.error());
  out.resize(*size);
  return out;
}

// Text in a type's form, read and printed again, is the same text.
void expect_reads_back(rr_type type, std::string_view text) {
  auto data = parsed(type, text);
  ASSERT_TRUE(data.has_value()) << text << ": " << describe(data.error());
  EXPECT_EQ(printed(type, bytes(data->data(), data->size())), text);
}

TEST(DnsZoneFile, EveryTypeReadsBackToWhatThePrinterWrites) {
  expect_reads_back(rr_type::a, "192.0.2.1");
  expect_reads_back(rr_type::aaaa, "2001:db8::10");
  expect_reads_back(rr_type::ns, "ns1.example.");
  expect_reads_back(rr_type::ptr, "a\\.b\\032c.example.");
  expect_reads_back(rr_type::soa, "ns1.example. hostmaster.example. 2026120401 7200 3600 1209600 300");
  // SOA's timers are 32 bits, TTLs only 31 (RFC 2181 §8).
  expect_reads_back(rr_type::soa, ". . 4294967295 4294967295 4294967295 4294967295 4294967295");
  expect_reads_back(rr_type::mx, "10 mail.example.");
  expect_reads_back(rr_type::txt, "\"v=spf1 mx -all\" \"\" \"say \\\"hi\\\" \\\\ \\001\\255;()\"");
  expect_reads_back(rr_type::hinfo, "\"amd64\" \"fata\"");
  expect_reads_back(rr_type::rp, "admin.example. .");
  expect_reads_back(rr_type::afsdb, "1 afs.example.");
  expect_reads_back(rr_type::srv, "1 2 443 www.example.");
  expect_reads_back(rr_type::naptr, "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:x@example.!\" _sip._udp.example.");
  expect_reads_back(rr_type::caa, "0 issue \"letsencrypt.org\"");
  expect_reads_back(rr_type::caa, "128 tbs \"\"");
  expect_reads_back(rr_type::ds, "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
  expect_reads_back(rr_type::sshfp, "4 2 FF");
  expect_reads_back(rr_type::tlsa, "3 1 1 0123AB");
  expect_reads_back(rr_type::dnskey, "256 3 5 AQOeiiR0GOMYkDshWoSKz9Xzfw==");
  expect_reads_back(rr_type::rrsig,
                    "A 5 3 86400 20030322173103 20030220173103 2642 example.com. oJB1W6WNGv+ldvQ3");
  // The field's range: 1970 to 2106-02-07T06:28:15.
  expect_reads_back(rr_type::rrsig, "A 5 3 86400 21060207062815 19700101000000 1 . AQID");
  expect_reads_back(rr_type::nsec, "host.example.com. A MX RRSIG NSEC TYPE1234");
  expect_reads_back(rr_type::nsec, "next.example.");
  expect_reads_back(rr_type::nsec3, "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA RRSIG");
  expect_reads_back(rr_type::nsec3param, "1 0 0 -");
  expect_reads_back(rr_type::https, "0 foo.example.com.");
  expect_reads_back(rr_type::svcb,
                    "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1");
  expect_reads_back(rr_type::svcb, "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"");
  expect_reads_back(rr_type::svcb, "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1");
  expect_reads_back(rr_type::https, "1 . no-default-alpn ech=AQID");
  expect_reads_back(rr_type::svcb, "1 foo.example.com. key667=\"hello\" key668");
  expect_reads_back(static_cast<rr_type>(65280), "\\# 3 010203");
  expect_reads_back(static_cast<rr_type>(65280), "\\# 0");
  expect_reads_back(rr_type::ds, "\\# 4 00010D02");
}

// The other spellings zone files use read to the same data.
TEST(DnsZoneFile, OtherSpellingsOfTheSameData) {
  auto same = [](rr_type type, std::string_view text, std::string_view canonical_text) {
    auto a = parsed(type, text, text_name("example."));
    auto b = parsed(type, canonical_text);
    ASSERT_TRUE(a.has_value()) << text << ": " << describe(a.error());
    ASSERT_TRUE(b.has_value()) << canonical_text;
    EXPECT_EQ(*a, *b) << text;
  };
  same(rr_type::mx, "10 mail", "10 mail.example.");
  same(rr_type::cname, "@", "example.");
  same(rr_type::txt, "unquoted", "\"unquoted\"");
  same(rr_type::soa, "ns1 hm 1 2h 1H30m 1w 5m", "ns1.example. hm.example. 1 7200 5400 604800 300");
  // RFC 4034 lets whitespace split hex and base64, and RRSIG times be seconds.
  same(rr_type::ds, "60485 5 1 2BB183AF5F2258 8179A53B0A9863 1fad1a292118",
       "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
  same(rr_type::dnskey, "256 3 5 AQOe iiR0 GOMY kDsh WoSK z9Xz fw==", "256 3 5 AQOeiiR0GOMYkDshWoSKz9Xzfw==");
  same(rr_type::rrsig, "A 5 3 86400 1048354263 1045762263 2642 example.com. oJB1W6WNGv+ldvQ3",
       "A 5 3 86400 20030322173103 20030220173103 2642 example.com. oJB1W6WNGv+ldvQ3");
  same(rr_type::nsec, "host.example.com. NSEC TYPE1234 a mx rrsig", "host.example.com. A MX RRSIG NSEC TYPE1234");
  same(rr_type::a, "\\# 4 C0000201", "192.0.2.1");
  same(rr_type::a, "\\# 4 c0 00 02 01", "192.0.2.1");
  // SvcParams in any order are sorted by key (RFC 9460 §2.2).
  same(rr_type::svcb, "1 . port=53 alpn=h2 mandatory=port,alpn",
       "1 . mandatory=alpn,port alpn=\"h2\" port=53");
  same(rr_type::svcb, "1 . key3=53", "1 . port=53");
}

TEST(DnsZoneFile, MalformedDataIsRefusedWithItsReason) {
  auto refused = [](rr_type type, std::string_view text, dns_error why) {
    auto r = parsed(type, text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error(), why) << text << ": " << describe(r.error());
  };
  refused(rr_type::a, "192.0.2", dns_error::bad_address);
  refused(rr_type::a, "192.0.2.1 extra", dns_error::extra_field);
  refused(rr_type::aaaa, "2001:db8:::1", dns_error::bad_address);
  refused(rr_type::mx, "65536 mail.", dns_error::bad_number);
  refused(rr_type::mx, "-1 mail.", dns_error::bad_number);
  refused(rr_type::mx, "10", dns_error::missing_field);
  refused(rr_type::soa, "ns. hm. 1 2 3 4", dns_error::missing_field);
  refused(rr_type::txt, std::string(256, 'x'), dns_error::string_too_long);
  refused(rr_type::txt, "\"bad \\256\"", dns_error::bad_escape);
  refused(rr_type::txt, "\"bad \\12\"", dns_error::bad_escape);
  refused(rr_type::ds, "1 13 2 ABC", dns_error::bad_encoding);
  refused(rr_type::ds, "1 13 2", dns_error::missing_field);
  refused(rr_type::ds, "1 13 2 " + std::string(2 * 65532, 'a'), dns_error::rdata_too_long);
  refused(rr_type::dnskey, "256 3 13 AQID=", dns_error::bad_encoding);
  refused(rr_type::rrsig, "A 13 2 300 20261331000000 20261201000000 1 example. AQID",
          dns_error::bad_time);
  refused(rr_type::rrsig, "A 13 2 300 20260230000000 20261201000000 1 example. AQID",
          dns_error::bad_time);
  refused(rr_type::rrsig, "A 13 2 300 21070101000000 20261201000000 1 example. AQID",
          dns_error::bad_time);
  refused(rr_type::rrsig, "A 13 2 300 99991231235959 20261201000000 1 example. AQID",
          dns_error::bad_time);
  refused(rr_type::rrsig, "BOGUS 13 2 300 1 2 1 example. AQID", dns_error::unknown_type);
  refused(rr_type::nsec, "next. A NOTATYPE", dns_error::unknown_type);
  refused(rr_type::nsec3, "1 0 0 - - A", dns_error::bad_encoding);
  refused(rr_type::nsec3param, "1 0 0 ABC", dns_error::bad_encoding);
  refused(rr_type::caa, "0 is-sue \"x\"", dns_error::bad_rdata);
  refused(rr_type::svcb, "1 . port=53 port=54", dns_error::bad_svc_param);
  refused(rr_type::svcb, "1 . port=x", dns_error::bad_svc_param);
  refused(rr_type::svcb, "1 . no-default-alpn=h2", dns_error::bad_svc_param);
  refused(rr_type::svcb, "1 . alpn=h2,,h3", dns_error::bad_svc_param);
  refused(rr_type::svcb, "1 . ipv4hint=192.0.2.1,::1", dns_error::bad_svc_param);
  refused(rr_type::svcb, "1 . unknownkey=1", dns_error::bad_svc_param);
  refused(static_cast<rr_type>(65280), "010203", dns_error::unknown_type);
  refused(static_cast<rr_type>(65280), "\\# 4 010203", dns_error::bad_generic_length);
  refused(static_cast<rr_type>(65280), "\\# 0 00", dns_error::bad_generic_length);
  refused(rr_type::a, "\\# 3 C00002", dns_error::bad_rdata);  // known types keep their layout
  refused(rr_type::opt, "\\# 0", dns_error::meta_type);
  refused(rr_type::mx, "10 a..b.", dns_error::empty_label);
}

struct entry {
  std::string owner;
  std::uint32_t ttl;
  std::string type_and_data;
};

// Every record of `text`, printed; fails the test on an error.
std::vector<entry> read_zone(std::string_view text, std::string_view origin = "example.") {
  zone_file_reader reader(text, text_name(origin));
  std::vector<entry> out;
  for (;;) {
    auto item = reader.next();
    if (!item) {
      ADD_FAILURE() << "line " << item.error().line << ": " << describe(item.error().error);
      return out;
    }
    if (!*item) return out;
    if ((*item)->what == zone_item::kind::include) {
      char origin_text[max_name_text];
      const auto& inc = (*item)->include;
      out.push_back({"$INCLUDE", 0,
                     std::string(inc.path) + " " +
                         std::string(origin_text, inc.origin.to_text(origin_text))});
      continue;
    }
    const zone_record& r = (*item)->record;
    char owner[max_name_text];
    std::string type;
    format_sink sink = string_sink(type);
    write_type_text(sink, r.type);
    out.push_back({std::string(owner, r.owner.to_text(owner)), r.ttl,
                   type + " " + printed(r.type, r.rdata)});
  }
}

bool operator==(const entry& a, const entry& b) {
  return a.owner == b.owner && a.ttl == b.ttl && a.type_and_data == b.type_and_data;
}
std::ostream& operator<<(std::ostream& o, const entry& e) {
  return o << e.owner << " " << e.ttl << " " << e.type_and_data;
}

TEST(DnsZoneFile, ReadsTheSyntaxOfRfc1035) {
  const std::string_view zone =
      "; a comment line\n"
      "$TTL 1h\n"
      "@\tIN SOA ns1 hostmaster ( 2026120401 ; serial\n"
      "            7200 3600 1209600 300 )\n"
      "\n"
      "   \t ; an indented comment\n"
      "     NS ns1\n"
      "ns1 300 IN A 192.0.2.1\n"
      "    IN 600 AAAA 2001:db8::1\n"
      "www A 192.0.2.2 ; trailing comment\n"
      "    TXT \"a ; not a comment\" (\n"
      "         \"and ( not a parenthesis\" )\n"
      "sp\\032ace.x A 192.0.2.3\n"
      "$ORIGIN sub.example.\n"
      "host 1D MX 10 @\n"
      "$INCLUDE other.zone\n"
      "$INCLUDE \"with space\" elsewhere.\n"
      "abs.example. 2w1d CNAME host\n"
      "$TTL 0\n"
      "last TYPE65280 \\# 1 ff";
  const std::vector<entry> want = {
      {"example.", 3600, "SOA ns1.example. hostmaster.example. 2026120401 7200 3600 1209600 300"},
      {"example.", 3600, "NS ns1.example."},
      {"ns1.example.", 300, "A 192.0.2.1"},
      {"ns1.example.", 600, "AAAA 2001:db8::1"},
      {"www.example.", 3600, "A 192.0.2.2"},
      {"www.example.", 3600, "TXT \"a ; not a comment\" \"and ( not a parenthesis\""},
      {"sp\\032ace.x.example.", 3600, "A 192.0.2.3"},
      {"host.sub.example.", 86400, "MX 10 sub.example."},
      {"$INCLUDE", 0, "other.zone sub.example."},
      {"$INCLUDE", 0, "with space elsewhere."},
      {"abs.example.", 1296000, "CNAME host.sub.example."},
      {"last.sub.example.", 0, "TYPE65280 \\# 1 FF"},
  };
  EXPECT_EQ(read_zone(zone), want);
}

TEST(DnsZoneFile, WithoutTtlDirectiveTheLastTtlCarriesOver) {
  EXPECT_EQ(read_zone("a 60 A 192.0.2.1\nb A 192.0.2.2\n"),
            (std::vector<entry>{{"a.example.", 60, "A 192.0.2.1"}, {"b.example.", 60, "A 192.0.2.2"}}));
}

// Each error names its line; the reader goes on with the next entry, so
// a loader can report every bad line at once.
TEST(DnsZoneFile, EveryErrorComesWithItsLine) {
  const std::string_view zone =
      "$TTL 300\n"                        // 1
      "ok A 192.0.2.1\n"                  // 2
      "bad A 192.0.2.300\n"               // 3
      "bad CH A 192.0.2.1\n"              // 4
      "bad 99999999999 A 192.0.2.1\n"     // 5
      "bad BOGUS data\n"                  // 6
      "bad TXT \"unterminated\n"          // 7
      "bad MX 10 ( mail\n"                // 8
      "  )) \n"                           // 9
      "bad ANY \\# 0\n"                   // 10
      "$GENERATE 1-10 x A 192.0.2.$\n"    // 11
      "$TTL\n"                            // 12
      "bad MX ( 10\n"                     // 13
      "\n"                                // 14
      ")\n"                               // 15
      "ok2 A 192.0.2.2\n"                 // 16
      "bad A (192.0.2.1";                 // 17
  zone_file_reader reader(zone, text_name("example."));
  std::vector<std::pair<std::size_t, dns_error>> errors;
  std::vector<std::string> good;
  for (int guard = 0; guard < 100; ++guard) {
    auto item = reader.next();
    if (!item) {
      errors.emplace_back(item.error().line, item.error().error);
      continue;
    }
    if (!*item) break;
    char owner[max_name_text];
    good.emplace_back(owner, (*item)->record.owner.to_text(owner));
  }
  const std::vector<std::pair<std::size_t, dns_error>> want = {
      {3, dns_error::bad_address},   {4, dns_error::bad_class},
      {5, dns_error::bad_ttl},       {6, dns_error::unknown_type},
      {7, dns_error::unterminated_string}, {9, dns_error::unbalanced_parentheses},
      {10, dns_error::meta_type},    {11, dns_error::bad_directive},
      {12, dns_error::bad_directive}, {13, dns_error::missing_field},
      {17, dns_error::unbalanced_parentheses},
  };
  EXPECT_EQ(errors, want);
  EXPECT_EQ(good, (std::vector<std::string>{"ok.example.", "ok2.example."}));
}

TEST(DnsZoneFile, AnIndentedFirstEntryHasNoOwner) {
  zone_file_reader reader("  A 192.0.2.1\n", text_name("example."));
  auto item = reader.next();
  ASSERT_FALSE(item.has_value());
  EXPECT_EQ(item.error().line, 1u);
  EXPECT_EQ(item.error().error, dns_error::no_owner);
}

TEST(DnsZoneFile, NoTtlAnywhereIsAnError) {
  zone_file_reader reader("a A 192.0.2.1\n", text_name("example."));
  auto item = reader.next();
  ASSERT_FALSE(item.has_value());
  EXPECT_EQ(item.error().error, dns_error::no_ttl);
}

TEST(DnsZoneFile, TtlUnits) {
  EXPECT_EQ(ttl_from_text("0"), 0u);
  EXPECT_EQ(ttl_from_text("2147483647"), 2147483647u);
  EXPECT_EQ(ttl_from_text("2147483648"), std::nullopt);
  EXPECT_EQ(ttl_from_text("1w2d3h4m5s"), 604800u + 2 * 86400 + 3 * 3600 + 4 * 60 + 5);
  EXPECT_EQ(ttl_from_text("1H"), 3600u);
  EXPECT_EQ(ttl_from_text("h"), std::nullopt);
  EXPECT_EQ(ttl_from_text("1x"), std::nullopt);
  EXPECT_EQ(ttl_from_text("1h30"), std::nullopt);
  EXPECT_EQ(ttl_from_text("4000w"), std::nullopt);
  EXPECT_EQ(type_from_text("aaaa"), rr_type::aaaa);
  EXPECT_EQ(type_from_text("TYPE1"), rr_type::a);
  EXPECT_EQ(type_from_text("type65535"), static_cast<rr_type>(65535));
  EXPECT_EQ(type_from_text("TYPE65536"), std::nullopt);
  EXPECT_EQ(type_from_text("TYPE"), std::nullopt);
}

}  // namespace
