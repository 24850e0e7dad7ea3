#include <fata/devices/netif.hpp>

#include <fata/core/loop.hpp>

#include <cstring>

namespace fata::devices {

result<netif, sig::net_error> netif::open(std::string_view name, std::string_view resource) {
  platform::handle h = 0;
  platform::net_info info{};
  if (platform::net_acquire(name, resource, &h, &info) != platform::status::ok)
    return unexpected(sig::net_error::device);
  mac_addr mac;
  std::memcpy(mac.octets.data(), info.mac, mac.octets.size());
  const std::size_t frame_size = info.mtu + max_header_size;
  const std::size_t rx_size = info.max_receive_frame > frame_size ? info.max_receive_frame : frame_size;
  buffer rx(rx_size);
  buffer tx(frame_size);
  if (!rx.valid() || !tx.valid()) return unexpected(sig::net_error::device);
  return netif(h, mac, info.mtu, std::move(rx), std::move(tx));
}

result<void, sig::net_error> netif::transmit(bytes frame) {
  switch (platform::net_write(_handle, frame.span())) {
    case platform::status::ok:
      ++_stats.tx_frames;
      _stats.tx_bytes += frame.size();
      return {};
    case platform::status::again:
      ++_stats.tx_dropped;
      return unexpected(sig::net_error::busy);
    case platform::status::invalid:
    case platform::status::unavailable:
    case platform::status::error:
      break;
  }
  ++_stats.tx_dropped;
  return unexpected(sig::net_error::device);
}

result<void, sig::net_error> netif::send(bytes frame) {
  if (frame.size() > max_frame_size()) return unexpected(sig::net_error::too_big);
  return transmit(frame);
}

result<void, sig::net_error> netif::send_gather(std::span<const bytes> parts) {
  std::size_t total = 0;
  for (bytes part : parts) {
    total += part.size();
    if (total > max_frame_size()) return unexpected(sig::net_error::too_big);
  }
  // The platform ABI takes one contiguous frame: assemble it in the
  // transmit buffer, which is what a device would copy it into anyway.
  mut_bytes out = _tx.view();
  std::size_t at = 0;
  for (bytes part : parts) {
    out.copy_from(at, part);
    at += part.size();
  }
  return transmit(out.first(total));
}

task<result<bytes, sig::net_error>> netif::receive() {
  FATA_ASSERT(!_receiving);
  _receiving = true;
  // Runts are dropped here; a flood of them must not keep this call from
  // returning to the loop (see yield_to_io).
  std::size_t dropped = 0;
  for (;;) {
    std::size_t size = 0;
    const platform::status s = platform::net_read(_handle, _rx.view().span(), &size);
    if (s == platform::status::ok) {
      if (size < min_frame_size) {
        ++_stats.rx_errors;
        if (++dropped % 64 == 0) {
          auto turn = co_await yield_to_io{};
          if (!turn) {
            _receiving = false;
            co_return unexpected(sig::net_error::cancelled);
          }
        }
        continue;
      }
      ++_stats.rx_frames;
      _stats.rx_bytes += size;
      if (size > max_frame_size()) ++_stats.rx_gso_frames;
      _receiving = false;
      co_return bytes(_rx.data(), size);
    }
    if (s != platform::status::again) {
      ++_stats.rx_errors;
      _receiving = false;
      co_return unexpected(sig::net_error::device);
    }
    // Readiness is level-triggered: if the wake-up is lost because it came
    // before this wait, the platform reports the handle again.
    auto woken = co_await loop::current().io_queue(_handle).wait();
    if (!woken) {
      _receiving = false;
      co_return unexpected(woken.error() == errc::cancelled ? sig::net_error::cancelled
                                                            : sig::net_error::device);
    }
  }
}

}  // namespace fata::devices
