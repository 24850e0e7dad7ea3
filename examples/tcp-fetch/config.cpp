// The description of tcp-fetch: an IPv4 stack (`fata configure
// net=socket|direct` on hosted; fata's over virtio-net in a VM), the DNS
// client over it (for a --server that is a host name: --dns-server...),
// the server and what to send. The SHA-256 is BearSSL's.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto server = key<std::vector<std::string>>("server", std::vector<std::string>{"10.0.0.1"},
                                              "Server addresses (IPv4 or IPv6) or host names, tried in Happy "
                                              "Eyeballs order (RFC 8305)");
  auto server_port = key<fata::port>("server-port", fata::port(7), "Server TCP port");
  auto send = key<std::uint64_t>("send", 0, "Bytes to send before reading (a fixed pattern)");
  auto stack = generic_stackv4(default_network());
  libraries({"fata::bearssl"});
  register_unikernel("tcp-fetch", "Fetches from a TCP server and prints a SHA-256.",
                     main<example::tcp_fetch>("unikernel.hpp", stack, generic_dns_client(stack), server,
                                              server_port, send));
}
