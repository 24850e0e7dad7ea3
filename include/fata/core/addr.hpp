// Network address value types: MAC, IPv4, IPv6, prefixes and ports.
//
// These are plain values shared by the runtime keys (a boot argument can be
// an address) and by the protocol libraries. Parsing is strict and returns
// an error for anything that is not exactly an address; formatting follows
// the canonical text forms (RFC 5952 for IPv6).
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string_view>

#include <fata/core/fmt.hpp>

namespace fata {

// A TCP or UDP port number.
struct port {
  std::uint16_t value = 0;
  constexpr port() = default;
  constexpr explicit port(std::uint16_t v) : value(v) {}
  friend constexpr auto operator<=>(port, port) = default;
};
void format_value(format_sink& sink, const format_spec& spec, const port& p);

// An IEEE 802 MAC address.
struct mac_addr {
  std::array<std::uint8_t, 6> octets{};

  static constexpr mac_addr broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  constexpr bool is_broadcast() const { return *this == broadcast(); }
  constexpr bool is_multicast() const { return (octets[0] & 1) != 0; }
  constexpr bool is_zero() const { return *this == mac_addr{}; }
  // "02:00:00:00:00:01" (also accepts '-' separators).
  static std::optional<mac_addr> parse(std::string_view text);
  friend constexpr auto operator<=>(const mac_addr&, const mac_addr&) = default;
};
void format_value(format_sink& sink, const format_spec& spec, const mac_addr& a);

// An IPv4 address, held as a host-order integer.
struct ipv4_addr {
  std::uint32_t value = 0;

  constexpr ipv4_addr() = default;
  constexpr explicit ipv4_addr(std::uint32_t host_order) : value(host_order) {}
  constexpr ipv4_addr(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d)
      : value(std::uint32_t(a) << 24 | std::uint32_t(b) << 16 | std::uint32_t(c) << 8 | d) {}

  static constexpr ipv4_addr any() { return ipv4_addr(0u); }
  static constexpr ipv4_addr broadcast() { return ipv4_addr(0xffffffffu); }
  static constexpr ipv4_addr loopback() { return ipv4_addr(127, 0, 0, 1); }
  constexpr bool is_any() const { return value == 0; }
  constexpr bool is_broadcast() const { return value == 0xffffffffu; }
  constexpr bool is_multicast() const { return (value >> 28) == 0xe; }
  constexpr bool is_loopback() const { return (value >> 24) == 127; }
  constexpr std::uint8_t octet(int i) const { return std::uint8_t(value >> (24 - 8 * i)); }
  // Dotted quad, exactly four decimal octets without leading zeros.
  static std::optional<ipv4_addr> parse(std::string_view text);
  friend constexpr auto operator<=>(ipv4_addr, ipv4_addr) = default;
};
void format_value(format_sink& sink, const format_spec& spec, const ipv4_addr& a);

// An IPv4 interface address with its prefix length, as "10.0.0.2/24": the
// host's own address and, through the length, its network.
struct ipv4_prefix {
  ipv4_addr address;
  std::uint8_t length = 32;

  constexpr std::uint32_t mask_bits() const {
    return length == 0 ? 0u : ~std::uint32_t(0) << (32 - length);
  }
  constexpr ipv4_addr netmask() const { return ipv4_addr(mask_bits()); }
  constexpr ipv4_addr network() const { return ipv4_addr(address.value & mask_bits()); }
  constexpr ipv4_addr broadcast() const { return ipv4_addr(address.value | ~mask_bits()); }
  constexpr bool contains(ipv4_addr a) const {
    return (a.value & mask_bits()) == (address.value & mask_bits());
  }
  static std::optional<ipv4_prefix> parse(std::string_view text);
  friend constexpr bool operator==(const ipv4_prefix&, const ipv4_prefix&) = default;
};
void format_value(format_sink& sink, const format_spec& spec, const ipv4_prefix& p);

// A route: datagrams for `destination` go through `router` (0.0.0.0: the
// destination is on the link), as in RFC 3442's classless static routes.
struct ipv4_route {
  ipv4_prefix destination;
  ipv4_addr router;
  friend constexpr bool operator==(const ipv4_route&, const ipv4_route&) = default;
};

// An IPv6 address in network byte order.
struct ipv6_addr {
  std::array<std::uint8_t, 16> octets{};

