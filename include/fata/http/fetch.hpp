// Fetching a URL over HTTP or HTTPS from any network stack: connect, TLS
// when the scheme asks for it, one request, redirects followed, the body
// streamed to a sink. What curl does, for unikernels.
//
//   fata::http::fetcher f(stack, &tls_ctx, rng, pclock);
//   auto r = co_await f.fetch("https://example.org/", sink);   // sink(bytes) per piece
//
// Host names: an IPv4 literal, "localhost", or what the resolver given to
// the fetcher answers: dns_resolver(client) asks a DNS client
// (sig::dns_client, generic_dns_client() in a description) for the
// name's A records. Redirects (301, 302,
// 303, 307, 308) are followed up to max_redirects; 303, and 301/302 after
// a POST, continue as GET without a body (RFC 9110 §15.4). An https URL
// needs a TLS client context; every failure of the TLS handshake is
// reported with the TLS error that caused it (wrong name, expired, unknown
// CA...).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/join.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/client.hpp>
#include <fata/dns/signature.hpp>
#include <fata/http/client.hpp>
#include <fata/http/url.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/random.hpp>
#include <fata/sig/stack.hpp>
#include <fata/tls/flow.hpp>

namespace fata::http {

struct fetch_options {
  method verb = method::get;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  int max_redirects = 5;
  duration connect_timeout = 10s;
  client_config client;
};

struct fetch_failure {
  client_error what = client_error::io;
  tls::tls_error tls{};  // why, when what is tls_failed
  std::string detail = {};  // why, when what is unresolved ("no such name (NXDOMAIN)")
  // "TLS handshake failed: certificate has expired".
  std::string message() const;
  // A fetch whose frame was refused (fata/core/task.hpp).
  static fetch_failure refused() { return {client_error::no_memory}; }
};

struct fetch_result {
  int status = 0;
  std::string url;  // the final URL, after redirects
  std::uint64_t body_bytes = 0;
  std::string content_type;
  int redirects = 0;
};

// Resolves a host name to the address to connect to, or says why not
// (client_error::unresolved with the reason in `detail`). May suspend.
using resolver = std::function<task<result<ipv4_addr, fetch_failure>>(std::string_view host)>;
// An IPv4 literal, or "localhost" (the loopback address, as RFC 6761 §6.3
// lets a resolver answer without asking); nullopt for any other host.
std::optional<ipv4_addr> literal_address(std::string_view host);
// The default resolver: literal_address, and no other name.
task<result<ipv4_addr, fetch_failure>> literal_resolver(std::string_view host);

// A resolver asking `client` for every host literal_address does not
// know: the first of the name's A records. The client must outlive the
// fetcher.
template <sig::dns_client Client>
resolver dns_resolver(Client& client) {
  struct asking {
    Client* client;
    task<result<ipv4_addr, fetch_failure>> operator()(std::string_view host) const {
      if (const auto literal = literal_address(host)) co_return *literal;
      auto addresses = co_await dns::resolve_addresses(*client, host, dns::address_families::ipv4);
      if (!addresses)
        co_return unexpected(fetch_failure{client_error::unresolved, {}, std::string(describe(addresses.error()))});
      co_return addresses->front().v4();
    }
  };
  return asking{&client};
}

template <sig::stackv4 Stack, sig::random Random, sig::pclock Clock>
class fetcher {
 public:
  // `tls` may be null: https URLs then fail with tls_failed.
  fetcher(Stack& stack, tls::client_context* tls, Random& rng, Clock& clock,
          resolver resolve = &literal_resolver)
      : _stack(&stack), _tls(tls), _rng(&rng), _clock(&clock), _resolve(std::move(resolve)) {}

  // Fetches `url`; calls sink(bytes) for each piece of the final
  // response's body.
  template <class Sink>
  task<result<fetch_result, fetch_failure>> fetch(std::string_view url, Sink& sink,
                                                  const fetch_options& options = {});

 private:
  struct hop {
    int status = 0;
    std::optional<std::string> location;  // set for a redirect to follow
    std::uint64_t bytes = 0;
    std::string content_type;
  };

  template <class Flow, class Sink>
  static task<result<hop, fetch_failure>> exchange(Flow& flow, const url& u,
                                                   const fetch_options& o, method verb,
                                                   std::string_view body, bool may_redirect,
                                                   Sink& sink);

