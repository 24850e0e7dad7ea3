// Ending the VM. Under QEMU the image has an isa-debug-exit device (added by
// `fata run`): writing v to port 0xf4 exits QEMU with status (v << 1) | 1.
// A successful exit uses ACPI power-off instead, so that QEMU exits with 0
// and status 1 stays free to mean "QEMU itself failed". Without the debug
// device (other hypervisors), every exit is an ACPI power-off: S5 through
// the FADT's PM1a control block, or the sleep control register on
// hardware-reduced ACPI (microvm).
//
// Every exit first prints `fata: exit status N` as the console's last line.
// QEMU under -no-reboot also exits with 0 when the VM resets (a triple
// fault, a reset through the keyboard controller or ACPI): the line is how
// a runner (fata run, tests/virtio/run-image) tells the image's own exit
// from a VM that died without a word.
#include <cstring>

#include "arch.hpp"
#include "kernel.hpp"

namespace fata::virtio {

namespace {

constexpr std::uint16_t debug_exit_port = 0xf4;

struct acpi_sleep {
  bool found = false;
  bool hardware_reduced = false;
  std::uint16_t pm1a_control = 0;
  std::uint8_t space = 0;  // sleep control register: 0 memory, 1 I/O
  std::uint64_t sleep_control = 0;
  std::uint8_t s5_type = 0;
};

template <class T>
T load(std::uint64_t a) {
  T v;
  std::memcpy(&v, reinterpret_cast<const void*>(a), sizeof v);
  return v;
}

// Maps an ACPI table and returns its length, 0 if it does not look like one.
std::uint32_t map_table(std::uint64_t a) {
  if (a == 0 || !map_device(a, 36)) return 0;
  const std::uint32_t length = load<std::uint32_t>(a + 4);
  if (length < 36 || length > (16u << 20) || !map_device(a, length)) return 0;
  return length;
}

std::uint64_t find_table(std::uint64_t rsdp, const char* signature) {
  if (!map_device(rsdp, 36) || std::memcmp(reinterpret_cast<const void*>(rsdp), "RSD PTR ", 8) != 0) return 0;
  const std::uint8_t revision = load<std::uint8_t>(rsdp + 15);
  const std::uint64_t xsdt = revision >= 2 ? load<std::uint64_t>(rsdp + 24) : 0;
  const std::uint64_t root = xsdt ? xsdt : load<std::uint32_t>(rsdp + 16);
  const std::size_t entry = xsdt ? 8 : 4;
  const std::uint32_t length = map_table(root);
  for (std::uint64_t p = root + 36; length && p + entry <= root + length; p += entry) {
    const std::uint64_t t = entry == 8 ? load<std::uint64_t>(p) : load<std::uint32_t>(p);
    if (map_table(t) && std::memcmp(reinterpret_cast<const void*>(t), signature, 4) == 0) return t;
  }
  return 0;
}

// The first element of \_S5's package in the DSDT's AML: SLP_TYPa.
bool find_s5(std::uint64_t dsdt, std::uint8_t* type) {
  const std::uint32_t length = map_table(dsdt);
  const auto* aml = reinterpret_cast<const std::uint8_t*>(dsdt);
  for (std::uint32_t i = 36; i + 8 < length; ++i) {
    if (std::memcmp(aml + i, "_S5_", 4) != 0 || aml[i + 4] != 0x12) continue;  // PackageOp
    std::uint32_t j = i + 5;
    j += ((aml[j] >> 6) & 3) + 1;  // PkgLength
    j += 1;                        // NumElements
    if (j >= length) return false;
    if (aml[j] == 0x0a && j + 1 < length)  // BytePrefix
      *type = aml[j + 1];
    else if (aml[j] <= 1)  // ZeroOp, OneOp
      *type = aml[j];
    else
      return false;
    return true;
  }
  return false;
}

// The RSDP from the boot information, else where a BIOS leaves it: on a
// 16-byte boundary in 0xe0000-0xfffff.
std::uint64_t find_rsdp() {
  if (boot().rsdp) return boot().rsdp;
  for (std::uint64_t a = 0xe0000; a < 0x100000; a += 16)
    if (std::memcmp(reinterpret_cast<const void*>(a), "RSD PTR ", 8) == 0) return a;
  return 0;
}

acpi_sleep find_sleep() {
  acpi_sleep s;
  const std::uint64_t fadt = find_table(find_rsdp(), "FACP");
  if (!fadt) return s;
  const std::uint32_t length = load<std::uint32_t>(fadt + 4);
  std::uint64_t dsdt = load<std::uint32_t>(fadt + 40);
  if (length >= 148 && load<std::uint64_t>(fadt + 140)) dsdt = load<std::uint64_t>(fadt + 140);
  if (!find_s5(dsdt, &s.s5_type)) return s;
  const std::uint32_t flags = length >= 116 ? load<std::uint32_t>(fadt + 112) : 0;
  s.hardware_reduced = flags & (1u << 20);
  if (s.hardware_reduced && length >= 256) {
    s.space = load<std::uint8_t>(fadt + 244);
    s.sleep_control = load<std::uint64_t>(fadt + 248);
    s.found = s.sleep_control != 0;
  } else {
    s.pm1a_control = static_cast<std::uint16_t>(load<std::uint32_t>(fadt + 64));
    s.found = s.pm1a_control != 0;
  }
  return s;
}

void acpi_power_off() {
  const acpi_sleep s = find_sleep();
  if (!s.found) return;
  if (!s.hardware_reduced) {
    arch::outw(s.pm1a_control, static_cast<std::uint16_t>((s.s5_type << 10) | (1u << 13)));
    return;
  }
  const auto v = static_cast<std::uint8_t>(((s.s5_type & 7) << 2) | (1u << 5));
  if (s.space == 1) {
    arch::outb(static_cast<std::uint16_t>(s.sleep_control), v);
  } else if (map_device(s.sleep_control, 1)) {
    arch::mmio_write<std::uint8_t>(s.sleep_control, v);
  }
}

}  // namespace

void power_off(int status) {
  arch::cli();
  (out() << "fata: exit status ").dec(static_cast<std::uint32_t>(status)) << '\n';
  if (status != 0) arch::outl(debug_exit_port, static_cast<std::uint32_t>(status));
  acpi_power_off();
  // The hypervisor acts on the power-off request asynchronously: give it a
  // second before falling back.
  const std::uint64_t start = arch::rdtsc();
  const std::uint64_t second = tsc_hz() ? tsc_hz() : 1'000'000'000;
  while (arch::rdtsc() - start < second) arch::pause();
  arch::outl(debug_exit_port, static_cast<std::uint32_t>(status));
  out() << "fata: could not power off; halting\n";
  arch::halt_forever();
}

}  // namespace fata::virtio
