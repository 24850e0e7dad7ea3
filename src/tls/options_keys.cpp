// The runtime keys of TLS servers (group TLS). They live in the library, so
// every image with fata's TLS has them in its --help.
#include <fata/core/keys.hpp>
#include <fata/tls/context.hpp>

namespace fata::tls {

namespace {

struct tls_keys {
  key<duration> handshake_timeout{"tls-handshake-timeout", server_options{}.handshake_timeout,
                                  "Time a client has to complete the TLS handshake", "TLS"};
};

tls_keys keys_instance;

}  // namespace

server_options server_options_from_keys(server_options base) {
  keys_instance.handshake_timeout.apply_to(base.handshake_timeout);
  return base;
}

}  // namespace fata::tls
