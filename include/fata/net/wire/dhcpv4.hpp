// DHCPv4 messages (RFC 2131) and their options (RFC 2132, RFC 3396 long
// options, RFC 3442 classless static routes).
//
// `dhcpv4_packet::parse` checks the fixed 236-byte BOOTP part, the magic
// cookie, Ethernet hardware addresses (htype 1, hlen 6; anything else is
// `unsupported`) and walks every option area once: the options field and,
// when option 52 (overload) says so, the `file` and `sname` fields. An
// option whose length runs past its area is `truncated`; an overload option
// inside an overloaded area, or a second one, is `malformed` (no area can
// name itself, so no walk can loop). After parse, every lookup is a bounded
// walk over areas known to be well formed.
//
// `dhcpv4_writer` emits a message into a caller's buffer: the fixed part,
// then options in the order added, then END, padded to the 300 bytes BOOTP
// relays expect (RFC 1542 §2.1).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::wire {

enum class dhcp_message_type : std::uint8_t {
  discover = 1,
  offer = 2,
  request = 3,
  decline = 4,
  ack = 5,
  nak = 6,
  release = 7,
  inform = 8,
};

std::string_view describe(dhcp_message_type t) noexcept;

// Option codes (RFC 2132 unless noted).
namespace dhcp_option {
inline constexpr std::uint8_t pad = 0;
inline constexpr std::uint8_t subnet_mask = 1;
inline constexpr std::uint8_t router = 3;
inline constexpr std::uint8_t dns_servers = 6;
inline constexpr std::uint8_t host_name = 12;
inline constexpr std::uint8_t domain_name = 15;
inline constexpr std::uint8_t interface_mtu = 26;
inline constexpr std::uint8_t broadcast_address = 28;
inline constexpr std::uint8_t requested_address = 50;
inline constexpr std::uint8_t lease_time = 51;
inline constexpr std::uint8_t overload = 52;
inline constexpr std::uint8_t message_type = 53;
inline constexpr std::uint8_t server_id = 54;
inline constexpr std::uint8_t parameter_list = 55;
inline constexpr std::uint8_t message = 56;
inline constexpr std::uint8_t max_message_size = 57;
inline constexpr std::uint8_t renewal_time = 58;
inline constexpr std::uint8_t rebinding_time = 59;
inline constexpr std::uint8_t client_id = 61;
inline constexpr std::uint8_t classless_routes = 121;  // RFC 3442
inline constexpr std::uint8_t end = 255;
}  // namespace dhcp_option

inline constexpr port dhcp_server_port{67};
inline constexpr port dhcp_client_port{68};

class dhcpv4_packet {
 public:
  struct field {
    static constexpr std::size_t op = 0;
    static constexpr std::size_t htype = 1;
    static constexpr std::size_t hlen = 2;
    static constexpr std::size_t hops = 3;
    static constexpr std::size_t xid = 4;
    static constexpr std::size_t secs = 8;
    static constexpr std::size_t flags = 10;
    static constexpr std::size_t ciaddr = 12;
    static constexpr std::size_t yiaddr = 16;
    static constexpr std::size_t siaddr = 20;
    static constexpr std::size_t giaddr = 24;
    static constexpr std::size_t chaddr = 28;
    static constexpr std::size_t sname = 44;
    static constexpr std::size_t file = 108;
    static constexpr std::size_t cookie = 236;
    static constexpr std::size_t options = 240;
  };
  static constexpr std::size_t sname_len = 64;
  static constexpr std::size_t file_len = 128;
  static constexpr std::size_t min_len = field::options;
  static constexpr std::uint32_t magic_cookie = 0x63825363;
  static constexpr std::uint8_t op_request = 1;
  static constexpr std::uint8_t op_reply = 2;
  static constexpr std::uint16_t broadcast_flag = 0x8000;

  static result<dhcpv4_packet, parse_error> parse(bytes data);

  std::uint8_t op() const { return _data.u8(field::op); }
  std::uint8_t hops() const { return _data.u8(field::hops); }
  std::uint32_t xid() const { return _data.be32(field::xid); }
  std::uint16_t secs() const { return _data.be16(field::secs); }
  std::uint16_t flags() const { return _data.be16(field::flags); }
  ipv4_addr ciaddr() const { return ipv4_addr(_data.be32(field::ciaddr)); }
  ipv4_addr yiaddr() const { return ipv4_addr(_data.be32(field::yiaddr)); }
  ipv4_addr siaddr() const { return ipv4_addr(_data.be32(field::siaddr)); }
  ipv4_addr giaddr() const { return ipv4_addr(_data.be32(field::giaddr)); }
  mac_addr chaddr() const;

