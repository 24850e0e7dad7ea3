// The crunched store and the host-directory store built from the same tree
// (make_tree.cpp) must agree on every key, for every read operation, on
// values and on errors alike. And an in-memory store loaded with the same
// contents must report the same digests.
#include <fata/devices/hosted/kv_dir.hpp>
#include <fata/devices/kv_crunch.hpp>
#include <fata/devices/kv_mem.hpp>

#include <fata/crunched/test_tree.hpp>

#include "run.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace {

using fata::devices::kv_crunch;
using fata::devices::kv_mem;
using fata::hosted::kv_dir;
using fata::sig::kv_error;
using fata::sig::kv_kind;
using fata::test::run;

template <class T>
std::string show(const fata::result<T, kv_error>& r) {
  if (!r) return std::string("error: ") + std::string(describe(r.error()));
  return "ok";
}

#define EXPECT_SAME(a, b, what, key)                                              \
  do {                                                                             \
    const auto& ra = (a);                                                          \
    const auto& rb = (b);                                                          \
    EXPECT_EQ(ra.has_value(), rb.has_value())                                      \
        << what << " " << key << ": crunch " << show(ra) << ", dir " << show(rb);  \
    if (ra.has_value() && rb.has_value()) {                                        \
      EXPECT_TRUE(*ra == *rb) << what << " " << key;                               \
    } else if (!ra.has_value() && !rb.has_value()) {                               \
      EXPECT_EQ(ra.error(), rb.error()) << what << " " << key;                     \
    }                                                                              \
  } while (0)

struct kv_agree_test : ::testing::Test {
  kv_crunch crunched{fata::crunched::test_tree};
  kv_dir directory = std::move(*kv_dir::open(FATA_TEST_TREE));

  // Every key of the tree, from the crunched side (the dir side's listing
  // is compared at every dictionary).
  std::vector<std::string> all_keys(const std::string& key = "") {
    std::vector<std::string> out{key};
    auto listed = run(crunched.list(key));
    if (!listed) return out;
    for (const auto& e : *listed) {
      const std::string child = key.empty() ? e.name : key + "/" + e.name;
      if (e.kind == kv_kind::dictionary) {
        auto deeper = all_keys(child);
        out.insert(out.end(), deeper.begin(), deeper.end());
      } else {
        out.push_back(child);
      }
    }
    return out;
  }

  void compare(const std::string& key) {
    EXPECT_SAME(run(crunched.exists(key)), run(directory.exists(key)), "exists", key);
    EXPECT_SAME(run(crunched.get(key)), run(directory.get(key)), "get", key);
    EXPECT_SAME(run(crunched.list(key)), run(directory.list(key)), "list", key);
    EXPECT_SAME(run(crunched.last_modified(key)), run(directory.last_modified(key)), "last_modified", key);
    EXPECT_SAME(run(crunched.digest(key)), run(directory.digest(key)), "digest", key);
    EXPECT_SAME(run(crunched.size(key)), run(directory.size(key)), "size", key);
    const std::uint64_t size = run(crunched.size(key)).value_or(10);
    for (std::uint64_t offset : {std::uint64_t(0), std::uint64_t(1), size / 2, size - 1, size, size + 1}) {
      for (std::size_t length : {std::size_t(0), std::size_t(1), std::size_t(100), std::size_t(1) << 20,
                                 static_cast<std::size_t>(-1)}) {
        EXPECT_SAME(run(crunched.get_partial(key, offset, length)),
                    run(directory.get_partial(key, offset, length)),
                    "get_partial(" + std::to_string(offset) + "," + std::to_string(length) + ")", key);
      }
    }
  }
};

TEST_F(kv_agree_test, the_tree_has_every_kind_of_entry) {
  const auto keys = all_keys();
  EXPECT_GE(keys.size(), 20u);
  EXPECT_EQ(run(crunched.size("big/large.bin")).value_or(0), (std::uint64_t(3) << 19) + 7);
  EXPECT_EQ(run(crunched.size("empty")).value_or(1), 0u);
}

TEST_F(kv_agree_test, crunched_and_directory_agree_on_every_key_and_operation) {
  for (const std::string& key : all_keys()) compare(key);
}

TEST_F(kv_agree_test, crunched_and_directory_agree_on_absent_and_bad_keys) {
  for (const char* key : {"missing", "/", "hello.txt/x", "nested/a/b/c/deep.txt/more", "escape-link",
                          "escape-link/x", "absolute-link", "dangling-link", "fifo", "fifo/x",
                          "a/../b", "nested//a", "nested/a/", "x-y/z", "x/z/", "dir-link/b/c/deep.txt",
                          "nested/empty-dir/none"})
    compare(key);
}

// Loads a kv_mem with the crunched tree's contents.
void load(kv_crunch& from, kv_mem& into, const std::string& key) {
  auto listed = run(from.list(key));
  ASSERT_TRUE(listed);
  for (const auto& e : *listed) {
    const std::string child = key.empty() ? e.name : key + "/" + e.name;
    if (e.kind == kv_kind::value) {
      ASSERT_TRUE(into.set_now(child, *run(from.get(child))));
    } else {
      ASSERT_TRUE(into.allocate_now(child + "/.placeholder", 0));
      ASSERT_TRUE(into.remove_now(child + "/.placeholder"));
      load(from, into, child);
    }
  }
}

TEST_F(kv_agree_test, an_in_memory_copy_has_the_same_digests) {
  kv_mem copy(std::size_t(64) << 20);
  load(crunched, copy, "");
  for (const std::string& key : all_keys())
    EXPECT_SAME(run(crunched.digest(key)), copy.digest_now(key), "digest", key);
}

}  // namespace
