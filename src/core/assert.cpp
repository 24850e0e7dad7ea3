#include <fata/core/assert.hpp>
#include <fata/core/fmt.hpp>
#include <fata/platform/abi.hpp>

namespace fata {

void contract_violation(const char* expression, const char* file, int line) {
  char buf[512];
  platform::abort(format_into(buf, "contract violated: {} at {}:{}", expression, file, line));
}

void panic(const char* message) { platform::abort(message); }

}  // namespace fata
