// Presentation forms (RFC 1035 §5.1 and each type's RFC) of record data:
// what zone files, dig and logs show.
//
// `write_rdata_text` prints canonical record data (check_canonical_rdata
// accepts it) in its type's own form, the one-line form `dig +nosplit`
// prints: names absolute, character-strings quoted with `\"`, `\\` and
// `\DDD` escapes, digests in upper-case hex, keys and signatures in
// unsplit base64, RRSIG times as YYYYMMDDHHmmSS. Data its type's form
// cannot express (an empty digest, a port parameter of three octets) and
// types without a form print in RFC 3597's generic form `\# LENGTH HEX`,
// which every reader accepts for every type. The text is always one line
// of printable ASCII.
#pragma once

#include <cstdint>

#include <fata/core/bytes.hpp>
#include <fata/core/fmt.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/types.hpp>

namespace fata::dns {

// The mnemonic, or TYPEnnn (RFC 3597 §5) for a type without one.
void write_type_text(format_sink& out, rr_type type);
// IN, CH, NONE, ANY, or CLASSnnn.
void write_class_text(format_sink& out, std::uint16_t rclass);
// Absolute, escaped as name::to_text escapes.
void write_name_text(format_sink& out, const name& n);
// A name as fata::format's "{}" (and a log line's) argument: its
// presentation form, padded as the spec says.
void format_value(format_sink& out, const format_spec& spec, const name& n);
// A <character-string>: quoted, with `\"`, `\\` and `\DDD` for octets
// outside printable ASCII.
void write_character_string(format_sink& out, bytes octets);

// RFC 3597 §5: `\# LENGTH HEX` (`\# 0` for no data).
void write_generic_rdata(format_sink& out, bytes rdata);
// Contract: `rdata` is canonical for `type`.
void write_rdata_text(format_sink& out, rr_type type, bytes rdata);

// One record as dig prints it: OWNER TTL CLASS TYPE DATA, separated by
// single spaces.
void write_record_text(format_sink& out, const name& owner, std::uint32_t ttl,
                       std::uint16_t rclass, rr_type type, bytes rdata);

}  // namespace fata::dns
