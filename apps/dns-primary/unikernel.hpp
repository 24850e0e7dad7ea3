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
// --transfer-key, every message signed, and unsigned for addresses in a
// --transfer-from network; IXFR answered from the zone's journal of
// updates (below), else with the SOA alone or the whole zone. The wall
// clock is TSIG's time.
//
// UDP replies are rate limited per client network (fata/dns/rrl.hpp,
// --rrl-rate and --rrl-slip, as NSD's defaults: 200 a second, every second
// one over it sent truncated), so the server is no amplifier; a query
// with a good server cookie is not limited (its address is proven).
//
// Cookies (RFC 7873, 9018): a query with a client cookie gets a server
// cookie made under a secret drawn from the random device at start.
//
// NOTIFY (fata/dns/notify.hpp): at start, each --notify secondary is told
// each zone's serial over UDP, signed with --notify-key when given, and
// sent again (5 times in 31 s) until it answers.
//
// UPDATE (fata/dns/update.hpp, RFC 2136) over UDP and TCP from holders of
// an --update-key: the new zone replaces the old one (transfers under way
// finish on the old), the change goes into the zone's journal (1 MiB, the
// oldest changes dropped first) for IXFR, and the --notify secondaries
// are told the new serial.
//
// DNS over TLS (RFC 7858) on --dot-port with --tls-cert and --tls-key: the
// same answers as over TCP, each connection within --max-tcp, the
// handshake within --tls-handshake-timeout, and replies padded to 468
// octets (RFC 8467) for a query that pads.
//
// Secondary zones (--secondary=ORIGIN=PRIMARY[:PORT]): each is asked of
// its primary over TCP (fata/dns/transfer_in.hpp), IXFR from the serial
// held and AXFR when none is held or the IXFR fails, signed with
// --primary-key when given; again when the SOA's refresh interval has
// passed, after a failure when its retry interval has, and at once on a
// NOTIFY (fata/dns/refresh.hpp). NOTIFY is taken signed with
// --primary-key, or without one unsigned from the zone's primary's
// address (fata/dns/notify.hpp's answer_notify). The last good copy is
// served until its expire interval passes without a good answer; then
// the zone is no longer served (REFUSED) until one comes. A new copy is
// sent on to the --notify secondaries, and an IXFR's change goes into the
// zone's journal, so a secondary serves IXFR too. Updates go to the
// primary zones only.
//
// Not yet: BADCOOKIE for a bad server cookie,
// reloading, keeping updates across restarts, updates allowed by address,
// IPv6 networks in --transfer-from.
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
#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/core/loop.hpp>
#include <fata/core/sync.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/server.hpp>
#include <fata/dns/text.hpp>
#include <fata/dns/notify.hpp>
#include <fata/dns/refresh.hpp>
#include <fata/dns/transfer_in.hpp>
#include <fata/dns/rrl.hpp>
#include <fata/dns/transfer.hpp>
#include <fata/dns/tsig.hpp>
#include <fata/dns/update.hpp>
#include <fata/tls/flow.hpp>
#include <fata/tls/keys.hpp>
#include <fata/dns/zone_store.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/kv.hpp>
#include <fata/sig/random.hpp>
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
  // Networks allowed to transfer without a key (NSD's provide-xfr NOKEY).
  std::vector<fata::ipv4_prefix> transfer_from{};
  // Secondaries told of each zone's serial at start (RFC 1996), as
  // ADDRESS[:PORT] (53 by default), and the transfer key that signs the
  // NOTIFY ("": unsigned).
  std::vector<std::string> notify{};
  std::string notify_key{};
  // UDP replies a second to one client network, and every how many of
  // those over it go out truncated (fata/dns/rrl.hpp); 0: no limit.
  unsigned rrl_rate = 200;
  unsigned rrl_slip = 2;
  // Keys allowed to UPDATE every zone, as --transfer-key's.
  std::vector<std::string> update_keys{};
  // DNS over TLS (RFC 7858) on dot_port, with this certificate chain and
  // key (keys of the store, or inline PEM); none: no DoT.
  std::string tls_cert{};
  std::string tls_key{};
  fata::port dot_port{853};
  // Zones asked of a primary, as ORIGIN=ADDRESS[:PORT] (53 by default),
  // and the --transfer-key that signs the requests and that a NOTIFY must
  // carry ("": unsigned, and NOTIFY taken from the primary's address).
  std::vector<std::string> secondaries{};
  std::string primary_key{};
};

