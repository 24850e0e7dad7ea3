// dns-lookup built in the fata tree (tests/dns/lookup-unbound): the
// unikernel of unikernel.hpp with the DNS client over the stack --net
// names, made from the keys generic_dns_client gives an image built by
// the fata tool (tool/src/devices/dns.cpp).
//
//   dns-lookup --net=socket --ipv4=127.0.0.1/8 --dns-server=127.0.0.1 --dns-server-port=5353
//     --name=www.example.test --type=AAAA
#include <fata/devices/clock.hpp>
#include <fata/devices/random.hpp>
#include <fata/dns/client.hpp>
#include <fata/dns/client_keys.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<std::string> name_key{"name", "", "The name to look up"};
fata::key<std::string> type_key{"type", "A", "The record type (A, AAAA, MX, TXT, ... or TYPEnnn)"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    auto random = fata::devices::random::create();
    if (!random) {
      dns_lookup::log.error("no random generator: {}", random.error());
      co_return 3;
    }
    fata::devices::mclock clock;
    using client = fata::dns::stub_client<Stack, fata::devices::random, fata::devices::mclock>;
    namespace keys = fata::dns::client_keys;
    client dns(stack, *random, clock, *keys::servers, *keys::server_port, *keys::timeout, *keys::tries);
    dns_lookup::lookup<client> app;
    const int status = co_await app.start(dns, *name_key, *type_key);
    fata::dns::log_client_stats(dns);
    co_return status;
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"dns-lookup", "Looks a name up through the DNS client."}, &start);
}
