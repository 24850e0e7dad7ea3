// dns-primary built in the fata tree (tests/dns/primary): the unikernel of
// unikernel.hpp on the stack --net names, with its zones read from a host
// directory. `fata configure` builds the same unikernel from config.cpp.
//
//   dns-primary --zones-dir=zones --port=5353
//     --zone=example.test.=example.test.zone,sub.example.test.=sub.zone
#include <fata/devices/clock.hpp>
#include <fata/devices/hosted/kv_dir.hpp>
#include <fata/devices/random.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<std::string> zones_dir_key{"zones-dir", "zones", "Host directory holding the zone files"};
fata::key<std::vector<std::string>> zone_key{"zone", std::vector<std::string>{"example.test.=example.test.zone"},
                                             "The zones served, as ORIGIN=KEY (its file in the store), comma separated"};
fata::key<fata::port> port_key{"port", fata::port(53), "UDP and TCP port (0: one the stack picks, logged)"};
fata::key<unsigned> max_tcp_key{"max-tcp", 64u, "Most TCP connections at once"};
fata::key<fata::duration> tcp_idle_key{"tcp-idle", fata::duration(std::chrono::seconds(10)),
                                       "Closes a TCP connection idle this long"};
fata::key<std::vector<std::string>> transfer_key_key{
    "transfer-key", std::vector<std::string>{},
    "TSIG keys allowed to transfer the zones, as NAME:ALGORITHM:BASE64, comma separated"};
fata::key<std::vector<std::string>> notify_key{"notify", std::vector<std::string>{},
                                               "Secondaries sent a NOTIFY at start, as ADDRESS[:PORT], comma separated"};
fata::key<std::string> notify_key_key{"notify-key", "", "The --transfer-key that signs NOTIFY (none: unsigned)"};
fata::key<unsigned> rrl_rate_key{"rrl-rate", 200u, "UDP replies a second to one client network (0: no limit)"};
fata::key<unsigned> rrl_slip_key{"rrl-slip", 2u, "Every how many replies over the rate go out truncated (0: none)"};
fata::key<std::vector<std::string>> update_key_key{
    "update-key", std::vector<std::string>{},
    "TSIG keys allowed to UPDATE the zones (RFC 2136), as NAME:ALGORITHM:BASE64, comma separated"};
fata::key<std::vector<fata::ipv4_prefix>> transfer_from_key{
    "transfer-from", std::vector<fata::ipv4_prefix>{},
    "Networks allowed to transfer the zones without a key, as ADDRESS/LENGTH, comma separated"};
fata::key<std::string> tls_cert_key{"tls-cert", "",
                                    "DNS over TLS: the certificate chain (a key of the zones store, or inline PEM)"};
fata::key<std::string> tls_key_key{"tls-key", "", "DNS over TLS: the private key of --tls-cert"};
fata::key<fata::port> dot_port_key{"dot-port", fata::port(853), "TCP port for DNS over TLS, with --tls-cert"};
fata::key<std::vector<std::string>> secondary_key{
    "secondary", std::vector<std::string>{},
    "Zones taken from a primary by AXFR/IXFR, as ORIGIN=ADDRESS[:PORT], comma separated"};
fata::key<std::string> primary_key_key{"primary-key", "",
                                       "The --transfer-key that signs requests to primaries and NOTIFYs from them"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    auto opened = fata::hosted::kv_dir::open(*zones_dir_key);
    if (!opened) {
      dns_primary::log.error("--zones-dir={}: {}", *zones_dir_key, opened.error());
      co_return 1;
    }
    fata::devices::pclock wall;
    auto random = fata::devices::random::create();
    if (!random) {
      dns_primary::log.error("no random generator: {}", random.error());
      co_return 1;
    }
    dns_primary::server<Stack, fata::hosted::kv_dir, fata::devices::pclock, fata::devices::random> app;
    // Named, not a temporary of the co_await expression: g++ 12 destroys
    // such temporaries twice.
    const dns_primary::settings settings{*zone_key,     *port_key, *max_tcp_key, *tcp_idle_key,
                                         std::size_t(256) << 20, *transfer_key_key, *transfer_from_key, *notify_key,
                                         *notify_key_key, *rrl_rate_key, *rrl_slip_key, *update_key_key,
                                         *tls_cert_key, *tls_key_key, *dot_port_key, *secondary_key,
                                         *primary_key_key};
    co_return co_await app.start(stack, *opened, wall, *random, settings);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"dns-primary", "Serves DNS zones authoritatively."}, &start);
}
