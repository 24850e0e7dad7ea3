// kv_dir over directories made at run time: confinement, on-demand reads,
// errors.
#include <fata/devices/hosted/kv_dir.hpp>

#include <fata/devices/kv/digest.hpp>

#include "run.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include <fcntl.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using fata::hosted::kv_dir;
using fata::sig::kv_entry;
using fata::sig::kv_error;
using fata::sig::kv_kind;
using fata::test::run;

template <class R>
void expect_error(const R& r, kv_error e) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), e) << describe(r.error());
}

int remove_entry(const char* path, const struct stat*, int, FTW*) { return ::remove(path); }

// A scratch folder holding `root/` (the store) and `outside/` (a secret
// the store must never reach).
struct kv_dir_test : ::testing::Test {
  std::string base;
  std::string root;

  void SetUp() override {
    char name[] = "/tmp/fata-kv-dir-XXXXXX";
    ASSERT_NE(::mkdtemp(name), nullptr);
    base = name;
    root = base + "/root";
    ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((base + "/outside").c_str(), 0755), 0);
    write(base + "/outside/secret", "secret");
    write(base + "/secret-file", "secret");
  }
  void TearDown() override { ::nftw(base.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS); }

  static void write(const std::string& path, const std::string& content) {
    FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr) << path;
    std::fwrite(content.data(), 1, content.size(), f);
    std::fclose(f);
  }
  void file(const std::string& rel, const std::string& content) { write(root + "/" + rel, content); }
  void folder(const std::string& rel) { ASSERT_EQ(::mkdir((root + "/" + rel).c_str(), 0755), 0); }
  void link(const std::string& target, const std::string& rel) {
    ASSERT_EQ(::symlink(target.c_str(), (root + "/" + rel).c_str()), 0);
  }
  kv_dir open() {
    auto d = kv_dir::open(root);
    EXPECT_TRUE(d);
    return std::move(*d);
  }
};

TEST_F(kv_dir_test, open_of_a_missing_directory_is_not_found) {
  expect_error(kv_dir::open(root + "/none"), kv_error::not_found);
}

TEST_F(kv_dir_test, open_of_a_file_is_dictionary_expected) {
  file("f", "x");
  expect_error(kv_dir::open(root + "/f"), kv_error::dictionary_expected);
}

TEST_F(kv_dir_test, files_are_values_and_folders_dictionaries) {
  file("a.txt", "A");
  folder("d");
  file("d/b.txt", "B");
  kv_dir store = open();
  EXPECT_EQ(*run(store.get("a.txt")), "A");
  EXPECT_EQ(*run(store.get("/d/b.txt")), "B");
  EXPECT_EQ(*run(store.list("")),
            (std::vector<kv_entry>{{"a.txt", kv_kind::value}, {"d", kv_kind::dictionary}}));
}

TEST_F(kv_dir_test, dot_dot_keys_are_invalid) {
  kv_dir store = open();
  expect_error(run(store.get("../secret-file")), kv_error::invalid_key);
  expect_error(run(store.get("/../outside/secret")), kv_error::invalid_key);
  expect_error(run(store.list("..")), kv_error::invalid_key);
}

TEST_F(kv_dir_test, a_relative_link_climbing_out_is_absent) {
  link("../secret-file", "up");
  link("../outside", "updir");
  kv_dir store = open();
  expect_error(run(store.get("up")), kv_error::not_found);
  expect_error(run(store.get("updir/secret")), kv_error::not_found);
  EXPECT_EQ(*run(store.exists("updir")), std::nullopt);
  EXPECT_EQ(*run(store.list("")), std::vector<kv_entry>{});
}

TEST_F(kv_dir_test, an_absolute_link_is_absent_even_into_the_root) {
  file("target", "t");
  link(base + "/secret-file", "abs-out");
  link(root + "/target", "abs-in");
  kv_dir store = open();
  expect_error(run(store.get("abs-out")), kv_error::not_found);
  expect_error(run(store.get("abs-in")), kv_error::not_found);
  EXPECT_EQ(*run(store.list("")), (std::vector<kv_entry>{{"target", kv_kind::value}}));
}

TEST_F(kv_dir_test, a_link_leaving_and_reentering_the_root_is_absent) {
  file("target", "t");
  link("../root/target", "roundtrip");
  kv_dir store = open();
  expect_error(run(store.get("roundtrip")), kv_error::not_found);
}

TEST_F(kv_dir_test, links_inside_the_root_are_followed) {
  folder("d");
  file("d/f", "inside");
  link("d/f", "to-file");
  link("d", "to-dir");
  folder("e");
  link("../d/f", "e/up-but-inside");
  kv_dir store = open();
  EXPECT_EQ(*run(store.get("to-file")), "inside");
  EXPECT_EQ(*run(store.get("to-dir/f")), "inside");
  EXPECT_EQ(*run(store.get("e/up-but-inside")), "inside");
  EXPECT_EQ(*run(store.exists("to-dir")), kv_kind::dictionary);
}

