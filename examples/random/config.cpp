// The description of random: the random device.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("random", "Draws random bytes and checks that they look random.",
                     main<example::random>("unikernel.hpp", default_random()));
}
