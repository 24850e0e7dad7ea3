// The description of out-of-memory: no devices.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("out-of-memory", "Allocates until memory runs out.",
                     main<example::out_of_memory>("unikernel.hpp"));
}
