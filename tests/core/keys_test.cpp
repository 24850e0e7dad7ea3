#include <fata/core/keys.hpp>

#include <gtest/gtest.h>

namespace {

using namespace fata;

enum class mode { fast, safe };
constexpr std::string_view describe(mode m) noexcept { return m == mode::fast ? "fast" : "safe"; }
constexpr std::array<mode, 2> enum_values(mode) { return {mode::fast, mode::safe}; }

key_parse_outcome parse(std::vector<const char*> args) {
  return parse_keys(args, "test", "A test image.");
}

TEST(keys, defaults_hold_until_arguments_are_parsed) {
  key<int> count{"count", 3, "How many"};
  key<std::string> name{"name", "x", "A name"};
  EXPECT_EQ(*count, 3);
  auto r = parse({"--count=5", "--name", "hello world"});
  EXPECT_EQ(r.what, key_parse_outcome::action::run) << r.message;
  EXPECT_EQ(*count, 5);
  EXPECT_EQ(*name, "hello world");
  EXPECT_TRUE(count.given());
}

TEST(keys, apply_to_overrides_a_field_only_when_the_key_was_given) {
  key<int> given_key{"given-key", 3, "g"};
  key<int> absent_key{"absent-key", 4, "a"};
  ASSERT_EQ(parse({"--given-key=9"}).what, key_parse_outcome::action::run);
  int a = 100, b = 200;
  given_key.apply_to(a);
  absent_key.apply_to(b);
  EXPECT_EQ(a, 9);
  EXPECT_EQ(b, 200);  // the code's own default stays, not the key's
}

TEST(keys, every_supported_type_parses) {
  key<bool> verbose{"verbose", false, "v"};
  key<bool> color{"color", true, "c"};
  key<std::uint16_t> small{"small", 0, "s"};
  key<std::int32_t> neg{"neg", 0, "n"};
  key<port> p{"port", port(80), "p"};
  key<ipv4_prefix> v4{"ipv4", ipv4_prefix{}, "a"};
  key<ipv4_addr> gw{"gateway", ipv4_addr{}, "g"};
  key<ipv6_prefix> v6{"ipv6", ipv6_prefix{}, "a6"};
  key<mac_addr> mac{"mac", mac_addr{}, "m"};
  key<mode> m{"mode", mode::safe, "m"};
  key<std::vector<ipv4_addr>> dns{"dns", std::vector<ipv4_addr>{}, "d"};
  key<duration> timeout{"timeout", 1s, "t"};
  key<double> ratio{"ratio", 0.5, "r"};
  auto r = parse({"--verbose", "--color=false", "--small=0x10", "--neg=-7", "--port=8443",
                  "--ipv4=10.0.0.2/24", "--gateway=10.0.0.1", "--ipv6=fd00::2/64",
                  "--mac=02:00:00:00:00:01", "--mode=fast", "--dns=1.1.1.1,8.8.8.8",
                  "--timeout=250ms", "--ratio=0.25"});
  ASSERT_EQ(r.what, key_parse_outcome::action::run) << r.message;
  EXPECT_TRUE(*verbose);
  EXPECT_FALSE(*color);
  EXPECT_EQ(*small, 16);
  EXPECT_EQ(*neg, -7);
  EXPECT_EQ(*p, port(8443));
  EXPECT_EQ(v4->address, ipv4_addr(10, 0, 0, 2));
  EXPECT_EQ(v4->length, 24);
  EXPECT_EQ(*gw, ipv4_addr(10, 0, 0, 1));
  EXPECT_EQ(v6->length, 64);
  EXPECT_EQ(mac->octets[5], 1);
  EXPECT_EQ(*m, mode::fast);
  ASSERT_EQ(dns->size(), 2u);
  EXPECT_EQ((*dns)[1], ipv4_addr(8, 8, 8, 8));
  EXPECT_EQ(*timeout, 250ms);
  EXPECT_DOUBLE_EQ(*ratio, 0.25);
}

TEST(keys, an_unknown_key_is_a_usage_error_naming_it) {
  key<int> count{"count", 3, "How many"};
  auto r = parse({"--cuont=4"});
  EXPECT_EQ(r.what, key_parse_outcome::action::usage_error);
  EXPECT_EQ(r.message, "unknown key '--cuont' (see --help)");
}

TEST(keys, a_malformed_value_is_a_usage_error_naming_the_key) {
  key<port> p{"port", port(80), "p"};
  auto r = parse({"--port=99999"});
  EXPECT_EQ(r.what, key_parse_outcome::action::usage_error);
  EXPECT_EQ(r.message, "invalid value '99999' for '--port': expected a port number in 0..65535");
  EXPECT_EQ(*p, port(80));
}

TEST(keys, malformed_values_of_each_type_are_rejected) {
  key<std::uint8_t> u8{"u8", 0, ""};
  key<std::int8_t> i8{"i8", 0, ""};
  key<ipv4_prefix> pfx{"pfx", ipv4_prefix{}, ""};
  key<ipv4_addr> addr{"addr", ipv4_addr{}, ""};
  key<bool> flag{"flag", false, ""};
  key<mode> m{"mode", mode::safe, ""};
  key<duration> d{"d", 1s, ""};
  for (const char* bad : {"--u8=256", "--u8=-1", "--u8=", "--i8=-129", "--i8=1x", "--pfx=10.0.0.1",
                          "--pfx=10.0.0.1/33", "--addr=1.2.3", "--addr=1.2.3.4.5", "--addr=01.2.3.4",
                          "--addr=256.1.1.1", "--flag=maybe", "--mode=slow", "--d=5", "--d=5 s",
                          "--d=s"}) {
    auto r = parse({bad});
    EXPECT_EQ(r.what, key_parse_outcome::action::usage_error) << bad;
    EXPECT_EQ(r.message.find('\n'), std::string::npos) << "one line: " << r.message;
  }
  auto r = parse({"--mode=slow"});
  EXPECT_EQ(r.message, "invalid value 'slow' for '--mode': expected one of fast, safe");
}

TEST(keys, a_missing_value_and_a_positional_argument_are_usage_errors) {
  key<int> count{"count", 3, "How many"};
  EXPECT_EQ(parse({"--count"}).message, "missing value for '--count' (expected INT)");
  EXPECT_EQ(parse({"stray"}).what, key_parse_outcome::action::usage_error);
}

TEST(keys, a_required_key_must_be_given) {
  key<ipv4_prefix> addr{"ipv4", required, "Address"};
  auto r = parse({});
  EXPECT_EQ(r.what, key_parse_outcome::action::usage_error);
  EXPECT_EQ(r.message, "missing required key '--ipv4=IPV4/PREFIX' (see --help)");
  EXPECT_EQ(parse({"--ipv4=10.0.0.2/24"}).what, key_parse_outcome::action::run);
}

TEST(keys, help_lists_every_key_with_type_default_and_doc) {
  key<int> count{"count", 3, "How many greetings"};
  key<std::string> tap{"net:service", "tap0", "TAP interface of network 'service'", "DEVICES"};
  auto r = parse({"--count=1", "--help"});
  ASSERT_EQ(r.what, key_parse_outcome::action::show_help);
  EXPECT_NE(r.message.find("usage: test [--KEY=VALUE ...]"), std::string::npos);
  EXPECT_NE(r.message.find("--count=INT"), std::string::npos);
  EXPECT_NE(r.message.find("How many greetings (default: 3)"), std::string::npos);
  EXPECT_NE(r.message.find("DEVICES"), std::string::npos);
  EXPECT_NE(r.message.find("--net:service=STRING"), std::string::npos);
  // The application's keys come before the devices'.
  EXPECT_LT(r.message.find("--count"), r.message.find("--net:service"));
}

TEST(keys, keys_unregister_when_destroyed) {
  {
    key<int> temp{"temp", 1, ""};
    EXPECT_NE(find_key("temp"), nullptr);
  }
  EXPECT_EQ(find_key("temp"), nullptr);
}

}  // namespace
