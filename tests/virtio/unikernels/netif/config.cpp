// The description of the netif test: one network interface.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("netif", "Prints its network interface and sends a frame.",
                     main<test_virtio::netif>("unikernel.hpp", default_network()));
}
