// The stub resolver's pure parts: the query it sends to a recursive
// server, the judgement of a reply against that query, and a bounded
// cache that honours TTLs. No I/O and no clock: the glue
// (fata/dns/resolver.hpp) sends, waits, retries and gives the time.
//
// Judging a reply (as glibc's and musl's stubs do, and RFC 5452 asks):
// - a reply that does not parse, is not a response, carries another ID or
//   another question is not the answer: the glue keeps waiting;
// - TC set: truncated, to be asked again over TCP;
// - NXDOMAIN: the name does not exist; NOERROR with no record of the type
//   at the end of the CNAME chain: no data; both with the negative TTL of
//   the SOA in the authority section (RFC 2308 §5), 0 without one;
// - SERVFAIL, REFUSED and other rcodes: that server's failure;
// - otherwise the records of the type at the question's name, or at the
//   end of the chain of CNAMEs the answer section gives for it (16 links
//   at most). Records at other names are ignored: a server answers the
//   question it was asked, nothing more. The TTL is the least of the
//   chain's and the records'.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include <fata/core/budget.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>
#include <fata/dns/error.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/types.hpp>

namespace fata::dns {

// Why a lookup gave no records.
enum class lookup_error : std::uint8_t {
  nxdomain = 1,    // the name does not exist
  no_data,         // the name exists, without records of the type
  server_failure,  // every server answered SERVFAIL, REFUSED or another error
  timed_out,       // no server answered in time
  bad_name,        // a name that is not a DNS name
  no_memory,       // the cache or the lookup's buffers were refused
  no_servers,      // no recursive server is configured to ask
};

constexpr std::string_view describe(lookup_error e) noexcept {
  switch (e) {
    case lookup_error::nxdomain: return "no such name (NXDOMAIN)";
    case lookup_error::no_data: return "no records of that type";
    case lookup_error::server_failure: return "the servers failed to answer (SERVFAIL or REFUSED)";
    case lookup_error::timed_out: return "no server answered";
    case lookup_error::bad_name: return "not a DNS name";
    case lookup_error::no_memory: return "out of memory";
    case lookup_error::no_servers: return "no DNS server to ask";
  }
  return "unknown lookup error";
}

// The records a lookup found: each one's data in canonical form (names
// uncompressed), owned.
class lookup_result {
 public:
  name canonical_name;  // the question's name after the CNAME chain
  rr_type type = rr_type::a;
  std::uint32_t ttl = 0;

  std::size_t size() const { return _ends.size(); }
  bytes rdata(std::size_t i) const {
    const std::size_t begin = i == 0 ? 0 : _ends[i - 1];
    return bytes(_data.data() + begin, _ends[i] - begin);
  }
  // The octets held, for the cache's budget.
  std::size_t memory() const { return _data.size() + _ends.size() * sizeof(std::uint32_t); }
  void add(bytes rdata);

 private:
  std::vector<std::uint8_t> _data;
  std::vector<std::uint32_t> _ends;
};

// Writes the query for (qname, qtype) with `id`: RD set, and an OPT record
// offering `udp_size` when it is not 0. 512 octets always suffice.
result<bytes, dns_error> write_stub_query(const name& qname, rr_type qtype, std::uint16_t id,
                                          std::uint16_t udp_size, mut_bytes out);

enum class stub_reply : std::uint8_t {
  not_the_answer = 1,
  truncated,
  answered,  // the result holds the records
  nxdomain,
  no_data,
  server_failure,
};

struct stub_judgement {
  stub_reply verdict = stub_reply::not_the_answer;
  std::uint32_t negative_ttl = 0;  // for nxdomain and no_data
  rcode code = rcode::noerror;
  // What a task of this type gives when its frame is refused: nothing heard.
  static stub_judgement refused() { return {}; }
};

// Judges `reply` to the query (id, qname, qtype); fills `out` when it
// answers.
stub_judgement judge_stub_reply(bytes reply, std::uint16_t id, const name& qname, rr_type qtype,
                                lookup_result& out);

// A bounded cache of lookups, positive and negative, each kept for its
// TTL (capped: a day for records, an hour for negative answers) and
// charged to a budget. Full, it drops the entry that would expire first.
// Found by a hash of (name folded, type) in an open-addressing index of
// twice max_entries slots (charged to the budget when made), so a hit
// costs one probe or a few, not a scan; storing still scans the entries
// (for the expired, and the one to drop), which a miss's round trip to a
// server dwarfs.
class lookup_cache {
 public:
  static constexpr std::uint32_t max_ttl = 86400;
  static constexpr std::uint32_t max_negative_ttl = 3600;

  lookup_cache(std::size_t max_entries, memory_budget& budget);
  ~lookup_cache();
  lookup_cache(const lookup_cache&) = delete;
  lookup_cache& operator=(const lookup_cache&) = delete;

  // What the cache holds for (qname, qtype) at `now`: a result, an error
  // (nxdomain or no_data), or nothing (absent or expired).
  struct hit {
    const lookup_result* records = nullptr;  // when positive
    lookup_error error = lookup_error::nxdomain;
  };
  std::optional<hit> find(const name& qname, rr_type qtype, mono_time now);
  void store(const name& qname, rr_type qtype, lookup_result records, mono_time now);
  void store_negative(const name& qname, rr_type qtype, lookup_error error, std::uint32_t ttl,
                      mono_time now);

  std::size_t size() const { return _entries.size(); }
  std::uint64_t hits() const { return _hits; }
  std::uint64_t misses() const { return _misses; }

 private:
  struct entry {
    name qname;
    rr_type qtype = rr_type::a;
    std::uint32_t hash = 0;  // key_hash(qname, qtype)
    mono_time expires{};
    bool negative = false;
    lookup_error error = lookup_error::nxdomain;
    lookup_result records;
    std::size_t charged = 0;
  };
  static std::uint32_t key_hash(const name& qname, rr_type qtype);
  // The index slot holding `qname`/`qtype`'s entry, or _slots.size().
  std::size_t slot_of(const name& qname, rr_type qtype, std::uint32_t hash) const;
  // The slot holding entry `i` (which is indexed).
  std::size_t slot_of_entry(std::size_t i) const;
  void put(entry e, mono_time now);
  void erase(std::size_t i);

  std::size_t _max_entries;
  memory_budget& _budget;
  std::vector<entry> _entries;
  // Entry index + 1 at its hash's place (0: empty), probed linearly; a
  // power of two in size, at most half full.
  std::vector<std::uint32_t> _slots;
  std::size_t _index_charged = 0;
  std::uint64_t _hits = 0;
  std::uint64_t _misses = 0;
};

}  // namespace fata::dns
