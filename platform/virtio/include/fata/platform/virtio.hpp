// What the virtio target offers beyond the platform ABI: heap statistics
// and boot figures. Only images built for FATA_TARGET=virtio have these.
//
// The heap is a two-level segregated-fit allocator (TLSF-style) over all
// usable RAM, with boundary tags and immediate coalescing: allocation and
// free are O(1), a request is served from the first free block of its size
// class or a larger one (good fit, not best fit), and the worst-case
// internal waste is 1/16 of a block plus 16 bytes. See docs/virtio.md for
// the fragmentation behaviour and the out-of-memory policy (malloc and
// nothrow new return null; a throwing new that fails ends the image with
// the out-of-memory report).
#pragma once

#include <cstddef>
#include <cstdint>

namespace fata::platform::virtio {

struct heap_stats {
  std::size_t total = 0;          // bytes managed (all usable RAM after the image)
  std::size_t in_use = 0;         // bytes in allocated blocks, headers included
  std::size_t peak_in_use = 0;    // the most in_use has been
  std::size_t largest_free = 0;   // the largest single allocation that would succeed now
  std::uint64_t allocations = 0;  // successful allocations
  std::uint64_t frees = 0;
  std::uint64_t failures = 0;     // allocations that returned null
  std::uint64_t emergency_releases = 0;  // times the emergency reserve was given to the heap
};

// A snapshot of the heap. Never fails, never allocates.
heap_stats heap_statistics();

struct boot_figures {
  std::int64_t first_instruction_to_main_ns = 0;  // from the TSC
  std::uint64_t tsc_hz = 0;
  bool tsc_measured = false;  // true when calibrated against the PIT
};

boot_figures boot_times();

// What a network or block device returned that the drivers refused
// (platform/virtio/ring_check.hpp): each bad value is dropped and counted;
// `broken` once the device was given up (reset, no longer used; a line on
// the console says why).
struct device_counters {
  std::uint64_t bad_used_ids = 0;      // used-ring ids beyond the queue or not in flight
  std::uint64_t bad_lengths = 0;       // used lengths beyond the buffer
  std::uint64_t bad_frames = 0;        // virtio-net: runts, offloads that were not negotiated
  std::uint64_t failed_requests = 0;   // virtio-blk: status not OK, short transfers, timeouts
  bool broken = false;
};

// The counters of the device behind platform handle `h`; false if there
// is no such device.
bool device_statistics(std::uint32_t h, device_counters* out);

}  // namespace fata::platform::virtio
