// The runtime keys of HTTP servers (group HTTP): --http-header-timeout,
// --http-request-timeout, --http-idle-timeout, --http-body-timeout,
// --http-send-timeout, --http-max-body, --http-max-connections,
// --http-memory, --http-slow-after. Any image that calls these functions
// has them in its --help.
#pragma once

#include <fata/http/connections.hpp>
#include <fata/http/server.hpp>

namespace fata::http {

// The server configuration given by the keys, over `base`.
server_config server_config_from_keys(server_config base = {});
// The admission limits given by the keys, over `base`.
connection_limits connection_limits_from_keys(connection_limits base = {});

}  // namespace fata::http