// A --notify target: ADDRESS[:PORT].
inline std::optional<fata::sig::ip_endpoint> parse_notify_target(std::string_view spec) {
  const auto colon = spec.find(':');
  auto address = fata::ipv4_addr::parse(spec.substr(0, colon));
  if (!address) return std::nullopt;
  fata::port port{53};
  if (colon != std::string_view::npos) {
    auto parsed = fata::key_codec<fata::port>::parse(spec.substr(colon + 1));
    // Port 0 parses as a port but names no listener.
    if (!parsed || *parsed == fata::port(0)) return std::nullopt;
    port = *parsed;
  }
  return fata::sig::ip_endpoint(fata::sig::ipv4_endpoint{*address, port});
}

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
  std::uint64_t notifies_acknowledged = 0;
  std::uint64_t tls_failed = 0;       // DoT connections whose handshake failed or timed out
  std::uint64_t updates = 0;          // UPDATE requests that changed a zone
  std::uint64_t updates_refused = 0;  // UPDATE requests answered with another rcode than NOERROR
  std::uint64_t rrl_dropped = 0;  // UDP replies over --rrl-rate, not sent
  std::uint64_t rrl_slipped = 0;  // and sent truncated instead
  std::uint64_t notifies_taken = 0;    // NOTIFYs for a secondary zone, acknowledged
  std::uint64_t notifies_refused = 0;  // and answered with another rcode
  std::uint64_t transfers_in = 0;      // secondary zones taken, whole or as changes
  std::uint64_t transfers_in_failed = 0;
  std::uint64_t zones_expired = 0;
};

