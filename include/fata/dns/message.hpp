// DNS messages (RFC 1035 §4) as checked views, and a writer that
// compresses names.
//
// `message_view::parse` walks the whole message once: the header, every
// question, every record's owner, fixed fields and data, each record's
// data against its type's layout (names where they belong, lengths that
// add up: see rdata_layout in message.cpp), and nothing after the last
// record. Names may be compressed wherever RFC 3597 §4 lets a receiver
// expect it (the RFC 1035 types, and SRV, RP, AFSDB, NAPTR); in DNSSEC and newer
// types a pointer is malformed record data. After parse, reading can no
// longer fail: readers hand out questions and records in order, with the
// record data as a view into the message.
//
// `expand_rdata` turns a record's data into its canonical form, names
// uncompressed (RFC 4034 §6.2 without the case folding): how a zone, a
// secondary's copy, or a journal keeps it. `message_writer` takes record
// data in that form and compresses the names RFC 1035 types carry (and
// owners, except a TSIG record's, the key's name, written whole).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/error.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/types.hpp>

namespace fata::dns {

inline constexpr std::size_t header_size = 12;
// A DNS message over UDP without EDNS (RFC 1035 §4.2.1), and the most any
// message can hold (TCP's two-octet length prefix).
inline constexpr std::size_t classic_udp_size = 512;
inline constexpr std::size_t max_message_size = 65535;

enum class section : std::uint8_t { question = 0, answer, authority, additional };

// The fixed header without its counts (the view and the writer own those).
struct header {
  std::uint16_t id = 0;
  bool response = false;              // QR
  dns::opcode opcode = opcode::query;  // any 4-bit value
  bool authoritative = false;         // AA
  bool truncated = false;             // TC
  bool recursion_desired = false;     // RD
  bool recursion_available = false;   // RA
  bool authentic_data = false;        // AD (RFC 4035 §3.2.3)
  bool checking_disabled = false;     // CD
  std::uint8_t rcode = 0;             // the low four bits of the response code

  static header decode(bytes message);
  void encode(mut_bytes message) const;
  friend bool operator==(const header&, const header&) = default;
};

struct question {
  name qname;
  rr_type qtype = rr_type::a;
  std::uint16_t qclass = 0;
};

struct record {
  name owner;
  rr_type type = rr_type::a;
  std::uint16_t rclass = 0;  // for OPT, the requestor's UDP payload size
  std::uint32_t ttl = 0;     // for OPT, the extended rcode, version and flags
  bytes rdata;               // as on the wire: names may be pointers
  std::size_t rdata_offset = 0;
};

// Hands out the records of one section, in order. Only a message_view
// makes them, so every record they walk has been checked.
class record_reader {
 public:
  std::optional<record> next();
  std::size_t remaining() const { return _left; }

 private:
  friend class message_view;
  record_reader(bytes message, std::size_t offset, std::size_t count)
      : _message(message), _offset(offset), _left(count) {}
  bytes _message;
  std::size_t _offset;
  std::size_t _left;
};

class message_view {
 public:
  static result<message_view, dns_error> parse(bytes message);

  const dns::header& header() const { return _header; }
  std::size_t count(section s) const { return _counts[static_cast<std::size_t>(s)]; }
  bytes wire() const { return _message; }

  // The questions, in order (almost always exactly one).
  std::optional<dns::question> question_at(std::size_t index = 0) const;
  record_reader records(section s) const;

  // The OPT pseudo-record (RFC 6891) and how many there were: a query
  // with more than one is FORMERR (§6.1.1), which the server decides.
  std::optional<record> opt() const;
  std::size_t opt_count() const { return _opt_count; }
  // The TSIG record when it is the last of the additional section, where
  // RFC 8945 §5.1 requires it; `tsig_misplaced` when one sits elsewhere.
  std::optional<record> tsig() const;
  bool tsig_misplaced() const { return _tsig_misplaced; }
  // Where the TSIG record starts (0: none): what its MAC covers ends there.
  std::size_t tsig_offset() const { return _tsig_offset; }

 private:
  bytes _message;
  dns::header _header;
  std::array<std::uint16_t, 4> _counts{};
  // Where each section starts.
  std::array<std::size_t, 4> _starts{};
  std::size_t _opt_offset = 0;
  std::size_t _opt_count = 0;
  std::size_t _tsig_offset = 0;  // 0: none (no record starts inside the header)
  bool _tsig_misplaced = false;
};

// A record's data in canonical form (names uncompressed) into `out`;
// returns the octets written, or no_space.
result<std::size_t, dns_error> expand_rdata(bytes message, const record& r, mut_bytes out);
// Room that always suffices for `expand_rdata` of record data of
// `wire_size` octets: no type carries more than two names.
constexpr std::size_t expanded_rdata_bound(std::size_t wire_size) { return wire_size + 2 * max_name_octets; }
// Checks record data given in canonical form (from a zone or a caller)
// against its type's layout: no pointers, lengths that add up.
result<void, dns_error> check_canonical_rdata(rr_type type, bytes rdata);

// Builds a message section by section into a caller's buffer. Counts are
// kept here and written by finish(). When a question or record does not
// fit, nothing of it is left behind and the error is no_space, so a server
// can set TC and send what fit (RFC 2181 §9).
class message_writer {
 public:
  // `out` holds the message; at least header_size octets.
  explicit message_writer(mut_bytes out);

  void set_header(const dns::header& h) { _header = h; }
  const dns::header& header() const { return _header; }

  result<void, dns_error> add_question(const name& qname, rr_type qtype, std::uint16_t qclass);
  // Contract: sections are added in order (question, answer, authority,
  // additional) and `rdata` is canonical for `type` (check_canonical_rdata).
  result<void, dns_error> add_record(section s, const name& owner, rr_type type,
                                     std::uint16_t rclass, std::uint32_t ttl, bytes rdata);

  // A point to go back to, dropping what was added after it.
  struct mark {
    std::size_t size;
    std::array<std::uint16_t, 4> counts;
  };
  mark position() const { return {_size, _counts}; }
  void rewind(mark m);

  std::size_t size() const { return _size; }
  // The most the message may grow to: the buffer's size, or less after
  // limit_to.
  std::size_t capacity() const { return _out.size(); }
  // Lets the message grow to `size` octets of the buffer at most (at
  // least what it holds): a server keeps room for its OPT record while it
  // adds the rest, then gives the room back.
  void limit_to(std::size_t size);
  std::size_t count(section s) const { return _counts[static_cast<std::size_t>(s)]; }
  // Writes the header and counts; the message is the first size() octets.
  bytes finish();

 private:
  mut_bytes _buffer;
  mut_bytes _out;  // the part of _buffer the message may use
  std::size_t _size = header_size;
  dns::header _header;
  std::array<std::uint16_t, 4> _counts{};
  section _section = section::question;
  name_compressor _names;
};

}  // namespace fata::dns
