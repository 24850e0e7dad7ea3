// ICMPv6 messages (RFC 4443) and the Neighbor Discovery messages carried
// in them (RFC 4861), with their options.
//
// `icmpv6_packet::parse` checks the 4-byte header (8 with the type's
// fixed word) and the checksum over the IPv6 pseudo-header and the whole
// message (RFC 4443 §2.3); `icmpv6_repr` emits a message with it.
//
// `ndp_message::parse` takes a parsed ICMPv6 message of types 133-137 and
// applies RFC 4861's validity checks that need no state (§6.1.1, §6.1.2,
// §7.1.1, §7.1.2, §8.1): code 0, the fixed part present, every option of
// nonzero length and inside the message, a target that is not multicast
// (NS, NA), a solicited NA not sent to multicast, no source link-layer
// address option from the unspecified address. The hop limit of 255 and
// the link-local source of an RA or a redirect are the IPv6 header's: the
// caller passes it. Options are then read with `for_each_option`, a
// bounded walk over bytes known to be well formed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::wire {

namespace icmpv6_type {
inline constexpr std::uint8_t destination_unreachable = 1;
inline constexpr std::uint8_t packet_too_big = 2;
inline constexpr std::uint8_t time_exceeded = 3;
inline constexpr std::uint8_t parameter_problem = 4;
inline constexpr std::uint8_t echo_request = 128;
inline constexpr std::uint8_t echo_reply = 129;
inline constexpr std::uint8_t mld_query = 130;
inline constexpr std::uint8_t router_solicitation = 133;
inline constexpr std::uint8_t router_advertisement = 134;
inline constexpr std::uint8_t neighbor_solicitation = 135;
inline constexpr std::uint8_t neighbor_advertisement = 136;
inline constexpr std::uint8_t redirect = 137;
inline constexpr std::uint8_t mldv2_report = 143;
}  // namespace icmpv6_type

// Destination Unreachable codes (RFC 4443 §3.1).
namespace icmpv6_unreachable {
inline constexpr std::uint8_t no_route = 0;
inline constexpr std::uint8_t address = 3;
inline constexpr std::uint8_t port = 4;
}  // namespace icmpv6_unreachable

// An error message (types below 128) is one an error must never answer
// (RFC 4443 §2.4 (e)).
constexpr bool is_icmpv6_error(std::uint8_t type) { return type < 128; }

class icmpv6_packet {
 public:
  struct field {
    static constexpr std::size_t type = 0;
    static constexpr std::size_t code = 1;
    static constexpr std::size_t checksum = 2;
    static constexpr std::size_t rest = 4;  // ident+seq, MTU, pointer...
  };
  static constexpr std::size_t header_len = 8;

  // `data` is the ICMPv6 message (the upper-layer payload of the packet
  // from `source` to `destination`).
  static result<icmpv6_packet, parse_error> parse(bytes data, const ipv6_addr& source,
                                                  const ipv6_addr& destination);

  std::uint8_t type() const { return _data.u8(field::type); }
  std::uint8_t code() const { return _data.u8(field::code); }
  std::uint16_t checksum() const { return _data.be16(field::checksum); }
  std::uint32_t rest_of_header() const { return _data.be32(field::rest); }
  std::uint16_t echo_ident() const { return _data.be16(field::rest); }
  std::uint16_t echo_sequence() const { return _data.be16(field::rest + 2); }
  // Packet Too Big's MTU; Parameter Problem's pointer.
  std::uint32_t mtu() const { return rest_of_header(); }
  std::uint32_t pointer() const { return rest_of_header(); }
  bytes data() const { return _data.skip(header_len); }
  bytes raw() const { return _data; }

 private:
  explicit icmpv6_packet(bytes data) : _data(data) {}
  bytes _data;
};

struct icmpv6_repr {
  std::uint8_t type = 0;
  std::uint8_t code = 0;
  std::uint32_t rest_of_header = 0;
  bytes data;  // borrowed: what follows the 8-byte header

  static icmpv6_repr echo(std::uint8_t type, std::uint16_t ident, std::uint16_t sequence, bytes data) {
    return {type, 0, std::uint32_t(ident) << 16 | sequence, data};
  }
  std::size_t buffer_len() const { return icmpv6_packet::header_len + data.size(); }
  // Writes the message with its checksum for the packet from `source` to
  // `destination`. Contract: out.size() >= buffer_len().
  void emit(mut_bytes out, const ipv6_addr& source, const ipv6_addr& destination) const;
};

