// dhcp-server built in the fata tree (tests/net/interop, bench/net): the
// unikernel of unikernel.hpp on the stack --net names, with an in-memory
// lease store. `fata configure` builds the same unikernel from config.cpp.
//
//   dhcp-server --interface=tap0 --ipv4=10.77.0.1/24 --subnet=10.77.0.0/24
//     --pool-start=10.77.0.100 --pool-end=10.77.0.150
#include <algorithm>

#include <fata/devices/clock.hpp>
#include <fata/devices/kv_mem.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<fata::ipv4_prefix> subnet_key{"subnet", *fata::ipv4_prefix::parse("10.0.0.0/24"),
                                        "The subnet served (the stack's --ipv4 lies in it)"};
fata::key<fata::ipv4_addr> pool_start_key{"pool-start", fata::ipv4_addr(10, 0, 0, 100), "First address of the pool"};
fata::key<fata::ipv4_addr> pool_end_key{"pool-end", fata::ipv4_addr(10, 0, 0, 199), "Last address of the pool"};
fata::key<fata::ipv4_addr> router_key{"router", fata::ipv4_addr::any(), "Router given to clients (0.0.0.0: none)"};
fata::key<std::vector<fata::ipv4_addr>> dns_key{"dns", std::vector<fata::ipv4_addr>{}, "DNS servers given to clients"};
fata::key<std::string> domain_key{"domain", "", "Domain name given to clients"};
fata::key<fata::duration> lease_time_key{"lease-time", fata::duration(std::chrono::hours(1)), "Lease time"};
fata::key<unsigned> mtu_key{"mtu", 0u, "Interface MTU given to clients (0: none)"};
fata::key<std::vector<std::string>> static_lease_key{"static-lease", std::vector<std::string>{},
                                                     "Fixed addresses, as MAC=ADDRESS"};
fata::key<std::vector<std::string>> route_key{"classless-route", std::vector<std::string>{},
                                              "Classless static routes (RFC 3442), as PREFIX=ROUTER"};
fata::key<std::string> leases_key{"leases-key", "/dhcp/leases", "Key of the lease database in the store"};
fata::key<unsigned> max_leases_key{"max-leases", 1024u, "Most clients remembered at once (the binding table's bound)"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    fata::devices::mclock mono;
    fata::devices::pclock wall;
    // Room for the database at its largest (a line is under 64 bytes).
    fata::devices::kv_mem store(std::max<std::size_t>(1 << 20, std::size_t(*max_leases_key) * 128), wall);
    dhcp::server<Stack, fata::devices::kv_mem, fata::devices::mclock, fata::devices::pclock> app;
    // Named, not a temporary of the co_await expression: g++ 12 destroys
    // such temporaries twice.
    const dhcp::settings settings{*subnet_key, *pool_start_key, *pool_end_key, *router_key,
                                  *dns_key, *domain_key, *lease_time_key, *mtu_key,
                                  *static_lease_key, *route_key, *leases_key, *max_leases_key};
    co_return co_await app.start(stack, store, mono, wall, settings);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"dhcp-server", "Serves DHCPv4 leases for one subnet."}, &start);
}
