// The description of dhcp-server for the fata tool: a network stack (the
// direct one: `fata configure net=direct` on hosted), the lease store (in
// memory until fata has a lasting key-value store), both clocks, and the
// runtime keys of unikernel.hpp.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto subnet = key<fata::ipv4_prefix>("subnet", *fata::ipv4_prefix::parse("10.0.0.0/24"),
                                       "The subnet served (the stack's --ipv4 lies in it)");
  auto pool_start = key<fata::ipv4_addr>("pool-start", fata::ipv4_addr(10, 0, 0, 100), "First address of the pool");
  auto pool_end = key<fata::ipv4_addr>("pool-end", fata::ipv4_addr(10, 0, 0, 199), "Last address of the pool");
  auto router = key<fata::ipv4_addr>("router", fata::ipv4_addr::any(), "Router given to clients (0.0.0.0: none)");
  auto dns = key<std::vector<fata::ipv4_addr>>("dns", std::vector<fata::ipv4_addr>{}, "DNS servers given to clients");
  auto domain = key<std::string>("domain", "", "Domain name given to clients");
  auto lease_time = key<fata::duration>("lease-time", fata::duration(std::chrono::hours(1)), "Lease time");
  auto mtu = key<unsigned>("mtu", 0u, "Interface MTU given to clients (0: none)");
  auto static_leases = key<std::vector<std::string>>("static-lease", std::vector<std::string>{},
                                                     "Fixed addresses, as MAC=ADDRESS");
  auto routes = key<std::vector<std::string>>("classless-route", std::vector<std::string>{},
                                              "Classless static routes (RFC 3442), as PREFIX=ROUTER");
  auto leases_key = key<std::string>("leases-key", "/dhcp/leases", "Key of the lease database in the store");
  auto max_leases = key<unsigned>("max-leases", 1024u, "Most clients remembered at once (the binding table's bound)");
  register_unikernel("dhcp-server", "Serves DHCPv4 leases for one subnet.",
                     main<dhcp::server>("unikernel.hpp", generic_stackv4(default_network()), kv_mem("leases", 1 << 20),
                                        mclock(), pclock(), subnet, pool_start, pool_end, router, dns, domain,
                                        lease_time, mtu, static_leases, routes, leases_key, max_leases));
}
