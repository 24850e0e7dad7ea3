// The static website: fata's main job (MirageOS's static website over
// HTTPS). Serves the files of a read-only key-value store over HTTP and
// HTTPS, from any network stack:
// - HTTP on `http_port`: the files, or (with `redirect_https`) a 301 to the
//   same URL on HTTPS;
// - HTTPS on `https_port` (0: none): TLS 1.2 with every certificate chain
//   named by `tls_cert`/`tls_key` (paired by position; the first is the
//   default, SNI picks among them), each a key of the `certs` store or
//   inline PEM;
// - keep-alive, pipelining, conditional requests, ranges, gzip siblings,
//   directory indexes (http/static_files.hpp); an access log line per
//   request (log source http.access); entropy from the random device only.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fata/core/join.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
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

// Timeouts the tests and the command line may change.
struct tuning {
  fata::duration header_timeout = std::chrono::seconds(10);
  fata::duration idle_timeout = std::chrono::seconds(30);
  fata::duration handshake_timeout = std::chrono::seconds(10);
  // Connections served at once, per port (more are closed on accept). Each
  // costs tens of KiB (HTTP buffer, TCP and TLS buffers), so 0, the
  // default, sizes the bound to the image's heap (max_connections_for).
  std::size_t max_connections = 0;
};

// A bound on connections per port that a heap of `heap_size` bytes holds
// (0: unknown, as on hosted, where the host's memory is the limit: 1024).
// Each connection is given 96 KiB (a TLS server context is 41 KiB, the HTTP
// head buffer 36 KiB, the rest for TCP buffers and coroutine frames) after
// 2 MiB for the rest of the image (virtio-net's buffers take 1 MiB), shared
// by the ports served. Without such a bound a flood of idle connections
// takes the heap and the image stops (measured: 1450 connections to an
// image with -m 64).
constexpr std::size_t max_connections_for(std::size_t heap_size, std::size_t ports) {
  if (heap_size == 0) return 1024;
  constexpr std::size_t reserve = 2 * 1024 * 1024;
  constexpr std::size_t per_connection = 96 * 1024;
  const std::size_t total = heap_size > reserve ? (heap_size - reserve) / per_connection : 0;
  const std::size_t per_port = total / (ports == 0 ? 1 : ports);
  return per_port < 4 ? 4 : (per_port > 1024 ? 1024 : per_port);
}

template <fata::sig::stackv4 Stack, fata::sig::kv_ro Site, fata::sig::kv_ro Certs,
          fata::sig::pclock Clock, fata::sig::random Random>
class website {
 public:
  fata::task<int> start(Stack& stack, Site& site, Certs& certs, Clock& clock, Random& rng,
                        const fata::port& http_port, const fata::port& https_port,
                        const bool& redirect_https, const std::vector<std::string>& tls_cert,
                        const std::vector<std::string>& tls_key) {
    _rng = &rng;
    fata::tls::server_options tls_options;
    tls_options.alpn = {"http/1.1"};
    tls_options.handshake_timeout = _tuning.handshake_timeout;
    _tls = std::make_unique<fata::tls::server_context>(tls_options);
    fata::http::static_files<Site> files(site);
    fata::http::server_config cfg;
    cfg.header_timeout = _tuning.header_timeout;
    cfg.idle_timeout = _tuning.idle_timeout;
    cfg.max_connections = _tuning.max_connections != 0
                              ? _tuning.max_connections
                              : max_connections_for(fata::runtime::heap_size(),
                                                    https_port.value != 0 ? 2 : 1);
    site_log.info("at most {} connections per port", cfg.max_connections);
    fata::http::server<fata::http::static_files<Site>, Clock> plain(files, clock, cfg);
    fata::http::server<fata::http::static_files<Site>, Clock> secure(files, clock, cfg);
    https_redirect redirector{https_port};
    if (!stack.ipv4_address().is_any()) redirector.fallback_host = fata::format("{}", stack.ipv4_address());
    fata::http::server<https_redirect, Clock> redirecting(redirector, clock, cfg);
    _secure = &secure;

    if (https_port.value != 0) {
      const bool loaded = co_await load_chains(certs, tls_cert, tls_key);
      if (!loaded) co_return 1;
    }
    auto http_listener = stack.tcp_listen(http_port);
    if (!http_listener) {
      site_log.error("cannot listen on port {}: {}", http_port, http_listener.error());
      co_return 1;
    }
    std::optional<typename Stack::tcp_listener> https_listener;
    if (https_port.value != 0) {
      auto l = stack.tcp_listen(https_port);
      if (!l) {
        site_log.error("cannot listen on port {}: {}", https_port, l.error());
        co_return 1;
      }
      https_listener.emplace(std::move(*l));
    }
    site_log.info("serving http://{}:{}/{}", stack.ipv4_address(), http_port.value,
             redirect_https ? " (redirecting to HTTPS)" : "");
    if (https_listener)
      site_log.info("serving https://{}:{}/ with {} certificate chain(s)", stack.ipv4_address(),
               https_port.value, _tls->chains());

    fata::task_group group;
    if (redirect_https && https_listener) {
      group.spawn(redirecting.serve(*http_listener));
    } else {
      group.spawn(plain.serve(*http_listener));
    }
    if (https_listener) group.spawn(serve_tls(this, &*https_listener));
    co_await group.join();
    co_return 0;
  }

  // Before start().
  void tune(const tuning& t) { _tuning = t; }

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

  static fata::task<void> tls_connection(website* self, typename Stack::tcp_flow flow) {
    const fata::sig::ipv4_endpoint remote = flow.remote();
    // Handshake flights and responses are written whole (see http::server).
    flow.set_nodelay(true);
    auto secure = co_await fata::tls::accept(std::move(flow), *self->_tls, *self->_rng);
    if (!secure) co_return;
    co_await self->_secure->serve_connection(*secure, {remote, true});
  }

  static fata::task<void> serve_tls(website* self, typename Stack::tcp_listener* listener) {
    fata::task_group group;
    const std::size_t limit = self->_secure->config().max_connections;
    for (;;) {
      auto f = co_await listener->accept();
      if (!f) {
        if (f.error() == fata::sig::flow_error::closed ||
            f.error() == fata::sig::flow_error::cancelled)
          break;
        auto slept = co_await fata::sleep(std::chrono::milliseconds(10));
        if (!slept) break;
        continue;
      }
      if (group.size() >= limit) {
        co_await f->close();
        continue;
      }
      group.spawn(tls_connection(self, std::move(*f)));
    }
    group.cancel();
    co_await group.join();
  }

  tuning _tuning;
  std::unique_ptr<fata::tls::server_context> _tls;
  Random* _rng = nullptr;
  secure_server* _secure = nullptr;
};

}  // namespace website
