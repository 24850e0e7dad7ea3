// The block device over the platform ABI's block handles, modelling
// fata::sig::block_device (a file on hosted, virtio-blk in a VM).
//
//   auto disk = fata::devices::block::open("storage", "/var/lib/disk.img");
//   co_await disk->read(0, sector_buffer);
//
// Guarantees:
// - sectors are info().sector_size bytes (the platform's block size); the
//   device holds info().sectors of them (a trailing partial sector of a
//   backing file is not addressable).
// - read and write take a buffer whose size is a non-zero multiple of the
//   sector size and a first sector such that the whole range lies inside
//   the device; otherwise block_error::invalid and nothing is transferred.
//   The check is overflow-safe for any 64-bit sector index.
// - any write to a read-only device is block_error::read_only (checked
//   before the range).
// - I/O is synchronous underneath (the platform ABI's block calls): the
//   tasks complete without suspending. A chain that is already cancelled
//   gets block_error::cancelled without any I/O.
// - a failure of the backing storage is block_error::io.
#pragma once

#include <cstdint>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/platform/abi.hpp>
#include <fata/sig/block.hpp>

namespace fata::devices {

class block {
 public:
  // Acquires block device `name` backed by `resource` (hosted: a file
  // path; "PATH:ro" forces read-only, and a file that cannot be opened for
  // writing is read-only; virtio: an index). A device can be acquired once
  // per image. Errors: invalid if the platform refuses the arguments (an
  // empty resource, a name already acquired, a backing file that is not a
  // regular file), io if the resource does not exist or cannot be opened.
  static result<block, sig::block_error> open(std::string_view name, std::string_view resource);

  block(block&&) noexcept = default;
  block& operator=(block&&) noexcept = default;
  block(const block&) = delete;
  block& operator=(const block&) = delete;

  sig::block_info info() const { return _info; }

  // Reads out.size() bytes starting at sector `sector` into `out`.
  task<result<void, sig::block_error>> read(std::uint64_t sector, mut_bytes out);
  // Writes `in` starting at sector `sector`.
  task<result<void, sig::block_error>> write(std::uint64_t sector, bytes in);

  // The same operations without a coroutine, for code outside a task.
  result<void, sig::block_error> read_now(std::uint64_t sector, mut_bytes out);
  result<void, sig::block_error> write_now(std::uint64_t sector, bytes in);

  // The platform handle (for diagnostics).
  platform::handle handle() const { return _handle; }

 private:
  block(platform::handle h, sig::block_info info) : _handle(h), _info(info) {}
  // invalid unless [sector, sector + size/sector_size) is a non-empty,
  // aligned range inside the device.
  result<std::uint64_t, sig::block_error> byte_offset(std::uint64_t sector, std::size_t size) const;

  platform::handle _handle;
  sig::block_info _info;
};

static_assert(sig::block_device<block>);

}  // namespace fata::devices
