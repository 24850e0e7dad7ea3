// udp-echo: sends every UDP datagram back to where it came from. The
// unikernel is a class template over the stack; config.cpp wires it for the
// fata tool, main.cpp builds the same code in the fata tree
// (tests/net/interop, tests/virtio).
#pragma once

#include <cstddef>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/stack.hpp>

namespace example {

inline fata::log::source udp_echo_log{"udp-echo", "The udp-echo example"};

template <fata::sig::stackv4 Stack>
struct udp_echo {
  fata::task<int> start(Stack& stack, const fata::port& port) {
    auto socket = stack.udp_bind(port);
    if (!socket) {
      udp_echo_log.error("cannot bind UDP port {}: {}", port, socket.error());
      co_return 1;
    }
    // The port bound, which the stack picked if `port` is 0.
    udp_echo_log.info("echoing UDP on {}:{}", stack.ipv4_address(), socket->local().number.value);
    std::vector<std::byte> buffer(65536);
    for (;;) {
      auto d = co_await socket->receive_from(fata::mut_bytes(buffer.data(), buffer.size()));
      if (!d) co_return d.error() == fata::sig::stack_error::cancelled ? 0 : 1;
      (void)co_await socket->send_to(d->source, fata::bytes(buffer.data(), d->size));
    }
  }
};

}  // namespace example
