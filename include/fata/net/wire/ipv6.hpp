// IPv6 packets (RFC 8200) and their extension headers.
//
// `ipv6_packet::parse` checks, once: at least the 40-byte header, version
// 6, and a payload length that fits the buffer (bytes after it, such as
// Ethernet padding, are ignored). A payload length of 0 with a hop-by-hop
// header is a jumbogram (RFC 2675), which no link of ours carries:
// `unsupported`.
//
// `walk_extension_headers` follows the Next Header chain from the fixed
// header to the upper-layer protocol (RFC 8200 §4), bounded: at most
// `max_extension_headers` headers within the first `max_chain_len` bytes.
// It stops at the first header that is not an extension header (the
// upper layer, or No Next Header; an unknown value is the caller's to
// answer with a Parameter Problem, code 1, at `next_pointer`), or at a
// Fragment header (what follows is only whole after reassembly). It
// reports, as RFC 8200 §4 and RFC 4443 §3.4 ask, what to do with the
// packet when the chain cannot be processed: a hop-by-hop header not
// first, an unknown option whose type says
// "discard" (with or without an ICMP Parameter Problem), a routing header
// of an unknown type with segments left; with the pointer an ICMPv6
// Parameter Problem names (an offset from the start of the IPv6 header).
// Routing type 0 is unknown (RFC 5095). Pad1 and PadN are skipped.
//
// `ipv6_repr` emits the fixed header; `fragment_header` is the 8-byte
// Fragment header's view and emitter.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::wire {

// Next Header values (IANA "Assigned Internet Protocol Numbers").
namespace ipv6_next {
inline constexpr std::uint8_t hop_by_hop = 0;
inline constexpr std::uint8_t tcp = 6;
inline constexpr std::uint8_t udp = 17;
inline constexpr std::uint8_t routing = 43;
inline constexpr std::uint8_t fragment = 44;
inline constexpr std::uint8_t esp = 50;
inline constexpr std::uint8_t ah = 51;
inline constexpr std::uint8_t icmpv6 = 58;
inline constexpr std::uint8_t none = 59;
inline constexpr std::uint8_t destination_options = 60;
}  // namespace ipv6_next

class ipv6_packet {
 public:
  struct field {
    static constexpr std::size_t version_class_flow = 0;
    static constexpr std::size_t payload_length = 4;
    static constexpr std::size_t next_header = 6;
    static constexpr std::size_t hop_limit = 7;
    static constexpr std::size_t source = 8;
    static constexpr std::size_t destination = 24;
  };
  static constexpr std::size_t header_len = 40;
  // RFC 8200 §5: every link carries 1280 bytes.
  static constexpr std::size_t min_mtu = 1280;

  static result<ipv6_packet, parse_error> parse(bytes data);

  std::uint8_t traffic_class() const {
    return static_cast<std::uint8_t>(_data.be32(field::version_class_flow) >> 20);
  }
  std::uint32_t flow_label() const { return _data.be32(field::version_class_flow) & 0xfffff; }
  std::size_t payload_len() const { return _data.be16(field::payload_length); }
  std::uint8_t next_header() const { return _data.u8(field::next_header); }
  std::uint8_t hop_limit() const { return _data.u8(field::hop_limit); }
  ipv6_addr source() const { return address_at(field::source); }
  ipv6_addr destination() const { return address_at(field::destination); }
  bytes payload() const { return _data.sub(header_len, payload_len()); }
  // The packet's bytes up to the end of its payload.
  bytes raw() const { return _data.first(header_len + payload_len()); }

 private:
  explicit ipv6_packet(bytes data) : _data(data) {}
  ipv6_addr address_at(std::size_t off) const;
  bytes _data;
};

// The Fragment header (RFC 8200 §4.5).
struct fragment_header {
  static constexpr std::size_t len = 8;
  std::uint8_t next_header = 0;
  std::uint16_t offset = 0;  // bytes; a multiple of 8
  bool more = false;
  std::uint32_t ident = 0;

  // Contract: `h` holds at least 8 bytes.
  static fragment_header parse(bytes h);
  // Writes the 8 bytes at the start of `out`.
  void emit(mut_bytes out) const;
  // RFC 6946: offset 0 and no more fragments, a whole datagram.
  bool atomic() const { return offset == 0 && !more; }
  friend bool operator==(const fragment_header&, const fragment_header&) = default;
};

// Where the chain ended, when it could be followed.
struct ipv6_chain {
  // The upper-layer protocol (59: none), or the Fragment header's next
  // header when `fragment` is set.
  std::uint8_t protocol = 0;
  // Offset of the upper-layer data (or of the fragment's data) in the
  // packet's payload.
  std::size_t offset = 0;
  // The offset from the start of the IPv6 header of the Next Header byte
  // that named `protocol` (or the Fragment header): the pointer of a
  // Parameter Problem for an unknown protocol, the byte a reassembler
  // rewrites.
  std::uint32_t next_pointer = 0;
  // The Fragment header, when the chain reached one; `unfragmentable` is
  // the length of the extension headers before it.
  std::optional<fragment_header> fragment;
  std::size_t unfragmentable = 0;
  unsigned headers = 0;  // extension headers walked
};

// Why the chain could not be followed, and what RFC 8200 §4 says to do.
struct ipv6_chain_problem {
  enum class kind : std::uint8_t {
    truncated,            // a header runs past the payload: drop
    too_long,             // over the bounds: drop
    hop_by_hop_not_first, // Parameter Problem code 1
    unknown_option,       // per the option type's top two bits
    unknown_routing,      // Parameter Problem code 0, at the type field
  };
  kind what;
  // An ICMPv6 Parameter Problem is due (subject to the destination: an
  // option of type 11xxxxxx asks for none when it was multicast).
  bool send_icmp = false;
  bool not_if_multicast = false;
  std::uint8_t icmp_code = 0;
  std::uint32_t pointer = 0;  // offset from the start of the IPv6 header
};

inline constexpr unsigned max_extension_headers = 16;
inline constexpr std::size_t max_chain_len = 1024;

result<ipv6_chain, ipv6_chain_problem> walk_extension_headers(const ipv6_packet& p);

struct ipv6_repr {
  ipv6_addr source;
  ipv6_addr destination;
  std::uint8_t next_header = 0;
  std::uint8_t hop_limit = 64;
  std::uint8_t traffic_class = 0;
  std::uint32_t flow_label = 0;
  std::size_t payload_len = 0;

  static ipv6_repr parse(const ipv6_packet& p);
  // Writes the 40-byte header at the start of `out`. Contract:
  // payload_len <= 65535.
  void emit(mut_bytes out) const;
  friend bool operator==(const ipv6_repr&, const ipv6_repr&) = default;
};

}  // namespace fata::net::wire
