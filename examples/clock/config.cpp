// The description of clock: both clocks and the sleeper.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("clock", "Reads the wall clock and times sleeps with the monotonic clock.",
                     main<example::clock>("unikernel.hpp", mclock(), pclock(), sleeper()));
}
