#include <fata/dns/types.hpp>

namespace fata::dns {

std::string_view mnemonic(rr_type t) noexcept {
  switch (t) {
    case rr_type::a: return "A";
    case rr_type::ns: return "NS";
    case rr_type::cname: return "CNAME";
    case rr_type::soa: return "SOA";
    case rr_type::ptr: return "PTR";
    case rr_type::hinfo: return "HINFO";
    case rr_type::mx: return "MX";
    case rr_type::txt: return "TXT";
    case rr_type::rp: return "RP";
    case rr_type::afsdb: return "AFSDB";
    case rr_type::aaaa: return "AAAA";
    case rr_type::srv: return "SRV";
    case rr_type::naptr: return "NAPTR";
    case rr_type::dname: return "DNAME";
    case rr_type::opt: return "OPT";
    case rr_type::ds: return "DS";
    case rr_type::sshfp: return "SSHFP";
    case rr_type::rrsig: return "RRSIG";
    case rr_type::nsec: return "NSEC";
    case rr_type::dnskey: return "DNSKEY";
    case rr_type::nsec3: return "NSEC3";
    case rr_type::nsec3param: return "NSEC3PARAM";
    case rr_type::tlsa: return "TLSA";
    case rr_type::svcb: return "SVCB";
    case rr_type::https: return "HTTPS";
    case rr_type::tsig: return "TSIG";
    case rr_type::ixfr: return "IXFR";
    case rr_type::axfr: return "AXFR";
    case rr_type::any: return "ANY";
    case rr_type::caa: return "CAA";
  }
  return "";
}

}  // namespace fata::dns
