// The description of tasks: the monotonic clock (to time the joins) and
// the sleeper.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("tasks", "Joins, races, timeouts and task groups.",
                     main<example::tasks>("unikernel.hpp", mclock(), sleeper()));
}
