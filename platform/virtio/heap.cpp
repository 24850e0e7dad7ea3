// The heap: a two-level segregated-fit allocator (in the manner of TLSF)
// over every usable RAM region.
//
// Blocks carry a header word (size | flags) before the payload; free blocks
// also keep their size in their last word (the footer) and sit in one of
// 16 lists per power of two, found with two bitmaps. malloc rounds a
// request up to its list's lower bound, so the first block of the first
// non-empty list at or above it always fits: O(1), no search. free merges
// with free neighbours at once, so two adjacent free blocks never exist.
// Payloads are 16-byte aligned; larger alignments split off a front block.
#include <fata/platform/abi.hpp>
#include <fata/platform/virtio.hpp>

#include <cstring>

#include "kernel.hpp"

namespace fata::virtio {

namespace {

using word = std::uint64_t;
constexpr word flag_free = 1, flag_prev_free = 2, flag_mask = 15;
constexpr std::size_t header = 8;
constexpr std::size_t min_block = 32;  // header, two list links, footer
constexpr unsigned sl_bits = 4, sl_count = 1u << sl_bits;
constexpr unsigned fl_shift = 8;  // sizes below 256 share first level 0
constexpr unsigned fl_count = 40;  // up to 2^47 bytes

struct free_block {
  word size_flags;
  free_block* next;
  free_block* prev;
};

free_block* lists[fl_count][sl_count];
std::uint64_t fl_bitmap = 0;
std::uint32_t sl_bitmap[fl_count];
fata::platform::virtio::heap_stats stats;

std::size_t size_of(const void* b) { return *static_cast<const word*>(b) & ~flag_mask; }
word& head(void* b) { return *static_cast<word*>(b); }
void* next_phys(void* b) { return static_cast<char*>(b) + size_of(b); }
void set_footer(void* b) {
  *reinterpret_cast<word*>(static_cast<char*>(b) + size_of(b) - 8) = size_of(b);
}

unsigned log2(std::size_t v) { return 63u - static_cast<unsigned>(__builtin_clzll(v)); }

void mapping(std::size_t size, unsigned* fl, unsigned* sl) {
  if (size < (std::size_t(1) << fl_shift)) {
    *fl = 0;
    *sl = static_cast<unsigned>(size >> 4);
    return;
  }
  const unsigned l = log2(size);
  *fl = l - fl_shift + 1;
  *sl = static_cast<unsigned>((size >> (l - sl_bits)) & (sl_count - 1));
}

void insert(free_block* b) {
  unsigned fl, sl;
  mapping(size_of(b), &fl, &sl);
  b->prev = nullptr;
  b->next = lists[fl][sl];
  if (b->next) b->next->prev = b;
  lists[fl][sl] = b;
  fl_bitmap |= 1ull << fl;
  sl_bitmap[fl] |= 1u << sl;
}

void remove(free_block* b) {
  unsigned fl, sl;
  mapping(size_of(b), &fl, &sl);
  if (b->prev) b->prev->next = b->next;
  else lists[fl][sl] = b->next;
  if (b->next) b->next->prev = b->prev;
  if (!lists[fl][sl]) {
    sl_bitmap[fl] &= ~(1u << sl);
    if (!sl_bitmap[fl]) fl_bitmap &= ~(1ull << fl);
  }
}

// The first free block of a list whose every block holds `size`.
free_block* find(std::size_t size) {
  if (size >= (std::size_t(1) << fl_shift)) size += (std::size_t(1) << (log2(size) - sl_bits)) - 1;
  unsigned fl, sl;
  mapping(size, &fl, &sl);
  if (fl >= fl_count) return nullptr;
  std::uint32_t sl_map = sl_bitmap[fl] & (~0u << sl);
  if (!sl_map) {
    const std::uint64_t fl_map = fl_bitmap & (fl + 1 < 64 ? ~0ull << (fl + 1) : 0);
    if (!fl_map) return nullptr;
    fl = static_cast<unsigned>(__builtin_ctzll(fl_map));
    sl_map = sl_bitmap[fl];
  }
  sl = static_cast<unsigned>(__builtin_ctz(sl_map));
  return lists[fl][sl];
}

// Marks `b` (size `have`) free and lists it, telling its successor.
void make_free(void* b, std::size_t have, word prev_free_flag) {
  head(b) = have | flag_free | prev_free_flag;
  set_footer(b);
  head(next_phys(b)) |= flag_prev_free;
  insert(static_cast<free_block*>(b));
}

// Takes `size` bytes from the front of free block `b` (already unlisted);
// the rest, if big enough, goes back as a free block.
void* carve(void* b, std::size_t size) {
  const std::size_t have = size_of(b);
  const word prev_flag = head(b) & flag_prev_free;
  if (have - size >= min_block) {
    head(b) = size | prev_flag;
    make_free(static_cast<char*>(b) + size, have - size, 0);
  } else {
    head(b) = have | prev_flag;
    head(next_phys(b)) &= ~flag_prev_free;
  }
  stats.in_use += size_of(b);
  if (stats.in_use > stats.peak_in_use) stats.peak_in_use = stats.in_use;
  ++stats.allocations;
  return static_cast<char*>(b) + header;
}

std::size_t block_size_for(std::size_t request) {
  std::size_t s = (request + header + 15) & ~std::size_t(15);
  return s < min_block ? min_block : s;
}

}  // namespace

namespace {

// The emergency reserve: a block taken at boot and given back to the heap
// the first time an allocation would fail (the heap full, or too
// fragmented for the block asked for). The image then goes on instead of
// stopping, and runtime::memory_low() reports the reserve spent, so that
// services refuse and shed connections until memory comes back; the block
// is taken again once the heap has room for it and more.
void* emergency = nullptr;
std::size_t emergency_size = 0;

bool release_emergency() {
  if (!emergency) return false;
  void* e = emergency;
  emergency = nullptr;
  ++stats.emergency_releases;
  heap_free(e);
  return true;
}

void* try_alloc(std::size_t request, std::size_t align) {
  const std::size_t size = block_size_for(request);
  if (align <= 16) {
    free_block* b = find(size);
    if (!b) return nullptr;
    remove(b);
    return carve(b, size);
  }
  // Over-aligned: room for a front block to split off.
  free_block* b = find(size + align + min_block);
  if (!b) return nullptr;
  remove(b);
  const auto base = reinterpret_cast<std::uintptr_t>(b);
  std::uintptr_t payload = (base + header + min_block + align - 1) & ~(align - 1);
  void* front = b;
  void* aligned = reinterpret_cast<void*>(payload - header);
  const std::size_t front_size = payload - header - base;
  const std::size_t rest = size_of(b) - front_size;
  const word prev_flag = head(b) & flag_prev_free;
  head(aligned) = rest;  // in use for now; carve sets the flags
  make_free(front, front_size, prev_flag);
  head(aligned) = rest | flag_prev_free;
  return carve(aligned, size);
}

}  // namespace

void* heap_alloc(std::size_t request, std::size_t align) {
  if (request > (std::size_t(1) << 46)) {
    ++stats.failures;
    return nullptr;
  }
  void* p = try_alloc(request, align);
  if (!p && release_emergency()) p = try_alloc(request, align);
  if (!p) ++stats.failures;
  return p;
}

void heap_take_reserve() {
  if (emergency || emergency_size == 0) return;
  // Only with room to spare: taking it back must not starve the image.
  if (stats.total - stats.in_use < 4 * emergency_size) return;
  emergency = try_alloc(emergency_size, 16);
}

bool heap_reserve_spent() { return emergency_size != 0 && !emergency; }

void heap_init(std::span<const memory_region> regions) {
  for (const memory_region& r : regions) {
    // Blocks start at 8 mod 16 so that payloads are 16-aligned; the last
    // word is an end sentinel (size 0, in use).
    std::uint64_t start = (r.start + 15) / 16 * 16 + 8;
    std::uint64_t end = (r.start + r.size) / 16 * 16 - 8;
    if (end <= start || end - start < 2 * min_block) continue;
    const std::size_t size = static_cast<std::size_t>(end - start);
    auto* b = reinterpret_cast<void*>(start);
    head(reinterpret_cast<void*>(end)) = 0;
    make_free(b, size, 0);
    stats.total += size;
  }
  // A sixteenth of the heap, at least 256 KiB (half of what the budgets
  // leave out of every share: core/budget.hpp's heap_reserve).
  emergency_size = stats.total / 16 > 256 * 1024 ? stats.total / 16 : 256 * 1024;
  if (emergency_size > stats.total / 4) emergency_size = 0;  // too small a heap to spare it
  if (emergency_size) emergency = try_alloc(emergency_size, 16);
}


void heap_free(void* p) {
  if (!p) return;
  void* b = static_cast<char*>(p) - header;
  std::size_t size = size_of(b);
  stats.in_use -= size;
  ++stats.frees;
  word prev_flag = head(b) & flag_prev_free;
  // Merge with the previous block, whose footer precedes our header.
  if (prev_flag) {
    const std::size_t prev_size = *reinterpret_cast<word*>(static_cast<char*>(b) - 8);
    void* prev = static_cast<char*>(b) - prev_size;
    remove(static_cast<free_block*>(prev));
    prev_flag = head(prev) & flag_prev_free;
    b = prev;
    size += prev_size;
  }
  void* next = static_cast<char*>(b) + size;
  if (head(next) & flag_free) {
    remove(static_cast<free_block*>(next));
    size += size_of(next);
  }
  make_free(b, size, prev_flag);
}

std::size_t heap_usable_size(const void* p) {
  return p ? size_of(static_cast<const char*>(p) - header) - header : 0;
}

void out_of_memory(std::size_t size) {
  const auto s = fata::platform::virtio::heap_statistics();
  out o;
  o << "fata: out of memory: an allocation of ";
  o.dec(size) << " bytes failed (heap: ";
  o.dec(s.in_use) << " of ";
  o.dec(s.total) << " bytes in use, largest free block ";
  o.dec(s.largest_free) << " bytes, ";
  o.dec(s.failures) << " failed allocations)\n";
  panic_with("panic", "out of memory", exit_status::out_of_memory);
}

}  // namespace fata::virtio

