// hello: logs a greeting four times, a second apart (MirageOS's
// tutorial/hello). The unikernel is a class template over the signatures
// it uses; the description (config.cpp) says which devices fill them.
#pragma once

#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/clock.hpp>

namespace example {

inline fata::log::source hello_log{"hello", "The hello example"};

template <fata::sig::sleeper Sleeper>
struct hello {
  fata::task<int> start(Sleeper& sleeper) {
    for (int i = 0; i < 4; ++i) {
      if (i > 0) {
        auto slept = co_await sleeper.sleep(fata::seconds(1));
        if (!slept) co_return 1;
      }
      hello_log.info("hello");
    }
    co_return 0;
  }
};

}  // namespace example
