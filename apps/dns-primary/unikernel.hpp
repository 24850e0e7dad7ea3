// dns-primary: an authoritative DNS server. It loads its zones from a
// key-value store (zone files, $INCLUDEs from the same store) and answers
// with answer_query (fata/dns/server.hpp) over UDP and TCP on one port.
// The unikernel is a class template over the stack and the store;
// config.cpp wires it for the fata tool, main.cpp builds the same code in
// the fata tree (tests/dns/primary).
//
// TCP (RFC 7766): queries on a connection are answered in order as they
// come, pipelined or not. A connection is closed when a whole query does
// not arrive within --tcp-idle (idle, or an octet at a time), or a reply
// is not taken within it (a client that stops reading); beyond --max-tcp
// connections a new one is closed at once.
//
// Zone transfers (fata/dns/transfer.hpp): AXFR over TCP for holders of a
// --transfer-key, every message signed; IXFR answered with the SOA alone
// or the whole zone. The wall clock is TSIG's time.
//
// Not yet: IXFR from a journal, NOTIFY, UPDATE, DoT, response rate
// limiting, cookies (they want the random device for a secret),
// reloading, transfers allowed by address.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/budget.hpp>
#include <fata/core/join.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/server.hpp>
#include <fata/dns/transfer.hpp>
#include <fata/dns/tsig.hpp>
#include <fata/dns/zone_store.hpp>
#include <fata/sig/clock.hpp>
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
  // Keys allowed to transfer every zone, as NAME:ALGORITHM:SECRET
  // (hmac-sha256, -sha384 or -sha512; the secret in base64).
  std::vector<std::string> transfer_keys{};
};

// A --transfer-key: NAME:ALGORITHM:BASE64.
inline fata::result<fata::dns::tsig_key, std::string_view> parse_transfer_key(std::string_view spec) {
  const auto first = spec.find(':');
  const auto second = first == std::string_view::npos ? first : spec.find(':', first + 1);
  if (second == std::string_view::npos) return fata::unexpected(std::string_view("not NAME:ALGORITHM:SECRET"));
  auto key_name = fata::dns::name::from_text(spec.substr(0, first));
  if (!key_name) return fata::unexpected(std::string_view("bad key name"));
  std::string algorithm(spec.substr(first + 1, second - first - 1));
  if (!algorithm.ends_with('.')) algorithm += '.';
  auto algorithm_name = fata::dns::name::from_text(algorithm);
  const auto a = algorithm_name ? fata::dns::tsig_algorithm_from_name(*algorithm_name) : std::nullopt;
  if (!a) return fata::unexpected(std::string_view("algorithm not hmac-sha256, hmac-sha384 or hmac-sha512"));
  auto key = fata::dns::tsig_key::from_base64(*key_name, *a, spec.substr(second + 1));
  if (!key) return fata::unexpected(std::string_view("secret not base64"));
  return *key;
}

// What the server did, for its log line at the end and for tests.
struct counters {
  std::uint64_t udp_queries = 0;
  std::uint64_t tcp_queries = 0;
  std::uint64_t no_reply = 0;     // scraps and responses, dropped
  std::uint64_t truncated = 0;    // UDP replies with TC
  std::uint64_t tcp_refused = 0;  // connections over the bound, closed at once
  std::uint64_t tcp_timed_out = 0;  // a message not read, or a reply not taken, within --tcp-idle
  std::uint64_t transfers = 0;    // zones sent whole
  std::uint64_t transfers_refused = 0;
};

template <fata::sig::stackv4 Stack, fata::sig::kv_ro Store, fata::sig::pclock Wall>
class server {
 public:
  fata::task<int> start(Stack& stack, Store& store, Wall& wall, const settings& s) {
    _settings = s;
    _wall = &wall;
    for (const std::string& spec : s.transfer_keys) {
      auto key = parse_transfer_key(spec);
      if (!key) {
        // The secret stays out of the log.
        log.error("--transfer-key={}: {}", std::string_view(spec).substr(0, spec.find(':')), key.error());
        co_return 2;
      }
      _transfer_keys.push_back(*key);
    }
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
    log.info("answered {} UDP and {} TCP queries; {} dropped, {} truncated, {} connections refused, "
             "{} timed out; {} zones transferred, {} transfers refused",
             _counters.udp_queries, _counters.tcp_queries, _counters.no_reply, _counters.truncated,
             _counters.tcp_refused, _counters.tcp_timed_out, _counters.transfers,
             _counters.transfers_refused);
    co_return 0;
  }

  // The keys one by one, as config.cpp's main<> passes them.
  fata::task<int> start(Stack& stack, Store& store, Wall& wall, const std::vector<std::string>& zones,
                        const fata::port& port, const unsigned& max_tcp, const fata::duration& tcp_idle,
                        const std::vector<std::string>& transfer_keys) {
    const settings s{zones, port, max_tcp, tcp_idle, std::size_t(256) << 20, transfer_keys};
    co_return co_await start(stack, store, wall, s);
  }

  const counters& stats() const { return _counters; }