namespace fata::platform::virtio {

heap_stats heap_statistics() {
  using namespace fata::virtio;
  heap_stats s = stats;
  // The largest free block lives in the highest non-empty list.
  if (fl_bitmap) {
    const unsigned fl = 63u - static_cast<unsigned>(__builtin_clzll(fl_bitmap));
    const unsigned sl = 31u - static_cast<unsigned>(__builtin_clz(sl_bitmap[fl]));
    for (const free_block* b = lists[fl][sl]; b; b = b->next) {
      const std::size_t payload = size_of(b) - header;
      if (payload > s.largest_free) s.largest_free = payload;
    }
  }
  return s;
}

}  // namespace fata::platform::virtio

namespace fata::platform {

status memory_stats(memory_info* out) {
  if (!out) return status::invalid;
  using namespace fata::virtio;
  *out = memory_info{};
  out->heap_size = stats.total;
  out->heap_in_use = stats.in_use;
  out->heap_peak = stats.peak_in_use;
  out->failed_allocations = stats.failures;
  heap_take_reserve();
  out->reserve_spent = heap_reserve_spent();
  // Every block of the highest non-empty class is at least its lower
  // bound: found from the bitmaps alone, without walking the lists.
  if (fl_bitmap) {
    const unsigned fl = 63u - static_cast<unsigned>(__builtin_clzll(fl_bitmap));
    const unsigned sl = 31u - static_cast<unsigned>(__builtin_clz(sl_bitmap[fl]));
    std::size_t lower;
    if (fl == 0) {
      lower = std::size_t(sl) << 4;
    } else {
      const unsigned l = fl + fl_shift - 1;
      lower = (std::size_t(1) << l) + (std::size_t(sl) << (l - sl_bits));
    }
    out->largest_free = lower > header ? lower - header : 0;
  }
  return status::ok;
}

}  // namespace fata::platform

namespace fata::platform::virtio {

boot_figures boot_times() {
  using namespace fata::virtio;
  boot_figures f;
  f.first_instruction_to_main_ns = tsc_to_ns(boot().main_tsc - boot().boot_tsc);
  f.tsc_hz = tsc_hz();
  return f;
}

}  // namespace fata::platform::virtio
