// dns-lookup: the dig of fata (config.cpp describes it for the fata tool;
// main.cpp builds it in the tree for tests/dns/lookup-unbound). It looks one name up through the stub
// resolver (fata/dns/resolver.hpp) and prints the records found, one a
// line in the zone file's presentation form, or why there are none.
// Exit status: 0 with records, 1 for NXDOMAIN or no data, 2 for a bad
// argument, 3 when the servers failed or did not answer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fata/core/fmt.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/resolver.hpp>
#include <fata/dns/text.hpp>
#include <fata/dns/zone_file.hpp>
#include <fata/platform/abi.hpp>

namespace dns_lookup {

inline fata::log::source log{"dns-lookup", "Looks a name up through the stub resolver"};

struct settings {
  std::string name;
  std::string type = "A";
  std::vector<fata::ip_addr> servers;
  fata::port server_port{53};
  fata::duration timeout = std::chrono::seconds(1);
  unsigned tries = 2;
};

template <fata::sig::stackv4 Stack, fata::sig::random Random, fata::sig::mclock Clock>
class lookup {
 public:
  fata::task<int> start(Stack& stack, Random& random, Clock& clock, const settings& s) {
    auto qname = fata::dns::name::from_text(s.name.ends_with('.') ? s.name : s.name + ".");
    if (!qname) {
      log.error("--name={}: {}", s.name, qname.error());
      co_return 2;
    }
    const auto qtype = fata::dns::type_from_text(s.type);
    if (!qtype) {
      log.error("--type={}: not a record type", s.type);
      co_return 2;
    }
    fata::dns::resolver_config config;
    for (const fata::ip_addr& a : s.servers) {
      if (!a.is_v4()) {
        log.error("--server: {} is not IPv4 (the stub resolver asks over IPv4 for now)", a);
        co_return 2;
      }
      config.servers.push_back(fata::sig::ipv4_endpoint{a.v4(), s.server_port});
    }
    if (config.servers.empty()) {
      log.error("no --server to ask");
      co_return 2;
    }
    config.timeout = s.timeout;
    config.tries = s.tries;
    fata::memory_budget cache_memory(std::size_t(1) << 20);
    fata::dns::resolver<Stack, Random, Clock> resolver(stack, random, clock, config, cache_memory);
    auto found = co_await resolver.lookup(*qname, *qtype);
    const fata::dns::resolver_stats& stats = resolver.stats();
    log.info("{} queries sent, {} again over TCP after truncation, {} timed out, {} replies ignored",
             stats.queries_sent, stats.tcp_retries, stats.timeouts, stats.ignored_replies);
    if (!found) {
      fata::platform::console_write(fata::format("{}: {}\n", s.name, found.error()));
      co_return found.error() == fata::dns::lookup_error::nxdomain ||
                        found.error() == fata::dns::lookup_error::no_data
                    ? 1
                    : 3;
    }
    std::string out;
    fata::format_sink sink = fata::string_sink(out);
    for (std::size_t i = 0; i < found->size(); ++i) {
      fata::dns::write_record_text(sink, found->canonical_name, found->ttl, 1, found->type, found->rdata(i));
      out += '\n';
    }
    fata::platform::console_write(out);
    co_return 0;
  }

  // The keys one by one, as config.cpp's main<> passes them.
  fata::task<int> start(Stack& stack, Random& random, Clock& clock, const std::string& name,
                        const std::string& type, const std::vector<fata::ip_addr>& servers,
                        const fata::port& server_port, const fata::duration& timeout, const unsigned& tries) {
    const settings s{name, type, servers, server_port, timeout, tries};
    co_return co_await start(stack, random, clock, s);
  }
};

}  // namespace dns_lookup
