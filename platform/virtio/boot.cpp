// From the PVH entry to the unikernel's main: boot information, memory map,
// page tables, CPU tables, thread pointer, clocks, heap, constructors.
#include <fata/platform/abi.hpp>

#include <cstring>

#include "arch.hpp"
#include "kernel.hpp"

extern "C" {
extern char __image_start[], __image_end[];
extern std::uint64_t fata_boot_tsc;
using init_fn = void (*)();
extern init_fn __init_array_start[], __init_array_end[];
[[noreturn]] void fata_virtio_boot(std::uint32_t start_info);
extern const char* const fata_program_name;  // program.cpp, one per image
}

namespace fata::virtio {

namespace {

// Xen's struct hvm_start_info (xen/include/public/arch-x86/hvm/start_info.h).
constexpr std::uint32_t hvm_start_magic = 0x336ec578;
constexpr std::uint32_t e820_ram = 1;

std::uint32_t load32(std::uint64_t a) {
  std::uint32_t v;
  std::memcpy(&v, reinterpret_cast<const void*>(a), 4);
  return v;
}
std::uint64_t load64(std::uint64_t a) {
  std::uint64_t v;
  std::memcpy(&v, reinterpret_cast<const void*>(a), 8);
  return v;
}

[[noreturn]] void boot_fail(std::string_view why) {
  out() << "fata: boot: " << why << '\n';
  power_off(exit_status::boot_failure);
}

void add_ram(boot_info& b, std::uint64_t start, std::uint64_t end) {
  // Only memory above 1 MiB, and never the image itself.
  if (start < 0x100000) start = 0x100000;
  const auto image_start = reinterpret_cast<std::uint64_t>(__image_start);
  const auto image_end = reinterpret_cast<std::uint64_t>(__image_end);
  if (start < image_end && end > image_start) {
    if (start < image_start) add_ram(b, start, image_start);
    start = image_end;
  }
  start = (start + 4095) & ~std::uint64_t(4095);
  end &= ~std::uint64_t(4095);
  if (end <= start || b.ram_count == max_regions) return;
  // Insertion keeps the regions sorted by address.
  std::size_t i = b.ram_count++;
  while (i > 0 && b.ram[i - 1].start > start) {
    b.ram[i] = b.ram[i - 1];
    --i;
  }
  b.ram[i] = {start, end - start};
}

void read_start_info(std::uint32_t phys) {
  boot_info& b = boot();
  if (phys == 0 || load32(phys) != hvm_start_magic) boot_fail("no PVH start information");
  const std::uint32_t version = load32(phys + 4);
  const std::uint64_t cmdline = load64(phys + 24);
  b.command_line = cmdline ? reinterpret_cast<const char*>(cmdline) : "";
  b.rsdp = load64(phys + 32);
  if (version < 1) boot_fail("PVH start information without a memory map (version 0)");
  const std::uint64_t map = load64(phys + 40);
  const std::uint32_t entries = load32(phys + 48);
  for (std::uint32_t i = 0; i < entries; ++i) {
    const std::uint64_t e = map + 24ull * i;
    const std::uint64_t start = load64(e), size = load64(e + 8);
    // microvm's map holds an all-zero entry: skip empty ones.
    if (size == 0 || load32(e + 16) != e820_ram) continue;
    add_ram(b, start, start + size);
  }
  if (b.ram_count == 0) boot_fail("no usable memory in the memory map");
}

// A canary for code built with a stack protector (Debian's libstdc++.a
// objects): random where the CPU can, else the TSC.
std::uint64_t make_canary() {
  std::uint64_t v = arch::rdtsc() * 0x9e3779b97f4a7c15ull;
  if (arch::cpuid(1).ecx & (1u << 30)) {
    std::uint64_t r;
    unsigned char ok;
    asm volatile("rdrand %0; setc %1" : "=r"(r), "=qm"(ok));
    if (ok) v ^= r;
  }
  return v & ~std::uint64_t(0xff);  // a zero low byte stops string overruns
}

}  // namespace

boot_info& boot() {
  static constinit boot_info info{};
  return info;
}

}  // namespace fata::virtio

using namespace fata::virtio;

extern "C" [[noreturn]] void fata_virtio_boot(std::uint32_t start_info) {
  boot_info& b = boot();
  b.boot_tsc = fata_boot_tsc;
  serial_init();
  cpu_init();
  read_start_info(start_info);
  b.phase_tsc[0] = arch::rdtsc();
  paging_init();
  b.phase_tsc[1] = arch::rdtsc();
  tls_init(make_canary());
  clock_init();
  b.phase_tsc[2] = arch::rdtsc();
  // Page tables for devices mapped later (PCI BARs, ACPI tables) come from
  // this reserve; the heap takes the rest.
  early_seal(128 * 1024);
  heap_init(std::span<const memory_region>(b.ram, b.ram_count));
  b.phase_tsc[3] = arch::rdtsc();
  for (init_fn* f = __init_array_start; f != __init_array_end; ++f) (*f)();
  b.phase_tsc[4] = arch::rdtsc();

  fata::platform::start_info info{};
  cmdline_init(b.command_line, &info.argc, &info.argv);
  info.program = fata_program_name;
  // The largest region, for the record (the heap spans all of them).
  for (std::size_t i = 0; i < b.ram_count; ++i)
    if (b.ram[i].size > info.heap_size) {
      info.heap_start = b.ram[i].start;
      info.heap_size = b.ram[i].size;
    }
  if (option_set("cmdline")) out() << "fata: command line: " << b.command_line << '\n';
  b.main_tsc = arch::rdtsc();
  if (option_set("boot-time")) {
    auto us = [&](std::uint64_t from, std::uint64_t to) {
      return static_cast<std::uint64_t>(tsc_to_ns(to - from) / 1000);
    };
    out().dec(us(b.boot_tsc, b.main_tsc)) << " us from the first instruction to main (fata: boot; start info ";
    out().dec(us(b.boot_tsc, b.phase_tsc[0])) << ", page tables ";
    out().dec(us(b.phase_tsc[0], b.phase_tsc[1])) << ", clocks ";
    out().dec(us(b.phase_tsc[1], b.phase_tsc[2])) << ", heap ";
    out().dec(us(b.phase_tsc[2], b.phase_tsc[3])) << ", constructors ";
    out().dec(us(b.phase_tsc[3], b.phase_tsc[4])) << ", arguments ";
    out().dec(us(b.phase_tsc[4], b.main_tsc)) << ")\n";
  }
  const int status = fata_app_main(&info);
  fata::platform::exit(status);
}
