// The virtio platform checking itself inside the VM: the C library subset,
// the heap and its statistics, clocks, timers through yield, entropy and
// BearSSL built with the image's flags, the thread pointer, boot arguments.
// Prints one line per check ("ok NAME" or "FAIL NAME: why") and exits with
// the number of failures. --fault=KIND instead provokes one CPU fault, for
// the panic-report tests (`triple`: one the CPU cannot even report, so the
// VM resets without the image's exit line); --sleep=DURATION sleeps and
// says how long the monotonic clock saw (the halt test).
#include <bearssl.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <fata/core/fmt.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/loop.hpp>
#include <fata/devices/random.hpp>
#include <fata/platform/abi.hpp>
#include <fata/platform/virtio.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

using namespace std::chrono_literals;

fata::key<std::string> fault_key{"fault", "", "Provoke a fault: null, write-text, exec-data, divide, ud2, overflow, triple"};
fata::key<fata::duration> sleep_key{"sleep", fata::duration(0), "Sleep this long, then exit 0"};
fata::key<bool> nics_key{"nics", false, "Acquire network devices by order, MAC and index, and print them"};
fata::key<std::string> echo_key{"echo", "", "A word to print back (boot arguments)"};

int failures = 0;

void check(bool ok, std::string_view name, std::string_view why = "") {
  if (ok) {
    fata::platform::console_write(fata::format("ok {}\n", name));
  } else {
    ++failures;
    fata::platform::console_write(fata::format("FAIL {}: {}\n", name, why));
  }
}

// Keeps the optimiser from seeing through a pointer or value.
template <class T>
T opaque(T v) {
  asm volatile("" : "+r"(v));
  return v;
}

volatile int limit = -1;

[[gnu::noinline]] int recurse(int depth) {
  volatile char big[4096];
  big[0] = static_cast<char>(depth);
  if (depth == limit) return 0;
  return recurse(depth + 1) + big[0];
}

// Two virtio-net devices (MACs ...:56 and ...:57): the first unused one,
// one by MAC, and a claimed index that must be refused.
int acquire_nics() {
  fata::platform::handle h;
  fata::platform::net_info info;
  const std::string_view resources[] = {"", "52:54:00:12:34:57", "0", "5"};
  const std::string_view names[] = {"first", "by-mac", "claimed", "absent"};
  for (int i = 0; i < 4; ++i) {
    const auto s = fata::platform::net_acquire(names[i], resources[i], &h, &info);
    if (s != fata::platform::status::ok) {
      fata::platform::console_write(fata::format("nic {}: refused ({})\n", names[i], static_cast<int>(s)));
      continue;
    }
    fata::platform::console_write(fata::format("nic {}: handle {} mac {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x} mtu {}\n",
                                               names[i], h, info.mac[0], info.mac[1], info.mac[2],
                                               info.mac[3], info.mac[4], info.mac[5], info.mtu));
  }
  return 0;
}

int provoke(std::string_view kind) {
  if (kind == "null") return *opaque(static_cast<volatile int*>(nullptr));
  if (kind == "write-text") {
    auto* code = reinterpret_cast<volatile std::uint8_t*>(opaque(reinterpret_cast<std::uintptr_t>(&provoke)));
    *code = 0xc3;
    return 0;
  }
  if (kind == "exec-data") {
    static std::uint8_t data[16] = {0xc3};
    auto fn = reinterpret_cast<int (*)()>(opaque(reinterpret_cast<std::uintptr_t>(data)));
    return fn();
  }
  if (kind == "divide") return opaque(7) / opaque(0);
  if (kind == "ud2") __builtin_trap();
  if (kind == "overflow") return recurse(0);
  if (kind == "triple") {
    // An empty IDT: the breakpoint cannot be delivered (#GP), nor can that
    // (#DF), and the CPU shuts down: a reset, which -no-reboot turns into
    // QEMU exiting with 0, as an ACPI power-off does.
    alignas(16) std::uint8_t idtr[10] = {};
    asm volatile("lidt %0\n\tint3" : : "m"(idtr) : "memory");
  }
  return -1;
}

void check_libc() {
  char a[64], b[64];
  for (int i = 0; i < 64; ++i) a[i] = static_cast<char>(i);
  std::memcpy(b, a, 64);
  check(std::memcmp(a, b, 64) == 0, "memcpy");
  std::memmove(a + 1, a, 40);
  check(a[1] == 0 && a[40] == 39 && a[41] == 41, "memmove-forward-overlap");
  std::memmove(b, b + 1, 40);
  check(b[0] == 1 && b[39] == 40 && b[40] == 40, "memmove-backward-overlap");
  std::memset(a, 0x5a, 33);
  check(a[0] == 0x5a && a[32] == 0x5a && a[33] == 32, "memset");
  check(std::strlen("virtio") == 6 && std::strcmp("a", "b") < 0, "strings");
}

