// Ethernet II frames (IEEE 802.3 with an EtherType), with IEEE 802.1Q VLAN
// tags recognised (up to two: 802.1ad "QinQ" stacks an 0x88a8 tag on an
// 0x8100 one).
//
// `ethernet_frame::parse` checks the buffer once: afterwards every accessor
// is in bounds. The frame is the bytes after the preamble and before the
// FCS (what a TAP device or virtio-net hands over). Frames whose type field
// is a length (< 0x0600, IEEE 802.3 with LLC) are `unsupported`; more than
// two tags are `unsupported` too. `ethernet_repr` emits a header (untagged,
// or with one 802.1Q tag).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::wire {

namespace ethertype {
inline constexpr std::uint16_t ipv4 = 0x0800;
inline constexpr std::uint16_t arp = 0x0806;
inline constexpr std::uint16_t vlan = 0x8100;  // IEEE 802.1Q customer tag
inline constexpr std::uint16_t qinq = 0x88a8;  // IEEE 802.1ad service tag
inline constexpr std::uint16_t ipv6 = 0x86dd;
}  // namespace ethertype

class ethernet_frame {
 public:
  // Offsets of the untagged header's fields.
  struct field {
    static constexpr std::size_t destination = 0;
    static constexpr std::size_t source = 6;
    static constexpr std::size_t ethertype = 12;
  };
  static constexpr std::size_t header_len = 14;
  static constexpr std::size_t tag_len = 4;
  static constexpr std::size_t max_tags = 2;

  // Checks that `frame` holds a whole header (with its tags).
  static result<ethernet_frame, parse_error> parse(bytes frame);

  mac_addr destination() const { return mac_at(field::destination); }
  mac_addr source() const { return mac_at(field::source); }
  // The EtherType of the payload, after any tags.
  std::uint16_t ethertype() const { return _data.be16(_header_size - 2); }
  // How many VLAN tags precede it (0..2).
  std::size_t tag_count() const { return (_header_size - header_len) / tag_len; }
  // The outermost tag's control information (PCP, DEI, VID), if tagged.
  std::optional<std::uint16_t> outer_tci() const {
    if (tag_count() == 0) return std::nullopt;
    return _data.be16(14);
  }
  // The VLAN identifier of the innermost tag (0 when untagged).
  std::uint16_t vlan_id() const {
    if (tag_count() == 0) return 0;
    return _data.be16(_header_size - 4) & 0x0fff;
  }
  std::size_t header_size() const { return _header_size; }
  bytes payload() const { return _data.skip(_header_size); }
  bytes raw() const { return _data; }

 private:
  ethernet_frame(bytes data, std::size_t header_size) : _data(data), _header_size(header_size) {}
  mac_addr mac_at(std::size_t off) const {
    mac_addr m;
    for (std::size_t i = 0; i < 6; ++i) m.octets[i] = _data.u8(off + i);
    return m;
  }
  bytes _data;
  std::size_t _header_size;
};

// A validated Ethernet header.
struct ethernet_repr {
  mac_addr destination;
  mac_addr source;
  std::uint16_t ethertype = 0;
  // An 802.1Q tag control field (PCP, DEI, VID) to emit, if any.
  std::optional<std::uint16_t> vlan_tci;

  static ethernet_repr parse(const ethernet_frame& frame);
  // Header bytes emit() writes: 14, or 18 with a tag.
  std::size_t buffer_len() const { return vlan_tci ? 18 : 14; }
  // Writes the header at the start of `out` (at least buffer_len() bytes).
  void emit(mut_bytes out) const;
  friend bool operator==(const ethernet_repr&, const ethernet_repr&) = default;
};

}  // namespace fata::net::wire
