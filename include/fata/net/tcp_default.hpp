// The TCP provider the `direct` stack uses by default: fata's TCP
// (net/tcp). `no_tcp` (net/direct.hpp) remains for images that want UDP
// and ICMP only.
#pragma once

#include <fata/net/direct.hpp>
#include <fata/net/tcp/layer.hpp>

namespace fata::net {

using default_tcp = tcp::layer;

}  // namespace fata::net
