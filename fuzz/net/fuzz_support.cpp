// The two core functions the wire formats call, for fuzz builds that
// compile the parsers alone (without fata::core, whose std::expected uses
// need a newer clang than Debian 12's): a contract violation aborts, which
// libFuzzer reports as a crash.
#include <fata/core/assert.hpp>

#include <cstdio>
#include <cstdlib>

namespace fata {

void contract_violation(const char* expression, const char* file, int line) {
  std::fprintf(stderr, "contract violated: %s at %s:%d\n", expression, file, line);
  std::abort();
}

void panic(const char* message) {
  std::fprintf(stderr, "panic: %s\n", message);
  std::abort();
}

}  // namespace fata
