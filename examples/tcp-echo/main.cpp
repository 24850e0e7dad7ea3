// tcp-echo built in the fata tree (tests/net/interop, tests/virtio): the
// unikernel of unikernel.hpp on the stack --net names (hosted_stacks.hpp).
// `fata configure` builds the same unikernel from config.cpp.
//
//   tcp-echo --port=7 --ipv4=10.0.0.2/24 --interface=tap0
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<fata::port> port_key{"port", fata::port(7), "TCP port to serve on (0: one the socket stack picks, logged)"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    example::tcp_echo<Stack> app;
    co_return co_await app.start(stack, *port_key);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"tcp-echo", "Echoes what every TCP connection sends."},
                              &start);
}
