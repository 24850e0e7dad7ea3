// dns-secondary built in the fata tree (tests/dns/secondary): the
// unikernel of unikernel.hpp on the stack --net names, its store a host
// directory. `fata configure` builds the same unikernel from config.cpp.
//
//   dns-secondary --port=5353 --secondary=example.test.=192.0.2.1:53
//     --transfer-key=xfr.:hmac-sha256:BASE64 --primary-key=xfr.
#include <fata/devices/clock.hpp>
#include <fata/devices/hosted/kv_dir.hpp>
#include <fata/devices/random.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<std::string> keys_dir_key{"keys-dir", "keys", "Host directory holding the DoT certificate and key"};
fata::key<std::vector<std::string>> secondary_key{
    "secondary", std::vector<std::string>{},
    "Zones taken from a primary by AXFR/IXFR, as ORIGIN=ADDRESS[:PORT], comma separated"};
fata::key<std::string> primary_key_key{"primary-key", "",
                                       "The --transfer-key that signs requests to primaries and NOTIFYs from them"};
fata::key<std::vector<std::string>> transfer_key_key{
    "transfer-key", std::vector<std::string>{},
    "TSIG keys, as NAME:ALGORITHM:BASE64, comma separated: for --primary-key, and allowed to transfer the zones"};
fata::key<fata::port> port_key{"port", fata::port(53), "UDP and TCP port (0: one the stack picks, logged)"};
fata::key<unsigned> max_tcp_key{"max-tcp", 64u, "Most TCP connections at once"};
fata::key<fata::duration> tcp_idle_key{"tcp-idle", fata::duration(std::chrono::seconds(10)),
                                       "Closes a TCP connection idle this long; the wait for each transfer message"};
fata::key<std::vector<fata::ipv4_prefix>> transfer_from_key{
    "transfer-from", std::vector<fata::ipv4_prefix>{},
    "Networks allowed to transfer the zones without a key, as ADDRESS/LENGTH, comma separated"};
fata::key<std::vector<std::string>> notify_key{
    "notify", std::vector<std::string>{},
    "Secondaries of ours sent a NOTIFY for each new copy, as ADDRESS[:PORT], comma separated"};
fata::key<std::string> notify_key_key{"notify-key", "", "The --transfer-key that signs NOTIFY (none: unsigned)"};
fata::key<unsigned> rrl_rate_key{"rrl-rate", 200u, "UDP replies a second to one client network (0: no limit)"};
fata::key<unsigned> rrl_slip_key{"rrl-slip", 2u, "Every how many replies over the rate go out truncated (0: none)"};
fata::key<std::string> tls_cert_key{"tls-cert", "",
                                    "DNS over TLS: the certificate chain (a key of the store, or inline PEM)"};
fata::key<std::string> tls_key_key{"tls-key", "", "DNS over TLS: the private key of --tls-cert"};
fata::key<fata::port> dot_port_key{"dot-port", fata::port(853), "TCP port for DNS over TLS, with --tls-cert"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    auto opened = fata::hosted::kv_dir::open(*keys_dir_key);
    if (!opened) {
      dns_primary::log.error("--keys-dir={}: {}", *keys_dir_key, opened.error());
      co_return 1;
    }
    fata::devices::pclock wall;
    auto random = fata::devices::random::create();
    if (!random) {
      dns_primary::log.error("no random generator: {}", random.error());
      co_return 1;
    }
    dns_secondary::server<Stack, fata::hosted::kv_dir, fata::devices::pclock, fata::devices::random> app;
    co_return co_await app.start(stack, *opened, wall, *random, *secondary_key, *primary_key_key, *transfer_key_key,
                                 *port_key, *max_tcp_key, *tcp_idle_key, *transfer_from_key, *notify_key,
                                 *notify_key_key, *rrl_rate_key, *rrl_slip_key, *tls_cert_key, *tls_key_key,
                                 *dot_port_key);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"dns-secondary", "Serves DNS zones taken from their primaries."}, &start);
}
