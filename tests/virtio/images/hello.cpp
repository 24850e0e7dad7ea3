// The smallest image: prints a line through the runtime and exits 0.
#include <fata/core/fmt.hpp>
#include <fata/platform/abi.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

fata::task<int> hello() {
  fata::platform::console_write("hello from virtio\n");
  co_return 0;
}

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"virtio-hello", "Prints a line."}, &hello);
}