  Stack* _stack;
  tls::client_context* _tls;
  Random* _rng;
  Clock* _clock;
  resolver _resolve;
};

// ---------------------------------------------------------------------------

template <sig::stackv4 Stack, sig::random Random, sig::pclock Clock>
template <class Flow, class Sink>
task<result<typename fetcher<Stack, Random, Clock>::hop, fetch_failure>>
fetcher<Stack, Random, Clock>::exchange(Flow& flow, const url& u, const fetch_options& o,
                                        method verb, std::string_view body, bool may_redirect,
                                        Sink& sink) {
  client_connection<Flow> conn(flow, o.client);
  const std::string authority = u.authority();
  std::vector<header_field> fields;
  fields.push_back({"Accept", "*/*"});
  for (const auto& [name, value] : o.headers) fields.push_back({name, value});
  outgoing_request req{.verb = verb,
                       .target = u.target,
                       .host = authority,
                       .headers = fields,
                       .body = bytes::of(body),
                       .close = true};
  auto sent = co_await conn.send(req);
  if (!sent) co_return unexpected(fetch_failure{sent.error()});
  auto head = co_await conn.read_head();
  if (!head) co_return unexpected(fetch_failure{head.error()});
  hop h;
  h.status = (*head)->code;
  if (auto ct = (*head)->headers.get("content-type")) h.content_type = std::string(*ct);
  const bool redirect = h.status == 301 || h.status == 302 || h.status == 303 ||
                        h.status == 307 || h.status == 308;
  if (redirect && may_redirect) {
    if (auto loc = (*head)->headers.get("location")) {
      h.location = std::string(*loc);
      co_return h;  // the body of a redirect is not needed
    }
  }
  for (;;) {
    auto piece = co_await conn.read_body();
    if (!piece) co_return unexpected(fetch_failure{piece.error()});
    if (piece->empty()) break;
    h.bytes += piece->size();
    sink(*piece);
  }
  co_return h;
}

template <sig::stackv4 Stack, sig::random Random, sig::pclock Clock>
template <class Sink>
task<result<fetch_result, fetch_failure>> fetcher<Stack, Random, Clock>::fetch(
    std::string_view text, Sink& sink, const fetch_options& options) {
  auto parsed = url::parse(text);
  if (!parsed) co_return unexpected(fetch_failure{client_error::bad_url});
  url current = std::move(*parsed);
  method verb = options.verb;
  std::string body = options.body;
  fetch_result out;
  for (int redirects = 0;; ++redirects) {
    const std::string_view host = current.host;
    const auto address = co_await _resolve(host);
    if (!address) co_return unexpected(address.error());
    auto tcp = co_await with_timeout(options.connect_timeout,
                                     _stack->tcp_connect({*address, current.number}));
    if (!tcp) co_return unexpected(fetch_failure{client_error::timed_out});
    if (!*tcp) co_return unexpected(fetch_failure{client_error::connect_failed});
    const bool may_redirect = true;
    result<hop, fetch_failure> h = unexpected(fetch_failure{});
    if (current.https) {
      if (!_tls) {
        co_await (*tcp)->close();
        co_return unexpected(fetch_failure{client_error::tls_failed, tls::tls_error::no_certificate});
      }
      // url::parse refuses an empty host, so the certificate is always
      // checked against the URL's name.
      auto secure = co_await tls::connect(std::move(**tcp), *_tls, current.host, *_clock, *_rng);
      if (!secure) co_return unexpected(fetch_failure{client_error::tls_failed, secure.error()});
      h = co_await exchange(*secure, current, options, verb, body, may_redirect, sink);
      co_await secure->close();
    } else {
      h = co_await exchange(**tcp, current, options, verb, body, may_redirect, sink);
      co_await (*tcp)->close();
    }
    if (!h) co_return unexpected(h.error());
    if (!h->location) {
      out.status = h->status;
      out.url = current.text();
      out.body_bytes = h->bytes;
      out.content_type = std::move(h->content_type);
      out.redirects = redirects;
      co_return out;
    }
    auto next = resolve_location(current, *h->location);
    if (!next) co_return unexpected(fetch_failure{client_error::bad_url});
    if (h->status == 303 || ((h->status == 301 || h->status == 302) && verb == method::post)) {
      verb = verb == method::head ? method::head : method::get;
      body.clear();
    }
    current = std::move(*next);
    if (redirects + 1 > options.max_redirects)
      co_return unexpected(fetch_failure{client_error::too_many_redirects});
  }
}

}  // namespace fata::http
