// The description of dns-lookup for the fata tool: the DNS client over a
// network stack (its keys name the recursive servers: --dns-server...),
// and the name and type to look up.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto name = key<std::string>("name", "", "The name to look up");
  auto type = key<std::string>("type", "A", "The record type (A, AAAA, MX, TXT, ... or TYPEnnn)");
  register_unikernel("dns-lookup", "Looks a name up through the DNS client.",
                     main<dns_lookup::lookup>("unikernel.hpp", generic_dns_client(generic_stackv4(default_network())),
                                              name, type));
}
