#include <fata/net/slaac.hpp>

#include <algorithm>
#include <fata/crypto/hmac.hpp>

namespace fata::net {

std::string_view describe(address_list::state s) noexcept {
  switch (s) {
    case address_list::state::tentative: return "tentative";
    case address_list::state::preferred: return "preferred";
    case address_list::state::deprecated: return "deprecated";
    case address_list::state::duplicate: return "duplicate";
  }
  return "?";
}

namespace {

// RFC 5453: the all-zero identifier and the subnet anycast range
// fdff:ffff:ffff:ff80 - fdff:ffff:ffff:ffff.
bool reserved(const std::array<std::uint8_t, 8>& iid) {
  if (std::all_of(iid.begin(), iid.end(), [](std::uint8_t b) { return b == 0; })) return true;
  const std::array<std::uint8_t, 7> anycast{0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  return std::equal(anycast.begin(), anycast.end(), iid.begin()) && iid[7] >= 0x80;
}

enum class scope : std::uint8_t { link, global };

scope scope_of(const ipv6_addr& a) {
  if (a.is_link_local()) return scope::link;
  if (a.is_multicast() && (a.octets[1] & 0x0f) <= 2) return scope::link;
  return scope::global;
}

std::size_t common_prefix(const ipv6_addr& a, const ipv6_addr& b) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < 16; ++i) {
    const std::uint8_t x = a.octets[i] ^ b.octets[i];
    if (x == 0) {
      n += 8;
      continue;
    }
    for (std::uint8_t bit = 0x80; bit != 0 && (x & bit) == 0; bit >>= 1) ++n;
    break;
  }
  return n;
}

bool same_64(const ipv6_addr& a, const ipv6_addr& b) { return std::equal(a.octets.begin(), a.octets.begin() + 8, b.octets.begin()); }

}  // namespace

std::array<std::uint8_t, 8> stable_interface_id(std::span<const std::byte> secret, const ipv6_addr& prefix,
                                                const mac_addr& mac, std::uint8_t dad_counter) {
  const crypto::hmac_key key(crypto::hash_algorithm::sha256, secret);
  for (unsigned counter = dad_counter;; ++counter) {
    crypto::hmac h(key);
    h.add(std::span<const std::uint8_t>(prefix.octets.data(), 8));
    h.add(mac.octets);
    h.add_u8(static_cast<std::uint8_t>(counter));
    std::array<std::uint8_t, 32> digest{};
    h.finish(digest);
    std::array<std::uint8_t, 8> iid{};
    std::copy_n(digest.begin(), 8, iid.begin());
    if (!reserved(iid)) return iid;
  }
}

ipv6_addr stable_address(std::span<const std::byte> secret, const ipv6_addr& prefix, const mac_addr& mac,
                         std::uint8_t dad_counter) {
  ipv6_addr a = prefix;
  const auto iid = stable_interface_id(secret, prefix, mac, dad_counter);
  std::copy(iid.begin(), iid.end(), a.octets.begin() + 8);
  return a;
}

address_list::address_list(address_list_config cfg) : _cfg(std::move(cfg)) { _addresses.reserve(_cfg.max_addresses); }

address_list::address* address_list::find_mutable(const ipv6_addr& a) {
  for (address& x : _addresses)
    if (x.prefix.address == a) return &x;
  return nullptr;
}

const address_list::address* address_list::find(const ipv6_addr& a) const {
  for (const address& x : _addresses)
    if (x.prefix.address == a) return &x;
  return nullptr;
}

const address_list::address& address_list::add_link_local(mono_time) {
  ipv6_addr fe80;
  fe80.octets[0] = 0xfe;
  fe80.octets[1] = 0x80;
  const ipv6_addr a = stable_address(_cfg.secret, fe80, _cfg.mac, 0);
  if (const address* known = find(a)) return *known;
  address x;
  x.prefix = ipv6_prefix{a, 64};
  x.autoconfigured = true;
  _addresses.insert(_addresses.begin(), x);  // the link-local first: it is needed first
  if (_addresses.size() > _cfg.max_addresses) _addresses.pop_back();
  return _addresses.front();
}

std::optional<address_list::address> address_list::add_static(const ipv6_prefix& p) {
  if (find(p.address) || _addresses.size() >= _cfg.max_addresses) return std::nullopt;
  address x;
  x.prefix = p;
  _addresses.push_back(x);
  return x;
}

