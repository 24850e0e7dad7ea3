// The platform ABI: the one seam between fata and what it runs on.
//
// Everything above this header is shared by all targets; a target (hosted,
// virtio, ...) implements exactly these functions and nothing else is
// target-specific except its own device acquisition extras. Modelled on
// Solo5's bindings: a small set of synchronous, non-blocking calls plus one
// blocking call, `yield`, that waits for readiness or a deadline. There are
// no callbacks and no interrupts visible above this line.
//
// Conventions. All functions are called from the image's single thread.
// Buffers are owned by the caller and only borrowed for the duration of the
// call. Times are nanoseconds in 64 bits. Functions returning `status` never
// abort on bad arguments from the caller: they return `status::invalid`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace fata::platform {

enum class status : std::uint8_t {
  ok = 0,
  again,        // nothing to read now / cannot accept more now: try after yield
  invalid,      // bad handle, bad arguments, out of bounds, read-only device
  unavailable,  // the facility does not exist on this target or host
  error,        // the host or device reported a failure
};

// A device handle, dense from 0, valid until exit. Network and block
// devices (and, on hosted, watched host descriptors) share the numbering so
// that `yield` can report any of them.
using handle = std::uint32_t;

// --- Console ----------------------------------------------------------------

// Writes `text` to the console. Never fails visibly; may block briefly.
void console_write(std::string_view text);

// --- Clocks -----------------------------------------------------------------

// Nanoseconds since an arbitrary origin fixed at boot; never goes back.
std::int64_t monotonic_ns();
// Nanoseconds since the Unix epoch, as well as the platform knows it.
std::int64_t wall_ns();

// --- Waiting ----------------------------------------------------------------

// Blocks until at least one device handle is ready for reading, or the
// monotonic clock reaches `deadline_ns` (a deadline in the past polls).
// Writes up to `ready.size()` ready handles into `ready` and returns how
// many; 0 on timeout. Readiness is level-triggered: a handle with unread
// input is reported again by the next call. Returns -1 if `deadline_ns` is
// INT64_MAX and there is no device that could ever become ready.
int yield(std::int64_t deadline_ns, std::span<handle> ready);

// --- Network ----------------------------------------------------------------

struct net_info {
  std::uint8_t mac[6];
  std::size_t mtu;  // largest IP packet; frames add 14 (18 with a VLAN tag)
  // Largest frame net_read may return, when the device coalesces received
  // TCP segments into larger ones (receive offload: hosted TAP); 0 means
  // mtu + 18. Such a frame is a valid IPv4 packet with correct checksums.
  std::size_t max_receive_frame = 0;
};

// Acquires the network device `name` (as named in the unikernel's
// description). `resource` says which host resource backs it and is given
// on the command line as --net:NAME=RESOURCE: a TAP interface on hosted
// ("tap0", or "tap0:no-offload" to turn off the TAP's checksum and
// segmentation offloads), an index or MAC of a virtio-net device (empty:
// the next unused one) on virtio. A device can be acquired once.
status net_acquire(std::string_view name, std::string_view resource, handle* h, net_info* info);
// Sends one Ethernet frame (without FCS). `again` if the device queue is
// full; the frame was not sent.
status net_write(handle h, std::span<const std::byte> frame);
// Receives one frame into `buffer` (at least max_receive_frame bytes, or
// mtu + 18 if that is 0), setting `*size`. `again` if no frame is waiting.
status net_read(handle h, std::span<std::byte> buffer, std::size_t* size);

// --- Block ------------------------------------------------------------------

struct block_info {
  std::uint64_t capacity;    // bytes
  std::uint32_t block_size;  // bytes; every offset and length is a multiple
  bool read_only;
};

// Acquires the block device `name`; `resource` is --block:NAME=RESOURCE (a
// file on hosted; an index on virtio).
status block_acquire(std::string_view name, std::string_view resource, handle* h, block_info* info);
// Synchronous sector I/O: `offset` and `data.size()` must be multiples of
// block_size and inside the capacity, else `invalid`. Writes to a read-only
// device are `invalid`.
status block_write(handle h, std::uint64_t offset, std::span<const std::byte> data);
status block_read(handle h, std::uint64_t offset, std::span<std::byte> data);

// --- Entropy ----------------------------------------------------------------

// Fills `out` with bytes from a hardware or host entropy source, suitable
// for seeding a CSPRNG. `unavailable` if the target has none: services that
// need entropy must then refuse to start.
status random_bytes(std::span<std::byte> out);

// --- Memory -----------------------------------------------------------------

struct memory_info {
  // Freestanding targets: the heap's bytes, those in allocated blocks now,
  // the most ever in use, and allocations that failed. Hosted: 0, the C
  // library's bytes in use (its heap and mappings), and 0s.
  std::size_t heap_size = 0;
  std::size_t heap_in_use = 0;
  std::size_t heap_peak = 0;
  std::uint64_t failed_allocations = 0;
  // Freestanding targets: an allocation of this many bytes succeeds now
  // (a lower bound on the largest free block: the heap can be too
  // fragmented for a large block while much of it is free). 0 on hosted.
  std::size_t largest_free = 0;
  // Freestanding targets: the heap's emergency reserve was given to an
  // allocation that would otherwise have failed, and is not back yet.
  bool reserve_spent = false;
  // Hosted: the process's resident set now and at its peak (VmRSS and
  // VmHWM); 0 on freestanding targets, where the heap is the figure.
  std::size_t resident = 0;
  std::size_t resident_peak = 0;
};

// What the image's memory holds now. Cheap (no walk of the heap), never
// allocates; `unavailable` where nothing can be told.
status memory_stats(memory_info* out);

// --- Start and exit ---------------------------------------------------------

struct start_info {
  // Boot arguments, without the program name, as separate words. On hosted
  // they are the process's argv; on virtio the split kernel command line.
  int argc;
  const char* const* argv;
  // The image's name, for usage messages.
  const char* program;
  // Freestanding targets: the memory handed to the heap. Zero on hosted.
  std::uintptr_t heap_start;
  std::size_t heap_size;
};

// Ends the image with `status_code` (0 success). Never returns.
[[noreturn]] void exit(int status_code);
// Ends the image after an unrecoverable error, printing `message`, with a
// non-zero status distinct from normal failures (hosted: SIGABRT; virtio:
// the panic status). Never returns.
[[noreturn]] void abort(std::string_view message);

}  // namespace fata::platform

// Implemented by the image (the runtime and generated code): the platform's
// entry point calls it once with the boot arguments; its return value is the
// exit status.
extern "C" int fata_app_main(const fata::platform::start_info* info);
