// noop: a unikernel that starts and stops (MirageOS's tutorial/noop). It
// uses no device, so it is a plain class rather than a template.
#pragma once

#include <fata/core/task.hpp>

namespace example {

struct noop {
  fata::task<int> start() { co_return 0; }
};

}  // namespace example
