// The description of udp-echo: an IPv4 stack (`fata configure
// net=socket|direct` on hosted; fata's over virtio-net in a VM) and the port.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto port = key<fata::port>("port", fata::port(7), "UDP port to echo on (0: one the stack picks, logged)");
  register_unikernel("udp-echo", "Echoes UDP datagrams.",
                     main<example::udp_echo>("unikernel.hpp", generic_stackv4(default_network()), port));
}
