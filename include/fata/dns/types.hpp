// The numbers of DNS: record types, classes, opcodes and response codes
// (IANA "Domain Name System (DNS) Parameters").
//
// `rr_type` names the types fata knows; any other 16-bit value is a valid
// rr_type too and its records are kept opaque (RFC 3597).
#pragma once

#include <cstdint>
#include <string_view>

namespace fata::dns {

enum class rr_type : std::uint16_t {
  a = 1,
  ns = 2,
  cname = 5,
  soa = 6,
  ptr = 12,
  hinfo = 13,
  mx = 15,
  txt = 16,
  rp = 17,
  afsdb = 18,
  aaaa = 28,
  srv = 33,
  naptr = 35,
  dname = 39,
  opt = 41,
  ds = 43,
  sshfp = 44,
  rrsig = 46,
  nsec = 47,
  dnskey = 48,
  nsec3 = 50,
  nsec3param = 51,
  tlsa = 52,
  svcb = 64,
  https = 65,
  tsig = 250,
  ixfr = 251,
  axfr = 252,
  any = 255,
  caa = 257,
};

// The mnemonic, or "" for a type without one (printed as TYPEnnn).
std::string_view mnemonic(rr_type t) noexcept;

enum class rr_class : std::uint16_t {
  in = 1,
  ch = 3,
  none = 254,  // RFC 2136 §2.4: "delete this record" in UPDATE
  any = 255,
};

enum class opcode : std::uint8_t {
  query = 0,
  notify = 4,  // RFC 1996
  update = 5,  // RFC 2136
};

// Response codes; values above 15 travel in the OPT record's extended
// rcode (RFC 6891 §6.1.3) or in TSIG's error field (RFC 8945).
enum class rcode : std::uint16_t {
  noerror = 0,
  formerr = 1,
  servfail = 2,
  nxdomain = 3,
  notimp = 4,
  refused = 5,
  yxdomain = 6,
  yxrrset = 7,
  nxrrset = 8,
  notauth = 9,
  notzone = 10,
  badvers = 16,  // BADVERS in OPT's extended rcode; BADSIG in TSIG's error field
  badsig = 16,
  badkey = 17,
  badtime = 18,
  badtrunc = 22,
  badcookie = 23,
};

}  // namespace fata::dns
