// dns-secondary: an authoritative DNS server for zones it takes from
// their primaries (AXFR and IXFR, RFC 5936 and 1995), kept fresh on the
// SOA's timers and by NOTIFY (RFC 1996), served until they expire. It is
// dns-primary's server (../dns-primary/unikernel.hpp) with secondary zones
// alone: the same answers, TCP and DoT paths, rate limiting, transfers
// out to holders of a --transfer-key and NOTIFY on to --notify
// secondaries; only the keys differ. config.cpp wires it for the fata
// tool, main.cpp builds the same code in the fata tree.
//
// The store ("keys") holds what DoT needs, when --tls-cert names keys of
// it; nothing else is read from it.
#pragma once

#include <string>
#include <vector>

#include "../dns-primary/unikernel.hpp"

namespace dns_secondary {

template <fata::sig::stackv4 Stack, fata::sig::kv_ro Store, fata::sig::pclock Wall, fata::sig::random Random>
class server {
 public:
  // The keys one by one, as config.cpp's main<> passes them.
  fata::task<int> start(Stack& stack, Store& store, Wall& wall, Random& random,
                        const std::vector<std::string>& secondaries, const std::string& primary_key,
                        const std::vector<std::string>& transfer_keys, const fata::port& port,
                        const unsigned& max_tcp, const fata::duration& tcp_idle,
                        const std::vector<fata::ipv4_prefix>& transfer_from, const std::vector<std::string>& notify,
                        const std::string& notify_key, const unsigned& rrl_rate, const unsigned& rrl_slip,
                        const std::string& tls_cert, const std::string& tls_key, const fata::port& dot_port) {
    if (secondaries.empty()) {
      dns_primary::log.error("no zones (--secondary=ORIGIN=PRIMARY[:PORT])");
      co_return 2;
    }
    const dns_primary::settings s{.zones = {},
                                  .port = port,
                                  .max_tcp = max_tcp,
                                  .tcp_idle = tcp_idle,
                                  .transfer_keys = transfer_keys,
                                  .transfer_from = transfer_from,
                                  .notify = notify,
                                  .notify_key = notify_key,
                                  .rrl_rate = rrl_rate,
                                  .rrl_slip = rrl_slip,
                                  .tls_cert = tls_cert,
                                  .tls_key = tls_key,
                                  .dot_port = dot_port,
                                  .secondaries = secondaries,
                                  .primary_key = primary_key};
    co_return co_await _server.start(stack, store, wall, random, s);
  }

  const dns_primary::counters& stats() const { return _server.stats(); }

 private:
  dns_primary::server<Stack, Store, Wall, Random> _server;
};

}  // namespace dns_secondary
