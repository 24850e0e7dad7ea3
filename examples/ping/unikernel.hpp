// ping: a unikernel that does nothing but be on the network. The direct
// stack answers ARP and ICMP echo requests (large, fragmented ones too); on
// the socket stack the host kernel does. The unikernel is a class template
// over the stack and the sleeper; config.cpp wires it for the fata tool,
// main.cpp builds the same code in the fata tree (tests/net/interop).
#pragma once

#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/stack.hpp>

namespace example {

inline fata::log::source ping_log{"ping", "The ping example"};

template <fata::sig::stackv4 Stack, fata::sig::sleeper Sleeper>
struct ping {
  fata::task<int> start(Stack& stack, Sleeper& sleeper) {
    ping_log.info("answering pings at {}", stack.ipv4_address());
    for (;;) {
      auto slept = co_await sleeper.sleep(fata::hours(24));
      if (!slept) co_return 0;
    }
  }
};

}  // namespace example
