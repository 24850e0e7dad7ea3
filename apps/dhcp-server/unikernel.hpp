// dhcp-server: a DHCPv4 server for one subnet (MirageOS's charrua server),
// the state machine of fata/net/dhcpv4_server.hpp over a UDP socket on port
// 67. Leases are saved to the key-value store after each change and read
// back at start, so a server restarted over a lasting store keeps every
// client's address. Run it on the direct stack (replies go to the limited
// broadcast, which the host's sockets do not send).
//
//   dhcp-server --ipv4=10.77.0.1/24 --subnet=10.77.0.0/24
//     --pool-start=10.77.0.100 --pool-end=10.77.0.150 --router=10.77.0.1
//     --dns=10.77.0.1 --domain=example.test --lease-time=1h
//     --static-lease=02:00:00:00:00:07=10.77.0.7
//     --classless-route=10.99.0.0/16=10.77.0.1
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fata/core/fmt.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/net/dhcpv4_server.hpp>
#include <fata/platform/abi.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/kv.hpp>
#include <fata/sig/stack.hpp>

namespace dhcp {

inline fata::log::source server_log{"dhcp-server", "The DHCP server's leases"};

// The keys of the description (config.cpp) and of the in-tree build.
struct settings {
  fata::ipv4_prefix subnet;
  fata::ipv4_addr pool_start;
  fata::ipv4_addr pool_end;
  fata::ipv4_addr router;
  std::vector<fata::ipv4_addr> dns;
  std::string domain;
  fata::duration lease_time;
  unsigned mtu = 0;
  std::vector<std::string> static_leases;     // MAC=ADDRESS
  std::vector<std::string> classless_routes;  // PREFIX=ROUTER
  std::string leases_key;
  unsigned max_leases = 1024;
};

// "LEFT=RIGHT", split at the first '='.
inline std::optional<std::pair<std::string_view, std::string_view>> split_at_equals(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  return std::pair{text.substr(0, eq), text.substr(eq + 1)};
}

// The server's configuration from the keys and the stack's address, or a
// one-line reason it cannot be.
inline fata::result<fata::net::dhcpv4_server_config, std::string> server_config(const settings& s,
                                                                              fata::ipv4_addr own) {
  using fata::unexpected;
  fata::net::dhcpv4_server_config c;
  if (!s.subnet.contains(own))
    return unexpected(fata::format("the stack's address {} is not in --subnet={}", own, s.subnet));
  c.address = fata::ipv4_prefix{own, s.subnet.length};
  c.pool_first = s.pool_start;
  c.pool_last = s.pool_end;
  c.router = s.router;
  c.dns = s.dns;
  c.domain = s.domain;
  if (s.mtu > 0xffff) return unexpected(fata::format("--mtu={}: more than 65535", s.mtu));
  c.mtu = static_cast<std::uint16_t>(s.mtu);
  c.lease_time = s.lease_time;
  c.max_bindings = s.max_leases;
  for (const std::string& text : s.static_leases) {
    auto parts = split_at_equals(text);
    auto mac = parts ? fata::mac_addr::parse(parts->first) : std::nullopt;
    auto addr = parts ? fata::ipv4_addr::parse(parts->second) : std::nullopt;
    if (!mac || !addr) return unexpected(fata::format("--static-lease={}: expected MAC=ADDRESS", text));
    c.static_leases.push_back({*mac, *addr});
  }
  for (const std::string& text : s.classless_routes) {
    auto parts = split_at_equals(text);
    auto prefix = parts ? fata::ipv4_prefix::parse(parts->first) : std::nullopt;
    auto router = parts ? fata::ipv4_addr::parse(parts->second) : std::nullopt;
    if (!prefix || !router) return unexpected(fata::format("--classless-route={}: expected PREFIX=ROUTER", text));
    c.routes.push_back({*prefix, *router});
  }
  if (auto wrong = fata::net::validate(c)) return unexpected(std::string(*wrong));
  return c;
}

template <fata::sig::stackv4 Stack, fata::sig::kv_rw Store, fata::sig::mclock Mono, fata::sig::pclock Wall>
struct server {
  // The keys one by one, as config.cpp's main<> passes them.
  fata::task<int> start(Stack& stack, Store& store, Mono& mono, Wall& wall, const fata::ipv4_prefix& subnet,
                        const fata::ipv4_addr& pool_start, const fata::ipv4_addr& pool_end,
                        const fata::ipv4_addr& router, const std::vector<fata::ipv4_addr>& dns,
                        const std::string& domain, const fata::duration& lease_time, const unsigned& mtu,
                        const std::vector<std::string>& static_leases,
                        const std::vector<std::string>& classless_routes, const std::string& leases_key,
                        const unsigned& max_leases) {
    // Named, not a temporary of the co_await expression: g++ 12 destroys
    // such temporaries twice.
    const settings s{subnet, pool_start, pool_end, router, dns, domain, lease_time, mtu,
                     static_leases, classless_routes, leases_key, max_leases};
    co_return co_await start(stack, store, mono, wall, s);
  }

