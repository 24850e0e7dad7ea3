// PCI enumeration by port I/O, following bridges from bus 0 (so only buses
// that exist are scanned), and virtio device discovery on PCI and in the
// virtio-mmio slots microvm lists on the command line.
#include "pci.hpp"

#include "arch.hpp"
#include "kernel.hpp"

namespace fata::virtio {

namespace {

constexpr std::uint16_t virtio_vendor = 0x1af4;
constexpr std::size_t max_devices = 32;
transport devices[max_devices];
std::size_t device_count = 0;
bool discovered = false;

void select(std::uint16_t address, std::uint8_t offset) {
  arch::outl(0xcf8, 0x80000000u | (std::uint32_t(address) << 8) | (offset & 0xfc));
}

// Virtio PCI capability (4.1.4): cfg_type, bar, offset, length.
void read_capabilities(transport& t) {
  if (!(pci_read16(t.pci_address, 0x06) & 0x10)) return;  // no capability list
  std::uint8_t cap = pci_read8(t.pci_address, 0x34) & 0xfc;
  for (int guard = 0; cap && guard < 48; ++guard) {
    const std::uint8_t id = pci_read8(t.pci_address, cap);
    if (id == 0x11) t.msix_cap = cap;
    if (id == 0x09) {
      const std::uint8_t type = pci_read8(t.pci_address, cap + 3);
      const std::uint8_t bar = pci_read8(t.pci_address, cap + 4);
      const std::uint32_t offset = pci_read32(t.pci_address, cap + 8);
      const std::uint32_t length = pci_read32(t.pci_address, cap + 12);
      const std::uint64_t base = bar < 6 ? pci_bar(t.pci_address, bar) : 0;
      if (base && type >= 1 && type <= 4 && map_device(base + offset, length)) {
        const std::uintptr_t a = base + offset;
        if (type == 1) t.common = a;
        if (type == 2) {
          t.notify_base = a;
          t.notify_multiplier = pci_read32(t.pci_address, cap + 16);
        }
        if (type == 3) t.isr = a;
        if (type == 4) t.device_config = a;
      }
    }
    cap = pci_read8(t.pci_address, cap + 1) & 0xfc;
  }
}

void consider(std::uint16_t address) {
  const std::uint32_t id = pci_read32(address, 0);
  if ((id & 0xffff) != virtio_vendor || device_count == max_devices) return;
  const std::uint16_t device = static_cast<std::uint16_t>(id >> 16);
  std::uint16_t type = 0;
  if (device >= 0x1040 && device <= 0x107f) type = device - 0x1040;
  else if (device >= 0x1000 && device <= 0x103f) type = pci_read16(address, 0x2e);  // subsystem id
  if (type != 1 && type != 2 && type != 4) return;
  transport t;
  t.what = transport::kind::pci;
  t.type = static_cast<device_type>(type);
  t.pci_address = address;
  // Memory space and bus mastering on (the firmware may have left them off).
  pci_write16(address, 0x04, static_cast<std::uint16_t>(pci_read16(address, 0x04) | 0x6));
  read_capabilities(t);
  // Legacy-only devices (disable-modern=on) have no common configuration:
  // not supported.
  if (!t.common || !t.notify_base) return;
  devices[device_count++] = t;
}

void scan_bus(std::uint8_t bus, int depth) {
  for (std::uint8_t dev = 0; dev < 32; ++dev) {
    for (std::uint8_t fn = 0; fn < 8; ++fn) {
      const auto address = static_cast<std::uint16_t>((bus << 8) | (dev << 3) | fn);
      const std::uint32_t id = pci_read32(address, 0);
      if ((id & 0xffff) == 0xffff) {
        if (fn == 0) break;
        continue;
      }
      const std::uint8_t header = pci_read8(address, 0x0e);
      if ((header & 0x7f) == 1 && depth < 8) {
        // A bridge: scan behind it.
        const std::uint8_t secondary = pci_read8(address, 0x19);
        if (secondary > bus) scan_bus(secondary, depth + 1);
      } else {
        consider(address);
      }
      if (fn == 0 && !(header & 0x80)) break;  // not multi-function
    }
  }
}

// microvm's transports when the command line does not list them: 24 slots
// from 0xfeb00000 wired to GSI 24 + i with the second IOAPIC, else 8 slots
// at GSI 5 + i. QEMU fills them from the highest slot down, so scanning
// downwards keeps the devices in command-line order.
std::size_t probe_microvm_slots(mmio_slot* out, std::size_t max) {
  if (!map_device(0xfec10000, 4096)) return 0;
  arch::mmio_write<std::uint32_t>(0xfec10000, 1);
  const bool ioapic2 = arch::mmio_read<std::uint32_t>(0xfec10010) != 0xffffffffu;
  const std::uint32_t count = ioapic2 ? 24 : 8, gsi_base = ioapic2 ? 24 : 5;
  std::size_t n = 0;
  for (std::uint32_t i = count; i-- > 0 && n < max;)
    out[n++] = {0xfeb00000ull + 0x200ull * i, 0x200, gsi_base + i};
  return n;
}

void scan_mmio() {
  constexpr std::uint32_t magic = 0x74726976;  // "virt"
  std::span<const mmio_slot> listed = mmio_slots();
  mmio_slot probed[24];
  // Only where there is no PCI: microvm.
  if (listed.empty() && (pci_read32(0, 0) & 0xffff) == 0xffff)
    listed = std::span<const mmio_slot>(probed, probe_microvm_slots(probed, 24));
  for (const mmio_slot& s : listed) {
    if (device_count == max_devices || !map_device(s.base, s.size < 0x200 ? 0x200 : s.size)) continue;
    if (arch::mmio_read<std::uint32_t>(s.base) != magic) continue;
    const std::uint32_t version = arch::mmio_read<std::uint32_t>(s.base + 4);
    const std::uint32_t type = arch::mmio_read<std::uint32_t>(s.base + 8);
    if ((version != 1 && version != 2) || (type != 1 && type != 2 && type != 4)) continue;
    transport t;
    t.what = transport::kind::mmio;
    t.type = static_cast<device_type>(type);
    t.modern = version == 2;
    t.mmio = s.base;
    t.gsi = s.irq;
    devices[device_count++] = t;
  }
}

}  // namespace

std::uint32_t pci_read32(std::uint16_t address, std::uint8_t offset) {
  select(address, offset);
  return arch::inl(0xcfc);
}
std::uint16_t pci_read16(std::uint16_t address, std::uint8_t offset) {
  select(address, offset);
  return arch::inw(static_cast<std::uint16_t>(0xcfc + (offset & 2)));
}
std::uint8_t pci_read8(std::uint16_t address, std::uint8_t offset) {
  select(address, offset);
  return arch::inb(static_cast<std::uint16_t>(0xcfc + (offset & 3)));
}
void pci_write32(std::uint16_t address, std::uint8_t offset, std::uint32_t value) {
  select(address, offset);
  arch::outl(0xcfc, value);
}
void pci_write16(std::uint16_t address, std::uint8_t offset, std::uint16_t value) {
  select(address, offset);
  arch::outw(static_cast<std::uint16_t>(0xcfc + (offset & 2)), value);
}

std::uint64_t pci_bar(std::uint16_t address, unsigned bar) {
  const std::uint32_t low = pci_read32(address, static_cast<std::uint8_t>(0x10 + 4 * bar));
  if (low & 1) return 0;  // I/O space
  std::uint64_t base = low & ~0xfull;
  if (((low >> 1) & 3) == 2 && bar < 5)
    base |= std::uint64_t(pci_read32(address, static_cast<std::uint8_t>(0x14 + 4 * bar))) << 32;
  return base;
}

std::span<transport> virtio_devices() {
  if (!discovered) {
    discovered = true;
    scan_mmio();
    // microvm has no port-I/O PCI: an absent host bridge reads as all ones.
    if ((pci_read32(0, 0) & 0xffff) != 0xffff) scan_bus(0, 0);
  }
  return {devices, device_count};
}

}  // namespace fata::virtio
