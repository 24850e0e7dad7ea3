// tcp-fetch built in the fata tree (tests/net/interop, tests/virtio,
// tests/dns/lookup-unbound): the unikernel of unikernel.hpp on the stack
// --net names (hosted_stacks.hpp), with the DNS client over it made from
// the keys generic_dns_client gives a tool-built image. `fata configure`
// builds the same unikernel from config.cpp.
//
//   tcp-fetch --server=10.0.0.1 --server-port=8080 --send=0 --ipv4=10.0.0.2/24 --interface=tap0
//   tcp-fetch --server=fetch.example.test --dns-server=10.0.0.1 ...
#include <fata/devices/clock.hpp>
#include <fata/devices/random.hpp>
#include <fata/dns/client.hpp>
#include <fata/dns/client_keys.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<std::vector<std::string>> server_key{
    "server", std::vector<std::string>{"10.0.0.1"},
    "Server addresses (IPv4 or IPv6) or host names, tried in Happy Eyeballs order (RFC 8305)"};
fata::key<fata::port> server_port_key{"server-port", fata::port(7), "Server TCP port"};
fata::key<std::uint64_t> send_key{"send", 0, "Bytes to send before reading (a fixed pattern)"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    auto random = fata::devices::random::create();
    if (!random) {
      example::tcp_fetch_log.error("no random generator: {}", random.error());
      co_return 1;
    }
    fata::devices::mclock clock;
    using client = fata::dns::stub_client<Stack, fata::devices::random, fata::devices::mclock>;
    namespace keys = fata::dns::client_keys;
    client dns(stack, *random, clock, *keys::servers, *keys::server_port, *keys::timeout, *keys::tries);
    example::tcp_fetch<Stack, client> app;
    co_return co_await app.start(stack, dns, *server_key, *server_port_key, *send_key);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"tcp-fetch", "Fetches from a TCP server and prints a SHA-256."},
                              &start);
}
