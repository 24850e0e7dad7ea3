// PCI configuration space through port I/O (0xcf8/0xcfc), and discovery of
// virtio devices on PCI buses and in microvm's virtio-mmio slots.
#pragma once

#include <cstdint>
#include <span>

#include "virtio.hpp"

namespace fata::virtio {

std::uint32_t pci_read32(std::uint16_t address, std::uint8_t offset);
std::uint16_t pci_read16(std::uint16_t address, std::uint8_t offset);
std::uint8_t pci_read8(std::uint16_t address, std::uint8_t offset);
void pci_write32(std::uint16_t address, std::uint8_t offset, std::uint32_t value);
void pci_write16(std::uint16_t address, std::uint8_t offset, std::uint16_t value);
// The physical address of memory BAR `bar` (64-bit BARs included); 0 for
// an I/O or unset BAR.
std::uint64_t pci_bar(std::uint16_t address, unsigned bar);

// Every virtio device found, in bus order then slot order (found once, on
// first use).
std::span<transport> virtio_devices();

}  // namespace fata::virtio
