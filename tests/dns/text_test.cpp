// Presentation forms of record data. The expected texts are the RFCs'
// own examples (RFC 4034 §§2.3–5.4, RFC 9460 Appendix D) or what dig
// prints for the same data; dns.nsd-differential compares the rest with
// dig on NSD's answers.
#include <fata/dns/text.hpp>

#include <gtest/gtest.h>

#include <fata/core/base_encoding.hpp>
#include <fata/dns/message.hpp>

#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

using octets = std::vector<std::uint8_t>;

octets cat(std::initializer_list<octets> parts) {
  octets out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
octets be16(std::uint16_t v) { return {std::uint8_t(v >> 8), std::uint8_t(v)}; }
octets be32(std::uint32_t v) {
  return {std::uint8_t(v >> 24), std::uint8_t(v >> 16), std::uint8_t(v >> 8), std::uint8_t(v)};
}
octets wire(std::string_view text) {
  const name n = name::from_text(text).value();
  return {n.wire().u8_data(), n.wire().u8_data() + n.wire().size()};
}
octets chars(std::string_view s) { return {s.begin(), s.end()}; }
octets string(std::string_view s) { return cat({{std::uint8_t(s.size())}, chars(s)}); }
octets decoded(base_encoding e, std::string_view text) {
  octets out(text.size());
  base_decoder d(e, mut_bytes(out.data(), out.size()));
  EXPECT_TRUE(d.feed(text).has_value());
  out.resize(d.finish().value());
  return out;
}

std::string text_of(rr_type type, const octets& rdata) {
  // The printer's contract: data the canonical check accepts.
  EXPECT_TRUE(check_canonical_rdata(type, bytes(rdata.data(), rdata.size())).has_value());
  std::string out;
  format_sink sink = string_sink(out);
  write_rdata_text(sink, type, bytes(rdata.data(), rdata.size()));
  return out;
}

TEST(DnsText, AddressesAndNames) {
  EXPECT_EQ(text_of(rr_type::a, {192, 0, 2, 1}), "192.0.2.1");
  EXPECT_EQ(text_of(rr_type::aaaa, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10}),
            "2001:db8::10");
  EXPECT_EQ(text_of(rr_type::cname, wire("www.example.")), "www.example.");
  EXPECT_EQ(text_of(rr_type::ns, wire(".")), ".");
  EXPECT_EQ(text_of(rr_type::ptr, wire("a\\.b\\032c.example.")), "a\\.b\\032c.example.");
  EXPECT_EQ(text_of(rr_type::mx, cat({be16(10), wire("mail.example.")})), "10 mail.example.");
  EXPECT_EQ(text_of(rr_type::srv, cat({be16(1), be16(2), be16(443), wire("www.example.")})),
            "1 2 443 www.example.");
  EXPECT_EQ(text_of(rr_type::soa, cat({wire("ns1.example."), wire("hostmaster.example."),
                                       be32(2026120401), be32(7200), be32(3600), be32(1209600),
                                       be32(300)})),
            "ns1.example. hostmaster.example. 2026120401 7200 3600 1209600 300");
  EXPECT_EQ(text_of(rr_type::rp, cat({wire("admin.example."), wire(".")})), "admin.example. .");
  EXPECT_EQ(text_of(rr_type::afsdb, cat({be16(1), wire("afs.example.")})), "1 afs.example.");
}

TEST(DnsText, CharacterStringsAreQuotedAndEscaped) {
  EXPECT_EQ(text_of(rr_type::txt, cat({string("v=spf1 mx -all"), string("")})),
            "\"v=spf1 mx -all\" \"\"");
  EXPECT_EQ(text_of(rr_type::txt, string("say \"hi\" \\ \x01\x7f\xff;()")),
            "\"say \\\"hi\\\" \\\\ \\001\\127\\255;()\"");
  EXPECT_EQ(text_of(rr_type::hinfo, cat({string("amd64"), string("fata")})), "\"amd64\" \"fata\"");
  EXPECT_EQ(text_of(rr_type::naptr, cat({be16(100), be16(10), string("S"), string("SIP+D2U"),
                                         string("!^.*$!sip:x@example.!"),
                                         wire("_sip._udp.example.")})),
            "100 10 \"S\" \"SIP+D2U\" \"!^.*$!sip:x@example.!\" _sip._udp.example.");
  EXPECT_EQ(text_of(rr_type::caa, cat({{0}, string("issue"), chars("letsencrypt.org")})),
            "0 issue \"letsencrypt.org\"");
  EXPECT_EQ(text_of(rr_type::caa, cat({{128}, string("tbs"), chars("")})), "128 tbs \"\"");
}

