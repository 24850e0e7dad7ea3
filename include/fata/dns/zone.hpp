// A zone held in memory, in canonical order (RFC 4034 §6.1), with the
// checks a server needs before it answers from it.
//
// `zone_builder` takes records one by one (from a zone_file_reader, a
// transfer, a test), copying each into one arena charged to a memory
// budget, and refuses at once a record outside the zone or over the
// budget. `finish` sorts them, drops exact duplicates, gives every RRset
// but RRSIGs its lowest TTL (RFC 2181 §5.2), and checks:
// - one SOA, at the apex, and NS records there;
// - no DS at the apex (the parent holds it);
// - a CNAME alone at its name but for DNSSEC's RRSIG and NSEC, and one of
//   it (RFC 2181 §10.1, RFC 4035 §2.5);
// - nothing below a DNAME (RFC 6672 §2.4);
// - at a delegation only NS, DS, DNSSEC records and glue, below it only
//   glue (A and AAAA), and glue for every name server the delegation
//   names at or below itself (RFC 1034 §4.2.1).
// Each error names the owner and type it is about.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <fata/core/budget.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/error.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/types.hpp>

namespace fata::dns {

enum class zone_error : std::uint8_t {
  out_of_zone = 1,    // an owner not at or below the apex
  over_budget,        // the records would take more memory than the budget allows
  no_soa,             // no SOA at the apex
  several_soas,       // more than one SOA record at the apex
  soa_not_at_apex,    // an SOA anywhere else
  no_apex_ns,         // no NS records at the apex
  ds_at_apex,         // DS belongs in the parent zone
  cname_and_other,    // a CNAME beside other data, or two CNAMEs
  below_dname,        // a name under a DNAME's owner
  occluded,           // data at or below a delegation that is not NS, DS, DNSSEC or glue
  missing_glue,       // a delegation's name server below it without an address
};

constexpr std::string_view describe(zone_error e) noexcept {
  switch (e) {
    case zone_error::out_of_zone: return "out of zone";
    case zone_error::over_budget: return "zone over its memory budget";
    case zone_error::no_soa: return "no SOA at the apex";
    case zone_error::several_soas: return "more than one SOA";
    case zone_error::soa_not_at_apex: return "SOA below the apex";
    case zone_error::no_apex_ns: return "no NS at the apex";
    case zone_error::ds_at_apex: return "DS at the apex";
    case zone_error::cname_and_other: return "CNAME and other data";
    case zone_error::below_dname: return "name below a DNAME";
    case zone_error::occluded: return "data occluded by a delegation";
    case zone_error::missing_glue: return "delegation without glue for its name server";
  }
  return "unknown zone error";
}

struct zone_problem {
  zone_error error = zone_error::out_of_zone;
  name owner;
  rr_type type = rr_type::a;
};

// One record as the zone holds it: views into the zone's arena.
struct zone_entry {
  name owner;
  rr_type type = rr_type::a;
  std::uint32_t ttl = 0;
  bytes rdata;
};

class zone {
 public:
  const name& apex() const { return _apex; }
  std::size_t size() const { return _order.size(); }
  // The i-th record in canonical order (i < size()): an AXFR's order,
  // but for the SOA first and last.
  zone_entry at(std::size_t i) const;
  // The records at `owner` of `type`, as [first, last) in canonical order.
  struct range {
    std::size_t first = 0;
    std::size_t last = 0;
    bool empty() const { return first == last; }
  };
  range find(const name& owner, rr_type type) const;
  // Every record at `owner`.
  range find(const name& owner) const;
  // The records of `type` among `records`, the records of one owner (as
  // find(owner) gives them, in type order).
  range of_type(range records, rr_type type) const;
  // Whether `n` exists (RFC 4592 §2.2.2): records at it, or at a name
  // below it (an empty non-terminal).
  bool exists(const name& n) const;
  // The memory the zone holds, charged to its budget.
  std::size_t memory() const { return _charged; }
  // What finish() set aside: exact duplicates, and records whose TTL was
  // lowered to their RRset's lowest.
  std::size_t duplicates_dropped() const { return _duplicates; }
  std::size_t ttls_lowered() const { return _ttls_lowered; }

