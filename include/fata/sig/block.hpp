// Signature: block device. Fixed-size sectors addressed by index.
//
// Reads and writes cover whole sectors: the buffer's size must be a
// non-zero multiple of the sector size and the range must lie inside the
// device, else `block_error::invalid` (nothing is transferred). Writes to a
// read-only device fail with `read_only`. Operations may suspend.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>

namespace fata::sig {

enum class block_error : std::uint8_t {
  invalid = 1,  // unaligned size or a range outside the device
  read_only,    // write to a read-only device
  io,           // the device failed
  cancelled,
  no_memory,  // an allocation failed (a buffer, or a task frame of the call)
};

constexpr std::string_view describe(block_error e) noexcept {
  switch (e) {
    case block_error::invalid: return "sector range outside the device or unaligned";
    case block_error::read_only: return "device is read-only";
    case block_error::io: return "block device I/O error";
    case block_error::cancelled: return "cancelled";
    case block_error::no_memory: return "out of memory";
  }
  return "unknown block error";
}

struct block_info {
  std::uint32_t sector_size = 512;
  std::uint64_t sectors = 0;
  bool read_only = false;
  constexpr std::uint64_t size_bytes() const { return sectors * sector_size; }
};

template <class B>
concept block_device = requires(B& b, const B& cb, std::uint64_t sector, mut_bytes out, bytes in) {
  { cb.info() } -> std::same_as<block_info>;
  { b.read(sector, out) } -> std::same_as<task<result<void, block_error>>>;
  { b.write(sector, in) } -> std::same_as<task<result<void, block_error>>>;
};

}  // namespace fata::sig
