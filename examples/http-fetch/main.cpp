// http-fetch as a hosted process built in the fata tree, on either stack
// (--net=socket|direct): the unikernel of unikernel.hpp, with --ca read from
// a file (`fata configure` builds the same unikernel from config.cpp, where
// --ca is the PEM text):
//
//   http-fetch --net=socket --ipv4=0.0.0.0/0 --url=https://localhost:8443/ --ca=ca.pem
//   http-fetch --net=socket --url=http://www.example.test:8080/ --dns-server=127.0.0.1
#include <fata/devices/clock.hpp>
#include <fata/devices/hosted/kv_dir.hpp>
#include <fata/devices/random.hpp>
#include <fata/dns/client.hpp>
#include <fata/dns/client_keys.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include "unikernel.hpp"

namespace {

fata::key<std::string> url_key{"url", fata::required, "The http:// or https:// URL to fetch"};
fata::key<std::string> ca_key{"ca", "", "PEM file of the CA certificates to trust for HTTPS"};
fata::key<bool> insecure_key{"insecure", false, "Accept any server certificate (testing only)"};
fata::key<std::string> connect_key{"connect-to", "",
                                   "IPv4 address to connect to instead of resolving the URL's host"};
fata::key<std::string> method_key{"method", "GET", "Request method"};
fata::key<std::string> data_key{"data", "", "Request body"};

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    std::string ca_pem;
    if (!ca_key->empty()) {
      // The CA file is read through a key-value store over its folder.
      const std::string path = *ca_key;
      const auto slash = path.rfind('/');
      const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
      const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
      auto store = fata::hosted::kv_dir::open(dir);
      if (!store) {
        example::fetch_log.error("--ca={}: {}", path, store.error());
        co_return 1;
      }
      auto pem = co_await store->get(name);
      if (!pem) {
        example::fetch_log.error("--ca={}: {}", path, pem.error());
        co_return 1;
      }
      ca_pem = std::move(*pem);
    }
    auto rng = fata::devices::random::create();
    if (!rng) co_return 1;
    fata::devices::pclock clock;
    fata::devices::mclock mono;
    using client = fata::dns::stub_client<Stack, fata::devices::random, fata::devices::mclock>;
    namespace keys = fata::dns::client_keys;
    client dns(stack, *rng, mono, *keys::servers, *keys::server_port, *keys::timeout, *keys::tries);
    example::http_fetch<Stack, fata::devices::pclock, fata::devices::random, client> app;
    co_return co_await app.start(stack, clock, *rng, dns, *url_key, ca_pem, *insecure_key, *connect_key,
                                 *method_key, *data_key);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"http-fetch", "Downloads a URL and prints its SHA-256."}, &start);
}
