// The description of ping: an IPv4 stack (`fata configure net=direct` on
// hosted answers over a TAP device; the default, net=socket, leaves it to
// the host) and a sleeper to idle on.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("ping", "Answers ARP and ICMP echo requests.",
                     main<example::ping>("unikernel.hpp", generic_stackv4(default_network()), sleeper()));
}
