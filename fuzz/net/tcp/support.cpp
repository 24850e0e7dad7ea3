// What the TCP code needs from fata::core in a fuzz build that compiles the
// pure parts alone (see CMakeLists.txt).
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
