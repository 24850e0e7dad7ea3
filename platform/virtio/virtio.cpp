// Virtio transports and split virtqueues (virtio 1.2 sections 2.7, 4.1 PCI
// and 4.2 MMIO, with MMIO version 1's legacy queue registers).
#include "virtio.hpp"

#include <cstring>

#include "arch.hpp"
#include "kernel.hpp"
#include "pci.hpp"

namespace fata::virtio {

namespace {

using arch::mmio_read;
using arch::mmio_write;

// Modern PCI common configuration (4.1.4.3).
constexpr std::uint32_t c_dfselect = 0, c_df = 4, c_gfselect = 8, c_gf = 12, c_msix_config = 16,
                        c_status = 20, c_qselect = 22, c_qsize = 24, c_qmsix = 26, c_qenable = 28,
                        c_qnotify_off = 30, c_qdesc = 32, c_qavail = 40, c_qused = 48;
// MMIO registers (4.2.2).
constexpr std::uint32_t m_version = 0x04, m_df = 0x10, m_dfsel = 0x14, m_gf = 0x20, m_gfsel = 0x24,
                        m_guest_page = 0x28, m_qsel = 0x30, m_qmax = 0x34, m_qnum = 0x38,
                        m_qalign = 0x3c, m_qpfn = 0x40, m_qready = 0x44, m_qnotify = 0x50,
                        m_isr = 0x60, m_ack = 0x64, m_status = 0x70, m_qdesc = 0x80,
                        m_qavail = 0x90, m_qused = 0xa0, m_config = 0x100;

constexpr std::size_t page = 4096;

void irq_acknowledge(void* context) { static_cast<transport*>(context)->acknowledge(); }

}  // namespace

// --- transport -----------------------------------------------------------------

std::uint8_t transport::status() {
  return what == kind::pci ? mmio_read<std::uint8_t>(common + c_status)
                           : static_cast<std::uint8_t>(mmio_read<std::uint32_t>(mmio + m_status));
}

void transport::set_status(std::uint8_t s) {
  if (what == kind::pci) mmio_write<std::uint8_t>(common + c_status, s);
  else mmio_write<std::uint32_t>(mmio + m_status, s);
}

std::uint64_t transport::begin(std::uint64_t wanted, bool* ok) {
  *ok = false;
  set_status(0);
  for (int i = 0; i < 1000000 && status() != 0; ++i) arch::pause();
  set_status(status_acknowledge);
  set_status(status_acknowledge | status_driver);
  std::uint64_t offered = 0;
  if (what == kind::pci) {
    for (std::uint32_t word = 0; word < 2; ++word) {
      mmio_write<std::uint32_t>(common + c_dfselect, word);
      offered |= std::uint64_t(mmio_read<std::uint32_t>(common + c_df)) << (32 * word);
    }
  } else {
    for (std::uint32_t word = 0; word < 2; ++word) {
      mmio_write<std::uint32_t>(mmio + m_dfsel, word);
      offered |= std::uint64_t(mmio_read<std::uint32_t>(mmio + m_df)) << (32 * word);
    }
  }
  if (modern) wanted |= feature_version_1;
  const std::uint64_t agreed = offered & wanted;
  if (modern && !(agreed & feature_version_1)) {
    fail();
    return 0;
  }
  for (std::uint32_t word = 0; word < 2; ++word) {
    const auto v = static_cast<std::uint32_t>(agreed >> (32 * word));
    if (what == kind::pci) {
      mmio_write<std::uint32_t>(common + c_gfselect, word);
      mmio_write<std::uint32_t>(common + c_gf, v);
    } else {
      mmio_write<std::uint32_t>(mmio + m_gfsel, word);
      mmio_write<std::uint32_t>(mmio + m_gf, v);
    }
  }
  if (modern) {
    set_status(status_acknowledge | status_driver | status_features_ok);
    if (!(status() & status_features_ok)) {
      fail();
      return 0;
    }
  } else if (what == kind::mmio) {
    mmio_write<std::uint32_t>(mmio + m_guest_page, page);
  }
  *ok = true;
  return agreed;
}

void transport::driver_ok() { set_status(status() | status_driver_ok); }

void transport::reset() {
  set_status(0);
  for (int i = 0; i < 1000000 && status() != 0; ++i) arch::pause();
}

const char* transport::type_name() const {
  switch (type) {
    case device_type::net: return "net";
    case device_type::block: return "block";
    case device_type::entropy: return "rng";
  }
  return "unknown";
}
void transport::fail() { set_status(status() | status_failed); }

std::uint8_t transport::config8(std::uint32_t o) {
  return mmio_read<std::uint8_t>((what == kind::pci ? device_config : mmio + m_config) + o);
}
std::uint16_t transport::config16(std::uint32_t o) {
  return mmio_read<std::uint16_t>((what == kind::pci ? device_config : mmio + m_config) + o);
}
std::uint32_t transport::config32(std::uint32_t o) {
  return mmio_read<std::uint32_t>((what == kind::pci ? device_config : mmio + m_config) + o);
}
std::uint64_t transport::config64(std::uint32_t o) {
  return config32(o) | (std::uint64_t(config32(o + 4)) << 32);
}

std::uint16_t transport::queue_max(std::uint16_t index) {
  if (what == kind::pci) {
    mmio_write<std::uint16_t>(common + c_qselect, index);
    return mmio_read<std::uint16_t>(common + c_qsize);
  }
  mmio_write<std::uint32_t>(mmio + m_qsel, index);
  return static_cast<std::uint16_t>(mmio_read<std::uint32_t>(mmio + m_qmax));
}

bool transport::queue_setup(std::uint16_t index, std::uint16_t size, std::uint64_t desc,
                            std::uint64_t avail, std::uint64_t used) {
  if (index >= 8) return false;
  if (what == kind::pci) {
    mmio_write<std::uint16_t>(common + c_qselect, index);
    mmio_write<std::uint16_t>(common + c_qsize, size);
    mmio_write<std::uint64_t>(common + c_qdesc, desc);
    mmio_write<std::uint64_t>(common + c_qavail, avail);
    mmio_write<std::uint64_t>(common + c_qused, used);
    mmio_write<std::uint16_t>(common + c_qmsix, vector);
    if (vector != 0xffff && mmio_read<std::uint16_t>(common + c_qmsix) != vector) vector = 0xffff;
    _notify_offset[index] = mmio_read<std::uint16_t>(common + c_qnotify_off);
    mmio_write<std::uint16_t>(common + c_qenable, 1);
    return true;
  }
  mmio_write<std::uint32_t>(mmio + m_qsel, index);
  mmio_write<std::uint32_t>(mmio + m_qnum, size);
  if (!modern) {
    mmio_write<std::uint32_t>(mmio + m_qalign, page);
    mmio_write<std::uint32_t>(mmio + m_qpfn, static_cast<std::uint32_t>(desc / page));
    return true;
  }
  mmio_write<std::uint32_t>(mmio + m_qdesc, static_cast<std::uint32_t>(desc));
  mmio_write<std::uint32_t>(mmio + m_qdesc + 4, static_cast<std::uint32_t>(desc >> 32));
  mmio_write<std::uint32_t>(mmio + m_qavail, static_cast<std::uint32_t>(avail));
  mmio_write<std::uint32_t>(mmio + m_qavail + 4, static_cast<std::uint32_t>(avail >> 32));
  mmio_write<std::uint32_t>(mmio + m_qused, static_cast<std::uint32_t>(used));
  mmio_write<std::uint32_t>(mmio + m_qused + 4, static_cast<std::uint32_t>(used >> 32));
  mmio_write<std::uint32_t>(mmio + m_qready, 1);
  return true;
}

void transport::notify(std::uint16_t index) {
  arch::mfence();
  if (what == kind::pci)
    mmio_write<std::uint16_t>(notify_base + std::uint32_t(_notify_offset[index & 7]) * notify_multiplier, index);
  else
    mmio_write<std::uint32_t>(mmio + m_qnotify, index);
}

void transport::acknowledge() {
  if (what == kind::pci) {
    // With MSI-X nothing needs clearing; reading the ISR is harmless.
    if (vector == 0xffff && isr) (void)mmio_read<std::uint8_t>(isr);
    return;
  }
  const std::uint32_t pending = mmio_read<std::uint32_t>(mmio + m_isr);
  if (pending) mmio_write<std::uint32_t>(mmio + m_ack, pending);
}

bool transport::enable_interrupts() {
  const std::uint8_t v = irq_allocate(&irq_acknowledge, this);
  if (v == 0) return false;
  if (what == kind::mmio) return ioapic_route(gsi, v, true);
  if (!msix_cap) return false;
  // MSI-X (PCI 3.0 section 6.8.2): entry 0 of the table, pointed at our
  // local APIC with our vector; every queue uses entry 0.
  const std::uint16_t control = pci_read16(pci_address, msix_cap + 2);
  const std::uint32_t table = pci_read32(pci_address, msix_cap + 4);
  const std::uint64_t bar = pci_bar(pci_address, table & 7);
  if (!bar) return false;
  const std::uint64_t entry = bar + (table & ~7u);
  if (!map_device(entry, 16 * ((control & 0x7ff) + 1))) return false;
  mmio_write<std::uint32_t>(entry + 0, 0xfee00000u | (lapic_id() << 12));
  mmio_write<std::uint32_t>(entry + 4, 0);
  mmio_write<std::uint32_t>(entry + 8, v);
  mmio_write<std::uint32_t>(entry + 12, 0);  // unmasked
  pci_write16(pci_address, msix_cap + 2, static_cast<std::uint16_t>((control | 0x8000) & ~0x4000));
  vector = 0;
  mmio_write<std::uint16_t>(common + c_msix_config, 0xffff);  // no configuration interrupts
  return true;
}

// --- virtqueue -------------------------------------------------------------------

bool virtqueue::init(transport& t, std::uint16_t index, std::uint16_t max_size, bool interrupts) {
  // The device's maximum is a configuration value like any other: capped,
  // and a power of two for the legacy layout (ring_check.hpp).
  const std::uint16_t n = queue_entries(t.queue_max(index), max_size);
  if (n == 0 || !_check.reset(n)) return false;
  const std::size_t desc_bytes = 16u * n;
  const std::size_t avail_bytes = 6u + 2u * n;
  const std::size_t used_offset = (desc_bytes + avail_bytes + page - 1) & ~(page - 1);
  const std::size_t used_bytes = 6u + 8u * n;
  const std::size_t total = used_offset + ((used_bytes + page - 1) & ~(page - 1));
  auto* memory = static_cast<std::uint8_t*>(heap_alloc(total, page));
  if (!memory) return false;
  std::memset(memory, 0, total);
  _transport = &t;
  _index = index;
  _size = n;
  _desc = reinterpret_cast<virtq_desc*>(memory);
  _avail = reinterpret_cast<volatile std::uint16_t*>(memory + desc_bytes);
  _used = memory + used_offset;
  *avail_flags() = interrupts ? 0 : avail_no_interrupt;
  const auto base = reinterpret_cast<std::uint64_t>(memory);
  return t.queue_setup(index, n, base, base + desc_bytes, base + used_offset);
}

bool virtqueue::add(std::uint16_t head, std::uint32_t writable) {
  if (!_check.posted(head, writable)) return false;
  avail_ring()[_avail_shadow % _size] = head;
  ++_avail_shadow;
  ++_pending;
  return true;
}

void virtqueue::kick() {
  if (_pending == 0) return;
  arch::barrier();
  *avail_idx() = _avail_shadow;  // x86 keeps stores in order
  _pending = 0;
  arch::mfence();
  const auto used_flags = *reinterpret_cast<volatile std::uint16_t*>(_used);
  if (!(used_flags & used_no_notify)) _transport->notify(_index);
}

bool virtqueue::submit(std::uint16_t head, std::uint32_t writable) {
  if (!add(head, writable)) return false;
  kick();
  return true;
}

void virtqueue::give_up(const char* why) {
  _check.fail();
  if (_given_up || !_transport) return;
  _given_up = true;
  _transport->reset();
  out() << "fata: virtio-" << _transport->type_name() << ": queue " << char('0' + (_index & 7))
        << ' ' << why << "; the device is reset and no longer used\n";
}

void virtqueue::note_bad_entries(std::uint64_t before) {
  const ring_counters& c = _check.counters();
  if (c.index_jumps != 0) {
    give_up("moved its used index past the buffers in flight");
    return;
  }
  if (_bad_entries_logged || c.bad_id + c.not_in_flight + c.bad_length == before) return;
  _bad_entries_logged = true;
  out() << "fata: virtio-" << _transport->type_name() << ": queue " << char('0' + (_index & 7))
        << ": ignoring used entries with bad ids or lengths (counted; logged once)\n";
}

bool virtqueue::has_used() {
  if (!_transport) return false;
  const std::uint16_t idx = *reinterpret_cast<volatile std::uint16_t*>(_used + 2);
  const bool any = _check.pending(idx) > 0;
  if (_check.broken()) note_bad_entries(0);
  return any;
}

std::optional<used_entry> virtqueue::take_used() {
  if (!_transport) return std::nullopt;
  const ring_counters& c = _check.counters();
  const std::uint64_t before = c.bad_id + c.not_in_flight + c.bad_length;
  std::optional<used_entry> got;
  // At most one pass over what the device may return: each bad entry is
  // skipped and counted, the first good one taken.
  for (std::uint16_t guard = 0; !got && guard <= _size; ++guard) {
    const std::uint16_t idx = *reinterpret_cast<volatile std::uint16_t*>(_used + 2);
    if (_check.pending(idx) == 0) break;
    arch::barrier();  // the entry is read after the index that announced it
    const volatile std::uint8_t* e = _used + 4 + 8u * (_check.last_used() % _size);
    const std::uint32_t id = *reinterpret_cast<const volatile std::uint32_t*>(e);
    const std::uint32_t len = *reinterpret_cast<const volatile std::uint32_t*>(e + 4);
    got = _check.take(id, len);
  }
  note_bad_entries(before);
  return got;
}

}  // namespace fata::virtio
