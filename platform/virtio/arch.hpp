// x86_64 instructions the virtio platform needs, as inline functions.
#pragma once

#include <cstdint>

namespace fata::virtio::arch {

inline void outb(std::uint16_t port, std::uint8_t v) { asm volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
inline void outw(std::uint16_t port, std::uint16_t v) { asm volatile("outw %0, %1" ::"a"(v), "Nd"(port)); }
inline void outl(std::uint16_t port, std::uint32_t v) { asm volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }
inline std::uint8_t inb(std::uint16_t port) {
  std::uint8_t v;
  asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline std::uint16_t inw(std::uint16_t port) {
  std::uint16_t v;
  asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
inline std::uint32_t inl(std::uint16_t port) {
  std::uint32_t v;
  asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

inline std::uint64_t rdtsc() {
  std::uint32_t lo, hi;
  asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
  return (std::uint64_t(hi) << 32) | lo;
}

inline std::uint64_t rdmsr(std::uint32_t msr) {
  std::uint32_t lo, hi;
  asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
  return (std::uint64_t(hi) << 32) | lo;
}
inline void wrmsr(std::uint32_t msr, std::uint64_t v) {
  asm volatile("wrmsr" ::"c"(msr), "a"(std::uint32_t(v)), "d"(std::uint32_t(v >> 32)));
}

struct cpuid_result {
  std::uint32_t eax, ebx, ecx, edx;
};
inline cpuid_result cpuid(std::uint32_t leaf, std::uint32_t subleaf = 0) {
  cpuid_result r;
  asm volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx) : "a"(leaf), "c"(subleaf));
  return r;
}

inline std::uint64_t read_cr2() {
  std::uint64_t v;
  asm volatile("mov %%cr2, %0" : "=r"(v));
  return v;
}
inline std::uint64_t read_cr3() {
  std::uint64_t v;
  asm volatile("mov %%cr3, %0" : "=r"(v));
  return v;
}
inline void write_cr3(std::uint64_t v) { asm volatile("mov %0, %%cr3" ::"r"(v) : "memory"); }

inline void pause() { asm volatile("pause"); }
inline void cli() { asm volatile("cli" ::: "memory"); }
// Enables interrupts and halts in one step: `sti` takes effect after the
// next instruction, so an interrupt cannot slip in between and be missed.
inline void sti_hlt_cli() { asm volatile("sti; hlt; cli" ::: "memory"); }
[[noreturn]] inline void halt_forever() {
  for (;;) asm volatile("cli; hlt");
}

template <class T>
inline T mmio_read(std::uintptr_t addr) {
  return *reinterpret_cast<volatile T*>(addr);
}
template <class T>
inline void mmio_write(std::uintptr_t addr, T v) {
  *reinterpret_cast<volatile T*>(addr) = v;
}

inline void barrier() { asm volatile("" ::: "memory"); }
inline void mfence() { asm volatile("mfence" ::: "memory"); }

}  // namespace fata::virtio::arch
