// ping built in the fata tree (tests/net/interop, tests/virtio): the
// unikernel of unikernel.hpp on the stack --net names (hosted_stacks.hpp).
// `fata configure` builds the same unikernel from config.cpp.
//
//   ping --ipv4=10.0.0.2/24 --interface=tap0 --net-stats --run-for=60s
#include <fata/devices/clock.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    fata::devices::sleeper sleeper;
    example::ping<Stack, fata::devices::sleeper> app;
    co_return co_await app.start(stack, sleeper);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"ping", "Answers ARP and ICMP echo requests."}, &start);
}
