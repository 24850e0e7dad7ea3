#include <fata/core/fmt.hpp>
#include <fata/core/time.hpp>

#include <gtest/gtest.h>

namespace {

using fata::format;

TEST(fmt, plain_fields_follow_argument_order) {
  EXPECT_EQ(format("{} + {} = {}", 1, 2, 3), "1 + 2 = 3");
  EXPECT_EQ(format("{}{}", "ab", std::string("cd")), "abcd");
  EXPECT_EQ(format("{}", std::string_view("sv")), "sv");
}

TEST(fmt, integers_in_every_base_and_width) {
  EXPECT_EQ(format("{:x}", 255), "ff");
  EXPECT_EQ(format("{:X}", 255), "FF");
  EXPECT_EQ(format("{:#x}", 255), "0xff");
  EXPECT_EQ(format("{:#06x}", 255), "0x00ff");
  EXPECT_EQ(format("{:08b}", 5), "00000101");
  EXPECT_EQ(format("{:5}", 42), "   42");
  EXPECT_EQ(format("{:<5}|", 42), "42   |");
  EXPECT_EQ(format("{:^6}|", 42), "  42  |");
  EXPECT_EQ(format("{:*>4}", 7), "***7");
  EXPECT_EQ(format("{:05}", -42), "-0042");
  EXPECT_EQ(format("{}", INT64_MIN), "-9223372036854775808");
  EXPECT_EQ(format("{}", UINT64_MAX), "18446744073709551615");
  EXPECT_EQ(format("{}", std::uint8_t{200}), "200");
  EXPECT_EQ(format("{:02x}", std::byte{0xa}), "0a");
}

TEST(fmt, booleans_chars_and_pointers) {
  EXPECT_EQ(format("{} {}", true, false), "true false");
  EXPECT_EQ(format("{}", 'x'), "x");
  EXPECT_EQ(format("{:d}", 'A'), "65");
  EXPECT_EQ(format("{}", static_cast<const void*>(nullptr)), "0x0");
  const char* null_str = nullptr;
  EXPECT_EQ(format("{}", null_str), "(null)");
}

TEST(fmt, floating_point) {
  EXPECT_EQ(format("{:.2f}", 3.14159), "3.14");
  EXPECT_EQ(format("{:.0f}", 2.5), "3");
  EXPECT_EQ(format("{:.3f}", -0.0005), "-0.001");
  EXPECT_EQ(format("{}", 1.5), "1.5");
  EXPECT_EQ(format("{}", 100.0), "100");
  EXPECT_EQ(format("{:.1f}", 9.96), "10.0");
  EXPECT_EQ(format("{:8.2f}|", 1.0), "    1.00|");
  EXPECT_EQ(format("{:e}", 12345.0), "1.234500e+04");
}

TEST(fmt, durations_pick_a_readable_unit) {
  using namespace std::chrono_literals;
  EXPECT_EQ(format("{}", 1500ms), "1.5s");
  EXPECT_EQ(format("{}", 250ms), "250ms");
  EXPECT_EQ(format("{:.1}", 12300ns), "12.3us");
  EXPECT_EQ(format("{}", 800ns), "800ns");
}

TEST(fmt, escaped_braces_and_malformed_fields_do_not_abort) {
  EXPECT_EQ(format("{{}} {}", 1), "{} 1");
  EXPECT_EQ(format("{} {}", 1), "1 {?}");
  EXPECT_EQ(format("{:zz}", 1), "{?}");
  EXPECT_EQ(format("open { brace", 1), "open { brace");
  EXPECT_EQ(format("a } b"), "a } b");
}

TEST(fmt, format_into_truncates_to_the_buffer) {
  char buf[8];
  auto s = fata::format_into(buf, "{}", "0123456789");
  EXPECT_EQ(s, "01234567");
}

enum class colour { red, green };
constexpr std::string_view describe(colour c) noexcept { return c == colour::red ? "red" : "green"; }

struct point {
  int x, y;
};
void format_value(fata::format_sink& s, const fata::format_spec&, const point& p) {
  fata::format_to(s, "({}, {})", p.x, p.y);
}

TEST(fmt, custom_types_and_error_enums) {
  EXPECT_EQ(format("{}", colour::green), "green");
  EXPECT_EQ(format("at {}", point{1, -2}), "at (1, -2)");
  EXPECT_EQ(format("{}", fata::errc::timed_out), "timed out");
}

TEST(fmt, inline_string_formats_on_the_stack) {
  fata::inline_string<32> s("{}-{}", "a", 1);
  EXPECT_EQ(s.view(), "a-1");
}

}  // namespace
