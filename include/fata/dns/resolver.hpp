// The stub resolver: asks the configured recursive servers over UDP, and
// over TCP when a reply is truncated, with the pure parts of stub.hpp.
// A class template over the stack, a random generator and a monotonic
// clock; one per image, shared by whoever looks names up.
//
// - Each query goes out from a new UDP socket (an ephemeral port the stack
//   picks) with a random ID; a reply counts only from the server asked,
//   with that ID and the question (RFC 5452 §9.1);
// - the servers are the configured ones, else those the stack learned
//   from DHCP (a stack with dns_servers(): fata's direct stack);
// - each server gets `tries` tries in turn, the first waiting `timeout`
//   and each later one twice as long as the one before (glibc's resolver
//   waits 5 s, then 10 s; the defaults here are 1 s and 2 attempts);
// - SERVFAIL or REFUSED from one server moves on to the next; NXDOMAIN
//   and NODATA are answers, kept in the cache for their negative TTL;
// - answers are cached (lookup_cache) for their TTL.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <fata/core/join.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/message.hpp>
#include <fata/dns/stub.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/random.hpp>
#include <fata/sig/stack.hpp>

namespace fata::dns {

struct resolver_config {
  std::vector<sig::ip_endpoint> servers;  // IPv4 or IPv6
  duration timeout = std::chrono::seconds(1);  // the first wait; each later one doubles
  unsigned tries = 2;                          // per server
  std::uint16_t udp_size = 1232;               // offered with EDNS; 0: no EDNS
  std::size_t cache_entries = 1024;
};

struct resolver_stats {
  std::uint64_t queries_sent = 0;
  std::uint64_t tcp_retries = 0;   // truncated over UDP, asked again over TCP
  std::uint64_t ignored_replies = 0;  // another ID, question or source
  std::uint64_t timeouts = 0;
};

template <sig::stackv4 Stack, sig::random Random, sig::mclock Clock>
class resolver {
 public:
  resolver(Stack& stack, Random& random, Clock& clock, resolver_config config, memory_budget& budget)
      : _stack(stack), _random(random), _clock(clock), _config(std::move(config)),
        _cache(_config.cache_entries, budget) {}

  // The records of `qtype` for `qname`, from the cache or the servers.
  task<result<lookup_result, lookup_error>> lookup(name qname, rr_type qtype) {
    if (auto cached = _cache.find(qname, qtype, _clock.now())) {
      if (cached->records) co_return *cached->records;
      co_return unexpected(cached->error);
    }
    const std::vector<sig::ip_endpoint> servers = servers_to_ask();
    if (servers.empty()) co_return unexpected(lookup_error::no_servers);
    bool any_answer = false;
    for (unsigned attempt = 0; attempt < _config.tries; ++attempt) {
      const duration wait = _config.timeout * (1u << attempt);
      for (const sig::ip_endpoint& server : servers) {
        lookup_result found;
        const stub_judgement j = co_await ask(server, qname, qtype, wait, found);
        switch (j.verdict) {
          case stub_reply::answered:
            _cache.store(qname, qtype, found, _clock.now());
            co_return found;
          case stub_reply::nxdomain:
          case stub_reply::no_data: {
            const lookup_error e =
                j.verdict == stub_reply::nxdomain ? lookup_error::nxdomain : lookup_error::no_data;
            _cache.store_negative(qname, qtype, e, j.negative_ttl, _clock.now());
            co_return unexpected(e);
          }
          case stub_reply::server_failure: any_answer = true; break;
          case stub_reply::truncated:
          case stub_reply::not_the_answer: break;
        }
      }
    }
    co_return unexpected(any_answer ? lookup_error::server_failure : lookup_error::timed_out);
  }

  const resolver_stats& stats() const { return _stats; }
  const lookup_cache& cache() const { return _cache; }

