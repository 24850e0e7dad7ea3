// Disks through the generic block device (fata::devices::block) on
// virtio-blk: reads what the host wrote, writes a pattern the host checks,
// and checks that a read-only disk refuses writes. Two disks: --block:data
// (read-write, index 0) and --block:ro (read-only, index 1).
#include <cstring>
#include <string>

#include <fata/core/fmt.hpp>
#include <fata/core/keys.hpp>
#include <fata/devices/block.hpp>
#include <fata/platform/abi.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

fata::key<std::string> data_key{"block:data", "0", "The read-write disk"};
fata::key<std::string> ro_key{"block:ro", "1", "The read-only disk"};

void say(std::string_view s) { fata::platform::console_write(s); }

fata::task<int> run() {
  auto data = fata::devices::block::open("data", *data_key);
  auto ro = fata::devices::block::open("ro", *ro_key);
  if (!data || !ro) {
    say("cannot open the disks\n");
    co_return 1;
  }
  say(fata::format("data: {} sectors of {} bytes{}\n", data->info().sectors, data->info().sector_size,
                   data->info().read_only ? ", read-only" : ""));
  say(fata::format("ro: {} sectors{}\n", ro->info().sectors, ro->info().read_only ? ", read-only" : ""));
  // The host put "host wrote sector N" at the start of sectors 0..7.
  std::string sectors(8 * 512, '\0');
  auto r = co_await data->read(0, fata::mut_bytes(reinterpret_cast<std::byte*>(sectors.data()), sectors.size()));
  if (!r) {
    say(fata::format("read failed: {}\n", r.error()));
    co_return 1;
  }
  for (int i = 0; i < 8; ++i) say(fata::format("read: {}\n", std::string_view(sectors.data() + 512 * i).substr(0, 40)));
  // Sectors 16..(16 + 256): 128 KiB, each sector "guest wrote sector N".
  std::string out(256 * 512, '\0');
  for (int i = 0; i < 256; ++i) fata::format_into(std::span<char>(out.data() + 512 * i, 512), "guest wrote sector {}", 16 + i);
  auto w = co_await data->write(16, fata::bytes(reinterpret_cast<const std::byte*>(out.data()), out.size()));
  say(w ? "write: ok\n" : "write: failed\n");
  auto denied = co_await ro->write(0, fata::bytes(reinterpret_cast<const std::byte*>(out.data()), 512));
  say(fata::format("read-only write: {}\n", denied ? "accepted" : fata::format("{}", denied.error())));
  std::string first(512, '\0');
  auto rr = co_await ro->read(0, fata::mut_bytes(reinterpret_cast<std::byte*>(first.data()), 512));
  say(fata::format("ro read: {}\n", rr ? std::string_view(first.data()).substr(0, 40) : "failed"));
  co_return w && !denied && rr ? 0 : 1;
}

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"virtio-block", "Reads and writes disks."}, &run);
}
