// The description of noop: no devices, no keys.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("noop", "Does nothing and exits.", main<example::noop>("unikernel.hpp"));
}
