// The core functions the wire formats and layers call, for fuzz builds
// that compile them alone (without fata::core, whose std::expected uses
// need a newer clang than Debian 12's): a contract violation aborts, which
// libFuzzer reports as a crash; log records (the DHCP client's leases) go
// nowhere.
#include <fata/core/assert.hpp>
#include <fata/core/log.hpp>

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

namespace log {

source::source(std::string_view name, std::string_view doc)
    : _name(name), _doc(doc), _threshold(level::info) {}
source::~source() = default;
void source::write(level, std::string_view) const {}

}  // namespace log

}  // namespace fata
