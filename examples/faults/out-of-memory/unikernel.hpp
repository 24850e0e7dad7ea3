// out-of-memory: allocates until memory runs out, twice. First with malloc,
// where failure is an error value (null) that the code handles; then with
// operator new, which cannot return an error without exceptions: on virtio
// the image prints the out-of-memory report with heap statistics and exits
// with status 81 (on hosted the kernel's overcommit decides what happens,
// so run it on virtio).
#pragma once

#include <cstdlib>
#include <memory>
#include <vector>

#include <fata/core/fmt.hpp>
#include <fata/core/task.hpp>
#include <fata/platform/abi.hpp>

namespace example {

struct out_of_memory {
  static constexpr std::size_t chunk = 1 << 20;

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
};

}  // namespace example