  // One option instance as it lies in the message.
  struct option {
    std::uint8_t code;
    bytes value;
  };
  // Visits every option instance in wire order (options, then file, then
  // sname when overloaded); pad and end are not visited. `f` returns false
  // to stop.
  template <class F>
  void for_each(F&& f) const {
    for (unsigned area = 0; area < 3; ++area) {
      bytes a = this->area(area);
      std::size_t i = 0;
      while (i < a.size()) {
        const std::uint8_t code = a.u8(i);
        if (code == dhcp_option::end) break;
        if (code == dhcp_option::pad) {
          ++i;
          continue;
        }
        const std::size_t len = a.u8(i + 1);
        if (!f(option{code, a.sub(i + 2, len)})) return;
        i += 2 + len;
      }
    }
  }
  // The first instance of `code`, if any.
  std::optional<bytes> find(std::uint8_t code) const;
  // `code`'s value with every instance concatenated (RFC 3396): the first
  // instance itself when there is one, else a copy into `scratch`.
  // nullopt when absent or longer than `scratch`.
  std::optional<bytes> find_long(std::uint8_t code, mut_bytes scratch) const;
  // Option 53; nullopt when absent or not one byte.
  std::optional<dhcp_message_type> message_type() const;

  bytes raw() const { return _data; }

 private:
  explicit dhcpv4_packet(bytes data, std::uint8_t overload) : _data(data), _overload(overload) {}
  // 0: options, 1: file, 2: sname (the RFC 2131 §4.1 order); empty when
  // not overloaded.
  bytes area(unsigned which) const;
  bytes _data;
  std::uint8_t _overload;
};

// Option 121's value decoded into `out`. Returns the number of routes, or
// malformed (a width over 32, a truncated entry, more routes than `out`
// holds).
result<std::size_t, parse_error> parse_classless_routes(bytes value, std::span<ipv4_route> out);
// Option 121's value for `routes`, written into `out`: its length, or
// nullopt when `out` is too small (at most 9 bytes a route).
std::optional<std::size_t> encode_classless_routes(std::span<const ipv4_route> routes, mut_bytes out);

// Builds one message. Contract: `out` holds at least 300 bytes; an option
// that does not fit (or one over 255 bytes) makes `finish` fail.
class dhcpv4_writer {
 public:
  static constexpr std::size_t min_message_len = 300;

  // The fixed part of a client's request (op 1, Ethernet, magic cookie,
  // zero addresses), with the message type option written.
  dhcpv4_writer(mut_bytes out, dhcp_message_type type, std::uint32_t xid, mac_addr client);
  // The fixed part of a server's reply (op 2).
  static dhcpv4_writer reply(mut_bytes out, dhcp_message_type type, std::uint32_t xid,
                             mac_addr client);

  void set_secs(std::uint16_t s) { _out.set_be16(dhcpv4_packet::field::secs, s); }
  void set_flags(std::uint16_t f) { _out.set_be16(dhcpv4_packet::field::flags, f); }
  void set_ciaddr(ipv4_addr a) { _out.set_be32(dhcpv4_packet::field::ciaddr, a.value); }
  void set_yiaddr(ipv4_addr a) { _out.set_be32(dhcpv4_packet::field::yiaddr, a.value); }
  void set_siaddr(ipv4_addr a) { _out.set_be32(dhcpv4_packet::field::siaddr, a.value); }
  void set_giaddr(ipv4_addr a) { _out.set_be32(dhcpv4_packet::field::giaddr, a.value); }

  void add(std::uint8_t code, bytes value);
  void add_u8(std::uint8_t code, std::uint8_t v);
  void add_u16(std::uint8_t code, std::uint16_t v);
  void add_u32(std::uint8_t code, std::uint32_t v);
  void add_address(std::uint8_t code, ipv4_addr a) { add_u32(code, a.value); }

  // Writes END and the padding. Returns the message's length, or
  // parse_error::truncated when an option did not fit.
  result<std::size_t, parse_error> finish();

 private:
  dhcpv4_writer(mut_bytes out, std::uint8_t op, dhcp_message_type type, std::uint32_t xid,
                mac_addr client);
  mut_bytes _out;
  std::size_t _at = dhcpv4_packet::field::options;
  bool _overflow = false;
};

}  // namespace fata::net::wire
