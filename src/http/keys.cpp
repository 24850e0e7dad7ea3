// The runtime keys of HTTP servers (group HTTP). They live in the library,
// so every image with fata's HTTP server has them in its --help; a service
// reads them with server_config_from_keys / connection_limits_from_keys
// and may override what it must.
#include <fata/core/keys.hpp>
#include <fata/http/keys.hpp>

namespace fata::http {

namespace {

struct http_keys {
  key<duration> header_timeout{"http-header-timeout", server_config{}.header_timeout,
                               "Time a client has to send a request head (then 408)", "HTTP"};
  key<duration> request_timeout{"http-request-timeout", server_config{}.request_timeout,
                                "Time a client has to send a whole request, head and body "
                                "(then 408)",
                                "HTTP"};
  key<duration> idle_timeout{"http-idle-timeout", server_config{}.idle_timeout,
                             "Time a kept-alive connection may wait for its next request", "HTTP"};
  key<duration> body_timeout{"http-body-timeout", server_config{}.body_timeout,
                             "Longest stall while a request body arrives", "HTTP"};
  key<duration> send_timeout{"http-send-timeout", server_config{}.send_timeout,
                             "Longest stall while a response is written (a client that stops "
                             "reading)",
                             "HTTP"};
  key<std::uint64_t> max_body{"http-max-body", limits{}.max_body,
                              "Largest request body (then 413)", "HTTP"};
  key<std::size_t> max_connections{"http-max-connections", connection_limits{}.max_connections,
                                   "Connections served at once, every port together (beyond: the "
                                   "oldest idle or slow one is shed, else new ones are closed)",
                                   "HTTP"};
  key<std::size_t> memory{"http-memory", 0,
                          "Bytes all connections may hold, every port together (0: half of the "
                          "heap beyond its reserve; 96 MiB on hosted)",
                          "HTTP"};
  key<duration> slow_after{"http-slow-after", connection_limits{}.slow_after,
                           "A handshake, head or body at least this old may be shed when the connections are full (0: any, the oldest first)", "HTTP"};
};

http_keys keys_instance;

}  // namespace

server_config server_config_from_keys(server_config base) {
  const http_keys& k = keys_instance;
  k.header_timeout.apply_to(base.header_timeout);
  k.request_timeout.apply_to(base.request_timeout);
  k.idle_timeout.apply_to(base.idle_timeout);
  k.body_timeout.apply_to(base.body_timeout);
  k.send_timeout.apply_to(base.send_timeout);
  k.max_body.apply_to(base.limits.max_body);
  k.max_connections.apply_to(base.max_connections);
  k.memory.apply_to(base.memory);
  return base;
}

connection_limits connection_limits_from_keys(connection_limits base) {
  const http_keys& k = keys_instance;
  k.max_connections.apply_to(base.max_connections);
  k.memory.apply_to(base.memory);
  k.slow_after.apply_to(base.slow_after);
  return base;
}

}  // namespace fata::http
