#include <fata/devices/block.hpp>

namespace fata::devices {

result<block, sig::block_error> block::open(std::string_view name, std::string_view resource) {
  platform::handle h = 0;
  platform::block_info pinfo{};
  switch (platform::block_acquire(name, resource, &h, &pinfo)) {
    case platform::status::ok:
      break;
    case platform::status::invalid:
      return unexpected(sig::block_error::invalid);
    case platform::status::again:
    case platform::status::unavailable:
    case platform::status::error:
      return unexpected(sig::block_error::io);
  }
  if (pinfo.block_size == 0) return unexpected(sig::block_error::io);
  sig::block_info info;
  info.sector_size = pinfo.block_size;
  info.sectors = pinfo.capacity / pinfo.block_size;
  info.read_only = pinfo.read_only;
  return block(h, info);
}

result<std::uint64_t, sig::block_error> block::byte_offset(std::uint64_t sector,
                                                           std::size_t size) const {
  const std::uint64_t sector_size = _info.sector_size;
  if (size == 0 || size % sector_size != 0) return unexpected(sig::block_error::invalid);
  const std::uint64_t count = size / sector_size;
  // sector + count <= sectors, written so that neither side can overflow.
  if (sector > _info.sectors || count > _info.sectors - sector)
    return unexpected(sig::block_error::invalid);
  return sector * sector_size;
}

namespace {

result<void, sig::block_error> from_status(platform::status s) {
  switch (s) {
    case platform::status::ok:
      return {};
    case platform::status::invalid:
      return unexpected(sig::block_error::invalid);
    case platform::status::again:
    case platform::status::unavailable:
    case platform::status::error:
      break;
  }
  return unexpected(sig::block_error::io);
}

}  // namespace

result<void, sig::block_error> block::read_now(std::uint64_t sector, mut_bytes out) {
  auto offset = byte_offset(sector, out.size());
  if (!offset) return unexpected(offset.error());
  return from_status(platform::block_read(_handle, *offset, out.span()));
}

result<void, sig::block_error> block::write_now(std::uint64_t sector, bytes in) {
  if (_info.read_only) return unexpected(sig::block_error::read_only);
  auto offset = byte_offset(sector, in.size());
  if (!offset) return unexpected(offset.error());
  return from_status(platform::block_write(_handle, *offset, in.span()));
}

task<result<void, sig::block_error>> block::read(std::uint64_t sector, mut_bytes out) {
  const bool cancelled = co_await cancellation_requested();
  if (cancelled) co_return unexpected(sig::block_error::cancelled);
  co_return read_now(sector, out);
}

task<result<void, sig::block_error>> block::write(std::uint64_t sector, bytes in) {
  const bool cancelled = co_await cancellation_requested();
  if (cancelled) co_return unexpected(sig::block_error::cancelled);
  co_return write_now(sector, in);
}

}  // namespace fata::devices
