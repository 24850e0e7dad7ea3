// tcp-echo: every TCP connection gets back what it sends, until it
// half-closes; then the server closes its side. The unikernel is a class
// template over the stack; config.cpp wires it for the fata tool, main.cpp
// builds the same code in the fata tree (tests/net/interop).
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/join.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/stack.hpp>

namespace example {

inline fata::log::source tcp_echo_log{"tcp-echo", "The tcp-echo example"};

template <class Flow>
fata::task<void> echo_connection(Flow flow) {
  std::vector<std::byte> buffer(65536);
  for (;;) {
    auto n = co_await flow.read(fata::mut_bytes(buffer.data(), buffer.size()));
    if (!n || *n == 0) break;
    auto w = co_await flow.write(fata::bytes(buffer.data(), *n));
    if (!w) break;
  }
  co_await flow.close();
}

template <fata::sig::stackv4 Stack>
struct tcp_echo {
  fata::task<int> start(Stack& stack, const fata::port& port) {
    auto listener = stack.tcp_listen(port);
    if (!listener) {
      tcp_echo_log.error("cannot listen on port {}: {}", port, listener.error());
      co_return 1;
    }
    // The port listened on, which the stack picked if `port` is 0.
    tcp_echo_log.info("echoing TCP on {}:{}", stack.ipv4_address(), listener->local().number.value);
    fata::task_group connections;
    int status = 0;
    for (;;) {
      auto flow = co_await listener->accept();
      if (!flow) {
        if (flow.error() != fata::sig::flow_error::cancelled) status = 1;
        break;
      }
      connections.spawn(echo_connection(std::move(*flow)));
    }
    connections.cancel();
    co_await connections.join();
    co_return status;
  }
};

}  // namespace example
