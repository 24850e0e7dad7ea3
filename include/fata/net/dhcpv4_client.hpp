// The DHCPv4 client (RFC 2131, options of RFC 2132 and RFC 3442), as a
// pure state machine: it takes received DHCP messages, ARP conflicts and
// the current time, and says through a `dhcpv4_client_sink` what to send
// and when the address comes or goes. It never reads a clock; the glue
// calls `poll(now)` at `poll_at()`.
//
//   INIT -> SELECTING (DISCOVER) -> REQUESTING (REQUEST) -> PROBING (ARP)
//        -> BOUND -(T1)-> RENEWING (unicast) -(T2)-> REBINDING (broadcast)
//        -(expiry)-> INIT
//
// Guarantees:
// - a reply counts only if it is a BOOTREPLY for our transaction (xid) and
//   our MAC, with a message type the state expects, from the server we
//   chose (option 54) once one is chosen; OFFER and ACK need a usable
//   address and a lease time. Anything else is dropped and counted;
// - before BOUND the offered address is probed by ARP (RFC 5227 §2.1:
//   `probes` probes after a random wait, then `announce_wait`); a conflict
//   sends DECLINE and restarts after `decline_wait` (RFC 2131 §3.1.5);
// - retransmission: DISCOVER and REQUEST after 4 s, doubling to 64 s,
//   each ±1 s at random (§4.1); REQUEST gives up after `request_attempts`
//   and starts over; in RENEWING and REBINDING after half the time left to
//   T2 or to expiry, but at least 60 s (§4.4.5), or a tenth of a lease
//   shorter than ten minutes;
// - the lease's times count from when its REQUEST was sent (§4.4.1);
//   T1 and T2 default to 1/2 and 7/8 of the lease and are made to satisfy
//   T1 <= T2 <= lease; a lease shorter than `min_lease` is taken as that;
// - a NAK restarts after a back-off that doubles while NAKs repeat, so a
//   hostile server cannot drive a DISCOVER storm;
// - classless routes (option 121) replace the router option (RFC 3442
//   §3.1); a malformed option 121 is ignored and counted, as RFC 3442
//   asks, while other known options of the wrong size drop the message.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/splitmix.hpp>
#include <fata/core/time.hpp>
#include <fata/net/wire/dhcpv4.hpp>

namespace fata::net {

struct dhcpv4_client_config {
  mac_addr mac;
  // Seeds the transaction IDs and the random waits (the glue draws it from
  // the platform's entropy; tests fix it).
  std::uint64_t seed = 0;
  // Option 12, when not empty.
  std::string host_name;
  // Option 57: the largest message we accept (the link MTU).
  std::uint16_t max_message_size = 1500;
  // RFC 5227 §1.1: PROBE_WAIT, PROBE_NUM, PROBE_MIN, PROBE_MAX,
  // ANNOUNCE_WAIT. `probes` 0 skips the check.
  duration probe_wait = 1s;
  unsigned probes = 3;
  duration probe_min = 1s;
  duration probe_max = 2s;
  duration announce_wait = 2s;
  duration retry_initial = 4s;
  duration retry_max = 64s;
  unsigned request_attempts = 4;
  duration decline_wait = 10s;
  duration min_lease = 10s;
};

// What the client got: the address and what the stack and services need.
struct dhcpv4_lease {
  static constexpr std::size_t max_dns = 4;
  static constexpr std::size_t max_routes = 16;

  ipv4_prefix address;
  ipv4_addr server;
  // The default router: option 3's first, or option 121's 0.0.0.0/0 route.
  ipv4_addr gateway = ipv4_addr::any();
  std::array<ipv4_addr, max_dns> dns{};
  std::size_t dns_count = 0;
  // Option 121, when the server sent one (it then replaces option 3).
  std::array<ipv4_route, max_routes> routes{};
  std::size_t route_count = 0;
  std::uint16_t mtu = 0;  // option 26; 0: not given
  std::string domain;     // option 15
  duration lease_time{};  // duration::max(): infinite
  duration renew_after{};
  duration rebind_after{};
  mono_time start{};      // when the REQUEST that got it was sent

