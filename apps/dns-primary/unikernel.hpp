// dns-primary: an authoritative DNS server. It loads its zones from a
// key-value store (zone files, $INCLUDEs from the same store) and answers
// with answer_query (fata/dns/server.hpp) over UDP and TCP on one port.
// The unikernel is a class template over the stack and the store;
// config.cpp wires it for the fata tool, main.cpp builds the same code in
// the fata tree (tests/dns/primary).
//
// TCP (RFC 7766): queries on a connection are answered in order as they
// come, pipelined or not; a connection idle for --tcp-idle is closed, and
// beyond --max-tcp connections a new one is closed at once.
//
// Not yet: zone transfers, NOTIFY, UPDATE, DoT, response rate limiting,
// cookies (they want the random device for a secret), reloading.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/budget.hpp>
#include <fata/core/join.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/server.hpp>
#include <fata/dns/zone_store.hpp>
#include <fata/sig/kv.hpp>
#include <fata/sig/stack.hpp>

namespace dns_primary {

inline fata::log::source log{"dns-primary", "The authoritative DNS server"};

struct settings {
  std::vector<std::string> zones;  // ORIGIN=KEY, one per zone
  fata::port port{53};
  unsigned max_tcp = 64;
  fata::duration tcp_idle = std::chrono::seconds(10);
  std::size_t zone_memory = std::size_t(256) << 20;
};

// What the server did, for its log line at the end and for tests.
struct counters {
  std::uint64_t udp_queries = 0;
  std::uint64_t tcp_queries = 0;
  std::uint64_t no_reply = 0;     // scraps and responses, dropped
  std::uint64_t truncated = 0;    // UDP replies with TC
  std::uint64_t tcp_refused = 0;  // connections over the bound, closed at once
};

template <fata::sig::stackv4 Stack, fata::sig::kv_ro Store>
class server {
 public:
  fata::task<int> start(Stack& stack, Store& store, const settings& s) {
    _settings = s;
    _budget = std::make_unique<fata::memory_budget>(s.zone_memory);
    for (const std::string& spec : s.zones) {
      const auto equals = spec.find('=');
      if (equals == std::string::npos) {
        log.error("--zone={}: not ORIGIN=KEY", spec);
        co_return 2;
      }
      auto origin = fata::dns::name::from_text(std::string_view(spec).substr(0, equals));
      if (!origin) {
        log.error("--zone={}: bad origin: {}", spec, origin.error());
        co_return 2;
      }
      fata::dns::zone_builder builder(*origin, *_budget);
      auto loaded = co_await fata::dns::load_zone(store, spec.substr(equals + 1), builder);
      if (!loaded) {
        log.error("zone {}: {}", std::string_view(spec).substr(0, equals), loaded.error());
        co_return 1;
      }
      _zones.push_back(std::make_unique<fata::dns::zone>(std::move(builder).take()));
      _served.push_back(_zones.back().get());
      log.info("zone {}: {} records, {} bytes", std::string_view(spec).substr(0, equals),
               _zones.back()->size(), _zones.back()->memory());
    }
    if (_zones.empty()) {
      log.error("no zones (--zone=ORIGIN=KEY)");
      co_return 2;
    }
    auto udp = stack.udp_bind(s.port);
    if (!udp) {
      log.error("cannot bind UDP port {}: {}", s.port, udp.error());
      co_return 1;
    }
    // TCP on the port UDP got, so that port 0 gives one port for both.
    const fata::port bound = udp->local().number;
    auto tcp = stack.tcp_listen(bound);
    if (!tcp) {
      log.error("cannot listen on TCP port {}: {}", bound, tcp.error());
      co_return 1;
    }
    log.info("serving DNS on {}:{} (UDP and TCP)", stack.ipv4_address(), bound.value);
    fata::task_group group;
    group.spawn(serve_udp(this, &*udp));
    group.spawn(serve_tcp(this, &*tcp));
    co_await group.join();
    log.info("answered {} UDP and {} TCP queries; {} dropped, {} truncated, {} connections refused",
             _counters.udp_queries, _counters.tcp_queries, _counters.no_reply, _counters.truncated,
             _counters.tcp_refused);
    co_return 0;
  }

