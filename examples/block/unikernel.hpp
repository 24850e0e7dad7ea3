// block: a block device (MirageOS's device-usage/block). Writes a pattern
// over the first sectors and the last one, reads them back and compares,
// and checks that a read past the end is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <fata/core/bytes.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/block.hpp>

namespace example {

inline fata::log::source block_log{"block", "The block example"};

template <fata::sig::block_device Disk>
struct block {
  fata::task<int> start(Disk& disk) {
    const fata::sig::block_info info = disk.info();
    block_log.info("{} sectors of {} bytes ({} bytes){}", info.sectors, info.sector_size,
                   info.size_bytes(), info.read_only ? ", read-only" : "");
    if (info.read_only || info.sectors < 9) {
      block_log.error("need a writable disk of at least 9 sectors");
      co_return 1;
    }
    // Sectors 0..7 in one write, then the last sector on its own.
    const std::size_t run = 8;
    std::vector<std::byte> out(run * info.sector_size);
    fill(out, 0, info.sector_size);
    auto w = co_await disk.write(0, fata::bytes(out.data(), out.size()));
    if (!w) {
      block_log.error("write: {}", w.error());
      co_return 1;
    }
    const std::uint64_t last = info.sectors - 1;
    std::vector<std::byte> tail(info.sector_size);
    fill(tail, last, info.sector_size);
    auto wl = co_await disk.write(last, fata::bytes(tail.data(), tail.size()));
    if (!wl) {
      block_log.error("write of the last sector: {}", wl.error());
      co_return 1;
    }

    std::vector<std::byte> in(out.size());
    auto r = co_await disk.read(0, fata::mut_bytes(in.data(), in.size()));
    std::vector<std::byte> tail_in(tail.size());
    auto rl = co_await disk.read(last, fata::mut_bytes(tail_in.data(), tail_in.size()));
    if (!r || !rl) {
      block_log.error("read: {}", !r ? r.error() : rl.error());
      co_return 1;
    }
    if (in != out || tail_in != tail) {
      block_log.error("what was read differs from what was written");
      co_return 1;
    }
    block_log.info("wrote and read back {} sectors: identical", run + 1);

    auto beyond = co_await disk.read(info.sectors, fata::mut_bytes(tail_in.data(), tail_in.size()));
    if (beyond || beyond.error() != fata::sig::block_error::invalid) {
      block_log.error("a read past the end was not refused");
      co_return 1;
    }
    block_log.info("a read past the end is refused: {}", beyond.error());
    co_return 0;
  }

 private:
  // Each byte depends on its sector and offset, so misplaced sectors show.
  static void fill(std::vector<std::byte>& buffer, std::uint64_t first_sector, std::uint32_t sector_size) {
    for (std::size_t i = 0; i < buffer.size(); ++i) {
      const std::uint64_t sector = first_sector + i / sector_size;
      buffer[i] = static_cast<std::byte>((sector * 31 + i % sector_size) & 0xff);
    }
  }
};

}  // namespace example