address_list::prefix_outcome address_list::on_prefix(const wire::ndp_prefix_info& info, mono_time now) {
  if (!info.autonomous || info.prefix.address.is_link_local() || info.preferred_lifetime > info.valid_lifetime ||
      info.prefix.length != 64)
    return prefix_outcome::ignored;
  for (address& x : _addresses) {
    if (!x.autoconfigured || x.prefix.address.is_link_local() || !same_64(x.prefix.address, info.prefix.address))
      continue;
    x.preferred_until = wire::ndp_lifetime_end(now, info.preferred_lifetime);
    if (x.what == state::deprecated && x.preferred_until > now) x.what = state::preferred;
    // RFC 4862 §5.5.3 (e): no cut of the valid lifetime below two hours.
    const mono_time advertised = wire::ndp_lifetime_end(now, info.valid_lifetime);
    const mono_time two_hours = saturating_add(now, 2h);
    if (advertised > two_hours || advertised > x.valid_until) x.valid_until = advertised;
    else if (x.valid_until > two_hours) x.valid_until = two_hours;
    return prefix_outcome::updated;
  }
  if (info.valid_lifetime == 0) return prefix_outcome::ignored;
  if (_addresses.size() >= _cfg.max_addresses) return prefix_outcome::full;
  address x;
  x.prefix = ipv6_prefix{stable_address(_cfg.secret, info.prefix.address, _cfg.mac, 0), 64};
  x.autoconfigured = true;
  x.preferred_until = wire::ndp_lifetime_end(now, info.preferred_lifetime);
  x.valid_until = wire::ndp_lifetime_end(now, info.valid_lifetime);
  _addresses.push_back(x);
  return prefix_outcome::formed;
}

void address_list::dad_succeeded(const ipv6_addr& a, mono_time now) {
  address* x = find_mutable(a);
  if (!x || x->what != state::tentative) return;
  x->what = x->preferred_until > now ? state::preferred : state::deprecated;
}

std::optional<ipv6_addr> address_list::dad_failed(const ipv6_addr& a) {
  address* x = find_mutable(a);
  if (!x || x->what != state::tentative) return std::nullopt;
  if (!x->autoconfigured || x->dad_counter >= _cfg.max_dad_retries) {
    x->what = state::duplicate;
    return std::nullopt;
  }
  ++x->dad_counter;
  x->prefix.address = stable_address(_cfg.secret, x->prefix.address, _cfg.mac, x->dad_counter);
  return x->prefix.address;
}

void address_list::poll(mono_time now) {
  std::erase_if(_addresses, [&](const address& x) { return x.valid_until <= now; });
  for (address& x : _addresses)
    if (x.what == state::preferred && x.preferred_until <= now) x.what = state::deprecated;
}

mono_time address_list::poll_at() const {
  mono_time at = mono_never;
  for (const address& x : _addresses) {
    at = std::min(at, x.valid_until);
    if (x.what == state::preferred) at = std::min(at, x.preferred_until);
  }
  return at;
}

bool address_list::holds(const ipv6_addr& a) const {
  const address* x = find(a);
  return x && x->what != state::duplicate;
}

bool address_list::usable(const ipv6_addr& a) const {
  const address* x = find(a);
  return x && (x->what == state::preferred || x->what == state::deprecated);
}

std::optional<ipv6_addr> address_list::source_for(const ipv6_addr& destination) const {
  const scope want = scope_of(destination);
  const address* best = nullptr;
  for (const address& x : _addresses) {
    if (x.what != state::preferred && x.what != state::deprecated) continue;
    if (scope_of(x.prefix.address) != want) continue;
    if (!best) {
      best = &x;
      continue;
    }
    // RFC 6724 rule 3 (avoid deprecated), then rule 8 (longest match).
    const bool x_pref = x.what == state::preferred, b_pref = best->what == state::preferred;
    if (x_pref != b_pref) {
      if (x_pref) best = &x;
      continue;
    }
    if (common_prefix(x.prefix.address, destination) > common_prefix(best->prefix.address, destination)) best = &x;
  }
  if (!best) return std::nullopt;
  return best->prefix.address;
}

}  // namespace fata::net