  fata::task<int> start(Stack& stack, Store& store, Mono& mono, Wall& wall, const settings& s) {
    auto cfg = server_config(s, stack.ipv4_address());
    if (!cfg) {
      server_log.error("{}", cfg.error());
      co_return fata::usage_exit_status;
    }
    fata::net::dhcpv4_server dhcp(std::move(*cfg));
    auto restored = co_await store.get(s.leases_key);
    if (restored) {
      const std::size_t n = dhcp.load(*restored, mono.now(), wall.now());
      server_log.info("restored {} lease(s) from {}", n, s.leases_key);
    } else if (restored.error() != fata::sig::kv_error::not_found) {
      server_log.warn("cannot read {}: {}; starting with no leases", s.leases_key, restored.error());
    }
    auto socket = stack.udp_bind(fata::net::wire::dhcp_server_port);
    if (!socket) {
      server_log.error("cannot bind UDP port 67: {}", socket.error());
      co_return 1;
    }
    const auto& c = dhcp.config();
    server_log.info("serving {}..{} on {} for {}", c.pool_first, c.pool_last, c.address,
                    fata::format("{}", c.lease_time));
    std::array<std::byte, 1500> buf{};
    for (;;) {
      auto d = co_await socket->receive_from(fata::mut_bytes(buf.data(), buf.size()));
      if (!d) {
        if (d.error() == fata::sig::stack_error::cancelled || d.error() == fata::sig::stack_error::closed) break;
        continue;
      }
      // Clients send from port 68 (RFC 2131 §4.1); a truncated one is not whole.
      if (d->source.number != fata::net::wire::dhcp_client_port || d->truncated) continue;
      auto r = dhcp.input(fata::bytes(buf.data(), d->size), mono.now());
      if (r) {
        log_reply(*r);
        auto sent = co_await socket->send_to(r->destination, r->message);
        if (!sent) server_log.warn("cannot send to {}: {}", r->destination, sent.error());
      }
      if (dhcp.take_changed()) {
        auto saved = co_await store.set(s.leases_key, dhcp.save(mono.now(), wall.now()));
        if (!saved) server_log.warn("cannot save the leases to {}: {}", s.leases_key, saved.error());
      }
    }
    fata::format_sink out([](void*, std::string_view text) { fata::platform::console_write(text); }, nullptr);
    dhcp.format_stats(out);
    co_return 0;
  }

 private:
  static void log_reply(const fata::net::dhcpv4_server::reply& r) {
    switch (r.type) {
      case fata::net::wire::dhcp_message_type::offer:
        server_log.info("offered {} to {}", r.address, r.client);
        break;
      case fata::net::wire::dhcp_message_type::ack:
        if (r.address.is_any()) server_log.info("informed {}", r.client);
        else server_log.info("leased {} to {}", r.address, r.client);
        break;
      default:
        server_log.info("refused {} (NAK)", r.client);
        break;
    }
  }
};

}  // namespace dhcp
