// The rest of the platform ABI on virtio: console, exit and abort (the
// clocks are in clock.cpp, devices and yield in drivers.cpp).
#include <fata/platform/abi.hpp>

#include "kernel.hpp"

namespace fata::platform {

void console_write(std::string_view text) { virtio::serial_write(text); }

void exit(int status_code) { virtio::power_off(status_code & 0x7f ? status_code & 0x7f : (status_code ? 1 : 0)); }

void abort(std::string_view message) { virtio::panic_with("panic", message, virtio::exit_status::panic); }

}  // namespace fata::platform
