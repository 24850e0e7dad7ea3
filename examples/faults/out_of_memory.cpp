// Allocates until memory runs out, twice: first with malloc, where failure
// is an error value (null) that the code handles, then with operator new,
// which cannot return an error without exceptions: on virtio the image then
// prints the out-of-memory report with heap statistics and exits with
// status 81.
#include <cstdlib>
#include <memory>
#include <vector>

#include <fata/core/fmt.hpp>
#include <fata/platform/abi.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

constexpr std::size_t chunk = 1 << 20;

fata::task<int> start() {
  std::vector<void*> blocks;
  blocks.reserve(1 << 16);
  for (;;) {
    void* p = std::malloc(chunk);
    if (!p) break;
    blocks.push_back(p);
  }
  fata::platform::console_write(fata::format("malloc returned null after {} MiB\n", blocks.size()));
  for (void* p : blocks) std::free(p);
  std::vector<std::unique_ptr<char[]>> held;
  held.reserve(1 << 16);
  for (;;) held.push_back(std::make_unique_for_overwrite<char[]>(chunk));
}

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"out-of-memory", "Allocates until memory runs out."}, &start);
}
