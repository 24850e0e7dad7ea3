// The description of hello-key: the sleeper and one runtime key.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto greeting = key<std::string>("hello", "Hello World!", "How to say hello.");
  register_unikernel("hello-key", "Logs a greeting (--hello) four times, a second apart.",
                     main<example::hello_key>("unikernel.hpp", sleeper(), greeting));
}
