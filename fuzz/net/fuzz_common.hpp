// Helpers shared by the network fuzz targets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>

// A property the target checks failed: crash so that libFuzzer records the
// input.
#define FUZZ_CHECK(condition) \
  do {                        \
    if (!(condition)) std::abort(); \
  } while (0)

// Reads a fuzzer's input as a stream of values; past its end every value
// is 0 (so a target needs no length checks of its own).
struct fuzz_input {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::uint16_t u16() { return std::uint16_t(u8() << 8 | u8()); }
  std::uint32_t u32() { return std::uint32_t(u16()) << 16 | u16(); }
};
