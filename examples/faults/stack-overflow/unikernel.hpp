// stack-overflow: recurses without end. On virtio the page below the stack
// is unmapped: the fault is taken on its own interrupt stack, reported as a
// stack overflow, and the image exits with status 82. On hosted the process
// dies of SIGSEGV.
#pragma once

#include <fata/core/task.hpp>
#include <fata/platform/abi.hpp>

namespace example {

inline volatile int overflow_limit = -1;

[[gnu::noinline]] inline int recurse(int depth) {
  volatile char frame[1024];
  frame[0] = static_cast<char>(depth);
  // A stop the compiler cannot prove unreachable (it rejects endless
  // recursion at compile time).
  if (depth == overflow_limit) return 0;
  return recurse(depth + 1) + frame[0];
}

struct stack_overflow {
  fata::task<int> start() {
    fata::platform::console_write("about to overflow the stack\n");
    co_return recurse(0);
  }
};

}  // namespace example
