// Private interfaces between the parts of the virtio platform: console,
// memory, CPU tables, clocks, interrupts and power. Nothing here is visible
// to the code above the platform ABI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace fata::virtio {

// Exit statuses of the image (see docs/virtio.md). Ordinary exits are the
// unikernel's own status; these mark how an image died. Through QEMU's
// isa-debug-exit every status s comes back as (s << 1) | 1, which `fata run`
// decodes.
namespace exit_status {
inline constexpr int panic = 80;           // abort, contract violation
inline constexpr int out_of_memory = 81;   // an allocation that may not fail failed
inline constexpr int stack_overflow = 82;  // the guard page below a stack was hit
inline constexpr int boot_failure = 83;    // bad boot information, no usable memory
inline constexpr int exception_base = 96;  // + vector: an unexpected CPU exception
}  // namespace exit_status

// --- Console (console.cpp) ---------------------------------------------------

void serial_init();
void serial_write(std::string_view text);

// A formatter for the platform's own messages (panic reports, boot
// messages): it must work before the heap and constructors, and after a
// fault, so it writes straight to the serial port with no allocation.
class out {
 public:
  out& operator<<(std::string_view s) {
    serial_write(s);
    return *this;
  }
  out& operator<<(char c) {
    serial_write(std::string_view(&c, 1));
    return *this;
  }
  out& dec(std::uint64_t v);
  out& hex(std::uint64_t v, int digits = 16);
};

// --- Boot information (boot.cpp) ---------------------------------------------

struct memory_region {
  std::uint64_t start;
  std::uint64_t size;
};

inline constexpr std::size_t max_regions = 32;

struct boot_info {
  const char* command_line = nullptr;
  std::uint64_t rsdp = 0;
  memory_region ram[max_regions];  // usable RAM, sorted, above 1 MiB
  std::size_t ram_count = 0;
  std::uint64_t boot_tsc = 0;
  std::uint64_t main_tsc = 0;
  // TSC after each boot phase, for fata.boot-time.
  std::uint64_t phase_tsc[8] = {};
};
boot_info& boot();

// --- Memory (memory.cpp) -----------------------------------------------------

// Builds the final page tables (null page unmapped, W^X, guard pages) over
// the image and all usable RAM, and switches to them. Takes the pages it
// needs from the start of usable RAM after the image and shrinks the
// regions accordingly.
void paging_init();
// Identity-maps device memory (uncached, no execute). False if out of
// page-table memory.
bool map_device(std::uint64_t physical, std::uint64_t size);
// True if `address` lies in a stack guard page.
bool is_stack_guard(std::uint64_t address);
// Memory taken before the heap exists (page tables, the TLS block).
void* early_alloc(std::size_t size, std::size_t align);
// Ends early allocation, keeping `reserve` bytes for later page tables (the
// heap takes all the rest).
void early_seal(std::size_t reserve);

// --- Heap (heap.cpp) ---------------------------------------------------------

void heap_init(std::span<const memory_region> regions);
void* heap_alloc(std::size_t size, std::size_t align);
void heap_free(void* p);
// The emergency reserve (heap.cpp): taken again when there is room; spent.
void heap_take_reserve();
bool heap_reserve_spent();
std::size_t heap_usable_size(const void* p);
[[noreturn]] void out_of_memory(std::size_t size);

// --- CPU (cpu.cpp) -----------------------------------------------------------

// GDT with a TSS, IST stacks, the IDT, and the thread-pointer block.
void cpu_init();
void tls_init(std::uint64_t canary);

struct trap_frame {
  std::uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  std::uint64_t vector, error, rip, cs, rflags, rsp, ss;
};

// An interrupt vector's handler (runs with interrupts off, on an IST stack).
using irq_handler = void (*)(void* context);
// Claims a free device vector; 0 if none is left.
std::uint8_t irq_allocate(irq_handler fn, void* context);

// --- Clocks and timers (clock.cpp) -------------------------------------------

void clock_init();
std::uint64_t tsc_hz();
std::int64_t tsc_to_ns(std::uint64_t ticks);
// Local APIC: end of interrupt, the one-shot timer, and the APIC id.
bool lapic_present();
void lapic_eoi();
void lapic_arm(std::int64_t delay_ns);
std::uint32_t lapic_id();
// Whether an interrupt was taken since the last call (cleared by it).
bool take_wakeup();
void note_wakeup();

// --- IOAPIC (clock.cpp) ------------------------------------------------------

// Routes global system interrupt `gsi` to `vector` (level, active high when
// `level`; else edge). False without an IOAPIC.
bool ioapic_route(std::uint32_t gsi, std::uint8_t vector, bool level);

// --- Power (power.cpp) -------------------------------------------------------

// Ends the VM: isa-debug-exit when present, else ACPI power-off; never
// returns (halts if both fail).
[[noreturn]] void power_off(int status);

// --- Faults (traps.cpp) ------------------------------------------------------

// Prints "fata: panic: <message>" with a backtrace from the caller and
// exits with `status`.
[[noreturn]] void panic_with(std::string_view what, std::string_view message, int status);

// --- Devices (devices.cpp) ---------------------------------------------------

// Parses the platform's own words of the command line (fata.*, and
// virtio_mmio.device= that QEMU's microvm appends) and returns the rest.
void cmdline_init(const char* command_line, int* argc, const char* const** argv);
struct mmio_slot {
  std::uint64_t base;
  std::uint64_t size;
  std::uint32_t irq;
};
std::span<const mmio_slot> mmio_slots();
bool option_set(std::string_view name);

}  // namespace fata::virtio
