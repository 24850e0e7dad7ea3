// The static website: fata's main job (MirageOS's static website over
// HTTPS). Serves the files of a read-only key-value store over HTTP and
// HTTPS, from any network stack:
// - HTTP on `http_port`: the files, or (with `redirect_https`) a 301 to the
//   same URL on HTTPS;
// - HTTPS on `https_port` (unless `https` is false): TLS 1.2 with every certificate chain
//   named by `tls_cert`/`tls_key` (paired by position; the first is the
//   default, SNI picks among them), each a key of the `certs` store or
//   inline PEM;
// - keep-alive, pipelining, conditional requests, ranges, gzip siblings,
//   directory indexes (http/static_files.hpp); an access log line per
//   request (log source http.access); entropy from the random device only.
// Port 0 is one the stack picks (where it can: the socket stack); the log
// lines `serving http://ADDR:PORT/` and `serving https://ADDR:PORT/` name
// the ports listened on.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fata/core/join.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/http/keys.hpp>
#include <fata/http/server.hpp>
#include <fata/http/static_files.hpp>
#include <fata/http/url.hpp>
#include <fata/runtime/runtime.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/kv.hpp>
#include <fata/sig/random.hpp>
#include <fata/sig/stack.hpp>
#include <fata/tls/flow.hpp>
#include <fata/tls/keys.hpp>

namespace website {

inline fata::log::source site_log{"website", "The static website"};

// Answers every request with a redirect to the same target over HTTPS.
// (A member template, so that the description, which includes this header
// without linking the HTTP library, compiles nothing of it.)
// The Host field is echoed only when it is a valid host[:port]
// (http::host_of_field); anything else (a missing Host, "evil/x", "a@b")
// gets `fallback_host`, so the redirect never points at a name the client
// smuggled in.
struct https_redirect {
  fata::port https_port;
  std::string fallback_host = "localhost";
  template <class Response = fata::http::response>
  fata::task<void> handle(const fata::http::request& req, Response& res) {
    const auto host = fata::http::host_of_field(req.head.host);
    std::string location = "https://";
    location += host ? *host : std::string_view(fallback_host);
    if (https_port.value != 443) location += fata::format(":{}", https_port.value);
    location += req.head.path;
    if (!req.head.query.empty()) {
      location += '?';
      location += req.head.query;
    }
    res.status = fata::http::status::moved_permanently;
    res.add_header("Location", location);
    res.add_header("Content-Type", "text/plain; charset=utf-8");
    res.append_text("Moved to HTTPS\n");
    co_return;
  }
};

template <fata::sig::stackv4 Stack, fata::sig::kv_ro Site, fata::sig::kv_ro Certs,
          fata::sig::pclock Clock, fata::sig::random Random>
class website {
 public:
  fata::task<int> start(Stack& stack, Site& site, Certs& certs, Clock& clock, Random& rng,
                        const fata::port& http_port, const fata::port& https_port, const bool& https,
                        const bool& redirect_https, const std::vector<std::string>& tls_cert,
                        const std::vector<std::string>& tls_key) {
    _rng = &rng;
    // Timeouts and bounds from the HTTP and TLS libraries' runtime keys
    // (--http-header-timeout, --tls-handshake-timeout, --http-memory...).
    fata::tls::server_options tls_options = fata::tls::server_options_from_keys();
    tls_options.alpn = {"http/1.1"};
    _tls = std::make_unique<fata::tls::server_context>(tls_options);
    fata::http::static_files<Site> files(site);
    // One table for every port: the bound on connections and the memory
    // they hold, with the oldest idle or slow one shed when it is full.
    fata::http::connection_table connections(fata::http::connection_limits_from_keys());
    _connections = &connections;
    fata::http::server_config cfg = fata::http::server_config_from_keys();
    cfg.connections = &connections;
    site_log.info("at most {} connections holding {} bytes, every port together",
                  connections.limits().max_connections, connections.memory().limit());
    fata::http::server<fata::http::static_files<Site>, Clock> plain(files, clock, cfg);
    fata::http::server<fata::http::static_files<Site>, Clock> secure(files, clock, cfg);
    https_redirect redirector{https_port};
    if (!stack.ipv4_address().is_any()) redirector.fallback_host = fata::format("{}", stack.ipv4_address());
    fata::http::server<https_redirect, Clock> redirecting(redirector, clock, cfg);
    _secure = &secure;

    if (https) {
      const bool loaded = co_await load_chains(certs, tls_cert, tls_key);
      if (!loaded) co_return 1;
    }
    auto http_listener = stack.tcp_listen(http_port);
    if (!http_listener) {
      site_log.error("cannot listen on port {}: {}", http_port, http_listener.error());
      co_return 1;
    }
    std::optional<typename Stack::tcp_listener> https_listener;
    if (https) {
      auto l = stack.tcp_listen(https_port);
      if (!l) {
        site_log.error("cannot listen on port {}: {}", https_port, l.error());
        co_return 1;
      }
      https_listener.emplace(std::move(*l));
      redirector.https_port = https_listener->local().number;  // the port listened on
    }
    site_log.info("serving http://{}:{}/{}", stack.ipv4_address(), http_listener->local().number.value,
             redirect_https ? " (redirecting to HTTPS)" : "");
    if (https_listener)
      site_log.info("serving https://{}:{}/ with {} certificate chain(s)", stack.ipv4_address(),
               https_listener->local().number.value, _tls->chains());

    fata::task_group group;
    if (redirect_https && https_listener) {
      group.spawn(redirecting.serve(*http_listener));
    } else {
      group.spawn(plain.serve(*http_listener));
    }
    if (https_listener) group.spawn(serve_tls(this, &*https_listener));
    co_await group.join();
    const auto& t = connections.stats();
    site_log.info("connections: {} admitted, {} refused ({} for memory), {} idle and {} slow shed; "
                  "memory peak {} of {} bytes; {} requests",
                  t.admitted, t.refused + t.refused_memory, t.refused_memory, t.shed_idle,
                  t.shed_slow, connections.memory().peak(), connections.memory().limit(),
                  plain.stats().requests + secure.stats().requests + redirecting.stats().requests);
    co_return 0;
  }

