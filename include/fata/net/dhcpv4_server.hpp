// The DHCPv4 server (RFC 2131, options of RFC 2132 and RFC 3442) for one
// subnet, as a pure state machine: `input` takes one message received on
// port 67 and the current time and returns the reply to send, if any. It
// has no timers: a lease or an offer past its time is free the next time
// an address is looked for.
//
// Clients are known by their hardware address (chaddr; the parser admits
// Ethernet only). For each one the server keeps one binding:
//   offered  - reserved for `offer_hold` after an OFFER;
//   bound    - ACKed until its expiry (or forever for a static lease);
//   released - the client gave it back; free, but offered to the same
//              client first while nobody else needs it;
//   declined - a client found it in use (DECLINE, RFC 2131 §3.1.5): held
//              for `decline_hold` by nobody.
// Bindings live in a table of at most `max_bindings` entries (bounded by
// the pool as well); when it is full, the oldest expired or released
// binding makes room, and a DISCOVER that finds none gets no OFFER.
//
// Addresses: a client's own binding first, then its static lease, then
// the address it asks for (option 50) when free, then the pool's next
// never-used address, then the longest-free one. A static address is never
// given to another client; the server's own address, the network and the
// broadcast address never leave.
//
// Replies (RFC 2131 §4.1, §4.3): OFFER and ACK carry the lease time with
// T1 = 1/2 and T2 = 7/8 of it, the subnet mask, router, DNS servers,
// domain, MTU and classless routes configured (with option 121 the router
// is also sent as option 3, for clients without RFC 3442). A REQUEST for
// another server's offer frees ours silently; one naming an address the
// client may not have gets a NAK; INIT-REBOOT and RENEWING requests for
// free addresses of the pool are granted (the server is authoritative for
// its subnet, so a client whose lease it forgot is not sent away). Replies
// go to ciaddr when the client has one and otherwise to the limited
// broadcast (we do not unicast to an address the client has not taken yet,
// which would need an ARP entry the client cannot answer for). Messages
// through a relay (giaddr set) are dropped and counted: one subnet, no
// relays.
//
// Persistence: `save` writes the bound leases as text, one per line
// ("MAC ADDRESS EXPIRY" with EXPIRY in Unix seconds, or "infinite"), and
// `load` restores them, so a server that restarts over the same store
// keeps every client's address. Lines `load` cannot read are skipped and
// counted.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/time.hpp>
#include <fata/net/wire/dhcpv4.hpp>
#include <fata/sig/stack.hpp>

namespace fata::net {

struct dhcpv4_static_lease {
  mac_addr mac;
  ipv4_addr address;
};

struct dhcpv4_server_config {
  static constexpr std::size_t max_dns = 4;
  static constexpr std::size_t max_routes = 16;
  static constexpr std::size_t max_static_leases = 256;

