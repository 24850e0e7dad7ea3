// The description of null-dereference: no devices.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("null-dereference", "Dereferences a null pointer.",
                     main<example::null_dereference>("unikernel.hpp"));
}
