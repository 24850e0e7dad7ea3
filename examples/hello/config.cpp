// The description of hello: one device, the sleeper.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("hello", "Logs a greeting four times, a second apart.",
                     main<example::hello>("unikernel.hpp", sleeper()));
}
