// The description of dns-secondary for the fata tool: a network stack, a
// store for the DoT certificate and key ("keys": a host directory on
// hosted, crunched into VM images), the wall clock (TSIG's time), the
// random generator (cookie secret, message IDs), and the runtime keys of
// unikernel.hpp.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto keys = generic_kv_ro("keys");
  auto secondary = key<std::vector<std::string>>(
      "secondary", std::vector<std::string>{},
      "Zones taken from a primary by AXFR/IXFR, as ORIGIN=ADDRESS[:PORT], comma separated");
  auto primary_key = key<std::string>("primary-key", "",
                                      "The --transfer-key that signs requests to primaries and NOTIFYs from them");
  auto transfer_key = key<std::vector<std::string>>(
      "transfer-key", std::vector<std::string>{},
      "TSIG keys, as NAME:ALGORITHM:BASE64, comma separated: for --primary-key, and allowed to transfer the zones");
  auto port = key<fata::port>("port", fata::port(53), "UDP and TCP port (0: one the stack picks, logged)");
  auto max_tcp = key<unsigned>("max-tcp", 64u, "Most TCP connections at once");
  auto tcp_idle = key<fata::duration>("tcp-idle", fata::duration(std::chrono::seconds(10)),
                                      "Closes a TCP connection idle this long; the wait for each transfer message");
  auto transfer_from = key<std::vector<fata::ipv4_prefix>>(
      "transfer-from", std::vector<fata::ipv4_prefix>{},
      "Networks allowed to transfer the zones without a key, as ADDRESS/LENGTH, comma separated");
  auto notify = key<std::vector<std::string>>(
      "notify", std::vector<std::string>{},
      "Secondaries of ours sent a NOTIFY for each new copy, as ADDRESS[:PORT], comma separated");
  auto notify_key = key<std::string>("notify-key", "", "The --transfer-key that signs NOTIFY (none: unsigned)");
  auto rrl_rate = key<unsigned>("rrl-rate", 200u, "UDP replies a second to one client network (0: no limit)");
  auto rrl_slip = key<unsigned>("rrl-slip", 2u, "Every how many replies over the rate go out truncated (0: none)");
  auto tls_cert = key<std::string>("tls-cert", "",
                                   "DNS over TLS: the certificate chain (a key of the store, or inline PEM)");
  auto tls_key = key<std::string>("tls-key", "", "DNS over TLS: the private key of --tls-cert");
  auto dot_port = key<fata::port>("dot-port", fata::port(853), "TCP port for DNS over TLS, with --tls-cert");
  libraries({"fata::dns", "fata::tls"});
  register_unikernel("dns-secondary", "Serves DNS zones taken from their primaries.",
                     main<dns_secondary::server>("unikernel.hpp", generic_stackv4(default_network()), keys, pclock(),
                                                 default_random(), secondary, primary_key, transfer_key, port,
                                                 max_tcp, tcp_idle, transfer_from, notify, notify_key, rrl_rate,
                                                 rrl_slip, tls_cert, tls_key, dot_port));
}