  static constexpr ipv6_addr any() { return {}; }
  static constexpr ipv6_addr loopback() {
    ipv6_addr a;
    a.octets[15] = 1;
    return a;
  }
  constexpr bool is_any() const { return *this == ipv6_addr{}; }
  constexpr bool is_multicast() const { return octets[0] == 0xff; }
  constexpr bool is_link_local() const { return octets[0] == 0xfe && (octets[1] & 0xc0) == 0x80; }
  constexpr std::uint16_t group(int i) const {
    return std::uint16_t(octets[2 * i] << 8 | octets[2 * i + 1]);
  }
  // RFC 4291 text forms, including "::" and an embedded dotted quad.
  static std::optional<ipv6_addr> parse(std::string_view text);
  friend constexpr auto operator<=>(const ipv6_addr&, const ipv6_addr&) = default;
};
// RFC 5952 canonical text.
void format_value(format_sink& sink, const format_spec& spec, const ipv6_addr& a);

struct ipv6_prefix {
  ipv6_addr address;
  std::uint8_t length = 128;
  bool contains(const ipv6_addr& a) const;
  static std::optional<ipv6_prefix> parse(std::string_view text);
  friend constexpr bool operator==(const ipv6_prefix&, const ipv6_prefix&) = default;
};
void format_value(format_sink& sink, const format_spec& spec, const ipv6_prefix& p);

enum class ip_family : std::uint8_t { v4 = 4, v6 = 6 };

// An address of either family: what a dual-stack service, the transport
// seam and the TCP connection table hold. IPv4 is kept in the IPv4-mapped
// form (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) beside its family tag, so one
// hash and one comparison serve both; the tag, not the form, says the
// family, and an IPv6 packet from a mapped address stays IPv6. Both
// constructors are implicit: an address of either family is an ip_addr.
class ip_addr {
 public:
  constexpr ip_addr() : ip_addr(ipv4_addr::any()) {}
  constexpr ip_addr(ipv4_addr a) : _family(ip_family::v4) {
    _octets.octets[10] = 0xff;
    _octets.octets[11] = 0xff;
    for (int i = 0; i < 4; ++i) _octets.octets[12 + i] = a.octet(i);
  }
  constexpr ip_addr(const ipv6_addr& a) : _family(ip_family::v6), _octets(a) {}

  constexpr ip_family family() const { return _family; }
  constexpr bool is_v4() const { return _family == ip_family::v4; }
  constexpr bool is_v6() const { return _family == ip_family::v6; }
  // The address of its family (precondition: that family).
  constexpr ipv4_addr v4() const {
    return ipv4_addr(_octets.octets[12], _octets.octets[13], _octets.octets[14], _octets.octets[15]);
  }
  constexpr const ipv6_addr& v6() const { return _octets; }
  // The 16 octets: the IPv6 address, or the IPv4-mapped form.
  constexpr const std::array<std::uint8_t, 16>& octets() const { return _octets.octets; }

  constexpr bool is_any() const { return is_v4() ? v4().is_any() : _octets.is_any(); }
  constexpr bool is_multicast() const { return is_v4() ? v4().is_multicast() : _octets.is_multicast(); }
  constexpr bool is_broadcast() const { return is_v4() && v4().is_broadcast(); }
  constexpr bool is_loopback() const { return is_v4() ? v4().is_loopback() : _octets == ipv6_addr::loopback(); }
  // An IPv6 address of the IPv4-mapped form (::ffff:a.b.c.d) as the IPv4
  // address it maps, as a dual-stack socket API reports IPv4 peers; any
  // other address as it is.
  constexpr ip_addr unmapped() const {
    if (is_v4()) return *this;
    for (int i = 0; i < 10; ++i)
      if (_octets.octets[i] != 0) return *this;
    if (_octets.octets[10] != 0xff || _octets.octets[11] != 0xff) return *this;
    return ip_addr(v4());
  }

  // A dotted quad, or an IPv6 address in any RFC 4291 form.
  static std::optional<ip_addr> parse(std::string_view text);
  friend constexpr auto operator<=>(const ip_addr&, const ip_addr&) = default;

 private:
  ip_family _family;
  ipv6_addr _octets;
};
// The family's canonical text (RFC 5952 for IPv6).
void format_value(format_sink& sink, const format_spec& spec, const ip_addr& a);

// Who a peer is, for per-client limits: its IPv4 address, or the /64 its
// IPv6 address is in (one host picks freely among the 2^64 addresses of
// its subnet: SLAAC with temporary addresses, RFC 8981), the families told
// apart by the top bit.
constexpr std::uint64_t peer_key(const ip_addr& a) {
  if (a.is_v4()) return a.v4().value;
  std::uint64_t prefix = 0;
  for (int i = 0; i < 8; ++i) prefix = prefix << 8 | a.octets()[i];
  return prefix | std::uint64_t(1) << 63;
}

}  // namespace fata