  mono_time renew_at() const { return saturating_add(start, renew_after); }
  mono_time rebind_at() const { return saturating_add(start, rebind_after); }
  mono_time expires_at() const { return saturating_add(start, lease_time); }
};

struct dhcpv4_client_stats {
  std::uint64_t tx_discover = 0;
  std::uint64_t tx_request = 0;
  std::uint64_t tx_decline = 0;
  std::uint64_t tx_release = 0;
  std::uint64_t tx_probes = 0;
  std::uint64_t rx_offer = 0;
  std::uint64_t rx_ack = 0;
  std::uint64_t rx_nak = 0;
  std::uint64_t rx_malformed = 0;  // did not parse, or a known option of a bad size
  std::uint64_t rx_ignored = 0;    // not ours, not expected now, or unusable
  std::uint64_t bad_routes = 0;    // malformed option 121, ignored
  std::uint64_t leases = 0;        // addresses bound
  std::uint64_t renewals = 0;      // ACKs in RENEWING or REBINDING
  std::uint64_t expiries = 0;
  std::uint64_t conflicts = 0;     // offered addresses someone else held
};

// Where the client's output goes (the glue over UDP and ARP).
class dhcpv4_client_sink {
 public:
  // Sends `message` from port 68 to port 67 of `destination` (the limited
  // broadcast, or the server's address while we hold a lease).
  virtual void send_dhcp(ipv4_addr destination, bytes message) = 0;
  // Broadcasts an ARP probe for `candidate` (sender 0.0.0.0, RFC 5227).
  virtual void send_probe(ipv4_addr candidate) = 0;
  // Configure `lease` (a new address, or new times and options for the
  // one held).
  virtual void lease_bound(const dhcpv4_lease& lease) = 0;
  // The address is gone (expired, refused, released): unconfigure it.
  virtual void lease_lost() = 0;

 protected:
  ~dhcpv4_client_sink() = default;
};

class dhcpv4_client {
 public:
  enum class state : std::uint8_t {
    stopped,
    init,  // waiting to send DISCOVER (after a decline or a NAK)
    selecting,
    requesting,
    probing,
    bound,
    renewing,
    rebinding,
  };

  explicit dhcpv4_client(dhcpv4_client_config cfg);

  // Begins acquisition: DISCOVER now.
  void start(mono_time now, dhcpv4_client_sink& out);
  // One DHCP message received on port 68 (the UDP payload).
  void input(bytes message, mono_time now, dhcpv4_client_sink& out);
  // An ARP packet claimed `address` for another host (a reply from it, or
  // its own probe): during PROBING the offer is declined.
  void address_conflict(ipv4_addr address, mono_time now, dhcpv4_client_sink& out);
  // Retransmissions, probes and the lease's timers due at `now`.
  void poll(mono_time now, dhcpv4_client_sink& out);
  // When poll() next has work (mono_never: none).
  mono_time poll_at() const { return _next; }
  // Gives the address back (RELEASE) and stops.
  void release(mono_time now, dhcpv4_client_sink& out);

  state current() const { return _state; }
  // The lease held (BOUND, RENEWING, REBINDING).
  const std::optional<dhcpv4_lease>& lease() const { return _lease; }
  // The address being probed or requested (for the glue's ARP watch).
  ipv4_addr candidate() const { return _offered; }
  const dhcpv4_client_stats& stats() const { return _stats; }

 private:
  // A reply that passed the checks, with the options decoded.
  struct reply;

  duration jitter(duration base);  // base ± 1 s, at least 0
  duration uniform(duration low, duration high);
  duration retry_delay(unsigned attempt);

  void begin_selecting(mono_time now, dhcpv4_client_sink& out);
  void send_discover(mono_time now, dhcpv4_client_sink& out);
  void send_request(mono_time now, dhcpv4_client_sink& out);
  void send_decline(dhcpv4_client_sink& out);
  void send_probe_or_bind(mono_time now, dhcpv4_client_sink& out);
  void bind(mono_time now, dhcpv4_client_sink& out);
  void lose(mono_time now, dhcpv4_client_sink& out, duration restart_after);
  void on_offer(const reply& r, mono_time now, dhcpv4_client_sink& out);
  void on_ack(const reply& r, mono_time now, dhcpv4_client_sink& out);
  void on_nak(mono_time now, dhcpv4_client_sink& out);
  void arm_renewal_retry(mono_time now, mono_time until);
  std::uint16_t secs(mono_time now) const;

  // Option 61, and the common options of DISCOVER and REQUEST.
  void add_client_id(wire::dhcpv4_writer& w) const;
  void add_client_options(wire::dhcpv4_writer& w) const;

  dhcpv4_client_config _cfg;
  // The waits and xids need spread, not secrecy (every host on the link
  // sees the exchange anyway); the seed comes from entropy.
  splitmix64 _rng;
  state _state = state::stopped;
  std::uint32_t _xid = 0;
  mono_time _next = mono_never;
  mono_time _began{};         // when this acquisition (or renewal) started
  mono_time _request_sent{};  // the first REQUEST of this exchange
  unsigned _attempt = 0;
  unsigned _probes_sent = 0;
  duration _nak_backoff{};
  ipv4_addr _offered;
  ipv4_addr _server;
  std::optional<dhcpv4_lease> _lease;
  std::optional<dhcpv4_lease> _pending;  // ACKed, being probed
  std::array<std::byte, 576> _message{};
  dhcpv4_client_stats _stats;
};

std::string_view describe(dhcpv4_client::state s) noexcept;

}  // namespace fata::net
