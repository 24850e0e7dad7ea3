// The DNS client's runtime keys for images built in the fata tree (the
// apps' and examples' main.cpp, which make their stub_client by hand):
// the names, types and defaults the tool gives generic_dns_client's
// (tool/src/devices/dns.cpp), so that both builds of a unikernel take the
// same arguments.
//
//   fata::dns::stub_client<Stack, Random, Clock> dns(stack, random, clock, *fata::dns::client_keys::servers,
//       *fata::dns::client_keys::server_port, *fata::dns::client_keys::timeout, *fata::dns::client_keys::tries);
#pragma once

#include <chrono>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/time.hpp>

namespace fata::dns::client_keys {

inline key<std::vector<ip_addr>> servers{
    "dns-server", std::vector<ip_addr>{},
    "Recursive DNS servers to ask, in order, comma separated (IPv4 or IPv6; none: the DHCP lease's)", "DNS"};
inline key<port> server_port{"dns-server-port", port(53), "The DNS servers' port", "DNS"};
inline key<duration> timeout{"dns-timeout", duration(std::chrono::seconds(1)),
                             "The first wait for a DNS answer; each later one doubles", "DNS"};
inline key<unsigned> tries{"dns-tries", 2u, "Tries per DNS server", "DNS"};

}  // namespace fata::dns::client_keys
