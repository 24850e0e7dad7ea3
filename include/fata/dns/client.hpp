// The DNS client a unikernel gets from generic_dns_client() in its
// description (a model of sig::dns_client), and resolve_addresses, which
// turns a host name into the addresses to connect to through any model.
//
// stub_client is the stub resolver of resolver.hpp with what it stands on
// owned in one place: the servers from runtime keys (--dns-server,
// --dns-server-port, --dns-timeout, --dns-tries, made by the tool) and its
// cache's memory budget. It is neither copied nor moved (the resolver
// holds the budget by reference): the generated main makes it in place.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/budget.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/resolver.hpp>
#include <fata/dns/signature.hpp>

namespace fata::dns {

// The cache's budget: 1024 entries of a few records fit many times over.
inline constexpr std::size_t stub_client_cache_memory = std::size_t(1) << 20;

template <sig::stackv4 Stack, sig::random Random, sig::mclock Clock>
class stub_client {
 public:
  // Asks `servers` on `server_port`, in order. With none it asks those the
  // stack learned from DHCP (resolver.hpp), and without those either every
  // lookup fails with lookup_error::no_servers (an image that only
  // sometimes looks names up still starts).
  stub_client(Stack& stack, Random& random, Clock& clock, const std::vector<ip_addr>& servers,
              port server_port, duration timeout, unsigned tries)
      : _cache_memory(stub_client_cache_memory),
        _resolver(stack, random, clock, config_for(servers, server_port, timeout, tries), _cache_memory) {}
  stub_client(const stub_client&) = delete;
  stub_client& operator=(const stub_client&) = delete;

  task<result<lookup_result, lookup_error>> lookup(name qname, rr_type qtype) {
    return _resolver.lookup(std::move(qname), qtype);
  }

  const resolver_stats& stats() const { return _resolver.stats(); }
  const lookup_cache& cache() const { return _resolver.cache(); }

 private:
  static resolver_config config_for(const std::vector<ip_addr>& servers, port server_port, duration timeout,
                                    unsigned tries) {
    resolver_config config;
    for (const ip_addr& a : servers) config.servers.push_back(sig::ip_endpoint(a, server_port));
    config.timeout = timeout;
    config.tries = tries == 0 ? 1 : tries;
    return config;
  }

  memory_budget _cache_memory;
  resolver<Stack, Random, Clock> _resolver;
};

inline log::source client_log{"dns-client", "The DNS client (generic_dns_client)"};

// The client's counters, one log line (the device's at_exit: what was
// asked, and what the cache spared).
template <class Client>
void log_client_stats(const Client& client) {
  const resolver_stats& s = client.stats();
  client_log.info("{} queries sent, {} again over TCP after truncation, {} timed out, {} replies ignored; "
              "cache {} hits, {} misses",
              s.queries_sent, s.tcp_retries, s.timeouts, s.ignored_replies, client.cache().hits(),
              client.cache().misses());
}

// The address an A or AAAA record's data holds; nullopt for data of the
// wrong size.
inline std::optional<ip_addr> address_record(rr_type type, bytes rdata) {
  if (type == rr_type::a && rdata.size() == 4) return ip_addr(ipv4_addr(rdata.be32(0)));
  if (type != rr_type::aaaa || rdata.size() != 16) return std::nullopt;
  ipv6_addr a;
  for (std::size_t i = 0; i < 16; ++i) a.octets[i] = static_cast<std::uint8_t>(rdata[i]);
  return ip_addr(a);
}

// What resolve_addresses asks for.
enum class address_families : std::uint8_t {
  ipv4,       // A records
  ipv6,       // AAAA records
  ipv4_ipv6,  // both, IPv6 first (RFC 8305 sorts them so)
};

// The addresses of `host`: `host` itself when it is an IPv4 or IPv6
// address (no lookup), else the A and/or AAAA records of the name. With
// both families, the records of one suffice: the error is the first
// family's only when neither has any (NXDOMAIN wins over no data, which
// wins over the servers' failures).
template <sig::dns_client Client>
task<result<std::vector<ip_addr>, lookup_error>> resolve_addresses(Client& client, std::string_view host,
                                                                  address_families families) {
  if (auto literal = ip_addr::parse(host)) co_return std::vector<ip_addr>{*literal};
  auto qname = name::from_text(host);
  if (!qname || host.empty()) co_return unexpected(lookup_error::bad_name);
  std::vector<ip_addr> found;
  std::optional<lookup_error> failure;
  const auto note_failure = [&](lookup_error e) {
    if (!failure || e == lookup_error::nxdomain ||
        (e == lookup_error::no_data && *failure != lookup_error::nxdomain))
      failure = e;
  };
  // IPv6 first: RFC 8305 §4 sorts its addresses ahead.
  std::vector<rr_type> asked;
  if (families != address_families::ipv4) asked.push_back(rr_type::aaaa);
  if (families != address_families::ipv6) asked.push_back(rr_type::a);
  for (const rr_type qtype : asked) {
    auto records = co_await client.lookup(*qname, qtype);
    if (!records) {
      note_failure(records.error());
      continue;
    }
    for (std::size_t i = 0; i < records->size(); ++i)
      if (const auto address = address_record(qtype, records->rdata(i))) found.push_back(*address);
  }
  if (!found.empty()) co_return found;
  co_return unexpected(failure.value_or(lookup_error::no_data));
}

}  // namespace fata::dns
