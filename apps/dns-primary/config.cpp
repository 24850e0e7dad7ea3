// The description of dns-primary for the fata tool: a network stack, the
// store its zone files are read from ("zones": a host directory on hosted,
// crunched into VM images), the wall clock (TSIG's time), the random
// generator (the cookie secret, NOTIFY IDs), and the runtime keys of
// unikernel.hpp.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto zones = generic_kv_ro("zones");
  auto zone = key<std::vector<std::string>>("zone", std::vector<std::string>{"example.test.=example.test.zone"},
                                            "The zones served, as ORIGIN=KEY (its file in the store), comma separated");
  auto port = key<fata::port>("port", fata::port(53), "UDP and TCP port (0: one the stack picks, logged)");
  auto max_tcp = key<unsigned>("max-tcp", 64u, "Most TCP connections at once");
  auto tcp_idle = key<fata::duration>("tcp-idle", fata::duration(std::chrono::seconds(10)),
                                      "Closes a TCP connection idle this long");
  auto transfer_key = key<std::vector<std::string>>(
      "transfer-key", std::vector<std::string>{},
      "TSIG keys allowed to transfer the zones, as NAME:ALGORITHM:BASE64, comma separated");
  auto transfer_from = key<std::vector<fata::ipv4_prefix>>(
      "transfer-from", std::vector<fata::ipv4_prefix>{},
      "Networks allowed to transfer the zones without a key, as ADDRESS/LENGTH, comma separated");
  auto notify = key<std::vector<std::string>>("notify", std::vector<std::string>{},
                                              "Secondaries sent a NOTIFY at start, as ADDRESS[:PORT], comma separated");
  auto notify_key = key<std::string>("notify-key", "", "The --transfer-key that signs NOTIFY (none: unsigned)");
  auto rrl_rate = key<unsigned>("rrl-rate", 200u, "UDP replies a second to one client network (0: no limit)");
  auto rrl_slip = key<unsigned>("rrl-slip", 2u, "Every how many replies over the rate go out truncated (0: none)");
  auto update_key = key<std::vector<std::string>>(
      "update-key", std::vector<std::string>{},
      "TSIG keys allowed to UPDATE the zones (RFC 2136), as NAME:ALGORITHM:BASE64, comma separated");
  auto tls_cert = key<std::string>("tls-cert", "",
                                   "DNS over TLS: the certificate chain (a key of the zones store, or inline PEM)");
  auto tls_key = key<std::string>("tls-key", "", "DNS over TLS: the private key of --tls-cert");
  auto dot_port = key<fata::port>("dot-port", fata::port(853), "TCP port for DNS over TLS, with --tls-cert");
  auto secondary = key<std::vector<std::string>>(
      "secondary", std::vector<std::string>{},
      "Zones taken from a primary by AXFR/IXFR, as ORIGIN=ADDRESS[:PORT], comma separated");
  auto primary_key = key<std::string>("primary-key", "",
                                      "The --transfer-key that signs requests to primaries and NOTIFYs from them");
  libraries({"fata::dns", "fata::tls"});
  register_unikernel("dns-primary", "Serves DNS zones authoritatively.",
                     main<dns_primary::server>("unikernel.hpp", generic_stackv4(default_network()), zones,
                                               pclock(), default_random(), zone, port, max_tcp, tcp_idle, transfer_key,
                                               notify, notify_key, rrl_rate, rrl_slip, update_key, tls_cert,
                                               tls_key, dot_port, transfer_from, secondary, primary_key));
}
