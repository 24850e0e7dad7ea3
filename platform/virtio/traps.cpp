// Panic reports: CPU exceptions and aborts print what happened, the
// registers and a frame-pointer backtrace on the console, then end the VM
// with a status that says how it died (kernel.hpp, exit_status).
//
// The backtrace lists return addresses; `fata run` (and addr2line -f -C -e
// IMAGE) turns them into function names from the unstripped image, which
// keeps symbol tables out of the image itself.
#include "arch.hpp"
#include "kernel.hpp"

extern "C" {
extern char __stack_guard[], __stack_bottom[], __stack_top[];
extern char __ist_bottom[], __ist_top[];
extern char __text_start[], __text_end[];
void fata_virtio_trap(fata::virtio::trap_frame* frame);
}

namespace fata::virtio {

void dispatch_irq(unsigned vector);

namespace {

const char* const exception_names[32] = {
    "divide error", "debug", "non-maskable interrupt", "breakpoint", "overflow",
    "bound range exceeded", "invalid opcode", "device not available", "double fault",
    "coprocessor segment overrun", "invalid TSS", "segment not present", "stack-segment fault",
    "general protection fault", "page fault", "reserved", "x87 floating-point error",
    "alignment check", "machine check", "SIMD floating-point error", "virtualization exception",
    "control protection", "reserved", "reserved", "reserved", "reserved", "reserved", "reserved",
    "hypervisor injection", "VMM communication", "security exception", "reserved"};

bool in_stack(std::uint64_t a) {
  const auto s = [](const char* p) { return reinterpret_cast<std::uint64_t>(p); };
  return (a >= s(__stack_bottom) && a < s(__stack_top)) || (a >= s(__ist_bottom) && a < s(__ist_top));
}

bool in_text(std::uint64_t a) {
  return a >= reinterpret_cast<std::uint64_t>(__text_start) &&
         a < reinterpret_cast<std::uint64_t>(__text_end);
}

void backtrace(std::uint64_t rip, std::uint64_t rbp) {
  out o;
  o << "backtrace:\n";
  o << "  #00 ";
  o.hex(rip) << '\n';
  for (int depth = 1; depth < 32; ++depth) {
    // Each frame: [rbp] = caller's rbp, [rbp + 8] = return address. Stop at
    // anything that does not look like a frame on one of our stacks.
    if (rbp == 0 || rbp % 8 != 0 || !in_stack(rbp) || !in_stack(rbp + 8)) break;
    const std::uint64_t ret = reinterpret_cast<const std::uint64_t*>(rbp)[1];
    const std::uint64_t next = reinterpret_cast<const std::uint64_t*>(rbp)[0];
    if (!in_text(ret)) break;
    o << "  #" << static_cast<char>('0' + depth / 10 % 10) << static_cast<char>('0' + depth % 10) << ' ';
    // The return address points after the call; the call is one byte
    // earlier for symbolizers.
    o.hex(ret - 1) << '\n';
    if (next <= rbp) break;
    rbp = next;
  }
}

// A fault while a report is being printed ends the VM at once.
bool reporting = false;

[[noreturn]] void report_exception(const trap_frame& f) {
  out o;
  if (reporting) {
    o << "\nfata: panic: fault in the panic handler (vector " ;
    o.dec(f.vector) << ")\n";
    power_off(exit_status::panic);
  }
  reporting = true;
  const std::uint64_t cr2 = arch::read_cr2();
  const bool overflow = f.vector == 14 && is_stack_guard(cr2);
  o << "fata: panic: ";
  if (overflow)
    o << "stack overflow";
  else
    o << "CPU exception " << exception_names[f.vector & 31];
  o << " (vector ";
  o.dec(f.vector) << ", error ";
  o.hex(f.error, 4) << ")\n";
  o << "  rip ";
  o.hex(f.rip) << "  cr2 ";
  o.hex(cr2);
  if (f.vector == 14) {
    o << "  (" << ((f.error & 1) ? "protection" : "not-present") << ' '
      << ((f.error & 16) ? "instruction fetch" : (f.error & 2) ? "write" : "read");
    if (overflow)
      o << ", guard page below the stack";
    else if (cr2 < 4096)
      o << ", null pointer dereference";
    o << ')';
  }
  o << '\n';
  const struct {
    const char* name;
    std::uint64_t value;
  } regs[] = {{"rax", f.rax}, {"rbx", f.rbx}, {"rcx", f.rcx},       {"rdx", f.rdx},
              {"rsi", f.rsi}, {"rdi", f.rdi}, {"rbp", f.rbp},       {"rsp", f.rsp},
              {"r8 ", f.r8},  {"r9 ", f.r9},  {"r10", f.r10},       {"r11", f.r11},
              {"r12", f.r12}, {"r13", f.r13}, {"r14", f.r14},       {"r15", f.r15},
              {"rfl", f.rflags}, {"cs ", f.cs}, {"ss ", f.ss}};
  for (std::size_t i = 0; i < sizeof regs / sizeof regs[0]; ++i) {
    o << "  " << regs[i].name << ' ';
    o.hex(regs[i].value);
    if (i % 4 == 3 || i + 1 == sizeof regs / sizeof regs[0]) o << '\n';
  }
  backtrace(f.rip, f.rbp);
  power_off(overflow ? exit_status::stack_overflow
                     : exit_status::exception_base + static_cast<int>(f.vector & 31));
}

}  // namespace

[[noreturn]] void panic_with(std::string_view what, std::string_view message, int status) {
  out o;
  if (reporting) {
    o << "\nfata: " << what << ": " << message << " (while reporting)\n";
    power_off(status);
  }
  reporting = true;
  o << "fata: " << what << ": " << message << '\n';
  std::uint64_t rbp;
  asm volatile("mov %%rbp, %0" : "=r"(rbp));
  // #0 is our caller; the walk goes on from its frame.
  backtrace(reinterpret_cast<std::uint64_t>(__builtin_return_address(0)) - 1,
            *reinterpret_cast<const std::uint64_t*>(rbp));
  power_off(status);
}

}  // namespace fata::virtio

extern "C" void fata_virtio_trap(fata::virtio::trap_frame* frame) {
  if (frame->vector >= 32) {
    fata::virtio::dispatch_irq(static_cast<unsigned>(frame->vector));
    return;
  }
  fata::virtio::report_exception(*frame);
}
