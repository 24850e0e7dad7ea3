// Virtio transports (PCI modern, MMIO versions 1 and 2) and split
// virtqueues, shared by the net, block and entropy drivers (virtio 1.2,
// sections 2.7 and 4).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "ring_check.hpp"

namespace fata::virtio {

enum class device_type : std::uint8_t { net = 1, block = 2, entropy = 4 };

// virtio 1.2 section 2.7: the split virtqueue, laid out contiguously and
// page-aligned as the legacy interface requires (which the modern one
// accepts too).
struct virtq_desc {
  std::uint64_t addr;
  std::uint32_t len;
  std::uint16_t flags;
  std::uint16_t next;
};
inline constexpr std::uint16_t desc_next = 1, desc_write = 2;
inline constexpr std::uint16_t avail_no_interrupt = 1, used_no_notify = 1;

class transport;

// Every used entry the device returns passes used_checker (ring_check.hpp)
// first: ids beyond the queue or not in flight are skipped and counted,
// lengths beyond the chain's writable bytes are flagged, and a used index
// that jumps past what is in flight marks the queue broken (logged once):
// take_used() then returns nothing, so a bad device cannot make a driver
// touch memory it was not given or spin on a ring that never settles.
class virtqueue {
 public:
  // Allocates and registers queue `index` with up to `max_size` entries
  // (at most max_queue_entries).
  bool init(transport& t, std::uint16_t index, std::uint16_t max_size, bool interrupts);
  std::uint16_t size() const { return _size; }
  virtq_desc& desc(std::uint16_t i) { return _desc[i]; }
  // Makes descriptor chain `head` available, `writable` of its bytes for
  // the device to write, and tells the device. False (a driver bug) if
  // the device holds `head` already.
  bool submit(std::uint16_t head, std::uint32_t writable);
  // Adds without telling the device; kick() tells it once for a batch.
  bool add(std::uint16_t head, std::uint32_t writable);
  void kick();
  // True if the device has returned a buffer we have not taken.
  bool has_used();
  // Takes the next valid used buffer: its head descriptor and the length
  // written (checked: see above). nullopt when there is none.
  std::optional<used_entry> take_used();
  // Whether the device holds chain `head`.
  bool holds(std::uint16_t head) const { return _check.holds(head); }
  std::uint16_t in_flight() const { return _check.in_flight(); }
  bool broken() const { return _check.broken(); }
  // Gives up on the device (it timed out, or a queue is broken): resets
  // it, so that it touches none of its buffers any more, marks the queue
  // broken and logs why, once.
  void give_up(const char* why);
  const ring_counters& counters() const { return _check.counters(); }

 private:
  void note_bad_entries(std::uint64_t before);
  volatile std::uint16_t* avail_flags() const { return _avail; }
  volatile std::uint16_t* avail_idx() const { return _avail + 1; }
  volatile std::uint16_t* avail_ring() const { return _avail + 2; }
  transport* _transport = nullptr;
  std::uint16_t _index = 0;
  std::uint16_t _size = 0;
  std::uint16_t _avail_shadow = 0;
  std::uint16_t _pending = 0;
  used_checker _check;
  bool _given_up = false;
  bool _bad_entries_logged = false;
  virtq_desc* _desc = nullptr;
  volatile std::uint16_t* _avail = nullptr;
  volatile std::uint8_t* _used = nullptr;
};

// One device's transport. Created by discovery (devices.cpp).
class transport {
 public:
  enum class kind : std::uint8_t { pci, mmio };

  static constexpr std::uint8_t status_acknowledge = 1, status_driver = 2, status_driver_ok = 4,
                                status_features_ok = 8, status_failed = 128;
  static constexpr std::uint64_t feature_version_1 = 1ull << 32;

  kind what = kind::pci;
  device_type type = device_type::net;
  bool modern = true;
  bool claimed = false;

  // PCI modern: mapped capability structures.
  std::uintptr_t common = 0, notify_base = 0, isr = 0, device_config = 0;
  std::uint32_t notify_multiplier = 0;
  std::uint16_t pci_address = 0;  // bus << 8 | device << 3 | function
  std::uint8_t msix_cap = 0;
  // MMIO.
  std::uintptr_t mmio = 0;
  std::uint32_t gsi = 0;

  std::uint16_t vector = 0xffff;  // MSI-X entry used by queues, or none

  // Resets, negotiates `wanted & offered` (plus VERSION_1 where modern);
  // returns the features agreed, or 0 with *ok false on failure.
  std::uint64_t begin(std::uint64_t wanted, bool* ok);
  void driver_ok();
  void fail();
  // Resets the device (status 0): afterwards it touches none of the
  // rings or buffers it was given (virtio 1.2 §2.4). Bounded wait.
  void reset();
  // "net", "block" or "rng", for messages.
  const char* type_name() const;

  std::uint8_t config8(std::uint32_t offset);
  std::uint16_t config16(std::uint32_t offset);
  std::uint32_t config32(std::uint32_t offset);
  std::uint64_t config64(std::uint32_t offset);

  std::uint16_t queue_max(std::uint16_t index);
  bool queue_setup(std::uint16_t index, std::uint16_t size, std::uint64_t desc, std::uint64_t avail,
                   std::uint64_t used);
  void notify(std::uint16_t index);

  // Sets up the device's interrupt (MSI-X on PCI, an IOAPIC pin on MMIO)
  // to wake `yield`. False if it has none: yield then polls it on a timer.
  bool enable_interrupts();
  // Acknowledges the device's interrupt (reads and clears its ISR status).
  void acknowledge();

 private:
  std::uint8_t status();
  void set_status(std::uint8_t s);
  std::uint16_t _notify_offset[8] = {};
};

}  // namespace fata::virtio
