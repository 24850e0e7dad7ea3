// EDNS(0) (RFC 6891): what a query's OPT record asks for, and the OPT
// record of an answer, with DNS cookies (RFC 7873, server cookies as RFC
// 9018 lays them out) and padding (RFC 7830, RFC 8467's block policy).
//
// `read_edns` reads an OPT record that message_view checked; the errors
// it returns are the answer a server owes: FORMERR for an OPT record not
// owned by the root or a cookie of a length RFC 7873 §5.2.2 forbids,
// BADVERS for a version other than 0.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/message.hpp>
#include <fata/dns/types.hpp>

namespace fata::dns {

enum class edns_option : std::uint16_t {
  cookie = 10,          // RFC 7873
  padding = 12,         // RFC 7830
  extended_error = 15,  // RFC 8914
};

// RFC 8914 §4's info codes that an authoritative server gives.
enum class extended_error : std::uint16_t {
  other = 0,
  prohibited = 18,
  not_authoritative = 20,  // a zone it does not serve
  not_supported = 21,      // a class, opcode or transfer it does not offer
};

// RFC 6891 §6.2.5: what a requestor says it can take over UDP is read as
// 512 when less.
inline constexpr std::uint16_t min_edns_udp_size = 512;

struct dns_cookie {
  std::array<std::uint8_t, 8> client{};
  std::array<std::uint8_t, 32> server{};
  std::size_t server_size = 0;  // 0 (client cookie only), or 8 to 32
  bytes server_view() const { return {server.data(), server_size}; }
};

struct edns_request {
  std::uint16_t udp_size = min_edns_udp_size;  // at least 512
  std::uint8_t version = 0;
  bool dnssec_ok = false;                      // DO (RFC 3225)
  std::uint8_t extended_rcode = 0;             // the upper 8 bits of a 12-bit rcode
  std::optional<dns_cookie> cookie{};
  bool padding = false;  // the requestor pads, and so may want padding back
};

result<edns_request, rcode> read_edns(const record& opt);

struct edns_answer {
  std::uint16_t udp_size = 1232;  // what this server takes (the DNS flag day's 1232)
  rcode response_code = rcode::noerror;  // its upper 8 bits go here, the lower 4 in the header
  bool dnssec_ok = false;
  std::optional<dns_cookie> cookie{};
  // An Extended DNS Error option (without EXTRA-TEXT) saying why.
  std::optional<dns::extended_error> extended_error{};
  // Pad the whole message to a multiple of this many octets (RFC 8467
  // §4.1: 468 for answers over an encrypted transport); 0: no padding.
  std::size_t pad_to_block = 0;
};

// Appends the OPT record to the additional section (after every other
// record there except TSIG, which goes after it). no_space when it does
// not fit, leaving the message as it was; padding shrinks to what fits.
result<void, dns_error> add_edns(message_writer& w, const edns_answer& a);

// A server cookie (RFC 9018 §4's layout: version 1, three reserved octets,
// the time, then an 8-octet hash of the client cookie, the client's
// address and the rest). The hash is HMAC-SHA256 cut to 8 octets under
// the server's secret, where RFC 9018 uses SipHash-2-4, which BearSSL
// does not have: a cookie fata makes is good at any fata server sharing
// the secret, not at other implementations behind the same address.
struct cookie_secret {
  std::array<std::uint8_t, 32> key{};
};
dns_cookie make_server_cookie(const cookie_secret& secret, const std::array<std::uint8_t, 8>& client,
                              bytes client_address, std::uint32_t now);
// Whether `c`'s server part is one this server made for this client, and
// made at most an hour ago or at most five minutes ahead (RFC 9018 §4.3).
bool server_cookie_is_good(const cookie_secret& secret, const dns_cookie& c, bytes client_address,
                           std::uint32_t now);

}  // namespace fata::dns
