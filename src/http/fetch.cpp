#include <fata/http/fetch.hpp>

namespace fata::http {

std::string fetch_failure::message() const {
  std::string out(describe(what));
  if (what == client_error::tls_failed) {
    out += ": ";
    out += tls::describe(tls);
  }
  return out;
}

std::optional<ipv4_addr> literal_resolver(std::string_view host) {
  if (host == "localhost") return ipv4_addr::loopback();
  return ipv4_addr::parse(host);
}

}  // namespace fata::http