 private:
  // The configured servers; without any, those the stack learned (a DHCP
  // lease's option 6, on port 53), asked anew at each lookup: a renewal
  // may change them.
  std::vector<sig::ip_endpoint> servers_to_ask() const {
    if (!_config.servers.empty()) return _config.servers;
    std::vector<sig::ip_endpoint> learned;
    if constexpr (requires(const Stack& s) {
                    { s.dns_servers() } -> std::convertible_to<std::vector<ipv4_addr>>;
                  }) {
      for (const ipv4_addr a : _stack.dns_servers()) learned.push_back(sig::ip_endpoint(a, port(53)));
    }
    return learned;
  }

  // One question to one server: over UDP, then over TCP if truncated.
  // not_the_answer when nothing answered within `wait`.
  task<stub_judgement> ask(sig::ip_endpoint server, const name& qname, rr_type qtype, duration wait,
                           lookup_result& found) {
    auto id = sig::random_u64(_random);
    if (!id) co_return stub_judgement{};
    const auto query_id = static_cast<std::uint16_t>(*id);
    std::array<std::byte, 512> query_buffer;
    auto query = write_stub_query(qname, qtype, query_id, _config.udp_size,
                                  mut_bytes(query_buffer.data(), query_buffer.size()));
    if (!query) co_return stub_judgement{};
    auto socket = _stack.udp_bind(port(0));
    if (!socket) co_return stub_judgement{};
    ++_stats.queries_sent;
    const sig::ip_endpoint to = server;
    const auto sent = co_await socket->send_to(to, *query);
    if (!sent) co_return stub_judgement{};
    auto answered = co_await with_timeout(wait, await_udp(&*socket, to, query_id, qname, qtype, found));
    socket->close();
    if (!answered || !*answered) {
      ++_stats.timeouts;
      co_return stub_judgement{};
    }
    const stub_judgement j = **answered;
    if (j.verdict != stub_reply::truncated) co_return j;
    ++_stats.tcp_retries;
    auto over_tcp = co_await with_timeout(wait, ask_tcp(server, *query, query_id, qname, qtype, found));
    if (!over_tcp || !*over_tcp) co_return stub_judgement{};
    co_return **over_tcp;
  }

  task<std::optional<stub_judgement>> await_udp(typename Stack::udp_socket* socket, sig::ip_endpoint from,
                                                std::uint16_t id, const name& qname, rr_type qtype,
                                                lookup_result& found) {
    std::vector<std::byte> in(max_message_size);
    for (;;) {
      auto d = co_await socket->receive_from(mut_bytes(in.data(), in.size()));
      if (!d) co_return std::nullopt;
      if (d->source != from || d->truncated) {
        ++_stats.ignored_replies;
        continue;
      }
      const stub_judgement j = judge_stub_reply(bytes(in.data(), d->size), id, qname, qtype, found);
      if (j.verdict != stub_reply::not_the_answer) co_return j;
      ++_stats.ignored_replies;
    }
  }

  task<std::optional<stub_judgement>> ask_tcp(sig::ip_endpoint server, bytes query, std::uint16_t id,
                                              const name& qname, rr_type qtype, lookup_result& found) {
    auto flow = co_await _stack.tcp_connect(server);
    if (!flow) co_return std::nullopt;
    std::vector<std::byte> buffer(2 + max_message_size);
    mut_bytes out(buffer.data(), buffer.size());
    out.set_be16(0, static_cast<std::uint16_t>(query.size()));
    out.copy_from(2, query);
    std::optional<stub_judgement> verdict;
    const auto written = co_await flow->write(bytes(buffer.data(), 2 + query.size()));
    if (written) {
      std::size_t got = 0;
      std::size_t want = 2;
      while (got < want) {
        auto n = co_await flow->read(out.sub(got, want - got));
        if (!n || *n == 0) break;
        got += *n;
        if (got == 2 && want == 2) want = 2 + out.be16(0);
      }
      if (got == want && want > 2) {
        const stub_judgement j = judge_stub_reply(bytes(buffer.data() + 2, want - 2), id, qname, qtype, found);
        if (j.verdict != stub_reply::not_the_answer && j.verdict != stub_reply::truncated) verdict = j;
      }
    }
    co_await flow->close();
    co_return verdict;
  }

  Stack& _stack;
  Random& _random;
  Clock& _clock;
  resolver_config _config;
  lookup_cache _cache;
  resolver_stats _stats;
};

}  // namespace fata::dns
