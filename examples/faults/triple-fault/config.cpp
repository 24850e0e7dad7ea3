// The description of triple-fault: no devices.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("triple-fault", "Triple-faults: the VM resets without a report.",
                     main<example::triple_fault>("unikernel.hpp"));
}
