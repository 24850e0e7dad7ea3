// Signature: dns_client. Looks names up: the records of one type at a
// name, following the CNAME chain, or why there are none (NXDOMAIN, no
// data, the servers failed, nobody answered). What a unikernel gets from
// generic_dns_client() in its description; fata/dns/client.hpp is the
// implementation (a stub resolver asking recursive servers), and
// fata::dns::resolve_addresses the host-name helper over any model.
//
// Not in sig/all.hpp: the signature names the DNS library's types
// (fata/dns/stub.hpp), which the other signatures do not need.
#pragma once

#include <concepts>

#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/stub.hpp>
#include <fata/dns/types.hpp>

namespace fata::sig {

// `lookup(qname, qtype)` may suspend; the result owns its records.
template <class D>
concept dns_client = requires(D& d, dns::name qname, dns::rr_type qtype) {
  { d.lookup(qname, qtype) } -> std::same_as<task<result<dns::lookup_result, dns::lookup_error>>>;
};

}  // namespace fata::sig
