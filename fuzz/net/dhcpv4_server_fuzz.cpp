// Fuzz target: the DHCPv4 server. The input is a run of messages, each
// prefixed by its length (two bytes, little-endian), fed to one server a
// second apart, so offers, leases, declines and the table's bound carry
// from one message to the next; or, when the first byte is 0xff, a lease
// database for load(). Every reply must parse and name an address the
// server may give, no two live bindings may share an address, the table
// stays within its bound, and what save() writes loads back whole.
#include <fata/net/dhcpv4_server.hpp>
#include <fata/net/wire/dhcpv4.hpp>

#include <string_view>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net;
using namespace fata::net::wire;

namespace {

dhcpv4_server_config config() {
  dhcpv4_server_config c;
  c.address = ipv4_prefix{ipv4_addr(10, 0, 3, 1), 24};
  c.pool_first = ipv4_addr(10, 0, 3, 100);
  c.pool_last = ipv4_addr(10, 0, 3, 103);
  c.router = c.address.address;
  c.dns = {c.address.address};
  c.domain = "fata.test";
  c.routes = {{ipv4_prefix{ipv4_addr(10, 99, 0, 0), 16}, c.address.address}};
  c.static_leases = {{mac_addr{{0x02, 0, 0, 0, 0, 0x07}}, ipv4_addr(10, 0, 3, 7)}};
  c.lease_time = 20s;
  c.offer_hold = 5s;
  c.decline_hold = 10s;
  c.max_bindings = 3;  // below the pool: eviction is reached
  return c;
}

bool may_give(const dhcpv4_server_config& c, ipv4_addr a) {
  if (a.value >= c.pool_first.value && a.value <= c.pool_last.value) return true;
  for (const auto& s : c.static_leases)
    if (s.address == a) return true;
  return false;
}

void check(const dhcpv4_server& s, mono_time now) {
  const auto& b = s.bindings();
  FUZZ_CHECK(b.size() <= s.config().max_bindings);
  for (std::size_t i = 0; i < b.size(); ++i) {
    FUZZ_CHECK(may_give(s.config(), b[i].address));
    for (std::size_t j = 0; j < i; ++j) {
      FUZZ_CHECK(b[i].address != b[j].address);
      if (!b[i].mac.is_zero()) FUZZ_CHECK(b[i].mac != b[j].mac);
    }
  }
  (void)now;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const mono_time t0 = mono_from_ns(1'000'000'000);
  const wall_time w0 = wall_from_ns(1'800'000'000LL * 1'000'000'000LL);
  dhcpv4_server server(config());
  if (size > 0 && data[0] == 0xff) {
    server.load(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1), t0, w0);
    check(server, t0);
    return 0;
  }
  mono_time now = t0;
  std::size_t i = 0;
  while (i + 2 <= size) {
    const std::size_t len = std::min<std::size_t>(data[i] | (std::size_t(data[i + 1]) << 8), size - i - 2);
    const bytes message(reinterpret_cast<const std::byte*>(data + i + 2), len);
    i += 2 + len;
    if (auto r = server.input(message, now)) {
      auto p = dhcpv4_packet::parse(r->message);
      FUZZ_CHECK(p.has_value());
      FUZZ_CHECK(p->op() == dhcpv4_packet::op_reply);
      FUZZ_CHECK(p->message_type() == r->type);
      if (!r->address.is_any()) FUZZ_CHECK(may_give(server.config(), r->address));
      FUZZ_CHECK(r->destination.number == dhcp_client_port);
    }
    check(server, now);
    now += 1s;
  }
  // Whatever is bound survives a restart.
  std::size_t bound = 0;
  for (const auto& b : server.bindings())
    if (b.state == dhcpv4_server::binding_state::bound && b.until > now) ++bound;
  dhcpv4_server restarted(config());
  FUZZ_CHECK(restarted.load(server.save(now, w0), now, w0) == bound);
  FUZZ_CHECK(restarted.stats().db_bad_lines == 0);
  check(restarted, now);
  return 0;
}
