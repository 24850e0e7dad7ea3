// Names: presentation form, comparison, canonical order, and decoding
// from messages with compression pointers (RFC 1035 §3.1, §4.1.4, §5.1;
// RFC 4343; RFC 4034 §6.1).
#include <fata/dns/name.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

name text(std::string_view s, const name& origin = name()) {
  auto n = name::from_text(s, origin);
  EXPECT_TRUE(n.has_value()) << s;
  return n.value_or(name());
}

std::string printed(const name& n) {
  std::string out(max_name_text, '\0');
  out.resize(n.to_text(std::span<char>(out.data(), out.size())));
  return out;
}

std::vector<std::uint8_t> wire_of(const name& n) {
  return {n.wire().u8_data(), n.wire().u8_data() + n.wire_size()};
}

bytes view(const std::vector<std::uint8_t>& v) { return {v.data(), v.size()}; }

}  // namespace

TEST(DnsName, ParsesPresentationFormKeepingCase) {
  const name n = text("www.Example.com.");
  EXPECT_EQ(wire_of(n), (std::vector<std::uint8_t>{3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p',
                                                   'l', 'e', 3, 'c', 'o', 'm', 0}));
  EXPECT_EQ(n.label_count(), 3u);
  EXPECT_EQ(n.label(1).chars(), "Example");
  EXPECT_EQ(printed(n), "www.Example.com.");
}

TEST(DnsName, RelativeNamesAndTheOrigin) {
  const name origin = text("example.org.");
  EXPECT_EQ(printed(text("mail", origin)), "mail.example.org.");
  EXPECT_EQ(printed(text("a.b", origin)), "a.b.example.org.");
  EXPECT_EQ(printed(text("@", origin)), "example.org.");
  EXPECT_EQ(printed(text("absolute.", origin)), "absolute.");
  EXPECT_TRUE(text(".").is_root());
  EXPECT_EQ(printed(name()), ".");
}

TEST(DnsName, Escapes) {
  const name dotted = text("a\\.b.example.");
  EXPECT_EQ(dotted.label_count(), 2u);
  EXPECT_EQ(dotted.label(0).chars(), "a.b");
  EXPECT_EQ(text("\\065\\098c.").label(0).chars(), "Abc");
  const name odd = text("\\000\\ \\\"\\;x\\255.");
  EXPECT_EQ(odd.label(0).size(), 6u);
  EXPECT_EQ(odd.label(0).u8(0), 0);
  EXPECT_EQ(odd.label(0).u8(5), 255);
  // Printing escapes what a zone file would misread, and reads back the same.
  EXPECT_EQ(printed(odd), "\\000\\032\\\"\\;x\\255.");
  EXPECT_EQ(wire_of(text(printed(odd))), wire_of(odd));
  EXPECT_EQ(printed(dotted), "a\\.b.example.");
}

TEST(DnsName, MalformedPresentationForms) {
  EXPECT_EQ(name::from_text("").error(), dns_error::empty_label);
  EXPECT_EQ(name::from_text("a..b").error(), dns_error::empty_label);
  EXPECT_EQ(name::from_text(".a").error(), dns_error::empty_label);
  EXPECT_EQ(name::from_text("a\\").error(), dns_error::bad_escape);
  EXPECT_EQ(name::from_text("a\\25").error(), dns_error::bad_escape);
  EXPECT_EQ(name::from_text("a\\256").error(), dns_error::bad_escape);
  EXPECT_EQ(name::from_text("a\\2x5").error(), dns_error::bad_escape);
}

TEST(DnsName, LengthLimits) {
  const std::string l63(63, 'a');
  const std::string l62(62, 'b');
  EXPECT_TRUE(name::from_text(l63 + ".").has_value());
  EXPECT_EQ(name::from_text(l63 + "a.").error(), dns_error::label_too_long);
  // 3 * 64 + 63 + root = 256 octets, one too many; with a 61-octet last
  // label it is exactly 255.
  const std::string three = l63 + "." + l63 + "." + l63 + ".";
  const name longest = text(three + std::string(61, 'c') + ".");
  EXPECT_EQ(longest.wire_size(), 255u);
  EXPECT_EQ(name::from_text(three + l62 + ".").error(), dns_error::name_too_long);
  // A relative name that only overflows once the origin is added.
  EXPECT_EQ(name::from_text(l62 + ".x", longest.parent()).error(), dns_error::name_too_long);
  EXPECT_EQ(name::from_text(l62, longest.parent())->wire_size(), 254u);
  EXPECT_EQ(longest.prepend(bytes::of("x")).error(), dns_error::name_too_long);
  EXPECT_EQ(text("a.").prepend(bytes::of(l63 + "a")).error(), dns_error::label_too_long);
  std::string all_escaped;
  for (int i = 0; i < 4; ++i) {
    for (int k = 0; k < (i < 3 ? 63 : 61); ++k) all_escaped += "\\007";
    all_escaped += ".";
  }
  const name worst = text(all_escaped);
  EXPECT_EQ(printed(worst).size(), max_name_text);
}