  // The keys one by one, as config.cpp's main<> passes them.
  fata::task<int> start(Stack& stack, Store& store, const std::vector<std::string>& zones,
                        const fata::port& port, const unsigned& max_tcp, const fata::duration& tcp_idle) {
    const settings s{zones, port, max_tcp, tcp_idle};
    co_return co_await start(stack, store, s);
  }

  const counters& stats() const { return _counters; }

 private:
  static fata::task<void> serve_udp(server* self, typename Stack::udp_socket* socket) {
    std::vector<std::byte> in(65535), out(65535);
    for (;;) {
      auto d = co_await socket->receive_from(fata::mut_bytes(in.data(), in.size()));
      if (!d) co_return;
      if (d->truncated) {
        ++self->_counters.no_reply;
        continue;
      }
      const fata::dns::query_context context{.transport = fata::dns::transport::udp,
                                             .client_address = {}, .now = 0};
      auto r = fata::dns::answer_query(self->_served, self->_config, fata::bytes(in.data(), d->size),
                                       context, fata::mut_bytes(out.data(), out.size()));
      if (!r) {
        ++self->_counters.no_reply;
        continue;
      }
      ++self->_counters.udp_queries;
      if (r->summary.truncated) ++self->_counters.truncated;
      (void)co_await socket->send_to(d->source, r->message);
    }
  }

  static fata::task<void> serve_tcp(server* self, typename Stack::tcp_listener* listener) {
    fata::task_group connections;
    for (;;) {
      auto f = co_await listener->accept();
      if (!f) break;
      if (connections.size() >= self->_settings.max_tcp) {
        ++self->_counters.tcp_refused;
        co_await f->close();
        continue;
      }
      if (!connections.spawn(serve_connection(self, std::move(*f)))) {
        ++self->_counters.tcp_refused;
      }
    }
    co_await connections.join();
  }

  // Reads exactly out.size() octets; false at the end of the flow, on an
  // error, or when the connection stays idle too long.
  static fata::task<bool> read_exactly(server* self, typename Stack::tcp_flow* flow,
                                       fata::mut_bytes out) {
    std::size_t got = 0;
    while (got < out.size()) {
      auto n = co_await fata::with_timeout(self->_settings.tcp_idle,
                                           flow->read(out.sub(got, out.size() - got)));
      if (!n || !*n || **n == 0) co_return false;
      got += **n;
    }
    co_return true;
  }

  static fata::task<void> serve_connection(server* self, typename Stack::tcp_flow flow) {
    std::vector<std::byte> in(65535), out(2 + 65535);
    for (;;) {
      std::byte length[2];
      const bool have_length = co_await read_exactly(self, &flow, fata::mut_bytes(length, 2));
      if (!have_length) break;
      const std::size_t size = std::size_t(length[0]) << 8 | std::size_t(length[1]);
      const bool have_message = co_await read_exactly(self, &flow, fata::mut_bytes(in.data(), size));
      if (!have_message) break;
      const fata::dns::query_context context{.transport = fata::dns::transport::tcp,
                                             .client_address = {}, .now = 0};
      auto r = fata::dns::answer_query(self->_served, self->_config, fata::bytes(in.data(), size),
                                       context, fata::mut_bytes(out.data() + 2, out.size() - 2));
      if (!r) {
        ++self->_counters.no_reply;
        continue;
      }
      ++self->_counters.tcp_queries;
      out[0] = std::byte(r->message.size() >> 8);
      out[1] = std::byte(r->message.size() & 0xff);
      auto written = co_await flow.write(fata::bytes(out.data(), 2 + r->message.size()));
      if (!written) break;
    }
    co_await flow.close();
  }

  settings _settings;
  std::unique_ptr<fata::memory_budget> _budget;  // before the zones, which give back to it
  std::vector<std::unique_ptr<fata::dns::zone>> _zones;
  std::vector<const fata::dns::zone*> _served;
  fata::dns::server_config _config;
  counters _counters;
};

}  // namespace dns_primary
