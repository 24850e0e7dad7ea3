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
  }
  return "unknown DNS error";
}

}  // namespace fata::dns
