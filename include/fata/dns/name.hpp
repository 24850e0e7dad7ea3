// Domain names (RFC 1035 §3.1, §5.1; RFC 4343; RFC 4034 §6.1).
//
// A `name` holds one absolute name in uncompressed wire form (length-
// prefixed labels ending with the empty root label), at most 255 octets,
// in fixed storage: it is a plain value, copied and compared without
// allocating. Labels are bytes (IDNA is the caller's business). Comparison
// ignores ASCII case and nothing else (RFC 4343) while the original case
// is kept for output.
//
// `read_name` decodes a name from a message, following compression
// pointers (RFC 1035 §4.1.4). Every pointer must point strictly before the
// start of the run of labels it ends, so the offsets visited fall and no
// input can loop; a name over 255 octets, a pointer past the end, a
// forward or self pointer and the retired label types are errors.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/error.hpp>

namespace fata::dns {

inline constexpr std::size_t max_name_octets = 255;
inline constexpr std::size_t max_label_octets = 63;
// The longest presentation form: k labels hold 254 - k octets, each
// escaped as \DDD, and k dots; labels of at most 63 octets need k >= 4,
// so 4 * 250 + 4.
inline constexpr std::size_t max_name_text = 1004;

struct name_at;

class name {
 public:
  // The root, ".".
  constexpr name() { _wire[0] = 0; }

  // From presentation form (RFC 1035 §5.1): labels separated by dots,
  // `\X` for a literal character and `\DDD` for an octet in decimal. A name
  // ending in "." is absolute; any other is relative to `origin` (the root
  // when none is given). "@" alone is the origin; "." alone is the root.
  static result<name, dns_error> from_text(std::string_view text, const name& origin = name());
  // From uncompressed wire form: exactly one name filling `wire`.
  static result<name, dns_error> from_wire(bytes wire);

  // Length-prefixed labels with the root label: what goes on the wire.
  bytes wire() const { return {_wire.data(), _size}; }
  std::size_t wire_size() const { return _size; }
  bool is_root() const { return _size == 1; }
  // Labels, not counting the root.
  std::size_t label_count() const;
  // Label `i` (0 is the leftmost) without its length octet.
  bytes label(std::size_t i) const;
  // Whether the leftmost label is "*" (RFC 4592).
  bool is_wildcard() const { return _size > 2 && _wire[0] == 1 && _wire[1] == '*'; }

  // This name without its leftmost `n` labels; the root past the last one.
  name parent(std::size_t n = 1) const;
  // `label` followed by this name, e.g. "*" before "example." for a
  // wildcard.
  result<name, dns_error> prepend(bytes label) const;
  // The labels of `prefix` (ignoring its root) followed by this name.
  result<name, dns_error> under(const name& prefix) const;

  // Whether this name is `ancestor` or below it.
  bool is_subdomain_of(const name& ancestor) const;
  // Case-insensitive equality (RFC 4343).
  friend bool operator==(const name& a, const name& b);
  // The canonical order of RFC 4034 §6.1: by labels from the right, each
  // compared as lower-cased octets. What NSEC chains and RRSIGs need.
  friend std::strong_ordering operator<=>(const name& a, const name& b);

  // Presentation form into `out` (at least max_name_text chars), absolute
  // with a trailing dot, escaping "." "\" and the characters zone files
  // give meaning to; returns the characters written.
  std::size_t to_text(std::span<char> out) const;

 private:
  friend result<name_at, dns_error> read_name(bytes message, std::size_t offset);

  std::array<std::uint8_t, max_name_octets> _wire{};
  std::uint8_t _size = 1;
};

// The canonical order of two names in uncompressed wire form (what
// name's <=> is): for a zone that keeps names as octets.
std::strong_ordering canonical_order(bytes a, bytes b);

// ASCII lower case of one octet, the only case folding DNS does.
constexpr std::uint8_t fold_case(std::uint8_t c) {
  return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c + ('a' - 'A')) : c;
}

// FNV-1a over the folded octets of a name's wire form from `from` (a
// suffix, or all of it): names equal as names compare hash alike. The
// size goes in first, the root last.
std::uint32_t folded_hash(bytes wire, std::size_t from = 0);

// A name decoded from a message and the offset just after where it sits
// (after the first pointer if it was compressed).
struct name_at {
  name value;
  std::size_t end = 0;
};

// Decodes the name at `offset` of `message`, following pointers into the
// message (see the top of this file for the rules).
result<name_at, dns_error> read_name(bytes message, std::size_t offset);

// Remembers where names were written into a message so later ones can
// point at them (RFC 1035 §4.1.4). Bounded: once `capacity` suffixes are
// known, further names are still written, just not remembered. The
// suffixes are found by a hash of their folded octets, so that a long
// message (an AXFR's) costs a lookup per suffix, not a scan of them all.
class name_compressor {
 public:
  static constexpr std::size_t capacity = 256;

  // Writes `n` at `offset` of `out`, as a pointer to the longest suffix
  // already written when there is one; returns the octets written.
  // `out` is the whole message so far (pointers count from its start).
  result<std::size_t, dns_error> write(mut_bytes out, std::size_t offset, const name& n);
  // Writes `n` uncompressed (for record data whose names RFC 3597 §4 says
  // must not be compressed) and remembers its suffixes all the same.
  result<std::size_t, dns_error> write_plain(mut_bytes out, std::size_t offset, const name& n);

  // Forgets suffixes written at or after `offset` (the writer rewinds when
  // a record does not fit).
  void forget_from(std::size_t offset);

 private:
  static constexpr std::size_t slots = 2 * capacity;  // a power of two, half full at most

  result<std::size_t, dns_error> write_labels(mut_bytes out, std::size_t offset, const name& n,
                                              bool compress);
  // Whether the name at `offset` of `message` (which this compressor
  // wrote) equals the suffix of `n` starting at wire offset `from`.
  static bool suffix_matches(bytes message, std::size_t offset, const name& n, std::size_t from);
  void index(std::size_t entry);

  // The suffixes in the order written (offsets ascending), each with its
  // hash; _slots holds entry + 1 at its hash's place (0: empty), probed
  // linearly.
  std::array<std::uint16_t, capacity> _offsets{};
  std::array<std::uint32_t, capacity> _hashes{};
  std::array<std::uint16_t, slots> _slots{};
  std::size_t _count = 0;
};

}  // namespace fata::dns
