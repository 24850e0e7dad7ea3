// What a virtio device returns, checked before the driver uses it (virtio
// 1.2 §2.7.8 and the device sections): used-ring indices, ids and lengths,
// configuration values, virtio-net headers and virtio-blk status bytes.
//
// A device is outside the image's trust (a buggy or hostile hypervisor, a
// fuzzer): every value it writes is checked against the ring and the
// buffer the driver gave it. Bad entries are counted and skipped; a used
// index that claims more entries than are in flight makes the queue
// `broken` (the driver stops using it and says so), as Linux's
// virtio_ring marks a queue broken on a bad ring.
//
// Pure and header-only: no MMIO, no allocation, no clock, so the same code
// runs in the image (virtio.cpp, drivers.cpp), in hosted unit tests
// (tests/virtio/ring_check_test.cpp) and under libFuzzer (fuzz/virtio).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace fata::virtio {

// The largest queue the drivers use (virtio-net's 256 buffers).
inline constexpr std::uint16_t max_queue_entries = 256;

struct ring_counters {
  std::uint64_t bad_id = 0;         // an id beyond the queue
  std::uint64_t not_in_flight = 0;  // an id the driver had not given (or already got back)
  std::uint64_t bad_length = 0;     // more bytes than the chain could hold
  std::uint64_t index_jumps = 0;    // the used index moved by more than in flight
};

struct used_entry {
  std::uint16_t head = 0;
  std::uint32_t len = 0;  // bytes written, at most the chain's writable bytes (0 if !length_ok)
  bool length_ok = true;  // false: the device claimed more than the chain holds (counted)
};

// The driver's account of one split virtqueue's buffers: which chain heads
// the device holds and how many bytes it may write into each.
class used_checker {
 public:
  used_checker() { _writable.fill(not_held); }

  // A queue of `size` entries (a power of two, at most max_queue_entries);
  // nothing in flight. False for another size.
  bool reset(std::uint16_t size) {
    if (size == 0 || size > max_queue_entries || (size & (size - 1))) return false;
    *this = used_checker{};
    _size = size;
    return true;
  }

  std::uint16_t size() const { return _size; }
  std::uint16_t in_flight() const { return _in_flight; }
  std::uint16_t last_used() const { return _last_used; }
  bool broken() const { return _broken; }
  bool holds(std::uint16_t head) const { return head < _size && _writable[head] != not_held; }
  const ring_counters& counters() const { return _counters; }

  // The driver made the chain starting at `head` available, with
  // `writable` device-writable bytes. False (a driver bug) if `head` is
  // beyond the queue or the device holds it already.
  bool posted(std::uint16_t head, std::uint32_t writable) {
    if (head >= _size || _writable[head] != not_held || writable == not_held) return false;
    _writable[head] = writable;
    ++_in_flight;
    return true;
  }

  // Stops using the queue (the driver gave up on the device).
  void fail() { _broken = true; }

  // How many new entries the device's used index announces. At most what
  // is in flight: a larger jump (or any index on a broken queue) is 0, and
  // marks the queue broken.
  std::uint16_t pending(std::uint16_t used_idx) {
    if (_broken) return 0;
    const auto n = static_cast<std::uint16_t>(used_idx - _last_used);
    if (n > _in_flight) {
      ++_counters.index_jumps;
      _broken = true;
      return 0;
    }
    return n;
  }

  // The entry at slot last_used() % size(), as the device wrote it (the
  // 32-bit id and len fields); call only while pending() is non-zero.
  // Moves on to the next slot either way. nullopt: the id is beyond the
  // queue or not held by the device (counted; the entry is skipped).
  std::optional<used_entry> take(std::uint32_t id, std::uint32_t len) {
    ++_last_used;
    if (id >= _size) {
      ++_counters.bad_id;
      return std::nullopt;
    }
    const auto head = static_cast<std::uint16_t>(id);
    const std::uint32_t room = _writable[head];
    if (room == not_held) {
      ++_counters.not_in_flight;
      return std::nullopt;
    }
    _writable[head] = not_held;
    --_in_flight;
    if (len > room) {
      ++_counters.bad_length;
      return used_entry{head, 0, false};
    }
    return used_entry{head, len, true};
  }

