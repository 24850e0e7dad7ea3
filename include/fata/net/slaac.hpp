// IPv6 addresses of an interface: stable, privacy-friendly interface
// identifiers (RFC 7217) and the addresses stateless autoconfiguration
// forms from router advertisements' prefixes (RFC 4862 §5.5), with their
// lifetimes and duplicate address detection's outcome, as a pure state
// machine (the glue sends the DAD solicitations and calls poll).
//
// Interface identifiers: HMAC-SHA-256 under a secret key of the prefix's
// 64 bits, the interface's MAC and a DAD counter, truncated to 64 bits
// (RFC 7217 §5, with the MAC as Net_Iface and no Network_ID); the same
// secret gives the same address on the same network at every boot, and
// another network gives another one, so a host cannot be followed across
// networks. The IIDs RFC 5453 reserves are skipped by counting on.
//
// Prefixes (RFC 4862 §5.5.3): only with the autonomous flag, not
// link-local, preferred lifetime not above valid, and /64 (the IID is 64
// bits). A new prefix forms a tentative address; a known one has its
// lifetimes updated, except that an advertisement may cut a valid
// lifetime to no less than two hours (the rule against a forged RA
// expiring everyone's address). A DAD conflict forms the next address
// of the counter, up to `max_dad_retries` (RFC 7217 §6).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/time.hpp>
#include <fata/net/wire/icmpv6.hpp>

namespace fata::net {

// The 64-bit interface identifier for `prefix` (its first 64 bits count).
std::array<std::uint8_t, 8> stable_interface_id(std::span<const std::byte> secret, const ipv6_addr& prefix,
                                                const mac_addr& mac, std::uint8_t dad_counter);
// `prefix`'s first 64 bits with the stable identifier.
ipv6_addr stable_address(std::span<const std::byte> secret, const ipv6_addr& prefix, const mac_addr& mac,
                         std::uint8_t dad_counter);

struct address_list_config {
  std::vector<std::byte> secret;  // RFC 7217's secret key (at least 16 bytes)
  mac_addr mac;
  std::size_t max_addresses = 8;
  unsigned max_dad_retries = 3;
};

class address_list {
 public:
  enum class state : std::uint8_t { tentative, preferred, deprecated, duplicate };
  struct address {
    ipv6_prefix prefix;  // the address and its prefix length
    state what = state::tentative;
    bool autoconfigured = false;
    std::uint8_t dad_counter = 0;
    mono_time preferred_until = mono_never;
    mono_time valid_until = mono_never;
  };
  enum class prefix_outcome : std::uint8_t { ignored, formed, updated, full };

  explicit address_list(address_list_config cfg);

  // The link-local address (fe80::/64 with the stable identifier),
  // tentative until DAD succeeds.
  const address& add_link_local(mono_time now);
  // A configured address (--ipv6=ADDR/PREFIX): tentative, no lifetimes.
  // nullopt when the list is full or holds it already.
  std::optional<address> add_static(const ipv6_prefix& p);
  // A router advertisement's prefix information.
  prefix_outcome on_prefix(const wire::ndp_prefix_info& info, mono_time now);

  // DAD found no one else: the address is usable (preferred, or
  // deprecated if its preferred lifetime is over).
  void dad_succeeded(const ipv6_addr& a, mono_time now);
  // Someone holds `a`: an autoconfigured address is formed anew with the
  // next counter (returned, tentative) while retries remain; otherwise it
  // stays `duplicate`, unused.
  std::optional<ipv6_addr> dad_failed(const ipv6_addr& a);

  // Deprecates and removes addresses whose lifetimes ended.
  void poll(mono_time now);
  mono_time poll_at() const;

  // An address we answer for (tentative ones only for DAD's own checks).
  bool holds(const ipv6_addr& a) const;
  bool usable(const ipv6_addr& a) const;
  const address* find(const ipv6_addr& a) const;
  // The source for `destination` (RFC 6724, the rules that matter on one
  // link): a usable address of the same scope, preferred before
  // deprecated; nullopt when there is none.
  std::optional<ipv6_addr> source_for(const ipv6_addr& destination) const;

  const std::vector<address>& addresses() const { return _addresses; }

 private:
  address* find_mutable(const ipv6_addr& a);
  address_list_config _cfg;
  std::vector<address> _addresses;
};

std::string_view describe(address_list::state s) noexcept;

}  // namespace fata::net
