// Time: the TSC as the monotonic clock, the CMOS RTC for the wall clock,
// the local APIC's one-shot timer to end a halt, and the IOAPIC for
// virtio-mmio interrupts.
//
// TSC frequency: CPUID leaf 0x15 (crystal ratio) or the hypervisor's timing
// leaf 0x40000010 when present, else measured against the PIT (channel 0,
// read back by latching, which needs no speaker port: microvm has none).
// The LAPIC timer's rate is measured in the same window.
#include <fata/platform/abi.hpp>

#include "arch.hpp"
#include "kernel.hpp"

namespace fata::virtio {

namespace {

std::uint64_t tsc_frequency = 0;
std::uint64_t tsc_origin = 0;
// ns = ticks * mult >> 32, precomputed so the clock reads need no division.
std::uint64_t ns_mult = 0;
std::int64_t wall_origin_ns = 0;

std::uintptr_t lapic_base = 0;
std::uint64_t lapic_hz = 0;  // timer ticks per second at divide-by-16
constexpr std::uint8_t timer_vector = 32;
constexpr std::uint32_t lapic_eoi_reg = 0xb0, lapic_svr = 0xf0, lapic_lvt_timer = 0x320,
                        lapic_initial = 0x380, lapic_current = 0x390, lapic_divide = 0x3e0;

volatile bool woken = false;

std::uint32_t lapic_read(std::uint32_t reg) { return arch::mmio_read<std::uint32_t>(lapic_base + reg); }
void lapic_write(std::uint32_t reg, std::uint32_t v) { arch::mmio_write<std::uint32_t>(lapic_base + reg, v); }

std::uint16_t pit_read() {
  arch::outb(0x43, 0x00);  // latch channel 0
  const std::uint8_t lo = arch::inb(0x40);
  const std::uint8_t hi = arch::inb(0x40);
  return static_cast<std::uint16_t>(lo | (hi << 8));
}

// Measures the TSC (and the LAPIC timer) against the PIT's 1.193182 MHz
// over `window` PIT ticks.
void calibrate(std::uint32_t window) {
  // Channel 0, lobyte/hibyte, mode 2 (rate generator), full period. Its
  // interrupt goes nowhere: the PICs are masked.
  arch::outb(0x43, 0x34);
  arch::outb(0x40, 0xff);
  arch::outb(0x40, 0xff);
  std::uint16_t last = pit_read();
  std::uint32_t elapsed = 0;
  const std::uint64_t t0 = arch::rdtsc();
  const std::uint32_t l0 = lapic_base ? lapic_read(lapic_current) : 0;
  std::uint64_t spins = 0;
  while (elapsed < window) {
    const std::uint16_t now = pit_read();
    elapsed += static_cast<std::uint16_t>(last - now);  // counts down, wraps
    last = now;
    if (++spins > 10'000'000) break;  // no PIT: fall back below
  }
  const std::uint64_t t1 = arch::rdtsc();
  const std::uint32_t l1 = lapic_base ? lapic_read(lapic_current) : 0;
  if (elapsed == 0) return;
  tsc_frequency = (t1 - t0) * 1'193'182ull / elapsed;
  if (lapic_base) lapic_hz = std::uint64_t(l0 - l1) * 1'193'182ull / elapsed;
}

std::uint8_t cmos(std::uint8_t reg) {
  arch::outb(0x70, reg);
  return arch::inb(0x71);
}

std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  // Howard Hinnant's days_from_civil.
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::int64_t read_rtc_seconds() {
  // Wait out an update in progress, then read until two reads agree.
  for (int i = 0; i < 100000 && (cmos(0x0a) & 0x80); ++i) arch::pause();
  std::uint8_t a[6], b[6];
  auto read = [](std::uint8_t* v) {
    v[0] = cmos(0x00); v[1] = cmos(0x02); v[2] = cmos(0x04);
    v[3] = cmos(0x07); v[4] = cmos(0x08); v[5] = cmos(0x09);
  };
  read(a);
  for (int tries = 0; tries < 5; ++tries) {
    read(b);
    bool same = true;
    for (int i = 0; i < 6; ++i) same = same && a[i] == b[i];
    if (same) break;
    for (int i = 0; i < 6; ++i) a[i] = b[i];
  }
  const std::uint8_t status_b = cmos(0x0b);
  const bool bcd = !(status_b & 0x04);
  const bool pm = !(status_b & 0x02) && (a[2] & 0x80);
  if (!(status_b & 0x02)) a[2] &= 0x7f;
  auto bin = [bcd](std::uint8_t v) { return bcd ? static_cast<unsigned>((v & 0x0f) + (v >> 4) * 10) : unsigned(v); };
  unsigned hour = bin(a[2]);
  if (!(status_b & 0x02)) hour = hour % 12 + (pm ? 12 : 0);
  const std::int64_t days = days_from_civil(2000 + bin(a[5]), bin(a[4]), bin(a[3]));
  return days * 86400 + hour * 3600 + bin(a[1]) * 60 + bin(a[0]);
}

void lapic_init() {
  if (!(arch::cpuid(1).edx & (1u << 9))) return;
  const std::uint64_t base = arch::rdmsr(0x1b) & 0x000ffffffffff000ull;
  if (!map_device(base, 4096)) return;
  lapic_base = base;
  lapic_write(lapic_svr, 0x100 | 0xff);  // enabled, spurious vector 255
  lapic_write(lapic_divide, 0x3);        // divide by 16
  lapic_write(lapic_lvt_timer, 1u << 16);  // masked while measuring
  lapic_write(lapic_initial, 0xffffffff);
}

}  // namespace

void clock_init() {
  lapic_init();
  // CPUID 0x15: TSC = crystal * ebx / eax.
  const std::uint32_t max_leaf = arch::cpuid(0).eax;
  if (max_leaf >= 0x15) {
    const auto c = arch::cpuid(0x15);
    if (c.eax && c.ebx && c.ecx) tsc_frequency = std::uint64_t(c.ecx) * c.ebx / c.eax;
  }
  // The hypervisor timing leaf (KVM with invtsc, VMware, Cloud Hypervisor).
  if (!tsc_frequency && (arch::cpuid(1).ecx & (1u << 31)) && arch::cpuid(0x40000000).eax >= 0x40000010) {
    const auto c = arch::cpuid(0x40000010);
    if (c.eax) tsc_frequency = std::uint64_t(c.eax) * 1000;
    if (c.ebx) lapic_hz = std::uint64_t(c.ebx) * 1000 / 16;
  }
  // 1 ms: the PIT count quantises to 1/1193 (0.08%).
  if (!tsc_frequency || (lapic_base && !lapic_hz)) calibrate(1193);
  if (!tsc_frequency) tsc_frequency = 1'000'000'000;  // no PIT either: a guess
  ns_mult = static_cast<std::uint64_t>((static_cast<unsigned __int128>(1'000'000'000) << 32) / tsc_frequency);
  tsc_origin = boot().boot_tsc;
  if (lapic_base) lapic_write(lapic_lvt_timer, timer_vector);  // one-shot, unmasked
  if (lapic_base) lapic_write(lapic_initial, 0);
  wall_origin_ns = read_rtc_seconds() * 1'000'000'000 - tsc_to_ns(arch::rdtsc() - tsc_origin);
}

std::uint64_t tsc_hz() { return tsc_frequency; }

std::int64_t tsc_to_ns(std::uint64_t ticks) {
  return static_cast<std::int64_t>((static_cast<unsigned __int128>(ticks) * ns_mult) >> 32);
}

bool lapic_present() { return lapic_base != 0 && lapic_hz != 0; }
void lapic_eoi() {
  if (lapic_base) lapic_write(lapic_eoi_reg, 0);
}
std::uint32_t lapic_id() { return lapic_base ? lapic_read(0x20) >> 24 : 0; }

void lapic_arm(std::int64_t delay_ns) {
  if (!lapic_present()) return;
  if (delay_ns < 1000) delay_ns = 1000;
  std::uint64_t ticks = static_cast<std::uint64_t>(
      static_cast<unsigned __int128>(delay_ns) * lapic_hz / 1'000'000'000);
  if (ticks == 0) ticks = 1;
  if (ticks > 0xffffffffu) ticks = 0xffffffffu;  // wakes early; the caller loops
  lapic_write(lapic_initial, static_cast<std::uint32_t>(ticks));
}

bool take_wakeup() {
  const bool w = woken;
  woken = false;
  return w;
}
void note_wakeup() { woken = true; }

// --- IOAPIC -------------------------------------------------------------------

bool ioapic_route(std::uint32_t gsi, std::uint8_t vector, bool level) {
  // QEMU's machines put the first IOAPIC at 0xfec00000 (GSIs 0-23) and
  // microvm's second at 0xfec10000 (GSIs 24-47).
  static bool mapped[2] = {false, false};
  const unsigned which = gsi / 24;
  if (which > 1) return false;
  const std::uintptr_t base = 0xfec00000 + which * 0x10000;
  if (!mapped[which]) {
    if (!map_device(base, 4096)) return false;
    mapped[which] = true;
  }
  const std::uint32_t pin = gsi % 24;
  auto write = [base](std::uint32_t reg, std::uint32_t v) {
    arch::mmio_write<std::uint32_t>(base, reg);
    arch::mmio_write<std::uint32_t>(base + 0x10, v);
  };
  auto read = [base](std::uint32_t reg) {
    arch::mmio_write<std::uint32_t>(base, reg);
    return arch::mmio_read<std::uint32_t>(base + 0x10);
  };
  // An absent IOAPIC reads as all ones.
  if (read(1) == 0xffffffffu || pin > ((read(1) >> 16) & 0xff)) return false;
  write(0x10 + 2 * pin + 1, lapic_id() << 24);
  write(0x10 + 2 * pin, vector | (level ? (1u << 15) : 0u));
  return true;
}

}  // namespace fata::virtio

namespace fata::platform {

std::int64_t monotonic_ns() { return virtio::tsc_to_ns(virtio::arch::rdtsc() - virtio::tsc_origin); }

std::int64_t wall_ns() { return virtio::wall_origin_ns + monotonic_ns(); }

}  // namespace fata::platform