// NDP option types (RFC 4861 §4.6, RFC 8106 for RDNSS).
namespace ndp_option {
inline constexpr std::uint8_t source_link_address = 1;
inline constexpr std::uint8_t target_link_address = 2;
inline constexpr std::uint8_t prefix_information = 3;
inline constexpr std::uint8_t redirected_header = 4;
inline constexpr std::uint8_t mtu = 5;
inline constexpr std::uint8_t rdnss = 25;
}  // namespace ndp_option

// Option 3 decoded.
struct ndp_prefix_info {
  ipv6_prefix prefix;
  bool on_link = false;     // L
  bool autonomous = false;  // A (SLAAC)
  std::uint32_t valid_lifetime = 0;      // seconds; 0xffffffff: infinite
  std::uint32_t preferred_lifetime = 0;
};

// When an NDP lifetime of `seconds` from `now` ends (RFC 4861 §4.6.2:
// 0xffffffff is infinite).
inline mono_time ndp_lifetime_end(mono_time now, std::uint32_t seconds) {
  if (seconds == 0xffffffffu) return mono_never;
  return saturating_add(now, std::chrono::seconds(seconds));
}

class ndp_message {
 public:
  // `hop_limit` is the IPv6 header's; `source` and `destination` too.
  static result<ndp_message, parse_error> parse(const icmpv6_packet& m, std::uint8_t hop_limit,
                                                const ipv6_addr& source, const ipv6_addr& destination);

  std::uint8_t type() const { return _data.u8(0); }
  // NS, NA, redirect: the target address.
  ipv6_addr target() const;
  // Redirect: the destination that is redirected.
  ipv6_addr redirect_destination() const;
  // NA flags.
  bool router_flag() const { return (_data.u8(4) & 0x80) != 0; }
  bool solicited_flag() const { return (_data.u8(4) & 0x40) != 0; }
  bool override_flag() const { return (_data.u8(4) & 0x20) != 0; }
  // RA fields.
  std::uint8_t current_hop_limit() const { return _data.u8(4); }
  bool managed_flag() const { return (_data.u8(5) & 0x80) != 0; }
  bool other_flag() const { return (_data.u8(5) & 0x40) != 0; }
  std::uint16_t router_lifetime() const { return _data.be16(6); }  // seconds
  std::uint32_t reachable_time() const { return _data.be32(8); }   // ms, 0: unspecified
  std::uint32_t retrans_timer() const { return _data.be32(12); }   // ms, 0: unspecified

  struct option {
    std::uint8_t type;
    bytes value;  // after the type and length bytes
  };
  template <class F>
  void for_each_option(F&& f) const {
    std::size_t i = _options_at;
    while (i + 2 <= _data.size()) {
      const std::size_t len = std::size_t(_data.u8(i + 1)) * 8;
      if (!f(option{_data.u8(i), _data.sub(i + 2, len - 2)})) return;
      i += len;
    }
  }
  // The first option of `type`, if any.
  std::optional<bytes> find_option(std::uint8_t type) const;
  // Option 1 or 2 as an Ethernet address (nullopt when absent or not 6 bytes).
  std::optional<mac_addr> link_address(std::uint8_t type) const;
  // Option 5's MTU.
  std::optional<std::uint32_t> mtu_option() const;
  // Option 3, when `value` (an option's) is one: nullopt when its length
  // is not 30 bytes or the prefix length is over 128.
  static std::optional<ndp_prefix_info> prefix_information(bytes value);

  bytes raw() const { return _data; }

 private:
  ndp_message(bytes data, std::size_t options_at) : _data(data), _options_at(options_at) {}
  bytes _data;
  std::size_t _options_at;
};

// Emits NDP messages into `out` (the ICMPv6 message: pass to icmpv6_repr
// through `body()`, or use the helpers). Contract: `out` is large enough
// (at most 32 bytes of options are written here).
struct ndp_writer {
  // Neighbor Solicitation for `target`, with our link-layer address unless
  // `mac` is empty (DAD, from the unspecified address).
  static std::size_t neighbor_solicitation(mut_bytes out, const ipv6_addr& target, std::optional<mac_addr> mac);
  static std::size_t neighbor_advertisement(mut_bytes out, const ipv6_addr& target, mac_addr mac, bool router,
                                            bool solicited, bool override_flag);
  static std::size_t router_solicitation(mut_bytes out, std::optional<mac_addr> mac);
  // Fills in the checksum of the message in out[0, len).
  static void finish(mut_bytes out, std::size_t len, const ipv6_addr& source, const ipv6_addr& destination);
};

// The solicited-node multicast address of `a` (RFC 4291 §2.7.1):
// ff02::1:ffXX:XXXX with its low 24 bits.
ipv6_addr solicited_node(const ipv6_addr& a);
// The Ethernet multicast address of an IPv6 multicast group (RFC 2464 §7).
mac_addr multicast_mac(const ipv6_addr& group);

}  // namespace fata::net::wire
