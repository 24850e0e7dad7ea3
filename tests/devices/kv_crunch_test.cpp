// kv_crunch over the test tree that make_tree.cpp builds and fata_crunch()
// embeds into this binary.
#include <fata/devices/kv_crunch.hpp>

#include <fata/crunched/test_tree.hpp>
#include <fata/devices/kv/digest.hpp>

#include "run.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using fata::devices::kv_crunch;
using fata::sig::kv_entry;
using fata::sig::kv_error;
using fata::sig::kv_kind;
using fata::test::run;

template <class R>
void expect_error(const R& r, kv_error e) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), e) << describe(r.error());
}

struct kv_crunch_test : ::testing::Test {
  kv_crunch store{fata::crunched::test_tree};
};

TEST_F(kv_crunch_test, root_lists_files_folders_and_inner_links_only) {
  auto l = run(store.list("/"));
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (std::vector<kv_entry>{
                    {"big", kv_kind::dictionary},
                    {"binary.bin", kv_kind::value},
                    {"dir-link", kv_kind::dictionary},
                    {"empty", kv_kind::value},
                    {"hello.txt", kv_kind::value},
                    {"link-inside", kv_kind::value},
                    {"name with spaces.txt", kv_kind::value},
                    {"nested", kv_kind::dictionary},
                    {"x", kv_kind::dictionary},
                    {"x-y", kv_kind::value},
                    {"\xc3\xbcn\xc3\xaf.txt", kv_kind::value},
                }));
}

TEST_F(kv_crunch_test, get_returns_the_file_bytes) {
  EXPECT_EQ(*run(store.get("hello.txt")), "Hello, fata!\n");
  EXPECT_EQ(*run(store.get("/nested/a/b/c/deep.txt")), "deep\n");
  EXPECT_EQ(*run(store.get("name with spaces.txt")), "spaces\n");
}

TEST_F(kv_crunch_test, empty_file_is_an_empty_value) {
  EXPECT_EQ(*run(store.get("empty")), "");
  EXPECT_EQ(*run(store.size("empty")), 0u);
  EXPECT_EQ(*run(store.exists("empty")), kv_kind::value);
}

TEST_F(kv_crunch_test, binary_file_keeps_every_byte) {
  auto v = run(store.get("binary.bin"));
  ASSERT_TRUE(v);
  ASSERT_EQ(v->size(), 512u);
  for (std::size_t i = 0; i < v->size(); ++i) ASSERT_EQ(static_cast<unsigned char>((*v)[i]), i % 256);
}

TEST_F(kv_crunch_test, large_file_is_embedded_whole_with_its_digest) {
  auto v = run(store.get("big/large.bin"));
  ASSERT_TRUE(v);
  EXPECT_EQ(v->size(), (std::size_t(3) << 19) + 7);
  EXPECT_EQ(*run(store.digest("big/large.bin")), fata::devices::kv::value_digest(std::string_view(*v)));
}

TEST_F(kv_crunch_test, inner_links_are_followed) {
  EXPECT_EQ(*run(store.get("link-inside")), "Hello, fata!\n");
  EXPECT_EQ(*run(store.get("dir-link/sibling.txt")), "sibling\n");
}

TEST_F(kv_crunch_test, escaping_dangling_and_special_entries_are_absent) {
  for (const char* key : {"escape-link", "absolute-link", "dangling-link", "fifo"}) {
    auto e = run(store.exists(key));
    ASSERT_TRUE(e) << key;
    EXPECT_EQ(*e, std::nullopt) << key;
    expect_error(run(store.get(key)), kv_error::not_found);
  }
}

TEST_F(kv_crunch_test, last_modified_is_the_build_time_mtime) {
  // make_tree.cpp stamps hello.txt (its first file) with index 1.
  EXPECT_EQ(*run(store.last_modified("hello.txt")),
            fata::wall_from_ns((1'700'000'000LL + 3600) * 1'000'000'000LL + 123'456'790));
}

TEST_F(kv_crunch_test, mapped_views_the_embedded_bytes_without_copying) {
  auto first = store.mapped("/hello.txt");
  auto second = store.mapped("hello.txt");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->data(), second->data());
  EXPECT_EQ(first->chars(), "Hello, fata!\n");
  auto large = store.mapped("big/large.bin");
  ASSERT_TRUE(large);
  EXPECT_EQ(large->size(), (std::size_t(3) << 19) + 7);
}

TEST_F(kv_crunch_test, mapped_is_empty_for_dictionaries_missing_and_invalid_keys) {
  EXPECT_FALSE(store.mapped("nested"));
  EXPECT_FALSE(store.mapped("nope"));
  EXPECT_FALSE(store.mapped("a/../b"));
  auto empty = store.mapped("empty");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->size(), 0u);
}

TEST_F(kv_crunch_test, find_gives_the_metadata) {
  auto e = store.find("binary.bin");
  ASSERT_TRUE(e);
  EXPECT_EQ((*e)->size, 512u);
  EXPECT_EQ((*e)->kind, kv_kind::value);
}

TEST_F(kv_crunch_test, get_partial_reads_a_range) {
  EXPECT_EQ(*run(store.get_partial("hello.txt", 7, 4)), "fata");
  EXPECT_EQ(*run(store.get_partial("hello.txt", 7, 1000)), "fata!\n");
  EXPECT_EQ(*run(store.get_partial("hello.txt", 13, 1)), "");
  expect_error(run(store.get_partial("hello.txt", 14, 1)), kv_error::out_of_bounds);
}

TEST_F(kv_crunch_test, lookup_errors) {
  expect_error(run(store.get("missing")), kv_error::not_found);
  expect_error(run(store.get("nested")), kv_error::value_expected);
  expect_error(run(store.get("hello.txt/x")), kv_error::dictionary_expected);
  expect_error(run(store.exists("hello.txt/x")), kv_error::dictionary_expected);
  expect_error(run(store.list("hello.txt")), kv_error::dictionary_expected);
  expect_error(run(store.size("nested")), kv_error::value_expected);
  expect_error(run(store.get_partial("nested", 0, 1)), kv_error::value_expected);
  expect_error(run(store.get("nested//a")), kv_error::invalid_key);
  expect_error(run(store.digest("../etc")), kv_error::invalid_key);
  expect_error(run(store.last_modified("x/none")), kv_error::not_found);
}

TEST_F(kv_crunch_test, prefix_siblings_are_not_confused) {
  EXPECT_EQ(*run(store.list("x")), (std::vector<kv_entry>{{"z", kv_kind::value}}));
  EXPECT_EQ(*run(store.get("x-y")), "x-y");
  EXPECT_EQ(*run(store.list("nested/empty-dir")), std::vector<kv_entry>{});
}

TEST_F(kv_crunch_test, table_is_named_and_rooted) {
  EXPECT_EQ(fata::crunched::test_tree.name, "test_tree");
  EXPECT_EQ(fata::crunched::test_tree.entries[0].kind, kv_kind::dictionary);
}

}  // namespace