TEST(DnsName, ComparisonIgnoresAsciiCaseOnly) {
  EXPECT_EQ(text("WWW.example.COM."), text("www.EXAMPLE.com."));
  EXPECT_NE(text("www.example.com."), text("www.example.net."));
  EXPECT_NE(text("a.example."), text("a.a.example."));
  // Octets above ASCII are not folded (RFC 4343 §3).
  EXPECT_NE(text("\\196."), text("\\228."));
}

TEST(DnsName, CanonicalOrderOfRfc4034) {
  // The example list of RFC 4034 §6.1, in order.
  const std::vector<name> ordered = {
      text("example."),       text("a.example."),     text("yljkjljk.a.example."),
      text("Z.a.example."),   text("zABC.a.EXAMPLE."), text("z.example."),
      text("\\001.z.example."), text("*.z.example."),   text("\\200.z.example.")};
  for (std::size_t i = 0; i + 1 < ordered.size(); ++i) {
    EXPECT_LT(ordered[i], ordered[i + 1]) << printed(ordered[i]) << " < " << printed(ordered[i + 1]);
    EXPECT_GT(ordered[i + 1], ordered[i]);
  }
  EXPECT_EQ(text("A.example.") <=> text("a.EXAMPLE."), std::strong_ordering::equal);
  EXPECT_LT(name(), text("a."));
}

TEST(DnsName, TreeOperations) {
  const name n = text("www.example.com.");
  EXPECT_TRUE(n.is_subdomain_of(text("EXAMPLE.com.")));
  EXPECT_TRUE(n.is_subdomain_of(n));
  EXPECT_TRUE(n.is_subdomain_of(name()));
  EXPECT_FALSE(n.is_subdomain_of(text("ample.com.")));
  EXPECT_FALSE(text("example.com.").is_subdomain_of(n));
  EXPECT_EQ(n.parent(), text("example.com."));
  EXPECT_EQ(n.parent(3), name());
  EXPECT_EQ(n.parent(9), name());
  const name wild = n.parent().prepend(bytes::of("*")).value();
  EXPECT_TRUE(wild.is_wildcard());
  EXPECT_FALSE(n.is_wildcard());
  EXPECT_EQ(printed(wild), "*.example.com.");
  EXPECT_EQ(text("example.com.").under(text("a.b.")).value(), text("a.b.example.com."));
}

TEST(DnsName, FromWireTakesExactlyOneUncompressedName) {
  const std::vector<std::uint8_t> ok = {1, 'a', 0};
  EXPECT_EQ(name::from_wire(view(ok)).value(), text("a."));
  const std::vector<std::uint8_t> extra = {1, 'a', 0, 0};
  EXPECT_EQ(name::from_wire(view(extra)).error(), dns_error::trailing_data);
  const std::vector<std::uint8_t> pointer = {0xc0, 0};
  EXPECT_EQ(name::from_wire(view(pointer)).error(), dns_error::bad_pointer);
}

TEST(DnsReadName, FollowsBackwardPointers) {
  // "example." at 2, "www" + pointer to it at 11.
  const std::vector<std::uint8_t> m = {0xff, 0xff, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
                                       3, 'w', 'w', 'w', 0xc0, 2, 0xee};
  auto at = read_name(view(m), 11);
  ASSERT_TRUE(at.has_value());
  EXPECT_EQ(at->value, text("www.example."));
  EXPECT_EQ(at->end, 17u);  // just after the pointer, not after the target
  auto plain = read_name(view(m), 2);
  ASSERT_TRUE(plain.has_value());
  EXPECT_EQ(plain->end, 11u);
}

