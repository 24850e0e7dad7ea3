// The static website built in the fata tree (the tests and benchmarks run
// this one; `config.cpp` is the same unikernel for the fata tool). The site
// is the folder --htdocs read at run time, or, in the
// `static-website-crunched` build, crunched into the executable; the
// certificates come from the folder --tls-dir (or inline PEM). In the
// virtio image (FATA_WEBSITE_CERTS_CRUNCHED) both the site and the demo
// certificate are crunched in and --htdocs/--tls-dir do not exist.
//
//   static-website --net=socket --http-port=8080 --https-port=8443
#include <fata/devices/clock.hpp>
#include <fata/devices/random.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#if FATA_WEBSITE_CRUNCHED
#include <fata/crunched/htdocs.hpp>
#include <fata/devices/kv_crunch.hpp>
#endif
#if FATA_WEBSITE_CERTS_CRUNCHED
#include <fata/crunched/tls.hpp>
#include <fata/devices/kv_crunch.hpp>
#else
#include <fata/devices/hosted/kv_dir.hpp>
#endif

#include "unikernel.hpp"

namespace {

#if !FATA_WEBSITE_CRUNCHED
fata::key<std::string> htdocs_key{"htdocs", FATA_WEBSITE_HTDOCS, "Folder of the site (hosted)"};
#endif
#if !FATA_WEBSITE_CERTS_CRUNCHED
fata::key<std::string> tls_dir_key{"tls-dir", FATA_WEBSITE_TLS_DIR,
                                   "Folder holding the certificates and keys named by --tls-cert and --tls-key"};
#endif
fata::key<fata::port> http_port_key{"http-port", fata::port(8080),
                                    "TCP port for HTTP (0: one the stack picks, logged as `serving http://ADDR:PORT/`)"};
fata::key<fata::port> https_port_key{"https-port", fata::port(8443),
                                     "TCP port for HTTPS (0: one the stack picks, logged as `serving https://ADDR:PORT/`)"};
fata::key<bool> https_key{"https", true, "Serve HTTPS (--https=false: HTTP only)"};
fata::key<bool> redirect_key{"redirect-https", false, "Answer HTTP with a redirect to HTTPS"};
fata::key<std::vector<std::string>> cert_key{"tls-cert", std::vector<std::string>{"server.pem"},
                                             "Certificate chains (keys of the TLS store, or inline PEM), the default first"};
fata::key<std::vector<std::string>> key_key{"tls-key", std::vector<std::string>{"server.key"},
                                            "Private keys, one per --tls-cert"};
struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
#if FATA_WEBSITE_CRUNCHED
    fata::devices::kv_crunch site(fata::crunched::htdocs);
#else
    auto opened = fata::hosted::kv_dir::open(*htdocs_key);
    if (!opened) {
      website::site_log.error("--htdocs={}: {}", *htdocs_key, opened.error());
      co_return 1;
    }
    auto& site = *opened;
#endif
#if FATA_WEBSITE_CERTS_CRUNCHED
    fata::devices::kv_crunch certs(fata::crunched::tls);
#else
    auto opened_certs = fata::hosted::kv_dir::open(*tls_dir_key);
    if (!opened_certs) {
      website::site_log.error("--tls-dir={}: {}", *tls_dir_key, opened_certs.error());
      co_return 1;
    }
    auto& certs = *opened_certs;
#endif
    auto rng = fata::devices::random::create();
    if (!rng) {
      website::site_log.error("random device: {}", rng.error());
      co_return 1;
    }
    fata::devices::pclock clock;
    using site_type = std::remove_reference_t<decltype(site)>;
    using certs_type = std::remove_reference_t<decltype(certs)>;
    website::website<Stack, site_type, certs_type, fata::devices::pclock,
                     fata::devices::random>
        app;
    co_return co_await app.start(stack, site, certs, clock, *rng, *http_port_key, *https_port_key,
                                 *https_key, *redirect_key, *cert_key, *key_key);
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"static-website", "Serves a static website over HTTP and HTTPS."},
                              &start);
}
