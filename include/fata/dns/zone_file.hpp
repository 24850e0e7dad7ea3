// Reading zone files (RFC 1035 §5) and the presentation form of record
// data: the inverse of text.hpp's printer.
//
// `zone_lexer` cuts text into entries and fields: a field is a run of
// characters or a quoted string; `;` starts a comment; `( )` continue an
// entry over lines; a backslash escapes the next character. Fields are
// views into the text with their escapes still in them, because a name
// and a character-string read `\.` differently.
//
// `parse_rdata_text` reads the rest of an entry as record data of a type,
// in the type's own form or RFC 3597's generic `\# LENGTH HEX`, and
// writes it in canonical wire form (check_canonical_rdata accepts it).
// Whatever write_rdata_text prints, it reads back to the same octets.
//
// `zone_file_reader` reads entries: `$ORIGIN`, `$TTL`, relative names and
// `@`, owners carried over to indented entries, TTLs with units (1h30m),
// TTL and class IN in either order. `$INCLUDE` is handed to the caller,
// who owns the store and opens a reader for the included text: the
// reader does no I/O. Errors come with the line they are on.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/error.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/types.hpp>

namespace fata::dns {

// The most record data can hold (its length is two octets).
inline constexpr std::size_t max_rdata_size = 65535;

struct text_field {
  std::string_view text;  // escapes kept; a quoted field without its quotes
  bool quoted = false;
};

class zone_lexer {
 public:
  explicit zone_lexer(std::string_view text) : _text(text) {}

  // Moves to the next entry, skipping blank and comment-only lines; false
  // at the end of the text. Contract: the current entry's fields are all
  // read (next_field returned nullopt).
  result<bool, dns_error> next_entry();
  // Whether the current entry's line starts with a space or tab: it has
  // no owner of its own and takes the previous one.
  bool entry_is_indented() const { return _indented; }
  // The current entry's next field; nullopt at its end.
  result<std::optional<text_field>, dns_error> next_field();
  // The line the last field (or the entry) started on, from 1: where an
  // error in it is.
  std::size_t field_line() const { return _field_line; }

 private:
  std::string_view _text;
  std::size_t _at = 0;
  std::size_t _line = 1;
  std::size_t _field_line = 1;
  unsigned _depth = 0;  // open parentheses
  bool _indented = false;
  bool _entry_done = true;
};

// Reads the rest of the lexer's current entry as `type`'s data into `out`
// (max_rdata_size octets always suffice); returns the octets written.
// Relative names are completed with `origin`.
result<std::size_t, dns_error> parse_rdata_text(rr_type type, zone_lexer& fields,
                                                const name& origin, mut_bytes out);

// A type from its mnemonic (any case) or TYPEnnn.
std::optional<rr_type> type_from_text(std::string_view text);

// A TTL: seconds, or w/d/h/m/s units in any case ("1h30m"), up to 2^31 - 1
// (RFC 2181 §8).
std::optional<std::uint32_t> ttl_from_text(std::string_view text);

struct zone_record {
  name owner;
  std::uint32_t ttl = 0;
  rr_type type = rr_type::a;
  bytes rdata;  // canonical; valid until the next call to next()
};

// `$INCLUDE path [origin]`: the caller reads `path` from its store with a
// reader of its own, starting at `origin`.
struct zone_include {
  std::string_view path;  // as written, escapes kept
  name origin;
};

struct zone_item {
  enum class kind : std::uint8_t { record, include } what = kind::record;
  zone_record record;
  zone_include include;
};

struct zone_file_error {
  std::size_t line = 0;
  dns_error error = dns_error::bad_rdata;
};

class zone_file_reader {
 public:
  // `origin` starts as the zone's name; `default_ttl` is what $TTL would
  // have said, if anything (an included file inherits its includer's).
  zone_file_reader(std::string_view text, const name& origin,
                   std::optional<std::uint32_t> default_ttl = std::nullopt)
      : _lexer(text), _origin(origin), _default_ttl(default_ttl) {}

  // The next record or $INCLUDE; nullopt at the end of the text.
  result<std::optional<zone_item>, zone_file_error> next();

  const name& origin() const { return _origin; }
  std::optional<std::uint32_t> default_ttl() const { return _default_ttl; }

 private:
  result<std::optional<zone_item>, dns_error> read_entry();
  result<bool, dns_error> read_directive(std::string_view keyword, zone_item& item);

  zone_lexer _lexer;
  name _origin;
  std::optional<std::uint32_t> _default_ttl;
  std::optional<name> _last_owner;
  std::optional<std::uint32_t> _last_ttl;
  std::array<std::uint8_t, max_rdata_size> _rdata{};
};

}  // namespace fata::dns