TEST(DnsReadName, RefusesPointersThatCouldLoop) {
  // Forward, self, and a two-pointer cycle.
  const std::vector<std::uint8_t> forward = {0xc0, 2, 1, 'a', 0};
  EXPECT_EQ(read_name(view(forward), 0).error(), dns_error::bad_pointer);
  const std::vector<std::uint8_t> self = {0, 0, 0xc0, 2};
  EXPECT_EQ(read_name(view(self), 2).error(), dns_error::bad_pointer);
  const std::vector<std::uint8_t> cycle = {0xc0, 2, 0xc0, 0};
  EXPECT_EQ(read_name(view(cycle), 2).error(), dns_error::bad_pointer);
  // A pointer back to labels that run into the pointer itself: backward
  // from where it sits, but not from the start of the run it ends.
  const std::vector<std::uint8_t> run_in = {1, 'a', 0xc0, 0};
  EXPECT_EQ(read_name(view(run_in), 0).error(), dns_error::bad_pointer);
}

TEST(DnsReadName, RefusesTruncationRetiredLabelTypesAndLongChains) {
  const std::vector<std::uint8_t> short_label = {5, 'a', 'b'};
  EXPECT_EQ(read_name(view(short_label), 0).error(), dns_error::truncated);
  const std::vector<std::uint8_t> no_root = {1, 'a'};
  EXPECT_EQ(read_name(view(no_root), 0).error(), dns_error::truncated);
  const std::vector<std::uint8_t> half_pointer = {0, 0xc0};
  EXPECT_EQ(read_name(view(half_pointer), 1).error(), dns_error::truncated);
  const std::vector<std::uint8_t> extended = {0x41, 0};
  EXPECT_EQ(read_name(view(extended), 0).error(), dns_error::bad_label_type);
  const std::vector<std::uint8_t> reserved = {0x80, 0};
  EXPECT_EQ(read_name(view(reserved), 0).error(), dns_error::bad_label_type);
  // Each link adds a 63-octet label before pointing at the previous one:
  // the fourth link passes 255 octets.
  std::vector<std::uint8_t> chain = {0};
  std::size_t previous = 0;
  for (int link = 0; link < 4; ++link) {
    const std::size_t here = chain.size();
    chain.push_back(63);
    chain.insert(chain.end(), 63, 'x');
    chain.push_back(0xc0);
    chain.push_back(static_cast<std::uint8_t>(previous));
    previous = here;
  }
  EXPECT_EQ(read_name(view(chain), previous).error(), dns_error::name_too_long);
  EXPECT_TRUE(read_name(view(chain), 1 + 2 * 66).has_value());
}

TEST(DnsCompressor, PointsAtTheLongestWrittenSuffix) {
  std::vector<std::uint8_t> m(64, 0);
  const mut_bytes out(m.data(), m.size());
  name_compressor names;
  std::size_t pos = 0;
  pos += names.write(out, pos, text("www.Example.com.")).value();
  EXPECT_EQ(pos, 17u);
  const std::size_t mail = pos;
  pos += names.write(out, pos, text("mail.example.COM.")).value();
  EXPECT_EQ(pos - mail, 5u + 2u);  // "mail", then a pointer to offset 4
  EXPECT_EQ(m[mail + 5], 0xc0);
  EXPECT_EQ(m[mail + 6], 4);
  const std::size_t again = pos;
  pos += names.write(out, pos, text("WWW.example.com.")).value();
  EXPECT_EQ(pos - again, 2u);
  const std::size_t other = pos;
  pos += names.write(out, pos, text("example.net.")).value();
  EXPECT_EQ(pos - other, 13u);  // nothing in common but the root
  for (std::size_t at : {std::size_t(0), mail, again, other}) {
    auto back = read_name(bytes(m.data(), pos), at);
    ASSERT_TRUE(back.has_value());
  }
  EXPECT_EQ(read_name(bytes(m.data(), pos), mail)->value, text("mail.example.com."));
  EXPECT_EQ(names.write(out, pos, text("toolongforthe.rest.of.the.buffer.")).error(),
            dns_error::no_space);
  names.forget_from(mail);
  const std::size_t after = pos;
  pos += names.write(out, pos, text("mail.example.com.")).value();
  EXPECT_EQ(pos - after, 7u);  // still points into the first name
}