TEST_F(kv_dir_test, fifos_and_dangling_links_are_absent) {
  ASSERT_EQ(::mkfifo((root + "/fifo").c_str(), 0644), 0);
  link("nowhere", "dangling");
  kv_dir store = open();
  expect_error(run(store.get("fifo")), kv_error::not_found);
  expect_error(run(store.get("fifo/x")), kv_error::not_found);
  expect_error(run(store.size("dangling")), kv_error::not_found);
  EXPECT_EQ(*run(store.list("")), std::vector<kv_entry>{});
}

TEST_F(kv_dir_test, keys_below_a_file_are_dictionary_expected) {
  file("f", "x");
  kv_dir store = open();
  expect_error(run(store.get("f/x")), kv_error::dictionary_expected);
  expect_error(run(store.exists("f/x/y")), kv_error::dictionary_expected);
  expect_error(run(store.list("f")), kv_error::dictionary_expected);
}

TEST_F(kv_dir_test, value_operations_on_a_folder_are_value_expected) {
  folder("d");
  kv_dir store = open();
  expect_error(run(store.get("d")), kv_error::value_expected);
  expect_error(run(store.size("d")), kv_error::value_expected);
  expect_error(run(store.get_partial("d", 0, 1)), kv_error::value_expected);
  expect_error(run(store.get("")), kv_error::value_expected);
}

TEST_F(kv_dir_test, missing_keys_are_not_found) {
  kv_dir store = open();
  expect_error(run(store.get("none")), kv_error::not_found);
  expect_error(run(store.last_modified("none")), kv_error::not_found);
  expect_error(run(store.digest("none/x")), kv_error::not_found);
  EXPECT_EQ(*run(store.exists("none")), std::nullopt);
}

TEST_F(kv_dir_test, get_partial_reads_only_the_requested_range) {
  // A 64 GiB sparse file: reading it whole would exhaust memory.
  const std::string path = root + "/sparse";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT, 0644);
  ASSERT_GE(fd, 0);
  const off_t size = off_t(64) << 30;
  ASSERT_EQ(::ftruncate(fd, size), 0);
  ASSERT_EQ(::pwrite(fd, "tail", 4, size - 4), 4);
  ::close(fd);
  kv_dir store = open();
  EXPECT_EQ(*run(store.size("sparse")), std::uint64_t(size));
  EXPECT_EQ(*run(store.get_partial("sparse", std::uint64_t(size) - 6, 100)),
            std::string("\0\0tail", 6));
  expect_error(run(store.get_partial("sparse", std::uint64_t(size) + 1, 1)), kv_error::out_of_bounds);
}

TEST_F(kv_dir_test, digest_streams_large_files) {
  std::string content(100'000, '\0');
  for (std::size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 31);
  file("large", content);
  kv_dir store = open();
  EXPECT_EQ(*run(store.digest("large")), fata::devices::kv::value_digest(std::string_view(content)));
}

TEST_F(kv_dir_test, dictionary_digest_covers_members) {
  folder("d");
  file("d/a", "1");
  kv_dir store = open();
  fata::devices::kv::dictionary_digest expected;
  expected.add("a", kv_kind::value, fata::devices::kv::value_digest(std::string_view("1")));
  EXPECT_EQ(*run(store.digest("d")), expected.finish());
}

TEST_F(kv_dir_test, a_link_cycle_is_listed_but_left_out_of_digests) {
  folder("d");
  file("d/a", "1");
  link("..", "d/loop");
  kv_dir store = open();
  EXPECT_EQ(*run(store.list("d")),
            (std::vector<kv_entry>{{"a", kv_kind::value}, {"loop", kv_kind::dictionary}}));
  fata::devices::kv::dictionary_digest expected;
  expected.add("a", kv_kind::value, fata::devices::kv::value_digest(std::string_view("1")));
  EXPECT_EQ(*run(store.digest("d")), expected.finish());
  EXPECT_TRUE(run(store.digest("")));
}

TEST_F(kv_dir_test, last_modified_is_the_mtime) {
  file("f", "x");
  timespec times[2] = {{1'600'000'000, 42}, {1'600'000'000, 42}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (root + "/f").c_str(), times, 0), 0);
  kv_dir store = open();
  EXPECT_EQ(*run(store.last_modified("f")), fata::wall_from_ns(1'600'000'000'000'000'042LL));
}

TEST_F(kv_dir_test, reads_see_the_directory_as_it_is_now) {
  file("f", "old");
  kv_dir store = open();
  EXPECT_EQ(*run(store.get("f")), "old");
  file("f", "newer");
  file("g", "added");
  EXPECT_EQ(*run(store.get("f")), "newer");
  EXPECT_EQ(*run(store.get("g")), "added");
}

TEST_F(kv_dir_test, a_moved_store_keeps_working) {
  file("f", "x");
  kv_dir first = open();
  kv_dir second = std::move(first);
  EXPECT_EQ(*run(second.get("f")), "x");
}

}  // namespace
