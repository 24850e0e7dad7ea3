// dns-lookup built in the fata tree (tests/dns/lookup-unbound): the
// unikernel of unikernel.hpp on the stack --net names, with the host's
// random generator and monotonic clock.
//
//   dns-lookup --net=socket --ipv4=127.0.0.1/8 --server=127.0.0.1 --server-port=5353
//     --name=www.example.test --type=AAAA
#include <fata/devices/clock.hpp>
#include <fata/devices/random.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<std::string> name_key{"name", "", "The name to look up"};
fata::key<std::string> type_key{"type", "A", "The record type (A, AAAA, MX, TXT, ... or TYPEnnn)"};
fata::key<std::vector<fata::ip_addr>> server_key{"server", std::vector<fata::ip_addr>{},
                                                 "Recursive servers to ask, in order, comma separated"};
fata::key<fata::port> server_port_key{"server-port", fata::port(53), "The servers' port"};
fata::key<fata::duration> timeout_key{"timeout", fata::duration(std::chrono::seconds(1)),
                                      "The first wait for an answer; each later one doubles"};
fata::key<unsigned> tries_key{"tries", 2u, "Tries per server"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    auto random = fata::devices::random::create();
    if (!random) {
      dns_lookup::log.error("no random generator: {}", random.error());
      co_return 3;
    }
    fata::devices::mclock clock;
    dns_lookup::lookup<Stack, fata::devices::random, fata::devices::mclock> app;
    // Named, not a temporary of the co_await expression: g++ 12 destroys
    // such temporaries twice.
    const dns_lookup::settings settings{*name_key, *type_key, *server_key, *server_port_key, *timeout_key,
                                        *tries_key};
    co_return co_await app.start(stack, *random, clock, settings);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"dns-lookup", "Looks a name up through the stub resolver."}, &start);
}