// RFC 4034 §2.3, §3.3, §4.3 and §5.4.
TEST(DnsText, DnssecRecordsAsRfc4034PrintsThem) {
  const std::string_view key =
      "AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxeYCmZDRD99WYwYqUSdjMmm"
      "AphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==";
  EXPECT_EQ(text_of(rr_type::dnskey, cat({be16(256), {3, 5}, decoded(base_encoding::base64, key)})),
            "256 3 5 " + std::string(key));

  const std::string_view signature =
      "oJB1W6WNGv+ldvQ3WDG0MQkg5IEhjRip8WTrPYGv07h108dUKGMeDPKijVCHX3DDKdfb+v6oB9wfuh3DTJXUAfI/"
      "M0zmO/zz8bW0Rznl8O3tGNazPwQKkRN20XPXV6nwwfoXmJQbsLNrLfkGJ5D6fwFm8nN+6pBzeDQfsS3Ap3o=";
  // 20030322173103 and 20030220173103 as seconds since 1970.
  EXPECT_EQ(text_of(rr_type::rrsig,
                    cat({be16(1), {5, 3}, be32(86400), be32(1048354263), be32(1045762263),
                         be16(2642), wire("example.com."),
                         decoded(base_encoding::base64, signature)})),
            "A 5 3 86400 20030322173103 20030220173103 2642 example.com. " +
                std::string(signature));

  const octets bitmap = cat({{0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03},
                             {0x04, 0x1b}, octets(26, 0), {0x20}});
  EXPECT_EQ(text_of(rr_type::nsec, cat({wire("host.example.com."), bitmap})),
            "host.example.com. A MX RRSIG NSEC TYPE1234");
  EXPECT_EQ(text_of(rr_type::nsec, wire("next.example.")), "next.example.");

  EXPECT_EQ(text_of(rr_type::ds, cat({be16(60485), {5, 1},
                                      decoded(base_encoding::hex,
                                              "2BB183AF5F22588179A53B0A98631FAD1A292118")})),
            "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118");
}

// RFC 5155 Appendix A's zone: its NSEC3PARAM and one of its NSEC3s.
TEST(DnsText, Nsec3HashesInBase32hexAndSaltsInHex) {
  const octets salt = {0xaa, 0xbb, 0xcc, 0xdd};
  EXPECT_EQ(text_of(rr_type::nsec3param, cat({{1, 0}, be16(12), {4}, salt})), "1 0 12 AABBCCDD");
  EXPECT_EQ(text_of(rr_type::nsec3param, cat({{1, 0}, be16(0), {0}})), "1 0 0 -");
  const octets next = decoded(base_encoding::base32hex, "2t7b4g4vsa5smi47k61mv5bv1a22bojr");
  EXPECT_EQ(text_of(rr_type::nsec3, cat({{1, 1}, be16(12), {4}, salt, {std::uint8_t(next.size())},
                                         next, {0x00, 0x07, 0x22, 0x01, 0x00, 0x00, 0x00, 0x02,
                                                0x90}})),
            "1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR NS SOA MX RRSIG DNSKEY NSEC3PARAM");
  EXPECT_EQ(text_of(rr_type::tlsa, cat({{3, 1, 1}, {0x01, 0x23, 0xab}})), "3 1 1 0123AB");
  EXPECT_EQ(text_of(rr_type::sshfp, cat({{4, 2}, {0xff}})), "4 2 FF");
}