void check_heap() {
  const auto before = fata::platform::virtio::heap_statistics();
  check(before.total > (8u << 20), "heap-spans-ram", fata::format("total {}", before.total));
  void* blocks[64];
  std::size_t count = 0;
  bool aligned = true;
  for (std::size_t n = 1; n < 70000; n = n * 3 + 1) {
    void* p = std::malloc(n);
    aligned = aligned && p && reinterpret_cast<std::uintptr_t>(p) % 16 == 0;
    if (p) std::memset(p, 0xab, n);
    blocks[count++] = p;
  }
  check(aligned, "malloc-16-aligned");
  void* big_align = std::aligned_alloc(4096, 100);
  check(big_align && reinterpret_cast<std::uintptr_t>(big_align) % 4096 == 0, "aligned-alloc-4096");
  std::free(big_align);
  auto* z = static_cast<unsigned char*>(std::calloc(1000, 3));
  bool zero = z != nullptr;
  for (int i = 0; z && i < 3000; ++i) zero = zero && z[i] == 0;
  check(zero, "calloc-zeroes");
  std::free(z);
  auto* r = static_cast<char*>(std::malloc(10));
  std::memcpy(r, "0123456789", 10);
  r = static_cast<char*>(std::realloc(r, 100000));
  check(r && std::memcmp(r, "0123456789", 10) == 0, "realloc-keeps-bytes");
  std::free(r);
  for (std::size_t i = 0; i < count; ++i) std::free(blocks[i]);
  const auto after = fata::platform::virtio::heap_statistics();
  check(after.in_use == before.in_use, "free-returns-everything",
        fata::format("in use {} before, {} after", before.in_use, after.in_use));
  check(after.largest_free + (1u << 20) >= before.largest_free, "free-coalesces",
        fata::format("largest free {} before, {} after", before.largest_free, after.largest_free));
  // Failure is an error value: null, counted.
  void* huge = ::operator new(std::size_t(1) << 44, std::nothrow);
  const auto failed = fata::platform::virtio::heap_statistics();
  check(huge == nullptr && failed.failures == after.failures + 1, "exhaustion-returns-null");
  check(std::malloc(failed.largest_free + 1) == nullptr && std::malloc(failed.largest_free / 2) != nullptr,
        "largest-free-is-exact");
}

void check_thread_pointer() {
  std::uint64_t self, canary;
  asm volatile("mov %%fs:0, %0" : "=r"(self));
  asm volatile("mov %%fs:0x28, %0" : "=r"(canary));
  check(self != 0 && canary != 0, "thread-pointer-and-canary");
}

void check_crypto() {
  br_sha256_context c;
  br_sha256_init(&c);
  br_sha256_update(&c, "abc", 3);
  unsigned char d[32];
  br_sha256_out(&c, d);
  const unsigned char expect[4] = {0xba, 0x78, 0x16, 0xbf};
  check(std::memcmp(d, expect, 4) == 0, "bearssl-sha256");
  std::byte seed[32] = {};
  const auto s = fata::platform::random_bytes(seed);
  check(s == fata::platform::status::ok, "platform-random");
  auto rng = fata::devices::random::create();
  check(rng.has_value(), "random-device-seeds");
  if (rng) {
    std::byte out[64] = {};
    check(rng->fill(fata::mut_bytes(out, sizeof out)).has_value(), "random-device-fills");
  }
}

fata::task<int> run() {
  if (!fault_key->empty()) co_return provoke(*fault_key);
  if (*nics_key) co_return acquire_nics();
  if (*sleep_key > fata::duration(0)) {
    const std::int64_t t0 = fata::platform::monotonic_ns();
    auto r = co_await fata::sleep(*sleep_key);
    const std::int64_t took = fata::platform::monotonic_ns() - t0;
    fata::platform::console_write(fata::format("slept {} ns\n", took));
    co_return r && took >= fata::to_ns(*sleep_key) ? 0 : 1;
  }
  if (!echo_key->empty()) fata::platform::console_write(fata::format("echo {}\n", *echo_key));
  check_libc();
  check_heap();
  check_thread_pointer();
  check_crypto();
  const std::int64_t t0 = fata::platform::monotonic_ns();
  auto slept = co_await fata::sleep(30ms);
  const std::int64_t t1 = fata::platform::monotonic_ns();
  check(slept.has_value() && t1 - t0 >= 30'000'000 && t1 - t0 < 2'000'000'000, "sleep-30ms",
        fata::format("slept {} ns", t1 - t0));
  // 2020-01-01 < RTC < 2100-01-01
  const std::int64_t wall = fata::platform::wall_ns() / 1'000'000'000;
  check(wall > 1577836800 && wall < 4102444800, "wall-clock-from-rtc", fata::format("{} s", wall));
  const auto boot = fata::platform::virtio::boot_times();
  check(boot.tsc_hz > 100'000'000 && boot.first_instruction_to_main_ns > 0, "boot-figures",
        fata::format("tsc {} Hz, boot {} ns", boot.tsc_hz, boot.first_instruction_to_main_ns));
  fata::platform::console_write(fata::format("{} failures\n", failures));
  co_return failures;
}

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"virtio-selftest", "Checks the virtio platform from inside."}, &run);
}
