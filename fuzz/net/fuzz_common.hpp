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
