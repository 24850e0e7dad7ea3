// The description of http-fetch: an IPv4 stack (`fata configure
// net=socket|direct` on hosted; fata's over virtio-net in a VM), the wall
// clock (certificate validity), the random device (TLS), the DNS client
// over the stack (the URL's host: --dns-server...) and the request.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto url = key<std::string>("url", fata::required, "The http:// or https:// URL to fetch");
  auto ca = key<std::string>("ca", "", "PEM text of the CA certificates to trust for HTTPS");
  auto insecure = key<bool>("insecure", false, "Accept any server certificate (testing only)");
  auto connect_to = key<std::string>("connect-to", "",
                                     "IPv4 address to connect to instead of resolving the URL's host");
  auto method = key<std::string>("method", "GET", "Request method");
  auto data = key<std::string>("data", "", "Request body");
  auto stack = generic_stackv4(default_network());
  libraries({"fata::http", "fata::tls"});
  register_unikernel("http-fetch", "Downloads a URL and prints its SHA-256.",
                     main<example::http_fetch>("unikernel.hpp", stack, pclock(), default_random(),
                                               generic_dns_client(stack), url, ca, insecure, connect_to, method,
                                               data));
}
