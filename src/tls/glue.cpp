// The non-template parts of the TLS glue: error mapping and logging.
#include <fata/tls/flow.hpp>

#include <fata/core/log.hpp>

namespace fata::tls::detail {

namespace {
log::source tls_log{"tls", "TLS handshakes"};
}  // namespace

sig::flow_error to_flow_error(tls_error e) {
  switch (e) {
    case tls_error::closed: return sig::flow_error::closed;
    case tls_error::reset: return sig::flow_error::reset;
    case tls_error::timed_out: return sig::flow_error::timed_out;
    case tls_error::cancelled: return sig::flow_error::cancelled;
    case tls_error::io: return sig::flow_error::io;
    case tls_error::no_memory: return sig::flow_error::no_memory;
    default: return sig::flow_error::protocol;
  }
}

tls_error from_flow_error(sig::flow_error e) {
  switch (e) {
    case sig::flow_error::reset: return tls_error::reset;
    case sig::flow_error::timed_out: return tls_error::timed_out;
    case sig::flow_error::closed: return tls_error::closed;
    case sig::flow_error::cancelled: return tls_error::cancelled;
    case sig::flow_error::protocol: return tls_error::protocol;
    case sig::flow_error::no_memory: return tls_error::no_memory;
    case sig::flow_error::refused:
    case sig::flow_error::unreachable:
    case sig::flow_error::io: return tls_error::io;
  }
  return tls_error::io;
}

void log_handshake_failure(bool server, tls_error e, std::string_view peer) {
  if (server && e == tls_error::cancelled) {
    // Shed to make room, or the image stops: the service counts those.
    tls_log.debug("handshake with {} cancelled", peer.empty() ? "peer" : peer);
  } else if (server) {
    tls_log.info("handshake with {} failed: {}", peer.empty() ? "peer" : peer, e);
  } else {
    tls_log.warn("handshake with {} failed: {}", peer, e);
  }
}

}  // namespace fata::tls::detail