 private:
  using secure_server = fata::http::server<fata::http::static_files<Site>, Clock>;

  fata::task<bool> load_chains(Certs& certs, const std::vector<std::string>& cert_specs,
                               const std::vector<std::string>& key_specs) {
    if (cert_specs.empty() || cert_specs.size() != key_specs.size()) {
      site_log.error("--tls-cert and --tls-key must name as many certificates as keys (got {} and {})",
                cert_specs.size(), key_specs.size());
      co_return false;
    }
    for (std::size_t i = 0; i < cert_specs.size(); ++i) {
      auto cert_text = co_await fata::tls::load_material(certs, cert_specs[i]);
      auto key_text = co_await fata::tls::load_material(certs, key_specs[i]);
      if (!cert_text || !key_text) {
        site_log.error("certificate {} / key {}: {}", cert_specs[i], key_specs[i],
                  !cert_text ? cert_text.error() : key_text.error());
        co_return false;
      }
      auto chain = fata::tls::certificate_chain::parse(fata::bytes::of(*cert_text));
      auto key = fata::tls::private_key::parse(fata::bytes::of(*key_text));
      if (!chain || !key) {
        site_log.error("certificate {}: {}", cert_specs[i], !chain ? chain.error() : key.error());
        co_return false;
      }
      std::string names;
      for (const auto& n : chain->names()) names += (names.empty() ? "" : ", ") + n;
      const auto type = chain->leaf_key_type();
      auto added = _tls->add(std::move(*chain), std::move(*key));
      if (!added) {
        site_log.error("certificate {}: {}", cert_specs[i], added.error());
        co_return false;
      }
      site_log.info("TLS certificate {} ({}) for {}", cert_specs[i], type, names);
    }
    co_return true;
  }

  static fata::task<void> tls_connection(website* self, typename Stack::tcp_flow flow,
                                         fata::http::connection_slot slot) {
    const fata::sig::ip_endpoint remote = flow.remote();
    // The handshake can be shed when it is slow and the table full.
    slot.attach(co_await fata::current_cancel_state());
    // Handshake flights and responses are written whole (see http::server).
    flow.set_nodelay(true);
    auto secure = co_await fata::tls::accept(std::move(flow), *self->_tls, *self->_rng);
    if (!secure) co_return;
    slot.enter(fata::http::connection_phase::reading, fata::loop::current().now());
    co_await self->_secure->serve_connection(*secure, {remote, true}, std::move(slot));
  }

  static fata::task<void> serve_tls(website* self, typename Stack::tcp_listener* listener) {
    fata::task_group group;
    for (;;) {
      auto f = co_await listener->accept();
      if (!f) {
        if (f.error() == fata::sig::flow_error::closed ||
            f.error() == fata::sig::flow_error::cancelled)
          break;
        // As http::server::serve: out of frames, shed a slow connection.
        if (f.error() == fata::sig::flow_error::no_memory) {
          self->_connections->shed_one(fata::loop::current().now());
        }
        auto slept = co_await fata::sleep(std::chrono::milliseconds(10));
        if (!slept) break;
        continue;
      }
      // A TLS session costs its engine's memory on top of the connection.
      auto slot = self->_connections->admit(fata::loop::current().now(), fata::tls::session_memory(),
                                            fata::peer_key(f->remote().address));
      if (!slot) {
        fata::http::close_in(group, std::move(*f));
        continue;
      }
      slot->enter(fata::http::connection_phase::handshake, fata::loop::current().now());
      // As http::server::serve: a task that finds no frame is closed with
      // its flow, and a slow connection makes room for the next.
      if (!group.spawn(tls_connection(self, std::move(*f), std::move(*slot)))) {
        self->_connections->shed_one(fata::loop::current().now());
      }
    }
    group.cancel();
    co_await group.join();
  }

  std::unique_ptr<fata::tls::server_context> _tls;
  fata::http::connection_table* _connections = nullptr;
  Random* _rng = nullptr;
  secure_server* _secure = nullptr;
};

}  // namespace website
