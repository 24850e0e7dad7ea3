// The description of tcp-echo: an IPv4 stack (the host's sockets or fata's
// own over a TAP device on hosted, `fata configure net=socket|direct`;
// fata's over virtio-net in a VM) and the port.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto port = key<fata::port>("port", fata::port(7), "TCP port to serve on (0: one the socket stack picks, logged)");
  register_unikernel("tcp-echo", "Echoes what every TCP connection sends.",
                     main<example::tcp_echo>("unikernel.hpp", generic_stackv4(default_network()), port));
}