template <fata::sig::stackv4 Stack, fata::sig::kv_ro Store, fata::sig::pclock Wall, fata::sig::random Random>
class server {
 public:
  fata::task<int> start(Stack& stack, Store& store, Wall& wall, Random& random, const settings& s) {
    _settings = s;
    _wall = &wall;
    _random = &random;
    // Server cookies (RFC 7873, 9018) under a secret of this run.
    const auto secret = random.fill(fata::mut_bytes(_cookie_secret.key.data(), _cookie_secret.key.size()));
    if (!secret) {
      log.error("no random secret for cookies: {}", secret.error());
      co_return 1;
    }
    _config.cookies = &_cookie_secret;
    auto rrl_key = fata::sig::random_u64(random);
    if (!rrl_key) {
      log.error("no random key for rate limiting: {}", rrl_key.error());
      co_return 1;
    }
    _rrl.emplace(fata::dns::rrl_config{.rate = s.rrl_rate, .slip = s.rrl_slip, .hash_key = *rrl_key});
    if (!parse_keys("transfer-key", s.transfer_keys, _transfer_keys) ||
        !parse_keys("update-key", s.update_keys, _update_keys)) {
      co_return 2;
    }
    for (const std::string& spec : s.notify) {
      auto target = parse_notify_target(spec);
      if (!target) {
        log.error("--notify={}: not ADDRESS[:PORT]", spec);
        co_return 2;
      }
      _notify_targets.push_back(*target);
    }
    if (!s.notify_key.empty()) {
      auto key_name = fata::dns::name::from_text(s.notify_key);
      for (const auto& k : _transfer_keys) {
        if (key_name && k.key_name == *key_name) _notify_key = &k;
      }
      if (!_notify_key) {
        log.error("--notify-key={}: not the name of a --transfer-key", s.notify_key);
        co_return 2;
      }
    }
    if (!s.primary_key.empty()) {
      auto key_name = fata::dns::name::from_text(s.primary_key);
      for (const auto& k : _transfer_keys) {
        if (key_name && k.key_name == *key_name) _primary_key = &k;
      }
      if (!_primary_key) {
        log.error("--primary-key={}: not the name of a --transfer-key", s.primary_key);
        co_return 2;
      }
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
      auto version = std::make_shared<zone_version>();
      version->zone = std::make_unique<fata::dns::zone>(std::move(builder).take());
      version->journal = fata::dns::zone_journal(journal_memory);
      log.info("zone {}: {} records, {} bytes", std::string_view(spec).substr(0, equals),
               version->zone->size(), version->zone->memory());
      _versions.push_back(std::move(version));
    }
    _primary_zones = _versions.size();
    for (const std::string& spec : s.secondaries) {
      const auto equals = spec.find('=');
      auto origin = fata::dns::name::from_text(std::string_view(spec).substr(0, equals));
      auto primary = equals == std::string::npos ? std::nullopt : parse_notify_target(spec.substr(equals + 1));
      if (!origin || !primary) {
        log.error("--secondary={}: not ORIGIN=ADDRESS[:PORT]", spec);
        co_return 2;
      }
      auto z = std::make_unique<secondary_zone>();
      z->apex = *origin;
      z->primary = *primary;
      _secondaries.push_back(std::move(z));
      _versions.push_back(nullptr);  // none until the primary gives one
    }
    index_versions();
    if (_versions.empty()) {
      log.error("no zones (--zone=ORIGIN=KEY or --secondary=ORIGIN=PRIMARY)");
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
    std::optional<typename Stack::tcp_listener> dot;
    if (!s.tls_cert.empty()) {
      const bool loaded = co_await load_certificate(store, s.tls_cert, s.tls_key);
      if (!loaded) co_return 1;
      auto l = stack.tcp_listen(s.dot_port);
      if (!l) {
        log.error("cannot listen on TCP port {} for DNS over TLS: {}", s.dot_port, l.error());
        co_return 1;
      }
      dot.emplace(std::move(*l));
      log.info("serving DNS over TLS on {}:{}", stack.ipv4_address(), dot->local().number.value);
    }
    fata::task_group group;
    _stack = &stack;
    _tasks = &group;
    group.spawn(serve_udp(this, &*udp));
    group.spawn(serve_tcp(this, &*tcp, false));
    if (dot) group.spawn(serve_tcp(this, &*dot, true));
    _notify_rounds.assign(_versions.size(), 0);
    for (std::size_t i = 0; i < _primary_zones; ++i) spawn_notifies(i);
    for (std::size_t i = 0; i < _secondaries.size(); ++i) group.spawn(keep_secondary(this, i));
    co_await group.join();
    log.info("answered {} UDP and {} TCP queries; {} dropped, {} truncated, {} over the rate limit "
             "({} slipped), {} connections refused, {} timed out; {} zones transferred, {} transfers refused; "
             "{} updates, {} refused; {} secondary transfers, {} failed",
             _counters.udp_queries, _counters.tcp_queries, _counters.no_reply, _counters.truncated,
             _counters.rrl_dropped + _counters.rrl_slipped, _counters.rrl_slipped, _counters.tcp_refused,
             _counters.tcp_timed_out, _counters.transfers, _counters.transfers_refused, _counters.updates,
             _counters.updates_refused, _counters.transfers_in, _counters.transfers_in_failed);
    co_return 0;
  }

  // The keys one by one, as config.cpp's main<> passes them.
  fata::task<int> start(Stack& stack, Store& store, Wall& wall, Random& random, const std::vector<std::string>& zones,
                        const fata::port& port, const unsigned& max_tcp, const fata::duration& tcp_idle,
                        const std::vector<std::string>& transfer_keys, const std::vector<std::string>& notify,
                        const std::string& notify_key, const unsigned& rrl_rate, const unsigned& rrl_slip,
                        const std::vector<std::string>& update_keys, const std::string& tls_cert,
                        const std::string& tls_key, const fata::port& dot_port,
                        const std::vector<fata::ipv4_prefix>& transfer_from,
                        const std::vector<std::string>& secondaries, const std::string& primary_key) {
    const settings s{zones,    port,        max_tcp,  tcp_idle,    std::size_t(256) << 20,
                     transfer_keys, transfer_from, notify, notify_key, rrl_rate, rrl_slip,
                     update_keys, tls_cert, tls_key,  dot_port, secondaries, primary_key};
    co_return co_await start(stack, store, wall, random, s);
  }

  const counters& stats() const { return _counters; }

  // How many times a NOTIFY is sent without an answer, the first wait for
  // one, doubled after each (1 + 2 + 4 + 8 + 16 s: RFC 1996 §3.6 leaves
  // the schedule to the primary).
  static constexpr unsigned notify_attempts = 5;
  static constexpr fata::duration notify_first_wait = std::chrono::seconds(1);
  // Each zone's journal of changes for IXFR.
  static constexpr std::size_t journal_memory = std::size_t(1) << 20;

 private:
  // The TSIG keys of --`flag` into `keys`; false, logged, for a bad one.
  static bool parse_keys(std::string_view flag, const std::vector<std::string>& specs,
                         std::vector<fata::dns::tsig_key>& keys) {
    for (const std::string& spec : specs) {
      auto key = parse_transfer_key(spec);
      if (!key) {
        // The secret stays out of the log.
        log.error("--{}={}: {}", flag, std::string_view(spec).substr(0, spec.find(':')), key.error());
        return false;
      }
      keys.push_back(*key);
    }
    return true;
  }

  // The DoT certificate chain and key, into a TLS context.
  fata::task<bool> load_certificate(Store& store, const std::string& cert_spec, const std::string& key_spec) {
    if (key_spec.empty()) {
      log.error("--tls-cert needs --tls-key");
      co_return false;
    }
    auto cert_text = co_await fata::tls::load_material(store, cert_spec);
    auto key_text = co_await fata::tls::load_material(store, key_spec);
    if (!cert_text || !key_text) {
      log.error("certificate {} / key {}: {}", cert_spec.substr(0, 40), key_spec.substr(0, 40),
                !cert_text ? cert_text.error() : key_text.error());
      co_return false;
    }
    auto chain = fata::tls::certificate_chain::parse(fata::bytes::of(*cert_text));
    auto key = fata::tls::private_key::parse(fata::bytes::of(*key_text));
    if (!chain || !key) {
      log.error("certificate {}: {}", cert_spec.substr(0, 40), !chain ? chain.error() : key.error());
      co_return false;
    }
    _tls = std::make_unique<fata::tls::server_context>(fata::tls::server_options_from_keys());
    auto added = _tls->add(std::move(*chain), std::move(*key));
    if (!added) {
      log.error("certificate {}: {}", cert_spec.substr(0, 40), added.error());
      co_return false;
    }
    co_return true;
  }

  // A zone as served, with the changes that led to it. A transfer holds
  // the version it started on, so an update may replace it meanwhile.
  struct zone_version {
    std::unique_ptr<fata::dns::zone> zone;
    fata::dns::zone_journal journal;
  };

  // A zone asked of a primary: where from, and when next.
  struct secondary_zone {
    fata::dns::name apex;
    fata::sig::ip_endpoint primary;
    fata::dns::refresh_schedule schedule;
    fata::event wake;  // set by a NOTIFY
  };

  // _served and _journals from the versions held, for the state machines;
  // _updatable from the primary zones (the first _primary_zones).
  void index_versions() {
    _served.clear();
    _journals.clear();
    _updatable.clear();
    for (std::size_t i = 0; i < _versions.size(); ++i) {
      const auto& v = _versions[i];
      if (!v) continue;
      _served.push_back(v->zone.get());
      _journals.push_back(&v->journal);
      if (i < _primary_zones) _updatable.push_back(v->zone.get());
    }
  }

  // Answers an UPDATE into `out`; a change replaces the zone's version
  // and tells the secondaries.
  fata::bytes answer_update(fata::bytes request, fata::mut_bytes out) {
    // Primary zones only: their index in _updatable is their index in
    // _versions.
    auto outcome = fata::dns::answer_update(_updatable, fata::dns::update_policy{.keys = _update_keys}, request,
                                            wall_seconds(), *_budget, out);
    if (outcome.code != fata::dns::rcode::noerror) {
      ++_counters.updates_refused;
      if (outcome.problem.empty()) {
        log.info("update refused with rcode {}", outcome.code);
      } else {
        log.info("update refused with rcode {}: {}", outcome.code, outcome.problem);
      }
      return outcome.reply;
    }
    if (!outcome.updated) return outcome.reply;
    ++_counters.updates;
    const auto& old = _versions[outcome.zone_index];
    auto version = std::make_shared<zone_version>();
    version->zone = std::move(outcome.updated);
    version->journal = old->journal.with(outcome.change);
    log.info("zone {}: updated from serial {} to {}, {} records, journal {} changes", version->zone->apex(),
             outcome.change->from_serial(), outcome.change->to_serial(), version->zone->size(),
             version->journal.size());
    _versions[outcome.zone_index] = version;
    index_versions();
    spawn_notifies(outcome.zone_index);
    return outcome.reply;
  }

  // A new round of NOTIFYs of zone `index`; the round before stops.
  void spawn_notifies(std::size_t index) {
    const std::uint64_t round = ++_notify_rounds[index];
    if (!_versions[index]) return;
    for (const fata::sig::ip_endpoint& target : _notify_targets) {
      if (!_tasks->spawn(notify_one(this, _stack, index, round, target))) {
        log.error("no memory to send a NOTIFY to {}", target);
      }
    }
  }

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
      const auto client = address_octets(d->source);
      const fata::bytes request(in.data(), d->size);
      fata::bytes reply;
      bool cookie_verified = false;
      if (fata::dns::is_update_request(request)) {
        reply = self->answer_update(request, fata::mut_bytes(out.data(), out.size()));
      } else if (fata::dns::is_notify_request(request)) {
        reply = self->answer_notify(request, d->source, fata::mut_bytes(out.data(), out.size()));
      } else {
        const fata::dns::query_context context{.transport = fata::dns::transport::udp,
                                               .client_address = client.view(),
                                               .now = static_cast<std::uint32_t>(self->wall_seconds())};
        auto r = fata::dns::answer_query(self->_served, self->_config, request, context,
                                         fata::mut_bytes(out.data(), out.size()));
        if (!r) {
          ++self->_counters.no_reply;
          continue;
        }
        if (r->summary.truncated) ++self->_counters.truncated;
        reply = r->message;
        cookie_verified = r->summary.cookie_verified;
      }
      ++self->_counters.udp_queries;
      // Every UDP reply, UPDATE's refusals too, counts against the rate;
      // but a good server cookie proves the address (RFC 7873 §5.2.4):
      // such a client is answered whatever its network's rate.
      const auto verdict = cookie_verified ? fata::dns::rrl_verdict::send
                                           : self->_rrl->judge(client.view(), fata::loop::current().now());
      switch (verdict) {
        case fata::dns::rrl_verdict::send: break;
        case fata::dns::rrl_verdict::slip:
          ++self->_counters.rrl_slipped;
          reply = fata::dns::truncate_to_question(fata::mut_bytes(out.data(), reply.size()));
          break;
        case fata::dns::rrl_verdict::drop: ++self->_counters.rrl_dropped; continue;
      }
      (void)co_await socket->send_to(d->source, reply);
    }
  }

  // Accepts TCP connections, or with `tls` DoT ones (RFC 7858), each
  // listener bounded by --max-tcp.
  static fata::task<void> serve_tcp(server* self, typename Stack::tcp_listener* listener, bool tls) {
    fata::task_group connections;
    for (;;) {
      auto f = co_await listener->accept();
      if (!f) break;
      if (connections.size() >= self->_settings.max_tcp) {
        ++self->_counters.tcp_refused;
        co_await f->close();
        continue;
      }
      const bool spawned = tls ? connections.spawn(serve_tls_connection(self, std::move(*f)))
                               : connections.spawn(serve_connection(self, std::move(*f), false));
      if (!spawned) ++self->_counters.tcp_refused;
    }
    co_await connections.join();
  }

  // The TLS handshake (within --tls-handshake-timeout), then the queries.
  static fata::task<void> serve_tls_connection(server* self, typename Stack::tcp_flow flow) {
    // Handshake flights and replies are written whole.
    flow.set_nodelay(true);
    auto secure = co_await fata::tls::accept(std::move(flow), *self->_tls, *self->_random);
    if (!secure) {
      ++self->_counters.tls_failed;
      co_return;
    }
    co_await serve_connection(self, std::move(*secure), true);
  }

  // Reads exactly out.size() octets; false at the end of the flow or on
  // an error.
  template <class Flow>
  static fata::task<bool> read_exactly(Flow* flow, fata::mut_bytes out) {
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
  template <class Flow>
  static fata::task<std::optional<std::size_t>> read_message(Flow* flow,
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
  template <class Flow>
  static fata::task<bool> write_message(server* self, Flow* flow, fata::bytes message) {
    auto written = co_await fata::with_timeout(self->_settings.tcp_idle, flow->write(message));
    if (!written || !*written) {
      if (!written) ++self->_counters.tcp_timed_out;
      co_return false;
    }
    co_return true;
  }

  // Answers the queries of one connection, over TCP or over TLS (DoT):
  // the same messages, and padding over TLS (RFC 8467).
  template <class Flow>
  static fata::task<void> serve_connection(server* self, Flow flow, bool encrypted) {
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
      const bool update = fata::dns::is_update_request(query);
      if (update || fata::dns::is_notify_request(query)) {
        ++self->_counters.tcp_queries;
        // NOTIFY comes over TCP too: Knot sends it so.
        const fata::mut_bytes room(out.data() + 2, out.size() - 2);
        const fata::bytes reply =
            update ? self->answer_update(query, room) : self->answer_notify(query, flow.remote(), room);
        out[0] = std::byte(reply.size() >> 8);
        out[1] = std::byte(reply.size() & 0xff);
        const bool written = co_await write_message(self, &flow, fata::bytes(out.data(), 2 + reply.size()));
        if (!written) break;
        continue;
      }
      const auto client = address_octets(flow.remote());
      const fata::dns::query_context context{.transport = fata::dns::transport::tcp,
                                             .client_address = client.view(),
                                             .now = static_cast<std::uint32_t>(self->wall_seconds()),
                                             .encrypted = encrypted};
      auto r = fata::dns::answer_query(self->_served, self->_config, query, context,
                                       fata::mut_bytes(out.data() + 2, out.size() - 2));
      if (!r) {
        ++self->_counters.no_reply;
        continue;
      }
      if (r->summary.asks_for_transfer) {
        // The refusal answer_query wrote is dropped: zone_transfer answers.
        const bool sent = co_await send_transfer(self, &flow, query, fata::mut_bytes(out.data(), out.size()));
        if (!sent) break;
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

  // A client's address as cookies take it: 4 or 16 octets.
  struct client_octets {
    std::array<std::uint8_t, 16> octets{};
    std::size_t size = 0;
    fata::bytes view() const { return fata::bytes(octets.data(), size); }
  };
  static client_octets address_octets(const fata::sig::ip_endpoint& e) {
    client_octets c;
    if (e.address.is_v4()) {
      const std::uint32_t v = e.address.v4().value;
      for (int i = 0; i < 4; ++i) c.octets[i] = std::uint8_t(v >> (24 - 8 * i));
      c.size = 4;
    } else {
      const auto v6 = e.address.v6();
      c.octets = v6.octets;
      c.size = 16;
    }
    return c;
  }

  std::uint64_t wall_seconds() const {
    const auto since = _wall->now().time_since_epoch();
    return static_cast<std::uint64_t>(std::max<std::int64_t>(
        0, std::chrono::duration_cast<std::chrono::seconds>(since).count()));
  }

  // Answers a transfer request with each message of zone_transfer in
  // turn; false when the flow failed under it.
  template <class Flow>
  static fata::task<bool> send_transfer(server* self, Flow* flow, fata::bytes query,
                                        fata::mut_bytes out) {
    // The versions as they are now, kept while the transfer lasts.
    const auto versions = self->_versions;
    const auto served = self->_served;
    const auto journals = self->_journals;
    const fata::sig::ip_endpoint remote = flow->remote();
    bool by_address = false;
    for (const fata::ipv4_prefix& p : self->_settings.transfer_from) {
      by_address = by_address || (remote.address.is_v4() && p.contains(remote.address.v4()));
    }
    fata::dns::zone_transfer transfer(served,
                                      fata::dns::transfer_policy{.keys = self->_transfer_keys,
                                                                 .unsigned_allowed = by_address,
                                                                 .journals = journals},
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
      log.info("zone {}: transferred{}, {} records", transfer.transferred()->apex(),
               transfer.incremental() ? " incrementally (IXFR)" : "", transfer.records_sent());
    } else {
      log.info("transfer refused with rcode {}", transfer.code());
    }
    co_return true;
  }

  // Waits for the answer to `sent` from `target`: the first that says
  // something about it (an acknowledgement, a refusal, a bad signature).
  static fata::task<std::optional<fata::dns::notify_check>> await_notify_answer(server* self,
                                                                 typename Stack::udp_socket* socket,
                                                                 const fata::dns::zone* z,
                                                                 fata::sig::ip_endpoint target,
                                                                 const fata::dns::notify_message* sent) {
    std::array<std::byte, 4096> in;
    for (;;) {
      auto d = co_await socket->receive_from(fata::mut_bytes(in.data(), in.size()));
      if (!d) co_return std::nullopt;
      if (d->source != target || d->truncated) continue;
      const auto c = fata::dns::check_notify_answer(fata::bytes(in.data(), d->size), *sent, *z,
                                                    self->_notify_key, self->wall_seconds());
      if (c.answer != fata::dns::notify_answer::not_the_answer) co_return c;
    }
  }

  // Tells `target` of zone `index`'s serial, again after each wait,
  // until it answers or a newer round (after an update) takes over; each
  // attempt announces the zone as it is then.
  static fata::task<void> notify_one(server* self, Stack* stack, std::size_t index, std::uint64_t round,
                                     fata::sig::ip_endpoint target) {
    // A copy: the version may be replaced while the NOTIFY waits.
    const fata::dns::name apex = self->_versions[index]->zone->apex();
    auto socket = stack->udp_bind(fata::port(0));
    if (!socket) {
      log.error("zone {}: no UDP socket for a NOTIFY to {}: {}", apex, target, socket.error());
      co_return;
    }
    // A random ID (RFC 5452 §9.2), which an off-path forger must guess
    // along with the port.
    const auto random_id = fata::sig::random_u64(*self->_random);
    if (!random_id) {
      log.error("zone {}: no random ID for a NOTIFY to {}: {}", apex, target, random_id.error());
      co_return;
    }
    const auto id = static_cast<std::uint16_t>(*random_id);
    std::array<std::byte, 512> request;
    fata::duration wait = notify_first_wait;
    for (unsigned attempt = 0; attempt < notify_attempts; ++attempt, wait = wait * 2) {
      if (self->_notify_rounds[index] != round) co_return;
      const std::shared_ptr<const zone_version> version = self->_versions[index];
      if (!version) co_return;  // a secondary zone that expired
      const fata::dns::zone* z = version->zone.get();
      auto sent = fata::dns::write_notify(*z, id, self->_notify_key, self->wall_seconds(),
                                          fata::mut_bytes(request.data(), request.size()));
      if (!sent) {
        log.error("zone {}: NOTIFY does not fit: {}", apex, sent.error());
        co_return;
      }
      const auto delivered = co_await socket->send_to(target, sent->message);
      if (!delivered) {
        log.warn("zone {}: NOTIFY to {} not sent: {}", apex, target, delivered.error());
      }
      auto answered = co_await fata::with_timeout(wait, await_notify_answer(self, &*socket, z, target, &*sent));
      if (!answered || !*answered) continue;
      const fata::dns::notify_check check = **answered;
      switch (check.answer) {
        case fata::dns::notify_answer::acknowledged:
          ++self->_counters.notifies_acknowledged;
          log.info("zone {}: NOTIFY to {} acknowledged", apex, target);
          co_return;
        case fata::dns::notify_answer::refused:
          log.warn("zone {}: NOTIFY to {} refused with rcode {}", apex, target, check.code);
          co_return;
        case fata::dns::notify_answer::bad_signature:
          log.warn("zone {}: the answer from {} to NOTIFY: {}", apex, target, describe(check.answer));
          co_return;
        case fata::dns::notify_answer::not_the_answer: break;
      }
    }
    log.warn("zone {}: NOTIFY to {} not answered after {} attempts", apex, target, notify_attempts);
  }

  // Answers a NOTIFY from `from`: for a secondary zone, signed with
  // --primary-key, or without one from the zone's primary, it is checked
  // at once.
  fata::bytes answer_notify(fata::bytes request, const fata::sig::ip_endpoint& from, fata::mut_bytes out) {
    std::vector<fata::dns::notify_zone> zones;
    for (const auto& z : _secondaries) {
      zones.push_back({.apex = z->apex, .unsigned_allowed = !_primary_key && z->primary.address == from.address});
    }
    const std::span<const fata::dns::tsig_key> keys =
        _primary_key ? std::span<const fata::dns::tsig_key>(_primary_key, 1) : std::span<const fata::dns::tsig_key>{};
    const auto o = fata::dns::answer_notify(zones, keys, request, wall_seconds(), out);
    if (!o.zone_index) {
      ++_counters.notifies_refused;
      log.info("NOTIFY from {} refused with rcode {}", from, o.code);
      return o.reply;
    }
    ++_counters.notifies_taken;
    secondary_zone& z = *_secondaries[*o.zone_index];
    log.info("zone {}: NOTIFY from {}", z.apex, from);
    z.schedule.notified(fata::loop::current().now());
    z.wake.set();
    return o.reply;
  }

  // What one transfer from a primary gave.
  struct fetched {
    fata::dns::transfer_failure failure = fata::dns::transfer_failure::none;
    fata::dns::rcode code = fata::dns::rcode::noerror;
    std::string_view trouble{};  // a failure before the answer: no connection, a timeout
    bool up_to_date = false;
    bool incremental = false;
    std::size_t records = 0;
    std::unique_ptr<fata::dns::zone> zone;
    std::shared_ptr<const fata::dns::zone_change> change;
    bool good() const { return trouble.empty() && failure == fata::dns::transfer_failure::none; }
    static fetched refused() {
      fetched f;
      f.trouble = "no memory";
      return f;
    }
  };

  // Asks the primary of secondary zone `index` for it: IXFR from `held`
  // (null: AXFR), each message within --tcp-idle.
  static fata::task<fetched> fetch_zone(server* self, std::size_t index, const fata::dns::zone* held) {
    secondary_zone& z = *self->_secondaries[index];
    fetched result;
    // A random ID (RFC 5452 §9.2), before any connection is made for it.
    const auto random_id = fata::sig::random_u64(*self->_random);
    if (!random_id) {
      result.trouble = "no random ID for the request";
      co_return result;
    }
    auto connected = co_await fata::with_timeout(self->_settings.tcp_idle, self->_stack->tcp_connect(z.primary));
    if (!connected || !*connected) {
      result.trouble = "cannot connect";
      co_return result;
    }
    auto flow = std::move(**connected);
    std::vector<std::byte> in(65535), out(2 + 512);
    auto request = fata::dns::write_transfer_request(z.apex, held, static_cast<std::uint16_t>(*random_id),
                                                     self->_primary_key, self->wall_seconds(),
                                                     fata::mut_bytes(out.data() + 2, out.size() - 2));
    if (!request) {
      result.trouble = "the request does not fit";
      co_await flow.close();
      co_return result;
    }
    fata::mut_bytes(out.data(), 2).set_be16(0, static_cast<std::uint16_t>(request->message.size()));
    const bool sent = co_await write_message(self, &flow, fata::bytes(out.data(), 2 + request->message.size()));
    if (!sent) {
      result.trouble = "request not sent";
      co_await flow.close();
      co_return result;
    }
    fata::dns::incoming_transfer transfer(z.apex, held, *request, self->_primary_key, *self->_budget);
    for (;;) {
      auto got = co_await fata::with_timeout(self->_settings.tcp_idle,
                                             read_message(&flow, fata::mut_bytes(in.data(), in.size())));
      if (!got || !*got) {
        result.trouble = !got ? "timed out" : "connection closed before the end";
        break;
      }
      const auto p = transfer.feed(fata::bytes(in.data(), **got), self->wall_seconds());
      if (p == fata::dns::incoming_transfer::progress::more) continue;
      result.failure = transfer.failure();
      result.code = transfer.code();
      result.up_to_date = transfer.up_to_date();
      result.incremental = transfer.incremental();
      result.records = transfer.records();
      result.zone = transfer.take_zone();
      result.change = transfer.take_change();
      break;
    }
    co_await flow.close();
    co_return result;
  }

  // Keeps secondary zone `index`: asks its primary when the schedule says
  // (or a NOTIFY), installs what comes, and stops serving it on expiry.
  static fata::task<void> keep_secondary(server* self, std::size_t index) {
    secondary_zone& z = *self->_secondaries[index];
    const std::size_t slot = self->_primary_zones + index;
    const fata::dns::name& apex = z.apex;
    for (;;) {
      const fata::mono_time now = fata::loop::current().now();
      if (z.schedule.expired(now)) {
        z.schedule.drop_copy();
        if (self->_versions[slot]) {
          ++self->_counters.zones_expired;
          log.warn("zone {}: expired, no longer served", apex);
          self->_versions[slot] = nullptr;
          self->index_versions();
        }
      }
      if (now < z.schedule.next_check()) {
        fata::mono_time until = z.schedule.next_check();
        if (auto e = z.schedule.expires_at(); e && *e < until) until = *e;
        auto woken = co_await z.wake.wait_until(until);
        z.wake.clear();
        if (!woken && woken.error() != fata::errc::timed_out) co_return;  // cancelled: the server stops
        continue;
      }
      z.wake.clear();
      // The version held stays alive while the transfer reads it.
      const std::shared_ptr<const zone_version> held = self->_versions[slot];
      fetched f = co_await fetch_zone(self, index, held ? held->zone.get() : nullptr);
      // An IXFR answer that failed (changes that do not apply to the copy
      // held, a primary that does not know IXFR): the whole zone instead,
      // as BIND and Knot do. Not when the primary could not be reached, or
      // refused us.
      const bool refused = f.failure == fata::dns::transfer_failure::refused &&
                           (f.code == fata::dns::rcode::refused || f.code == fata::dns::rcode::notauth);
      if (held && f.trouble.empty() && f.failure != fata::dns::transfer_failure::none && !refused) {
        log.info("zone {}: IXFR failed ({}), asking for AXFR", apex, describe(f.failure));
        f = co_await fetch_zone(self, index, nullptr);
      }
      const fata::mono_time after = fata::loop::current().now();
      // A NOTIFY that came while the transfer ran may announce a newer
      // serial than it brought: check again at once.
      const bool notified_meanwhile = z.wake.is_set();
      if (!f.good()) {
        ++self->_counters.transfers_in_failed;
        z.schedule.failed(after);
        if (notified_meanwhile) z.schedule.notified(after);
        if (!f.trouble.empty()) {
          log.warn("zone {}: transfer from {} failed: {}", apex, z.primary, f.trouble);
        } else if (f.failure == fata::dns::transfer_failure::refused) {
          log.warn("zone {}: transfer from {} refused with rcode {}", apex, z.primary, f.code);
        } else {
          log.warn("zone {}: transfer from {} failed: {}", apex, z.primary, describe(f.failure));
        }
        continue;
      }
      const fata::dns::zone* current = f.zone ? f.zone.get() : held->zone.get();
      const auto timers = fata::dns::soa_timers_of(current->at(current->find(current->apex(), fata::dns::rr_type::soa).first).rdata);
      z.schedule.answered(after, timers.value_or(fata::dns::soa_timers{}));
      if (notified_meanwhile) z.schedule.notified(after);
      if (f.up_to_date || !f.zone) continue;
      ++self->_counters.transfers_in;
      auto version = std::make_shared<zone_version>();
      version->zone = std::move(f.zone);
      version->journal = held && f.change ? held->journal.with(f.change) : fata::dns::zone_journal(journal_memory);
      log.info("zone {}: {} from {}, serial {}, {} records", apex, f.incremental ? "IXFR" : "AXFR", z.primary,
               fata::dns::soa_serial(version->zone->at(version->zone->find(z.apex, fata::dns::rr_type::soa).first).rdata)
                   .value_or(0),
               version->zone->size());
      self->_versions[slot] = std::move(version);
      self->index_versions();
      self->spawn_notifies(slot);
    }
  }

  settings _settings;
  Wall* _wall = nullptr;
  Random* _random = nullptr;
  fata::dns::cookie_secret _cookie_secret;
  std::optional<fata::dns::response_rate_limiter> _rrl;
  std::vector<fata::sig::ip_endpoint> _notify_targets;
  const fata::dns::tsig_key* _notify_key = nullptr;  // in _transfer_keys
  std::vector<fata::dns::tsig_key> _transfer_keys;
  std::unique_ptr<fata::memory_budget> _budget;  // before the zones, which give back to it
  std::vector<fata::dns::tsig_key> _update_keys;
  std::unique_ptr<fata::tls::server_context> _tls;  // DoT's, when --tls-cert is given
  std::vector<std::shared_ptr<const zone_version>> _versions;
  std::vector<const fata::dns::zone*> _served;
  std::vector<const fata::dns::zone_journal*> _journals;
  std::vector<const fata::dns::zone*> _updatable;
  std::size_t _primary_zones = 0;
  std::vector<std::unique_ptr<secondary_zone>> _secondaries;  // _versions[_primary_zones + i]
  const fata::dns::tsig_key* _primary_key = nullptr;          // in _transfer_keys
  Stack* _stack = nullptr;
  fata::task_group* _tasks = nullptr;  // start's, for the NOTIFYs after an update
  std::vector<std::uint64_t> _notify_rounds;  // each zone's latest round of NOTIFYs
  fata::dns::server_config _config;
  counters _counters;
};

}  // namespace dns_primary
