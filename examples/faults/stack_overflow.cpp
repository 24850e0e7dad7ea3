// Recurses without end. On virtio the page below the stack is unmapped: the
// fault is taken on its own interrupt stack, reported as a stack overflow,
// and the image exits with status 82.
#include <fata/platform/abi.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

volatile int limit = -1;

[[gnu::noinline]] int recurse(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  // A stop the compiler cannot prove unreachable (it rejects endless
  // recursion at compile time).
  if (depth == limit) return 0;
  return recurse(depth + 1) + frame[0];
}

fata::task<int> start() {
  fata::platform::console_write("about to overflow the stack\n");
  co_return recurse(0);
}

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"stack-overflow", "Recurses until the stack is gone."}, &start);
}