 private:
  static fata::task<void> serve_udp(server* self, typename Stack::udp_socket* socket) {
    std::vector<std::byte> in(65535), out(65535);
    for (;;) {
      auto d = co_await socket->receive_from(fata::mut_bytes(in.data(), in.size()));
      if (!d) {
        log.error("UDP receive failed, no more UDP queries: {}", d.error());
        co_return;
      }
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

  // Reads exactly out.size() octets; false at the end of the flow or on
  // an error.
  static fata::task<bool> read_exactly(typename Stack::tcp_flow* flow, fata::mut_bytes out) {
    std::size_t got = 0;
    while (got < out.size()) {
      auto n = co_await flow->read(out.sub(got, out.size() - got));
      if (!n || *n == 0) co_return false;
      got += *n;
    }
    co_return true;
  }

  // Reads one length-prefixed message into `in` (65535 octets): its size,
  // or nothing at the end of the flow or on an error.
  static fata::task<std::optional<std::size_t>> read_message(typename Stack::tcp_flow* flow,
                                                             fata::mut_bytes in) {
    std::byte length[2];
    const bool have_length = co_await read_exactly(flow, fata::mut_bytes(length, 2));
    if (!have_length) co_return std::nullopt;
    const std::size_t size = std::size_t(length[0]) << 8 | std::size_t(length[1]);
    const bool have_message = co_await read_exactly(flow, in.first(size));
    if (!have_message) co_return std::nullopt;
    co_return size;
  }

  // Writes `message` within --tcp-idle: a client that stops reading
  // must not hold its connection (and one of --max-tcp) for ever.
  static fata::task<bool> write_message(server* self, typename Stack::tcp_flow* flow, fata::bytes message) {
    auto written = co_await fata::with_timeout(self->_settings.tcp_idle, flow->write(message));
    if (!written || !*written) {
      if (!written) ++self->_counters.tcp_timed_out;
      co_return false;
    }
    co_return true;
  }

  static fata::task<void> serve_connection(server* self, typename Stack::tcp_flow flow) {
    std::vector<std::byte> in(65535), out(2 + 65535);
    for (;;) {
      // The whole message within --tcp-idle, not each read: a client
      // sending an octet at a time must not hold the connection either.
      auto got = co_await fata::with_timeout(self->_settings.tcp_idle,
                                             read_message(&flow, fata::mut_bytes(in.data(), in.size())));
      if (!got || !*got) {
        if (!got) ++self->_counters.tcp_timed_out;
        break;
      }
      const std::size_t size = **got;
      const fata::bytes query(in.data(), size);
      if (fata::dns::asks_for_transfer(query)) {
        const bool sent = co_await send_transfer(self, &flow, query, fata::mut_bytes(out.data(), out.size()));
        if (!sent) break;
        continue;
      }
      const fata::dns::query_context context{.transport = fata::dns::transport::tcp,
                                             .client_address = {}, .now = 0};
      auto r = fata::dns::answer_query(self->_served, self->_config, query, context,
                                       fata::mut_bytes(out.data() + 2, out.size() - 2));
      if (!r) {
        ++self->_counters.no_reply;
        continue;
      }
      ++self->_counters.tcp_queries;
      out[0] = std::byte(r->message.size() >> 8);
      out[1] = std::byte(r->message.size() & 0xff);
      const bool written = co_await write_message(self, &flow, fata::bytes(out.data(), 2 + r->message.size()));
      if (!written) break;
    }
    co_await flow.close();
  }

  std::uint64_t wall_seconds() const {
    const auto since = _wall->now().time_since_epoch();
    return static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::seconds>(since).count()));
  }

  // Answers a transfer request with each message of zone_transfer in
  // turn; false when the flow failed under it.
  static fata::task<bool> send_transfer(server* self, typename Stack::tcp_flow* flow, fata::bytes query,
                                        fata::mut_bytes out) {
    fata::dns::zone_transfer transfer(self->_served, fata::dns::transfer_policy{.keys = self->_transfer_keys},
                                      query, self->wall_seconds());
    ++self->_counters.tcp_queries;
    if (transfer.code() != fata::dns::rcode::noerror) ++self->_counters.transfers_refused;
    for (;;) {
      auto message = transfer.next(out.sub(2, out.size() - 2), self->wall_seconds());
      if (!message) break;
      out.set_be16(0, static_cast<std::uint16_t>(message->size()));
      const bool written = co_await write_message(self, flow, fata::bytes(out.data(), 2 + message->size()));
      if (!written) co_return false;
    }
    if (transfer.code() == fata::dns::rcode::noerror) {
      ++self->_counters.transfers;
      std::array<char, fata::dns::max_name_text> apex{};
      const std::size_t length = transfer.transferred()->apex().to_text(apex);
      log.info("zone {}: transferred, {} records", std::string_view(apex.data(), length),
               transfer.records_sent());
    } else {
      log.info("transfer refused with rcode {}", transfer.code());
    }
    co_return true;
  }

  settings _settings;
  Wall* _wall = nullptr;
  std::vector<fata::dns::tsig_key> _transfer_keys;
  std::unique_ptr<fata::memory_budget> _budget;  // before the zones, which give back to it
  std::vector<std::unique_ptr<fata::dns::zone>> _zones;
  std::vector<const fata::dns::zone*> _served;
  fata::dns::server_config _config;
  counters _counters;
};

}  // namespace dns_primary
