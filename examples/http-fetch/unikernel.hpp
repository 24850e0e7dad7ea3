// http-fetch: downloads a URL over HTTP or HTTPS and prints the SHA-256 of
// its body (what `curl -s URL | sha256sum` says), following redirects.
// HTTPS validates the server against the CA certificates given (or, with
// --insecure, accepts any), and each validation failure says why. The
// URL's host is looked up through the DNS client (--dns-server...) unless
// it is an address, "localhost", or --connect-to names the address.
#pragma once

#include <optional>
#include <string>

#include <fata/core/addr.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/signature.hpp>
#include <fata/http/fetch.hpp>
#include <fata/devices/kv/digest.hpp>
#include <fata/platform/abi.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/random.hpp>
#include <fata/sig/stack.hpp>
#include <fata/tls/context.hpp>

namespace example {

inline fata::log::source fetch_log{"http-fetch", "The http-fetch example"};

struct fetch_request {
  std::string url;
  std::string ca_pem;  // trust anchors (PEM); empty with insecure
  bool insecure = false;
  std::optional<fata::ipv4_addr> connect_to;  // instead of resolving the host
  std::string method = "GET";
  std::string data;
};

struct hashing_sink {
  fata::devices::kv::sha256 hash;
  void operator()(fata::bytes piece) { hash.update(piece); }
};

// Resolves every host to one address (--connect-to).
struct fixed_address {
  fata::ipv4_addr address;
  fata::task<fata::result<fata::ipv4_addr, fata::http::fetch_failure>> operator()(std::string_view) const {
    co_return address;
  }
};

template <fata::sig::stackv4 Stack, fata::sig::pclock Clock, fata::sig::random Random, fata::sig::dns_client Dns>
fata::task<int> fetch_and_hash(Stack& stack, Clock& clock, Random& rng, Dns& dns, const fetch_request& r) {
  std::optional<fata::tls::client_context> tls;
  if (r.insecure) {
    fetch_log.warn("--insecure: the server's certificate is not checked");
    tls.emplace(fata::tls::client_context::insecure());
  } else if (!r.ca_pem.empty()) {
    auto anchors = fata::tls::trust_anchors::parse(fata::bytes::of(r.ca_pem));
    if (!anchors) {
      fetch_log.error("CA certificates: {}", anchors.error());
      co_return 1;
    }
    tls.emplace(std::move(*anchors));
  }
  fata::http::resolver resolve = fata::http::dns_resolver(dns);
  if (r.connect_to) resolve = fixed_address{*r.connect_to};
  fata::http::fetcher fetcher(stack, tls ? &*tls : nullptr, rng, clock, resolve);
  fata::http::fetch_options options;
  options.verb = fata::http::parse_method(r.method);
  options.body = r.data;
  hashing_sink sink;
  auto got = co_await fetcher.fetch(r.url, sink, options);
  if (!got) {
    fata::platform::console_write(fata::format("fetch {}: {}\n", r.url, got.error().message()));
    co_return 1;
  }
  const auto digest = sink.hash.finish();
  std::string hex;
  for (auto b : digest) hex += fata::format("{:02x}", unsigned(b));
  fata::platform::console_write(fata::format("{} {} bytes sha256 {}{}\n", got->status,
                                             got->body_bytes, hex,
                                             got->redirects ? fata::format(" (from {})", got->url)
                                                            : std::string()));
  co_return got->status >= 200 && got->status < 300 ? 0 : 2;
}

// The unikernel: fetches `url` once and exits with fetch_and_hash's
// status. `ca` is the PEM text of the CA certificates to trust for HTTPS;
// `connect_to` an IPv4 address to connect to instead of resolving the
// URL's host ("" to resolve). config.cpp wires it for the fata tool,
// main.cpp builds it in the fata tree (reading --ca from a file).
template <fata::sig::stackv4 Stack, fata::sig::pclock Clock, fata::sig::random Random, fata::sig::dns_client Dns>
struct http_fetch {
  fata::task<int> start(Stack& stack, Clock& clock, Random& rng, Dns& dns, const std::string& url,
                        const std::string& ca, const bool& insecure, const std::string& connect_to,
                        const std::string& method, const std::string& data) {
    fetch_request r;
    r.url = url;
    r.ca_pem = ca;
    r.insecure = insecure;
    r.method = method;
    r.data = data;
    if (!connect_to.empty()) {
      r.connect_to = fata::ipv4_addr::parse(connect_to);
      if (!r.connect_to) {
        fetch_log.error("--connect-to={}: not an IPv4 address", connect_to);
        co_return fata::usage_exit_status;
      }
    }
    co_return co_await fetch_and_hash(stack, clock, rng, dns, r);
  }
};

}  // namespace example
