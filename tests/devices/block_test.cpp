#include <fata/devices/block.hpp>

#include <fata/core/loop.hpp>

#include "run.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using fata::bytes;
using fata::mut_bytes;
using fata::task;
using fata::devices::block;
using fata::sig::block_error;
using fata::test::run;

// A temporary backing file filled with a known pattern, and a device name
// that no other test has acquired (the platform keeps handles until exit).
struct backing_file {
  std::string path;
  explicit backing_file(std::size_t size) {
    char name[] = "/tmp/fata-block-XXXXXX";
    const int fd = ::mkstemp(name);
    path = name;
    std::vector<std::uint8_t> content(size);
    for (std::size_t i = 0; i < size; ++i) content[i] = static_cast<std::uint8_t>(i / 512 + i);
    EXPECT_EQ(::write(fd, content.data(), size), static_cast<ssize_t>(size));
    ::close(fd);
  }
  ~backing_file() { ::unlink(path.c_str()); }
  std::vector<std::uint8_t> read_all() const {
    std::vector<std::uint8_t> out;
    FILE* f = std::fopen(path.c_str(), "rb");
    int c;
    while ((c = std::fgetc(f)) != EOF) out.push_back(static_cast<std::uint8_t>(c));
    std::fclose(f);
    return out;
  }
};

std::string fresh_name() {
  static int counter = 0;
  return "disk" + std::to_string(++counter);
}

block open(const backing_file& f, std::string_view suffix = "") {
  auto b = block::open(fresh_name(), f.path + std::string(suffix));
  EXPECT_TRUE(b.has_value());
  return std::move(*b);
}

TEST(block, reports_sector_size_count_and_writability) {
  backing_file f(8 * 512 + 100);
  block b = open(f);
  EXPECT_EQ(b.info().sector_size, 512u);
  EXPECT_EQ(b.info().sectors, 8u);  // the partial sector is not addressable
  EXPECT_FALSE(b.info().read_only);
  EXPECT_EQ(b.info().size_bytes(), 8u * 512u);
}

TEST(block, ro_suffix_opens_read_only) {
  backing_file f(4 * 512);
  block b = open(f, ":ro");
  EXPECT_TRUE(b.info().read_only);
}

TEST(block, missing_backing_file_is_io) {
  auto b = block::open(fresh_name(), "/nonexistent/fata-disk.img");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), block_error::io);
}

TEST(block, empty_resource_is_invalid) {
  auto b = block::open(fresh_name(), "");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), block_error::invalid);
}

TEST(block, a_name_can_be_acquired_once) {
  backing_file f(512);
  const std::string name = fresh_name();
  ASSERT_TRUE(block::open(name, f.path));
  auto again = block::open(name, f.path);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), block_error::invalid);
}

TEST(block, read_returns_the_backing_bytes) {
  backing_file f(8 * 512);
  block b = open(f);
  std::vector<std::byte> out(2 * 512);
  auto r = run(b.read(3, mut_bytes(out.data(), out.size())));
  ASSERT_TRUE(r);
  const auto file = f.read_all();
  for (std::size_t i = 0; i < out.size(); ++i)
    ASSERT_EQ(static_cast<std::uint8_t>(out[i]), file[3 * 512 + i]) << i;
}

TEST(block, write_reaches_the_backing_file_and_reads_back) {
  backing_file f(8 * 512);
  block b = open(f);
  std::vector<std::byte> data(512, std::byte{0x5a});
  ASSERT_TRUE(run(b.write(7, bytes(data.data(), data.size()))));
  const auto file = f.read_all();
  for (std::size_t i = 0; i < 512; ++i) ASSERT_EQ(file[7 * 512 + i], 0x5a);
  EXPECT_EQ(file[6 * 512], static_cast<std::uint8_t>(6 * 512 / 512 + 6 * 512));  // neighbour untouched
  std::vector<std::byte> back(512);
  ASSERT_TRUE(b.read_now(7, mut_bytes(back.data(), back.size())));
  EXPECT_EQ(back, data);
}

TEST(block, unaligned_length_is_invalid) {
  backing_file f(8 * 512);
  block b = open(f);
  std::vector<std::byte> out(513);
  auto r = run(b.read(0, mut_bytes(out.data(), out.size())));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), block_error::invalid);
}

TEST(block, empty_buffer_is_invalid) {
  backing_file f(8 * 512);
  block b = open(f);
  auto r = b.read_now(0, mut_bytes());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), block_error::invalid);
}

TEST(block, range_past_the_end_is_invalid) {
  backing_file f(8 * 512);
  block b = open(f);
  std::vector<std::byte> two(1024);
  auto crossing = b.read_now(7, mut_bytes(two.data(), two.size()));
  ASSERT_FALSE(crossing);
  EXPECT_EQ(crossing.error(), block_error::invalid);
  auto beyond = b.read_now(8, mut_bytes(two.data(), 512));
  ASSERT_FALSE(beyond);
  EXPECT_EQ(beyond.error(), block_error::invalid);
}

TEST(block, huge_sector_index_is_invalid_without_overflow) {
  backing_file f(8 * 512);
  block b = open(f);
  std::vector<std::byte> one(512);
  // UINT64_MAX * 512 wraps to a small offset if computed naively.
  for (std::uint64_t sector : {UINT64_MAX, UINT64_MAX / 512 + 1, UINT64_MAX / 512}) {
    auto r = b.read_now(sector, mut_bytes(one.data(), one.size()));
    ASSERT_FALSE(r) << sector;
    EXPECT_EQ(r.error(), block_error::invalid);
  }
}

TEST(block, invalid_write_leaves_the_file_unchanged) {
  backing_file f(8 * 512);
  const auto before = f.read_all();
  block b = open(f);
  std::vector<std::byte> data(1024, std::byte{0xee});
  ASSERT_FALSE(b.write_now(7, bytes(data.data(), data.size())));
  EXPECT_EQ(f.read_all(), before);
}

TEST(block, write_to_read_only_device_is_read_only) {
  backing_file f(8 * 512);
  const auto before = f.read_all();
  block b = open(f, ":ro");
  std::vector<std::byte> data(512, std::byte{0xee});
  auto r = run(b.write(0, bytes(data.data(), data.size())));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), block_error::read_only);
  EXPECT_EQ(f.read_all(), before);
}

TEST(block, read_only_is_reported_before_the_range) {
  backing_file f(8 * 512);
  block b = open(f, ":ro");
  std::vector<std::byte> data(3);
  auto r = b.write_now(100, bytes(data.data(), data.size()));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), block_error::read_only);
}

task<fata::result<void, block_error>> read_after_cancel(block* b, mut_bytes out) {
  fata::cancel_state* self = co_await fata::current_cancel_state();
  self->request();
  auto r = co_await b->read(0, out);
  co_return r;
}

TEST(block, cancelled_chain_gets_cancelled_without_io) {
  backing_file f(8 * 512);
  block b = open(f);
  std::vector<std::byte> out(512, std::byte{0x11});
  auto r = run(read_after_cancel(&b, mut_bytes(out.data(), out.size())));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), block_error::cancelled);
  EXPECT_EQ(out[0], std::byte{0x11});
}

}  // namespace
