// dns-lookup-bench: the stub resolver (fata/dns/resolver.hpp) timed on the
// socket stack. It looks up every name of --names (one a line, type A)
// once through the server on 127.0.0.1 (cold: the resolver's cache is
// empty), then --rounds more times (from the resolver's cache), and prints
//   cold LOOKUPS SECONDS
//   cached LOOKUPS SECONDS
// bench/dns/lookup times it against dig's batch mode through unbound.
// Exit 1 when a lookup fails, 2 on bad usage.
#include <fata/devices/clock.hpp>
#include <fata/devices/random.hpp>
#include <fata/dns/resolver.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include <cstdio>
#include <string>
#include <vector>

namespace {

fata::key<std::string> names_key{"names", "", "File of names to look up, one a line"};
fata::key<fata::port> server_port_key{"server-port", fata::port(53), "The recursive server's port on 127.0.0.1"};
fata::key<unsigned> rounds_key{"rounds", 10u, "Rounds through the cache after the cold one"};

std::vector<fata::dns::name> read_names(const std::string& path) {
  std::vector<fata::dns::name> out;
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (!f) return out;
  char line[300];
  while (std::fgets(line, sizeof line, f)) {
    std::string text(line);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    if (text.empty()) continue;
    if (!text.ends_with('.')) text += '.';
    if (auto n = fata::dns::name::from_text(text)) out.push_back(*n);
  }
  std::fclose(f);
  return out;
}

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    const std::vector<fata::dns::name> names = read_names(*names_key);
    if (names.empty()) {
      std::fprintf(stderr, "dns-lookup-bench: no names in --names=%s\n", names_key->c_str());
      co_return 2;
    }
    auto random = fata::devices::random::create();
    if (!random) co_return 1;
    fata::devices::mclock clock;
    fata::dns::resolver_config config;
    config.servers.push_back(fata::sig::ipv4_endpoint{fata::ipv4_addr::loopback(), *server_port_key});
    config.cache_entries = names.size() + 16;
    fata::memory_budget cache_memory(std::size_t(64) << 20);
    fata::dns::resolver<Stack, fata::devices::random, fata::devices::mclock> resolver(stack, *random, clock, config,
                                                                                    cache_memory);
    double cached_seconds = 0;
    for (unsigned round = 0; round <= *rounds_key; ++round) {
      const auto start = clock.now();
      for (const fata::dns::name& n : names) {
        auto found = co_await resolver.lookup(n, fata::dns::rr_type::a);
        if (!found) {
          std::fprintf(stderr, "dns-lookup-bench: a lookup failed: %s\n",
                       std::string(describe(found.error())).c_str());
          co_return 1;
        }
      }
      const double seconds = std::chrono::duration<double>(clock.now() - start).count();
      if (round == 0) {
        std::printf("cold %zu %.6f\n", names.size(), seconds);
      } else {
        cached_seconds += seconds;
      }
    }
    std::printf("cached %zu %.6f\n", names.size() * *rounds_key, cached_seconds);
    std::fflush(stdout);
    co_return 0;
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"dns-lookup-bench", "Times the stub resolver."}, &start);
}
