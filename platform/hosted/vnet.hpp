// The virtio-net header that a TAP device opened with IFF_VNET_HDR puts
// before every frame (struct virtio_net_hdr, virtio 1.2 §5.1.6), and what
// the hosted platform does with it on receive: complete a partial
// checksum, so that above the platform ABI every frame carries correct
// checksums and no header. Private to the hosted platform; a header of its
// own so that unit tests can reach it.
//
// Guarantees: complete_checksum() never reads or writes outside `frame`;
// it refuses (returns false, frame unchanged) a checksum start or offset
// that does not fit.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace fata::platform::vnet {

// Native byte order: a TAP's header is little-endian on x86 unless
// TUNSETVNETBE says otherwise, and we never say so.
struct header {
  std::uint8_t flags;
  std::uint8_t gso_type;
  std::uint16_t hdr_len;
  std::uint16_t gso_size;
  std::uint16_t csum_start;
  std::uint16_t csum_offset;
};
static_assert(sizeof(header) == 10);
static_assert(std::endian::native == std::endian::little);

inline constexpr std::uint8_t flag_needs_csum = 1;  // VIRTIO_NET_HDR_F_NEEDS_CSUM
inline constexpr std::uint8_t flag_data_valid = 2;  // VIRTIO_NET_HDR_F_DATA_VALID
inline constexpr std::uint8_t gso_none = 0;
inline constexpr std::uint8_t gso_tcpv4 = 1;
inline constexpr std::uint8_t gso_ecn = 0x80;

// VIRTIO_NET_HDR_F_NEEDS_CSUM: the 16-bit field at csum_start + csum_offset
// holds the folded (uncomplemented) pseudo-header sum, and the checksum
// over [csum_start, end of frame) is still to be computed (RFC 1071) and
// stored there. A result of 0 is stored as 0xffff, its other ones'
// complement form, which a receiver verifies the same way and which UDP
// requires (RFC 768: 0 would mean "no checksum").
inline bool complete_checksum(std::span<std::byte> frame, std::size_t csum_start, std::size_t csum_offset) {
  if (csum_start > frame.size() || csum_offset > frame.size() - csum_start ||
      frame.size() - csum_start - csum_offset < 2)
    return false;
  // RFC 1071 §2(B): the sum is byte-order independent, so add the data as
  // little-endian words eight bytes at a time and swap the folded result.
  std::uint64_t sum = 0;
  const std::byte* p = frame.data() + csum_start;
  std::size_t n = frame.size() - csum_start;
  for (; n >= 8; p += 8, n -= 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);
    sum += (v & 0xffffffff) + (v >> 32);
  }
  for (; n >= 2; p += 2, n -= 2) sum += std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8);
  if (n) sum += std::uint32_t(p[0]);
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  sum = ((sum & 0xff) << 8) | (sum >> 8);
  std::uint16_t c = static_cast<std::uint16_t>(~sum & 0xffff);
  if (c == 0) c = 0xffff;
  std::byte* at = frame.data() + csum_start + csum_offset;
  at[0] = std::byte(c >> 8);
  at[1] = std::byte(c & 0xff);
  return true;
}

}  // namespace fata::platform::vnet