// RFC 9460 Appendix D's test vectors, keys in wire order.
TEST(DnsText, ServiceBindingsAsRfc9460PrintsThem) {
  EXPECT_EQ(text_of(rr_type::https, cat({be16(0), wire("foo.example.com.")})),
            "0 foo.example.com.");
  EXPECT_EQ(text_of(rr_type::svcb, cat({be16(1), wire(".")})), "1 .");
  EXPECT_EQ(text_of(rr_type::svcb, cat({be16(16), wire("foo.example.com."), be16(3), be16(2),
                                        be16(53)})),
            "16 foo.example.com. port=53");
  EXPECT_EQ(text_of(rr_type::svcb, cat({be16(1), wire("foo.example.com."), be16(667), be16(5),
                                        chars("hello")})),
            "1 foo.example.com. key667=\"hello\"");
  EXPECT_EQ(text_of(rr_type::svcb, cat({be16(1), wire("foo.example.com."), be16(6), be16(32),
                                        {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1},
                                        {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53, 0,
                                         1}})),
            "1 foo.example.com. ipv6hint=2001:db8::1,2001:db8::53:1");
  EXPECT_EQ(text_of(rr_type::svcb,
                    cat({be16(16), wire("foo.example.org."), be16(0), be16(4), be16(1), be16(4),
                         be16(1), be16(9), string("h2"), string("h3-19"), be16(4), be16(4),
                         {192, 0, 2, 1}})),
            "16 foo.example.org. mandatory=alpn,ipv4hint alpn=\"h2,h3-19\" ipv4hint=192.0.2.1");
  EXPECT_EQ(text_of(rr_type::svcb, cat({be16(16), wire("foo.example.org."), be16(1), be16(12),
                                        string("f\\oo,bar"), string("h2")})),
            "16 foo.example.org. alpn=\"f\\\\\\\\oo\\\\,bar,h2\"");
  EXPECT_EQ(text_of(rr_type::https, cat({be16(1), wire("."), be16(2), be16(0), be16(5), be16(3),
                                         {1, 2, 3}})),
            "1 . no-default-alpn ech=AQID");
}

// Data its type's form cannot say, and types without a form, fall back
// to RFC 3597's generic form, which reads back as the same octets.
TEST(DnsText, GenericFormWhereTheTypesOwnCannotSayIt) {
  EXPECT_EQ(text_of(static_cast<rr_type>(65280), {1, 2, 3}), "\\# 3 010203");
  EXPECT_EQ(text_of(static_cast<rr_type>(65280), {}), "\\# 0");
  EXPECT_EQ(text_of(rr_type::ds, cat({be16(1), {13, 2}})), "\\# 4 00010D02");
  EXPECT_EQ(text_of(rr_type::dnskey, cat({be16(256), {3, 13}})), "\\# 4 0100030D");
  EXPECT_EQ(text_of(rr_type::caa, cat({{0}, string("is-sue"), chars("x")})),
            "\\# 9 000669732D73756578");
  EXPECT_EQ(text_of(rr_type::svcb, cat({be16(1), wire("."), be16(3), be16(3), {0, 0, 53}})),
            "\\# 10 00010000030003000035");
  EXPECT_EQ(text_of(rr_type::svcb, cat({be16(1), wire("."), be16(1), be16(1), {0}})),
            "\\# 8 0001000001000100");
}

TEST(DnsText, RecordLinesAsDigPrintsThem) {
  std::string out;
  format_sink sink = string_sink(out);
  const octets a = {192, 0, 2, 10};
  write_record_text(sink, name::from_text("www.example.").value(), 300, 1, rr_type::a,
                    bytes(a.data(), a.size()));
  EXPECT_EQ(out, "www.example. 300 IN A 192.0.2.10");
  out.clear();
  write_record_text(sink, name(), 0, 42, static_cast<rr_type>(999), {});
  EXPECT_EQ(out, ". 0 CLASS42 TYPE999 \\# 0");
}

}  // namespace
