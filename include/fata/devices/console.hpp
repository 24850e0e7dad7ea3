// The platform console as a fata::sig::console device (serial port in a
// VM, stdout on hosted).
#pragma once

#include <string_view>

#include <fata/platform/abi.hpp>
#include <fata/sig/console.hpp>

namespace fata::devices {

class console {
 public:
  // Writes `text` to the platform console; never suspends.
  result<void, sig::console_error> write(std::string_view text) {
    platform::console_write(text);
    return {};
  }
};

static_assert(sig::console<console>);

}  // namespace fata::devices
