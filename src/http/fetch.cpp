#include <fata/http/fetch.hpp>

namespace fata::http {

std::string fetch_failure::message() const {
  std::string out(describe(what));
  if (what == client_error::tls_failed) {
    out += ": ";
    out += tls::describe(tls);
  } else if (what == client_error::unresolved && !detail.empty()) {
    out += ": ";
    out += detail;
  }
  return out;
}

std::optional<ipv4_addr> literal_address(std::string_view host) {
  if (host == "localhost") return ipv4_addr::loopback();
  return ipv4_addr::parse(host);
}

task<result<ipv4_addr, fetch_failure>> literal_resolver(std::string_view host) {
  if (const auto literal = literal_address(host)) co_return *literal;
  co_return unexpected(fetch_failure{client_error::unresolved, {}, "not an address, and no DNS client to ask"});
}

}  // namespace fata::http