  zone(zone&& o) noexcept;
  zone& operator=(zone&& o) noexcept;
  zone(const zone&) = delete;
  zone& operator=(const zone&) = delete;
  ~zone();

 private:
  friend class zone_builder;
  zone() = default;
  // The records of one owner: its sort key in _owner_keys, and where its
  // records start in _order (they end where the next owner's start).
  struct owner_entry {
    std::uint32_t key = 0;
    std::uint32_t key_size = 0;
    std::uint32_t first = 0;
  };
  // The first owner whose key is not below `key`.
  std::size_t owner_lower_bound(bytes key) const;
  range records_of(std::size_t owner_index) const;
  template <class T>
  bool grow(std::vector<T>& v, std::size_t more);
  static bool sort_canonically(zone& z);
  bool index_owners();

  name _apex;
  std::vector<std::uint8_t> _arena;   // records: owner wire, type, TTL, data length, data
  std::vector<std::uint32_t> _order;  // offsets into the arena, in canonical order
  // One entry per owner in canonical order, found by memcmp on sort keys:
  // a lookup costs one key made and a binary search of memcmps.
  std::vector<owner_entry> _owners;
  std::vector<std::uint8_t> _owner_keys;
  memory_budget* _budget = nullptr;   // charged with the vectors' capacity
  std::size_t _charged = 0;
  std::size_t _duplicates = 0;
  std::size_t _ttls_lowered = 0;
};

class zone_builder {
 public:
  zone_builder(const name& apex, memory_budget& budget);

  const name& apex() const { return _zone.apex(); }

  // Copies the record in; `rdata` is canonical (check_canonical_rdata).
  result<void, zone_problem> add(const name& owner, rr_type type, std::uint32_t ttl, bytes rdata);
  // Takes the memory for `from`'s records and `records` more of `octets`
  // in all, at once (an update's new zone): no growth by doubling, no
  // copies on the way. False when the budget does not allow it.
  bool reserve_for(const zone& from, std::size_t records, std::size_t octets);
  // Copies record `i` of `from`, a zone of the same apex (an update's
  // old zone), as it is stored: no decoding, no checks.
  result<void, zone_problem> add_copy(const zone& from, std::size_t i);
  // Sorts and checks what was added. (Not a result<zone>: clang 14, which
  // builds the fuzz targets, cannot hold a move-only type in one.)
  result<void, zone_problem> finish();
  // The zone. Contract: finish() succeeded.
  zone take() &&;

 private:
  zone _zone;
  bool _finished = false;
};

// One change to a zone in IXFR's form (RFC 1995 §4): the old SOA, the
// records deleted, the new SOA, the records added. Immutable once made.
class zone_change {
 public:
  std::uint32_t from_serial() const { return _from_serial; }
  std::uint32_t to_serial() const { return _to_serial; }
  // Records, both SOAs included.
  std::size_t size() const { return _offsets.size(); }
  zone_entry at(std::size_t i) const;
  std::size_t memory() const { return _arena.capacity() + _offsets.capacity() * sizeof(std::uint32_t); }

  // Appends a record: the old SOA, then the deletions, the new SOA, the
  // additions. `rdata` canonical.
  void add(const name& owner, rr_type type, std::uint32_t ttl, bytes rdata);
  void set_serials(std::uint32_t from, std::uint32_t to) {
    _from_serial = from;
    _to_serial = to;
  }

 private:
  std::vector<std::uint8_t> _arena;  // owner size, owner wire, type, TTL, data length, data
  std::vector<std::uint32_t> _offsets;
  std::uint32_t _from_serial = 0;
  std::uint32_t _to_serial = 0;
};

// An SOA's serial: the first of the five numbers that end its data,
// which is where it is whether the names before it are compressed or not;
// nothing for data too short to be an SOA's.
std::optional<std::uint32_t> soa_serial(bytes soa_rdata);
// RFC 1982: whether serial `a` is older than `b`.
constexpr bool serial_older(std::uint32_t a, std::uint32_t b) {
  return a != b && static_cast<std::uint32_t>(b - a) < 0x80000000u;
}

}  // namespace fata::dns
