// Page tables: everything the image may touch is identity-mapped, and
// nothing else.
//
// - The null page (0-4 KiB) is not mapped: a null dereference faults.
// - The image is mapped with 4 KiB pages by section: text read-only and
//   executable, read-only data read-only, data, bss and stacks writable and
//   never executable (W^X; CR0.WP makes read-only binding in ring 0 too).
// - The page below each stack is left unmapped (the guard page).
// - Every region of the firmware's memory map (RAM, ACPI tables, reserved)
//   is mapped writable and not executable, with 2 MiB pages where aligned.
// - Device memory (PCI BARs, APICs, virtio-mmio) is mapped uncached on
//   demand by the drivers.
// Identity mapping keeps DMA simple: a pointer is the device address.
#include <cstring>

#include "arch.hpp"
#include "kernel.hpp"

extern "C" {
extern char __image_start[], __image_end[];
extern char __text_start[], __text_end[];
extern char __rodata_start[], __rodata_end[];
extern char __data_start[];
extern char __stack_guard[], __stack_bottom[], __stack_top[];
extern char __ist_guard[], __ist_bottom[], __ist_top[];
}

namespace fata::virtio {

namespace {

constexpr std::uint64_t page = 4096;
constexpr std::uint64_t large_page = 2 << 20;
constexpr std::uint64_t pte_present = 1, pte_write = 2, pte_pwt = 8, pte_pcd = 0x10,
                        pte_huge = 0x80, pte_global = 0x100;
constexpr std::uint64_t pte_nx = 1ull << 63;
constexpr std::uint64_t pte_address = 0x000ffffffffff000ull;

constexpr std::uint64_t flags_rx = pte_present | pte_global;
constexpr std::uint64_t flags_r = pte_present | pte_global | pte_nx;
constexpr std::uint64_t flags_rw = pte_present | pte_write | pte_global | pte_nx;
constexpr std::uint64_t flags_device = pte_present | pte_write | pte_pcd | pte_pwt | pte_nx;

std::uint64_t* pml4 = nullptr;
bool paging_live = false;

// Early memory: a bump pointer at the start of the RAM region that follows
// the image.
memory_region* early_region = nullptr;

// The reserve for page tables needed after the heap took the rest.
std::uint64_t pool_next = 0, pool_end = 0;

std::uint64_t align_up(std::uint64_t v, std::uint64_t a) { return (v + a - 1) & ~(a - 1); }
std::uint64_t addr(const char* p) { return reinterpret_cast<std::uint64_t>(p); }

std::uint64_t* new_table() {
  auto* t = static_cast<std::uint64_t*>(early_alloc(page, page));
  if (!t) return nullptr;
  std::memset(t, 0, page);
  return t;
}

std::uint64_t* next_level(std::uint64_t* table, unsigned index) {
  std::uint64_t e = table[index];
  if (e & pte_present) {
    if (!(e & pte_huge)) return reinterpret_cast<std::uint64_t*>(e & pte_address);
    // Split a 2 MiB page into 512 small ones with the same rights.
    std::uint64_t* t = new_table();
    if (!t) return nullptr;
    const std::uint64_t base = e & pte_address & ~(large_page - 1);
    const std::uint64_t rights = e & ~pte_address & ~pte_huge;
    for (unsigned i = 0; i < 512; ++i) t[i] = (base + i * page) | rights;
    table[index] = reinterpret_cast<std::uint64_t>(t) | pte_present | pte_write;
    return t;
  }
  std::uint64_t* t = new_table();
  if (!t) return nullptr;
  // Intermediate levels grant everything; the leaf decides.
  table[index] = reinterpret_cast<std::uint64_t>(t) | pte_present | pte_write;
  return t;
}

// Maps [start, end) (page-aligned) with `flags`, using 2 MiB pages where
// both ends allow it. flags == 0 unmaps.
bool map_range(std::uint64_t start, std::uint64_t end, std::uint64_t flags) {
  std::uint64_t a = start;
  while (a < end) {
    std::uint64_t* pdpt = next_level(pml4, (a >> 39) & 511);
    if (!pdpt) return false;
    std::uint64_t* pd = next_level(pdpt, (a >> 30) & 511);
    if (!pd) return false;
    const unsigned pdi = (a >> 21) & 511;
    if (a % large_page == 0 && end - a >= large_page && flags != 0 &&
        (!(pd[pdi] & pte_present) || (pd[pdi] & pte_huge))) {
      pd[pdi] = a | flags | pte_huge;
      a += large_page;
      continue;
    }
    std::uint64_t* pt = next_level(pd, pdi);
    if (!pt) return false;
    pt[(a >> 12) & 511] = flags ? (a | flags) : 0;
    a += page;
  }
  return true;
}

}  // namespace

void* early_alloc(std::size_t size, std::size_t align) {
  if (pool_end != 0) {
    // After early_seal: page tables for devices come from the reserve.
    const std::uint64_t start = align_up(pool_next, align);
    if (start + size > pool_end) return nullptr;
    pool_next = start + size;
    return reinterpret_cast<void*>(start);
  }
  boot_info& b = boot();
  if (!early_region) {
    // The region holding the end of the image, else the first one.
    for (std::size_t i = 0; i < b.ram_count; ++i)
      if (b.ram[i].start >= addr(__image_end)) {
        early_region = &b.ram[i];
        break;
      }
    if (!early_region) return nullptr;
  }
  const std::uint64_t start = align_up(early_region->start, align);
  const std::uint64_t end = early_region->start + early_region->size;
  // Before the final tables are live only the boot map's first GiB exists.
  const std::uint64_t limit = paging_live ? end : (end < (1ull << 30) ? end : (1ull << 30));
  if (start + size > limit || start + size < start) return nullptr;
  early_region->size = end - (start + size);
  early_region->start = start + size;
  return reinterpret_cast<void*>(start);
}

void early_seal(std::size_t reserve) {
  void* p = early_alloc(reserve, page);
  if (!p) return;
  pool_next = reinterpret_cast<std::uint64_t>(p);
  pool_end = pool_next + reserve;
}

void paging_init() {
  boot_info& b = boot();
  // The regions as they are before the tables take their pages from them.
  memory_region ram[max_regions];
  const std::size_t count = b.ram_count;
  for (std::size_t i = 0; i < count; ++i) ram[i] = b.ram[i];
  pml4 = new_table();
  bool ok = pml4 != nullptr;
  // All usable RAM, then the low megabyte without its null page (boot
  // information, ACPI root pointer).
  for (std::size_t i = 0; ok && i < count; ++i)
    ok = map_range(ram[i].start & ~(page - 1), align_up(ram[i].start + ram[i].size, page), flags_rw);
  ok = ok && map_range(page, 0x100000, flags_rw);
  // The image, by section.
  ok = ok && map_range(addr(__image_start), addr(__text_start), flags_r);
  ok = ok && map_range(addr(__text_start), addr(__text_end), flags_rx);
  ok = ok && map_range(addr(__rodata_start), align_up(addr(__rodata_end), page), flags_r);
  ok = ok && map_range(addr(__data_start), addr(__image_end), flags_rw);
  ok = ok && map_range(addr(__stack_guard), addr(__stack_bottom), 0);
  ok = ok && map_range(addr(__ist_guard), addr(__ist_bottom), 0);
  if (!ok) {
    out() << "fata: boot: not enough memory for page tables\n";
    power_off(exit_status::boot_failure);
  }
  arch::write_cr3(reinterpret_cast<std::uint64_t>(pml4));
  paging_live = true;
}

// Also called for memory that the firmware map left out (ACPI tables on
// some machines): mapping is idempotent.
bool map_device(std::uint64_t physical, std::uint64_t size) {
  const std::uint64_t start = physical & ~(page - 1);
  const std::uint64_t end = align_up(physical + size, page);
  if (!map_range(start, end, flags_device)) return false;
  arch::write_cr3(arch::read_cr3());
  return true;
}

bool is_stack_guard(std::uint64_t a) {
  return (a >= addr(__stack_guard) && a < addr(__stack_bottom)) ||
         (a >= addr(__ist_guard) && a < addr(__ist_bottom));
}

}  // namespace fata::virtio
