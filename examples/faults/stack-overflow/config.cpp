// The description of stack-overflow: no devices.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("stack-overflow", "Recurses until the stack is gone.",
                     main<example::stack_overflow>("unikernel.hpp"));
}
