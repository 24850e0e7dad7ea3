// CPU tables: the GDT's task-state segment with interrupt stacks, the IDT,
// and the thread pointer.
#include <cstring>

#include "arch.hpp"
#include "kernel.hpp"

extern "C" {
extern std::uint64_t fata_gdt[];
extern char __ist_bottom[];
extern const std::uint64_t fata_isr_table[256];
extern char __tdata_start[], __tdata_end[], __tbss_start[], __tbss_end[];
}

namespace fata::virtio {

namespace {

constexpr std::uint16_t code_selector = 0x08;
constexpr std::uint16_t tss_selector = 0x18;
constexpr std::size_t ist_size = 16 * 1024;

// Interrupt stacks, by IST index: 1 for exceptions, 2 for double faults,
// NMI and machine checks (so that a fault while reporting a fault still has
// a stack), 3 for device and timer interrupts.
constexpr unsigned ist_exception = 1, ist_critical = 2, ist_irq = 3;

alignas(16) std::uint8_t tss[104];
alignas(16) std::uint64_t idt[512];

struct vector_slot {
  irq_handler fn = nullptr;
  void* context = nullptr;
};
vector_slot vectors[256];

constexpr std::uint8_t first_device_vector = 33;
constexpr std::uint8_t last_device_vector = 63;

void set_gate(unsigned vector, std::uint64_t handler, unsigned ist) {
  idt[2 * vector] = (handler & 0xffff) | (std::uint64_t(code_selector) << 16) |
                    (std::uint64_t(ist) << 32) | (std::uint64_t(0x8e) << 40) |
                    ((handler >> 16 & 0xffff) << 48);
  idt[2 * vector + 1] = handler >> 32;
}

}  // namespace

void cpu_init() {
  // TSS: the three interrupt stacks.
  const auto ist_base = reinterpret_cast<std::uint64_t>(__ist_bottom);
  for (unsigned i = 1; i <= 3; ++i) {
    const std::uint64_t top = ist_base + i * ist_size;
    std::memcpy(tss + 36 + 8 * (i - 1), &top, 8);
  }
  const std::uint16_t no_io_bitmap = sizeof tss;
  std::memcpy(tss + 102, &no_io_bitmap, 2);
  const auto base = reinterpret_cast<std::uint64_t>(tss);
  const std::uint64_t limit = sizeof tss - 1;
  fata_gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (std::uint64_t(0x89) << 40) |
                ((limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
  fata_gdt[4] = base >> 32;
  asm volatile("ltr %0" ::"r"(tss_selector));

  for (unsigned v = 0; v < 256; ++v) {
    const std::uint64_t h = fata_isr_table[v];
    if (!h) continue;
    unsigned ist = v < 32 ? ist_exception : ist_irq;
    if (v == 2 || v == 8 || v == 18) ist = ist_critical;
    set_gate(v, h, ist);
  }
  struct [[gnu::packed]] {
    std::uint16_t limit;
    std::uint64_t base;
  } pointer{sizeof idt - 1, reinterpret_cast<std::uint64_t>(idt)};
  asm volatile("lidt %0" ::"m"(pointer));

  // The legacy PICs stay masked: timers and devices use the local APIC,
  // MSI-X and the IOAPIC.
  arch::outb(0x21, 0xff);
  arch::outb(0xa1, 0xff);
}

void tls_init(std::uint64_t canary) {
  // x86_64 TLS variant II: the thread-local block sits just below the
  // thread pointer, which points at a control block whose first word is
  // itself and whose word at 0x28 is the stack-protector canary.
  const std::size_t tdata = static_cast<std::size_t>(__tdata_end - __tdata_start);
  const std::size_t block = (static_cast<std::size_t>(__tbss_end - __tdata_start) + 63) & ~std::size_t(63);
  constexpr std::size_t tcb_size = 64;
  auto* area = static_cast<std::uint8_t*>(early_alloc(block + tcb_size, 64));
  if (!area) {
    out() << "fata: boot: no memory for the thread-local block\n";
    power_off(exit_status::boot_failure);
  }
  std::memset(area, 0, block + tcb_size);
  std::memcpy(area, __tdata_start, tdata);
  std::uint8_t* tp = area + block;
  const auto self = reinterpret_cast<std::uint64_t>(tp);
  std::memcpy(tp, &self, 8);
  std::memcpy(tp + 0x28, &canary, 8);
  arch::wrmsr(0xc0000100, self);  // FS_BASE
  (void)__tbss_start;
}

std::uint8_t irq_allocate(irq_handler fn, void* context) {
  for (unsigned v = first_device_vector; v <= last_device_vector; ++v) {
    if (vectors[v].fn) continue;
    vectors[v] = {fn, context};
    return static_cast<std::uint8_t>(v);
  }
  return 0;
}

void dispatch_irq(unsigned vector) {
  if (vector < 256 && vectors[vector].fn) vectors[vector].fn(vectors[vector].context);
  // The spurious vector takes no end-of-interrupt.
  if (vector != 255) lapic_eoi();
  note_wakeup();
}

}  // namespace fata::virtio
