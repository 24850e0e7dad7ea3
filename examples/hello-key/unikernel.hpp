// hello-key: hello with a runtime key (MirageOS's tutorial/hello-key).
// The key is declared in config.cpp; start() receives its value, given at
// boot with --hello=TEXT (or its default, which `fata configure
// hello=TEXT` changes).
#pragma once

#include <string>

#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/clock.hpp>

namespace example {

inline fata::log::source hello_key_log{"hello", "The hello-key example"};

template <fata::sig::sleeper Sleeper>
struct hello_key {
  fata::task<int> start(Sleeper& sleeper, const std::string& greeting) {
    for (int i = 0; i < 4; ++i) {
      if (i > 0) {
        auto slept = co_await sleeper.sleep(fata::seconds(1));
        if (!slept) co_return 1;
      }
      hello_key_log.info("{}", greeting);
    }
    co_return 0;
  }
};

}  // namespace example