 private:
  static constexpr std::uint32_t not_held = 0xffffffffu;
  std::uint16_t _size = 0;
  std::uint16_t _in_flight = 0;
  std::uint16_t _last_used = 0;
  bool _broken = false;
  ring_counters _counters;
  std::array<std::uint32_t, max_queue_entries> _writable;
};

// --- configuration values -------------------------------------------------------------

// The entries of a queue: the device's maximum (0: no such queue) capped
// at the driver's, rounded down to a power of two (the legacy layout needs
// one). 0 if the queue cannot be used.
constexpr std::uint16_t queue_entries(std::uint16_t device_max, std::uint16_t driver_max) {
  std::uint16_t n = device_max < driver_max ? device_max : driver_max;
  if (n > max_queue_entries) n = max_queue_entries;
  while (n & (n - 1)) n = static_cast<std::uint16_t>(n & (n - 1));
  return n;
}

// virtio-net's MTU (§5.1.4.1: between 68 and 65535 when offered; 1500
// otherwise), capped at what a receive buffer holds. nullopt: a device
// that offers an MTU below IPv4's minimum cannot carry IPv4.
constexpr std::optional<std::uint16_t> net_mtu(bool offered, std::uint16_t value,
                                               std::uint16_t largest) {
  std::uint16_t mtu = offered ? value : 1500;
  if (mtu < 68) return std::nullopt;
  return mtu > largest ? largest : mtu;
}

struct block_geometry {
  std::uint64_t capacity = 0;     // bytes, a multiple of block_size
  std::uint32_t block_size = 512;
};

// virtio-blk's capacity (512-byte sectors, §5.2.4) and block size: a
// block size that is not a power of two from 512 to 64 KiB is taken as
// 512; a capacity too large to count in bytes is capped.
constexpr block_geometry block_geometry_of(std::uint64_t sectors, bool size_offered,
                                           std::uint32_t block_size) {
  block_geometry g;
  if (size_offered && block_size >= 512 && block_size <= 65536 && !(block_size & (block_size - 1)))
    g.block_size = block_size;
  constexpr std::uint64_t max_sectors = (std::uint64_t(1) << 54);  // 8 EiB
  g.capacity = (sectors > max_sectors ? max_sectors : sectors) * 512;
  g.capacity = g.capacity / g.block_size * g.block_size;
  return g;
}

// --- virtio-net receive --------------------------------------------------------------

enum class rx_verdict : std::uint8_t { ok, too_short, bad_header };

// A received buffer of `len` bytes starting with the virtio-net header
// (`header` bytes: 10 legacy, 12 with VERSION_1), as fata negotiates it:
// no offloads, no merged buffers. The frame after the header must hold an
// Ethernet header; the device may not ask for a checksum to be completed
// (NEEDS_CSUM), announce a GSO frame, or merge buffers (num_buffers > 1),
// none of which was negotiated.
constexpr rx_verdict check_rx(const std::uint8_t* buffer, std::uint32_t len, std::size_t header) {
  if (len < header + 14) return rx_verdict::too_short;
  constexpr std::uint8_t needs_csum = 1;
  if (buffer[0] & needs_csum) return rx_verdict::bad_header;  // flags
  if (buffer[1] != 0) return rx_verdict::bad_header;           // gso_type: none
  if (header >= 12) {
    const unsigned num_buffers = buffer[10] | unsigned(buffer[11]) << 8;  // little-endian
    if (num_buffers > 1) return rx_verdict::bad_header;
  }
  return rx_verdict::ok;
}

// --- virtio-blk completion -----------------------------------------------------------

enum class blk_verdict : std::uint8_t { ok, io_error, unsupported, bad_status, short_transfer };

// A request's outcome from its status byte (§5.2.6: 0 OK, 1 IOERR, 2
// UNSUPP) and the used length: the device must have written `expected`
// bytes (the data read plus the status byte; 1 for a write). Anything
// else is an error, never a success.
constexpr blk_verdict check_blk(std::uint8_t status, std::uint32_t len, std::uint32_t expected) {
  if (len < expected) return blk_verdict::short_transfer;
  switch (status) {
    case 0: return blk_verdict::ok;
    case 1: return blk_verdict::io_error;
    case 2: return blk_verdict::unsupported;
    default: return blk_verdict::bad_status;
  }
}

}  // namespace fata::virtio
