// The TCP provider the `direct` stack uses by default: fata's TCP once it
// is integrated (net/tcp), until then `no_tcp` (UDP and ICMP only).
#pragma once

#include <fata/net/direct.hpp>

namespace fata::net {

using default_tcp = no_tcp;

}  // namespace fata::net
