// The DNS client of generic_dns_client(): the same on every target, over
// whichever stack the description gives it (its type is a template over
// its dependencies': the stack, the random generator, the clock).
#include "../registry.hpp"

namespace fata::tool {
namespace {

void register_dns_devices() {
  register_device({
      .combinator = "generic_dns_client",
      .choice = "stub",
      .summary = "a stub resolver asking recursive servers over UDP, then TCP when truncated, with a cache",
      .default_for = {"*"},
      .type = "fata::dns::stub_client<{dep_type:0}, {dep_type:1}, {dep_type:2}>",
      .headers = {"fata/dns/client.hpp"},
      .libraries = {"fata::dns"},
      .keys = {{.label = "servers",
                .name = "dns-server",
                .cpp_type = "std::vector<fata::ip_addr>",
                .type_name = "LIST",
                .default_value = "",
                .doc = "Recursive DNS servers to ask, in order, comma separated (IPv4 or IPv6; none: the DHCP lease's)",
                .group = "DNS"},
               {.label = "port",
                .name = "dns-server-port",
                .cpp_type = "fata::port",
                .type_name = "PORT",
                .default_value = "53",
                .doc = "The DNS servers' port",
                .group = "DNS"},
               {.label = "timeout",
                .name = "dns-timeout",
                .cpp_type = "fata::duration",
                .type_name = "DURATION",
                .default_value = "1s",
                .doc = "The first wait for a DNS answer; each later one doubles",
                .group = "DNS"},
               {.label = "tries",
                .name = "dns-tries",
                .cpp_type = "unsigned int",
                .type_name = "INT",
                .default_value = "2",
                .doc = "Tries per DNS server",
                .group = "DNS"}},
      .make = "fata::dns::stub_client<{dep_type:0}, {dep_type:1}, {dep_type:2}>({dep:0}, {dep:1}, {dep:2}, "
              "{key:servers}, {key:port}, {key:timeout}, {key:tries})",
      .at_exit = "fata::dns::log_client_stats({var});",
  });
}

const registrar registration(&register_dns_devices);

}  // namespace
}  // namespace fata::tool
