// triple-fault: loads an empty interrupt table and raises a breakpoint.
// The CPU cannot deliver it, nor the general protection fault that
// follows, nor the double fault: it shuts down, and the VM resets. No
// report is possible and the image never says it exited; under QEMU's
// -no-reboot a reset ends QEMU with status 0, as a clean power-off does,
// and `fata run` tells them apart by the image's missing exit line
// (status 1, "it reset or triple-faulted"). x86-64 only; on hosted the
// privileged `lidt` kills the process (SIGSEGV).
#pragma once

#include <cstdint>

#include <fata/core/task.hpp>
#include <fata/platform/abi.hpp>

namespace example {

struct triple_fault {
  fata::task<int> start() {
    fata::platform::console_write("about to load an empty IDT and raise a breakpoint\n");
    alignas(16) std::uint8_t idtr[10] = {};  // limit 0, base 0
    asm volatile("lidt %0\n\tint3" : : "m"(idtr) : "memory");
    co_return 0;
  }
};

}  // namespace example
