// Extras of the hosted target beyond the platform ABI, for hosted-only
// devices (the socket stack, the host-directory key-value store).
#pragma once

#include <fata/platform/abi.hpp>

namespace fata::platform::hosted {

// Makes host file descriptor `fd` a handle that `yield` reports when `fd`
// is readable (and, if `writable` is set, when it is writable). The caller
// keeps owning `fd`; unwatch before closing it.
status watch_fd(int fd, bool writable, handle* h);
// Changes the write interest of a watched descriptor.
status set_write_interest(handle h, bool writable);
void unwatch_fd(handle h);

}  // namespace fata::platform::hosted
