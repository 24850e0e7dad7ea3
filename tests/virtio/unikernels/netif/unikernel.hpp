// netif: the tool's virtio network device. Prints the interface `fata run`
// attached (MAC, MTU) and sends one frame, then exits.
#pragma once

#include <array>
#include <cstddef>

#include <fata/core/bytes.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/netif.hpp>

namespace test_virtio {

inline fata::log::source netif_log{"netif", "The virtio netif test"};

template <fata::sig::netif Net>
struct netif {
  fata::task<int> start(Net& net) {
    netif_log.info("interface: mac {} mtu {}", net.mac(), net.mtu());
    // A broadcast frame of an unused EtherType: the device must take it.
    std::array<std::byte, 60> frame{};
    for (std::size_t i = 0; i < 6; ++i) frame[i] = std::byte{0xff};
    const auto mac = net.mac();
    for (std::size_t i = 0; i < 6; ++i) frame[6 + i] = std::byte{mac.octets[i]};
    frame[12] = std::byte{0x88};
    frame[13] = std::byte{0xb5};
    auto sent = net.send(fata::bytes(frame.data(), frame.size()));
    netif_log.info("sent a frame: {}", sent ? "ok" : "failed");
    co_return sent ? 0 : 1;
  }
};

}  // namespace test_virtio
