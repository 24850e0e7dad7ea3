// null-dereference: reads through a null pointer. On virtio the null page
// is unmapped: the page fault is reported ("null pointer dereference",
// registers, backtrace) and the image exits with status 110 (96 + vector
// 14). On hosted the process dies of SIGSEGV.
#pragma once

#include <fata/core/task.hpp>
#include <fata/platform/abi.hpp>

namespace example {

struct null_dereference {
  fata::task<int> start() {
    fata::platform::console_write("about to dereference null\n");
    volatile int* p = nullptr;
    asm volatile("" : "+r"(p));  // the compiler may not assume it is null
    co_return *p;
  }
};

}  // namespace example
