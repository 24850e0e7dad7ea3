#include <fata/devices/kv/digest.hpp>
#include <fata/devices/kv/key.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using fata::sig::kv_error;
namespace kv = fata::devices::kv;

std::string canonical(std::string_view key) {
  auto r = kv::normalize_key(key);
  EXPECT_TRUE(r.has_value()) << key;
  return r ? std::string(*r) : std::string("<error>");
}

void expect_invalid(std::string_view key) {
  auto r = kv::normalize_key(key);
  ASSERT_FALSE(r.has_value()) << key;
  EXPECT_EQ(r.error(), kv_error::invalid_key) << key;
}

TEST(kv_key, leading_slash_is_optional) {
  EXPECT_EQ(canonical("/css/site.css"), "css/site.css");
  EXPECT_EQ(canonical("css/site.css"), "css/site.css");
}

TEST(kv_key, empty_and_slash_name_the_root) {
  EXPECT_EQ(canonical(""), "");
  EXPECT_EQ(canonical("/"), "");
}

TEST(kv_key, canonical_form_is_a_view_into_the_key) {
  const std::string key = "/a/b";
  auto r = kv::normalize_key(key);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->data(), key.data() + 1);
}

TEST(kv_key, empty_segments_are_invalid) {
  expect_invalid("a//b");
  expect_invalid("//a");
  expect_invalid("a/");
  expect_invalid("/a/b/");
}

TEST(kv_key, dot_and_dot_dot_segments_are_invalid) {
  expect_invalid(".");
  expect_invalid("..");
  expect_invalid("/a/./b");
  expect_invalid("a/../../etc/passwd");
  expect_invalid("a/..");
}

TEST(kv_key, dots_inside_names_are_fine) {
  EXPECT_EQ(canonical("a/...hidden/.profile/x..y"), "a/...hidden/.profile/x..y");
}

TEST(kv_key, nul_bytes_are_invalid) { expect_invalid(std::string_view("a\0b", 3)); }

TEST(kv_key, length_limits_match_linux_file_names) {
  EXPECT_EQ(canonical(std::string(255, 'n')), std::string(255, 'n'));
  expect_invalid(std::string(256, 'n'));
  std::string longest;
  while (longest.size() + 2 <= kv::max_key_size) longest += "a/";
  longest += 'a';
  ASSERT_LE(longest.size(), kv::max_key_size);
  EXPECT_EQ(canonical(longest), longest);
  std::string too_long;
  while (too_long.size() <= kv::max_key_size) too_long += std::string(250, 'b') + "/";
  too_long += 'b';
  expect_invalid(too_long);
}

TEST(kv_key, parent_and_basename_split_the_last_segment) {
  EXPECT_EQ(kv::parent_of("a/b/c"), "a/b");
  EXPECT_EQ(kv::basename_of("a/b/c"), "c");
  EXPECT_EQ(kv::parent_of("a"), "");
  EXPECT_EQ(kv::basename_of("a"), "a");
  EXPECT_EQ(kv::parent_of(""), "");
  EXPECT_EQ(kv::basename_of(""), "");
}

TEST(kv_key, is_within_respects_segment_boundaries) {
  EXPECT_TRUE(kv::is_within("a", "a"));
  EXPECT_TRUE(kv::is_within("a", "a/b"));
  EXPECT_FALSE(kv::is_within("a", "ab"));
  EXPECT_FALSE(kv::is_within("a/b", "a"));
  EXPECT_TRUE(kv::is_within("", "anything/at/all"));
}

TEST(kv_key, segments_are_walked_in_order) {
  kv::key_segments s("a/bb/c");
  std::vector<std::string> seen;
  for (std::string_view seg; s.next(seg);) seen.emplace_back(seg);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "bb", "c"}));
  kv::key_segments root("");
  std::string_view seg;
  EXPECT_FALSE(root.next(seg));
}

// Known answers: SHA-256 of "" and "abc" (FIPS 180-2).
TEST(kv_digest, value_digest_is_sha256) {
  const fata::sig::kv_digest empty = kv::value_digest(std::string_view(""));
  EXPECT_EQ(empty[0], 0xe3);
  EXPECT_EQ(empty[31], 0x55);
  const fata::sig::kv_digest abc = kv::value_digest(std::string_view("abc"));
  EXPECT_EQ(abc[0], 0xba);
  EXPECT_EQ(abc[1], 0x78);
  EXPECT_EQ(abc[31], 0xad);
}

TEST(kv_digest, incremental_hashing_matches_one_shot) {
  kv::sha256 h;
  h.update(std::string_view("a"));
  h.update(std::string_view("bc"));
  EXPECT_EQ(h.finish(), kv::value_digest(std::string_view("abc")));
}

TEST(kv_digest, dictionary_digest_depends_on_names_kinds_and_members) {
  const auto d1 = kv::value_digest(std::string_view("1"));
  auto digest = [&](std::string_view name, fata::sig::kv_kind kind, const fata::sig::kv_digest& m) {
    kv::dictionary_digest d;
    d.add(name, kind, m);
    return d.finish();
  };
  const auto base = digest("a", fata::sig::kv_kind::value, d1);
  EXPECT_NE(base, digest("b", fata::sig::kv_kind::value, d1));
  EXPECT_NE(base, digest("a", fata::sig::kv_kind::dictionary, d1));
  EXPECT_NE(base, digest("a", fata::sig::kv_kind::value, kv::value_digest(std::string_view("2"))));
  EXPECT_EQ(kv::dictionary_digest().finish(), kv::value_digest(std::string_view("")));
}

}  // namespace
