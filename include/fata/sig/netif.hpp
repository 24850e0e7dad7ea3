// Signature: network interface. Moves whole Ethernet frames (without the
// FCS) between the stack and a device.
//
// Receiving lends the device's buffer: `receive()` suspends until a frame
// arrives and returns a view of it that stays valid until the next call to
// `receive()` on the same interface, so a stack can parse in place without
// copying. One task receives per interface. Sending is synchronous: the
// frame is copied into the device before `send` returns; `send_gather`
// sends the concatenation of several parts (headers from the stack,
// payload from a send buffer) without assembling it first. A full device
// queue is `net_error::busy`: the frame was not sent (a lost packet, which
// the protocols above recover from).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>

namespace fata::sig {

enum class net_error : std::uint8_t {
  too_big = 1,  // the frame exceeds mtu + Ethernet header
  busy,         // the device queue is full; the frame was dropped
  device,       // the device or host failed
  cancelled,    // the receiving task was cancelled
  closed,       // the interface was shut down
  no_memory,    // an allocation failed (a buffer, or a task frame of the call)
};

constexpr std::string_view describe(net_error e) noexcept {
  switch (e) {
    case net_error::too_big: return "frame larger than the MTU";
    case net_error::busy: return "device queue full";
    case net_error::device: return "network device failure";
    case net_error::cancelled: return "cancelled";
    case net_error::closed: return "interface closed";
    case net_error::no_memory: return "out of memory";
  }
  return "unknown network error";
}

// Frame counters every interface keeps.
struct netif_stats {
  std::uint64_t rx_frames = 0;
  std::uint64_t rx_bytes = 0;
  std::uint64_t tx_frames = 0;
  std::uint64_t tx_bytes = 0;
  std::uint64_t tx_dropped = 0;  // busy or failed sends
  std::uint64_t rx_errors = 0;
  // Frames larger than mtu() plus an Ethernet header: TCP segments the
  // host coalesced (receive offload of a hosted TAP).
  std::uint64_t rx_gso_frames = 0;
};

template <class N>
concept netif = requires(N& n, const N& cn, bytes frame, std::span<const bytes> parts) {
  // The interface's own MAC address.
  { cn.mac() } -> std::same_as<mac_addr>;
  // The largest IP packet the link carries (1500 on Ethernet).
  { cn.mtu() } -> std::same_as<std::size_t>;
  { n.send(frame) } -> std::same_as<result<void, net_error>>;
  { n.send_gather(parts) } -> std::same_as<result<void, net_error>>;
  { n.receive() } -> std::same_as<task<result<bytes, net_error>>>;
  { cn.stats() } -> std::same_as<const netif_stats&>;
};

}  // namespace fata::sig
