// The console: the first 16550 UART (COM1, I/O port 0x3f8), which every
// QEMU x86 machine (pc, q35, microvm) provides and `-serial` connects.
#include "arch.hpp"
#include "kernel.hpp"

namespace fata::virtio {

namespace {

constexpr std::uint16_t com1 = 0x3f8;
constexpr std::uint8_t lsr_transmit_empty = 0x20;
bool serial_ready = false;

}  // namespace

void serial_init() {
  arch::outb(com1 + 1, 0x00);  // no UART interrupts: output is polled
  arch::outb(com1 + 3, 0x80);  // divisor latch on
  arch::outb(com1 + 0, 0x01);  // 115200 baud
  arch::outb(com1 + 1, 0x00);
  arch::outb(com1 + 3, 0x03);  // 8N1, latch off
  arch::outb(com1 + 2, 0xc7);  // FIFO on and cleared
  serial_ready = true;
}

void serial_write(std::string_view text) {
  if (!serial_ready) serial_init();
  for (char c : text) {
    // A real UART needs the wait; QEMU's is always ready, so this costs one
    // port read per byte. Bounded so that a missing UART cannot hang us.
    for (int spin = 0; spin < 100000 && !(arch::inb(com1 + 5) & lsr_transmit_empty); ++spin)
      arch::pause();
    arch::outb(com1, static_cast<std::uint8_t>(c));
  }
}

out& out::dec(std::uint64_t v) {
  char buf[20];
  int n = 0;
  do {
    buf[sizeof buf - 1 - n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  serial_write(std::string_view(buf + sizeof buf - n, static_cast<std::size_t>(n)));
  return *this;
}

out& out::hex(std::uint64_t v, int digits) {
  char buf[18] = {'0', 'x'};
  for (int i = 0; i < digits; ++i) buf[2 + i] = "0123456789abcdef"[(v >> (4 * (digits - 1 - i))) & 0xf];
  serial_write(std::string_view(buf, static_cast<std::size_t>(2 + digits)));
  return *this;
}

}  // namespace fata::virtio
