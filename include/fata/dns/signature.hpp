// Signature: dns_client. Looks names up: the records of one type at a
// name, following the CNAME chain, or why there are none (NXDOMAIN, no
// data, the servers failed, nobody answered). What a unikernel gets from
// generic_dns_client() in its description; fata/dns/client.hpp is the
// implementation (a stub resolver asking recursive servers), and
// fata::dns::resolve_addresses the host-name helper over any model.
//
// In the protocol layer, not with the other signatures in fata/sig/
// (layer 4): it names the DNS library's types (fata/dns/stub.hpp), and a
// layer may not include the layers above it (tests/lint/check-layers).
// The concept is fata::sig's all the same: a description names it as it
// names the others.
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