  // The server's address and its subnet (the leases' prefix).
  ipv4_prefix address;
  // The dynamic pool, inclusive, inside the subnet.
  ipv4_addr pool_first;
  ipv4_addr pool_last;
  ipv4_addr router = ipv4_addr::any();  // any: no option 3
  std::vector<ipv4_addr> dns;
  std::string domain;
  std::uint16_t mtu = 0;  // 0: no option 26
  std::vector<ipv4_route> routes;
  std::vector<dhcpv4_static_lease> static_leases;
  duration lease_time = 1h;  // duration::max(): infinite
  duration offer_hold = 30s;
  duration decline_hold = 10min;
  std::size_t max_bindings = 1024;
};

// A configuration the server cannot run with, in one line: a pool outside
// the subnet or upside down, more DNS servers or routes than a message
// carries, a static lease outside the subnet or given twice; nullopt when
// fine.
std::optional<std::string_view> validate(const dhcpv4_server_config& cfg);

struct dhcpv4_server_stats {
  std::uint64_t rx_discover = 0;
  std::uint64_t rx_request = 0;
  std::uint64_t rx_decline = 0;
  std::uint64_t rx_release = 0;
  std::uint64_t rx_inform = 0;
  std::uint64_t rx_malformed = 0;  // did not parse, no type, a known option of a bad size
  std::uint64_t rx_ignored = 0;    // a reply, a type a server does not take, not for us
  std::uint64_t rx_relayed = 0;    // giaddr set: no relays
  std::uint64_t tx_offer = 0;
  std::uint64_t tx_ack = 0;
  std::uint64_t tx_nak = 0;
  std::uint64_t pool_exhausted = 0;  // a DISCOVER with no address to offer
  std::uint64_t declined = 0;        // addresses a client found in use
  std::uint64_t db_bad_lines = 0;    // lease database lines load() skipped
};

class dhcpv4_server {
 public:
  enum class binding_state : std::uint8_t { offered, bound, released, declined };
  struct binding {
    mac_addr mac;  // zero for a declined address
    ipv4_addr address;
    binding_state state;
    mono_time until;  // the offer's, lease's or quarantine's end
  };

  // What to send: `message` to `destination` (port 68 of the client or
  // of the broadcast). `message` lives until the next input().
  struct reply {
    sig::ipv4_endpoint destination;
    bytes message;
    wire::dhcp_message_type type;
    ipv4_addr address;  // yiaddr (any for NAK and INFORM)
    mac_addr client;
  };

  // Contract: validate(cfg) found nothing wrong.
  explicit dhcpv4_server(dhcpv4_server_config cfg);

  // One message received on port 67 (the UDP payload).
  std::optional<reply> input(bytes message, mono_time now);

  // True (once) when a lease was bound, extended or given up since the
  // last call: the glue saves the database then.
  bool take_changed();

  // The bound leases as text (see above). `now` and `wall` are the same
  // instant on the two clocks.
  std::string save(mono_time now, wall_time wall) const;
  // Restores what save() wrote; expired leases and lines that do not
  // parse (counted) are skipped. Returns the number of leases restored.
  std::size_t load(std::string_view text, mono_time now, wall_time wall);

  const std::vector<binding>& bindings() const { return _bindings; }
  const dhcpv4_server_config& config() const { return _cfg; }
  const dhcpv4_server_stats& stats() const { return _stats; }
  // The counters as "dhcp_server.counter value" lines (the zero ones left
  // out), as net::host prints its layers'.
  void format_stats(format_sink& out) const;

 private:
  struct request;

  std::optional<reply> on_discover(const request& r, mono_time now);
  std::optional<reply> on_request(const request& r, mono_time now);
  void on_decline(const request& r, mono_time now);
  void on_release(const request& r);
  std::optional<reply> on_inform(const request& r);

  binding* find_client(const mac_addr& mac);
  binding* find_address(ipv4_addr a);
  const dhcpv4_static_lease* static_for(const mac_addr& mac) const;
  bool reserved_for_other(ipv4_addr a, const mac_addr& mac) const;
  bool in_pool(ipv4_addr a) const;
  bool assignable(ipv4_addr a, const mac_addr& mac, mono_time now);
  std::optional<ipv4_addr> choose(const request& r, mono_time now);
  binding* claim(const mac_addr& mac, ipv4_addr a, mono_time now);
  void advance_fresh();
  void bind(binding& b, mono_time now);

  reply emit(const request& r, wire::dhcp_message_type type, ipv4_addr yiaddr, bool with_lease);
  reply nak(const request& r, std::string_view why);

  dhcpv4_server_config _cfg;
  std::vector<binding> _bindings;
  std::uint32_t _next_fresh;  // pool addresses below it are held or reserved
  bool _changed = false;
  std::array<std::byte, 576> _message{};
  dhcpv4_server_stats _stats;
};

std::string_view describe(dhcpv4_server::binding_state s) noexcept;

}  // namespace fata::net
