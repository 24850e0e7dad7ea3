// Log sources for the network layers' fuzz build, which compiles the
// layers without src/core/log.cpp (its std::expected of std::string needs a
// newer clang than Debian 12's): records (the DHCP client's leases) go
// nowhere. The HTTP and TLS fuzz builds link the real log.cpp instead.
#include <fata/core/log.hpp>

namespace fata::log {

source::source(std::string_view name, std::string_view doc)
    : _name(name), _doc(doc), _threshold(level::info) {}
source::~source() = default;
void source::write(level, std::string_view) const {}

}  // namespace fata::log
