// Does nothing: the boot-time benchmark's image (first instruction to main,
// and the wall time of a whole run against the floor image).
#include <fata/runtime/runtime.hpp>

namespace {

fata::task<int> noop() { co_return 0; }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"noop", "Does nothing."}, &noop);
}
