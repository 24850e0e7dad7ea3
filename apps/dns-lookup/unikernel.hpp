// dns-lookup: the dig of fata (config.cpp describes it for the fata tool;
// main.cpp builds it in the tree for tests/dns/lookup-unbound). It looks
// one name up through the DNS client its description gives it
// (generic_dns_client: fata/dns/client.hpp) and prints the records found,
// one a line in the zone file's presentation form, or why there are none.
// Exit status: 0 with records, 1 for NXDOMAIN or no data, 2 for a bad
// argument, 3 when the servers failed or did not answer.
#pragma once

#include <string>
#include <string_view>

#include <fata/core/fmt.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/signature.hpp>
#include <fata/dns/text.hpp>
#include <fata/dns/zone_file.hpp>
#include <fata/platform/abi.hpp>

namespace dns_lookup {

inline fata::log::source log{"dns-lookup", "Looks a name up through the DNS client"};

template <fata::sig::dns_client Dns>
class lookup {
 public:
  fata::task<int> start(Dns& dns, const std::string& name, const std::string& type) {
    auto qname = fata::dns::name::from_text(name.ends_with('.') ? name : name + ".");
    if (!qname || name.empty()) {
      log.error("--name={}: {}", name, qname ? "no name to look up" : describe(qname.error()));
      co_return 2;
    }
    const auto qtype = fata::dns::type_from_text(type);
    if (!qtype) {
      log.error("--type={}: not a record type", type);
      co_return 2;
    }
    auto found = co_await dns.lookup(*qname, *qtype);
    if (!found) {
      if (found.error() == fata::dns::lookup_error::no_servers) {
        log.error("no --dns-server to ask");
        co_return 2;
      }
      fata::platform::console_write(fata::format("{}: {}\n", name, found.error()));
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
};

}  // namespace dns_lookup
