// Reads through a null pointer. On virtio the null page is unmapped: the
// page fault is reported ("null pointer dereference") and the image exits
// with status 110 (96 + vector 14).
#include <fata/platform/abi.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

fata::task<int> start() {
  fata::platform::console_write("about to dereference null\n");
  volatile int* p = nullptr;
  asm volatile("" : "+r"(p));  // the compiler may not assume it is null
  co_return *p;
}

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"null-dereference", "Dereferences a null pointer."}, &start);
}
