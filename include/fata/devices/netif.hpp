// The network interface over the platform ABI's network handles, modelling
// fata::sig::netif (a TAP device on hosted, virtio-net in a VM).
//
//   auto net = fata::devices::netif::open("service", "tap0");
//   auto frame = co_await net->receive();   // a view, valid until the next receive
//   net->send(reply);
//
// Guarantees:
// - two buffers are allocated once, at open: mtu() + max_header_size
//   bytes for sending, max_receive_size() for receiving (larger when the
//   device has receive offload: a hosted TAP then hands over TCP segments
//   of up to 64 KiB, counted in rx_gso_frames); sending and receiving never
//   allocate.
// - receive() lends the receive buffer: the returned view is valid until
//   the next receive() on this interface (and while the interface lives;
//   moving the interface keeps it valid). It suspends on the event loop's
//   I/O queue for the device handle until a frame is there, so the image
//   sleeps in the platform's yield meanwhile. One task receives at a time
//   (a contract check). Frames shorter than an Ethernet header are dropped
//   and counted in rx_errors; a device failure is net_error::device; a
//   cancelled chain gets net_error::cancelled.
// - send() and send_gather() are synchronous: the frame has been handed to
//   the device when they return. send_gather() copies the parts, in order,
//   into the transmit buffer and sends the result as one frame. A frame
//   longer than mtu() + max_header_size is net_error::too_big (not sent,
//   not counted); a full device queue is net_error::busy and a device
//   failure net_error::device, both counted in tx_dropped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/platform/abi.hpp>
#include <fata/sig/netif.hpp>

namespace fata::devices {

class netif {
 public:
  // Ethernet header (14) plus one 802.1Q tag (4).
  static constexpr std::size_t max_header_size = 18;
  static constexpr std::size_t min_frame_size = 14;

  // Acquires network device `name` backed by `resource` (hosted: a TAP
  // interface name, "tap0" if empty; virtio: an index or MAC, empty for
  // the next unused device). A device can be acquired once per image.
  // Errors: net_error::device if the platform refuses or lacks the device
  // (no /dev/net/tun, no permission, a name already acquired) or the
  // buffers cannot be allocated.
  static result<netif, sig::net_error> open(std::string_view name, std::string_view resource);

  netif(netif&&) noexcept = default;
  netif& operator=(netif&&) noexcept = default;
  netif(const netif&) = delete;
  netif& operator=(const netif&) = delete;

  mac_addr mac() const { return _mac; }
  std::size_t mtu() const { return _mtu; }
  // The largest frame send() accepts.
  std::size_t max_frame_size() const { return _mtu + max_header_size; }
  // The largest frame receive() can return: max_frame_size(), or up to
  // 65535 + max_header_size with receive offload.
  std::size_t max_receive_size() const { return _rx.size(); }

  result<void, sig::net_error> send(bytes frame);
  result<void, sig::net_error> send_gather(std::span<const bytes> parts);
  // Suspends until a frame arrives; see the lending rule above.
  task<result<bytes, sig::net_error>> receive();

  const sig::netif_stats& stats() const { return _stats; }
  platform::handle handle() const { return _handle; }

 private:
  netif(platform::handle h, mac_addr mac, std::size_t mtu, buffer rx, buffer tx)
      : _handle(h), _mac(mac), _mtu(mtu), _rx(std::move(rx)), _tx(std::move(tx)) {}
  result<void, sig::net_error> transmit(bytes frame);

  platform::handle _handle;
  mac_addr _mac;
  std::size_t _mtu;
  buffer _rx;
  buffer _tx;
  sig::netif_stats _stats;
  bool _receiving = false;
};

static_assert(sig::netif<netif>);

}  // namespace fata::devices
