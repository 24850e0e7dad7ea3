// tcp-fetch built in the fata tree (tests/net/interop, tests/virtio): the
// unikernel of unikernel.hpp on the stack --net names (hosted_stacks.hpp).
// `fata configure` builds the same unikernel from config.cpp.
//
//   tcp-fetch --server=10.0.0.1 --server-port=8080 --send=0 --ipv4=10.0.0.2/24 --interface=tap0
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<std::vector<fata::ip_addr>> server_key{
    "server", std::vector<fata::ip_addr>{fata::ipv4_addr(10, 0, 0, 1)},
    "Server addresses, IPv4 or IPv6, tried in Happy Eyeballs order (RFC 8305)"};
fata::key<fata::port> server_port_key{"server-port", fata::port(7), "Server TCP port"};
fata::key<std::uint64_t> send_key{"send", 0, "Bytes to send before reading (a fixed pattern)"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    example::tcp_fetch<Stack> app;
    co_return co_await app.start(stack, *server_key, *server_port_key, *send_key);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"tcp-fetch", "Fetches from a TCP server and prints a SHA-256."},
                              &start);
}
