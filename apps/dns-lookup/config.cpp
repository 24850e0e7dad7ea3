// The description of dns-lookup for the fata tool: a network stack, the
// random generator (query IDs), the monotonic clock (the cache's TTLs),
// and the runtime keys of unikernel.hpp.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto name = key<std::string>("name", "", "The name to look up");
  auto type = key<std::string>("type", "A", "The record type (A, AAAA, MX, TXT, ... or TYPEnnn)");
  auto server = key<std::vector<fata::ip_addr>>("server", std::vector<fata::ip_addr>{},
                                                "Recursive servers to ask, in order, comma separated");
  auto server_port = key<fata::port>("server-port", fata::port(53), "The servers' port");
  auto timeout = key<fata::duration>("timeout", fata::duration(std::chrono::seconds(1)),
                                     "The first wait for an answer; each later one doubles");
  auto tries = key<unsigned>("tries", 2u, "Tries per server");
  libraries({"fata::dns"});
  register_unikernel("dns-lookup", "Looks a name up through the stub resolver.",
                     main<dns_lookup::lookup>("unikernel.hpp", generic_stackv4(default_network()), default_random(),
                                              mclock(), name, type, server, server_port, timeout, tries));
}
