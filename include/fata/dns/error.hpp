// Why DNS bytes or text could not be read, or a message could not be
// written. One enumeration for the whole DNS library (wire form,
// presentation form, writer), so a server counts every drop under a reason.
#pragma once

#include <cstdint>
#include <string_view>

namespace fata::dns {

enum class dns_error : std::uint8_t {
  truncated = 1,   // ends inside a field, or before the counts say
  label_too_long,  // a label over 63 octets
  name_too_long,   // a name over 255 octets in wire form
  bad_pointer,     // a compression pointer that is not strictly backward
  bad_label_type,  // label types 0b01 and 0b10 (RFC 6891 §5 retired them)
  bad_rdata,       // record data that does not fit its type's layout
  trailing_data,   // bytes after the last record the counts name
  bad_escape,      // presentation form: a backslash not followed by a char or \DDD <= 255
  empty_label,     // presentation form: "..", or a leading "." before a label
  no_space,        // writer: the message would not fit its buffer
  // Zone files and presentation forms of record data (zone_file.hpp).
  unbalanced_parentheses,  // ")" without "(", or the text ends inside "( )"
  unterminated_string,     // a quote not closed on its line
  no_owner,                // an entry indented before any owner was named
  bad_ttl,                 // not a number of seconds up to 2^31 - 1 (with w/d/h/m/s units)
  no_ttl,                  // no TTL on the entry and neither $TTL nor an earlier one
  bad_class,               // a class other than IN
  unknown_type,            // neither a mnemonic fata knows nor TYPEnnn
  meta_type,               // OPT, TSIG, AXFR, IXFR or ANY, which no zone holds
  bad_number,              // a field that is not a decimal number in its range
  bad_address,             // not an IPv4 or IPv6 address
  string_too_long,         // a character-string over 255 octets
  bad_encoding,            // hex, base32hex or base64 that does not decode
  bad_time,                // an RRSIG time that is neither YYYYMMDDHHmmSS nor seconds
  bad_generic_length,      // RFC 3597's \# with a length other than the data's
  missing_field,           // the entry ends before its type's data does
  extra_field,             // fields after the end of its type's data
  bad_svc_param,           // an SVCB parameter that is unknown, repeated or malformed
  bad_directive,           // an unknown $ directive, or one with the wrong fields
  rdata_too_long,          // record data over 65535 octets
};

constexpr std::string_view describe(dns_error e) noexcept {
  switch (e) {
    case dns_error::truncated: return "truncated";
    case dns_error::label_too_long: return "label longer than 63 octets";
    case dns_error::name_too_long: return "name longer than 255 octets";
    case dns_error::bad_pointer: return "compression pointer not strictly backward";
    case dns_error::bad_label_type: return "unknown label type";
    case dns_error::bad_rdata: return "record data does not fit its type";
    case dns_error::trailing_data: return "bytes after the last record";
    case dns_error::bad_escape: return "bad escape";
    case dns_error::empty_label: return "empty label";
    case dns_error::no_space: return "no space in the message";
    case dns_error::unbalanced_parentheses: return "unbalanced parentheses";
    case dns_error::unterminated_string: return "unterminated quoted string";
    case dns_error::no_owner: return "no owner name: the first entry is indented";
    case dns_error::bad_ttl: return "bad TTL";
    case dns_error::no_ttl: return "no TTL and no $TTL before it";
    case dns_error::bad_class: return "class other than IN";
    case dns_error::unknown_type: return "unknown record type";
    case dns_error::meta_type: return "meta type in a zone";
    case dns_error::bad_number: return "bad number";
    case dns_error::bad_address: return "bad address";
    case dns_error::string_too_long: return "character-string longer than 255 octets";
    case dns_error::bad_encoding: return "bad hex, base32hex or base64";
    case dns_error::bad_time: return "bad signature time";
    case dns_error::bad_generic_length: return "generic data length does not match the data";
    case dns_error::missing_field: return "missing field";
    case dns_error::extra_field: return "extra field";
    case dns_error::bad_svc_param: return "bad SVCB parameter";
    case dns_error::bad_directive: return "bad directive";
    case dns_error::rdata_too_long: return "record data longer than 65535 octets";
  }
  return "unknown DNS error";
}

}  // namespace fata::dns
