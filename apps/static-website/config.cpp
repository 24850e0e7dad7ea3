// The description of the static website for the fata tool: a network
// stack (`fata configure net=socket|direct` on hosted), the site (the folder htdocs/, crunched into VM images), the
// certificates (the folder tls/, which scripts/demo fills with a
// self-signed certificate from make-demo-cert), the wall clock, the random
// device, and the runtime keys of unikernel.hpp.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto stack = generic_stackv4(default_network());
  auto site = generic_kv_ro("htdocs");
  auto certs = generic_kv_ro("tls", "tls");
  auto http_port = key<fata::port>("http-port", fata::port(8080),
                                   "TCP port for HTTP (0: one the stack picks, logged as `serving http://ADDR:PORT/`)");
  auto https_port = key<fata::port>("https-port", fata::port(8443),
                                    "TCP port for HTTPS (0: one the stack picks, logged as `serving https://ADDR:PORT/`)");
  auto https = key<bool>("https", true, "Serve HTTPS (--https=false: HTTP only)");
  auto redirect = key<bool>("redirect-https", false, "Answer HTTP with a redirect to HTTPS");
  auto cert = key<std::vector<std::string>>("tls-cert", std::vector<std::string>{"server.pem"},
                                            "Certificate chains (keys of the tls store, or inline PEM)");
  auto tls_key = key<std::vector<std::string>>("tls-key", std::vector<std::string>{"server.key"},
                                               "Private keys, one per --tls-cert");
  libraries({"fata::http", "fata::tls"});
  register_unikernel("static-website", "Serves a static website over HTTP and HTTPS.",
                     main<website::website>("unikernel.hpp", stack, site, certs, pclock(),
                                            default_random(), http_port, https_port, https, redirect,
                                            cert, tls_key));
}
