// Editing a zone (internal to fata::dns): the records of an old zone
// deleted and added to, as an UPDATE (update.cpp) or an incoming IXFR
// (transfer_in.cpp) does, then the new zone built from them and the
// change between the two in IXFR's form.
//
// The new zone is built whole: the old zone's records that survive, in
// the order they are stored, merged with the added ones sorted, so the
// builder need not sort; its cost is the zone's size. The old zone is
// not touched and stays valid for whoever still reads it.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <vector>

#include <fata/core/budget.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/name.hpp>
#include <fata/dns/types.hpp>
#include <fata/dns/zone.hpp>

namespace fata::dns {

// RFC 4034 §6.3's order of records, as a zone keeps them: owner, type,
// then data octets.
bool canonically_before(const name& owner_a, rr_type type_a, bytes data_a, const name& owner_b, rr_type type_b,
                        bytes data_b);

// A record of a request or a transfer in canonical form, owning its data.
struct change_record {
  name owner;
  rr_type type = rr_type::a;
  std::uint16_t rclass = 0;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;
  bytes data() const { return bytes(rdata.data(), rdata.size()); }
};

// The zone while changes apply: the records of the old zone not deleted,
// and those added. The apex's SOA is never deleted here; rebuild_zone
// puts the new one in its place.
class working_zone {
 public:
  explicit working_zone(const zone& z) : _zone(z), _deleted(z.size(), false) {}

  // Whether a record at `owner` that `matches` (type, data) survives.
  template <class Pred>
  bool any_at(const name& owner, Pred&& matches) const {
    const zone::range r = _zone.find(owner);
    for (std::size_t i = r.first; i < r.last; ++i) {
      if (_deleted[i]) continue;
      const zone_entry e = _zone.at(i);
      if (matches(e.type, e.rdata)) return true;
    }
    for (const change_record& a : _added) {
      if (a.owner == owner && matches(a.type, a.data())) return true;
    }
    return false;
  }

  // Deletes the records at `owner` that `matches` says, old and added;
  // how many.
  template <class Pred>
  std::size_t erase_at(const name& owner, Pred&& matches) {
    std::size_t erased = 0;
    const zone::range r = _zone.find(owner);
    for (std::size_t i = r.first; i < r.last; ++i) {
      if (_deleted[i]) continue;
      const zone_entry e = _zone.at(i);
      if (matches(e.type, e.rdata)) {
        _deleted[i] = true;
        ++erased;
      }
    }
    const auto kept = std::remove_if(_added.begin(), _added.end(), [&](const change_record& a) {
      return a.owner == owner && matches(a.type, a.data());
    });
    erased += static_cast<std::size_t>(_added.end() - kept);
    _added.erase(kept, _added.end());
    if (erased > 0) _changed = true;
    return erased;
  }

  void add(change_record r) {
    _added.push_back(std::move(r));
    _changed = true;
  }

  const zone& old_zone() const { return _zone; }
  bool changed() const { return _changed; }
  bool deleted(std::size_t i) const { return _deleted[i]; }
  const std::vector<change_record>& added() const { return _added; }

 private:
  const zone& _zone;
  std::vector<bool> _deleted;
  std::vector<change_record> _added;
  bool _changed = false;
};

// The zone `work` describes, with the SOA `soa` (canonical data, TTL
// `soa_ttl`) in place of the old one, built on `budget` and checked as a
// loaded zone is, into `built`; the first check it fails otherwise. (Not
// a result<unique_ptr>: clang 14, which builds the fuzz targets, cannot
// hold a move-only type in one.)
result<void, zone_problem> rebuild_zone(const working_zone& work, std::uint32_t soa_ttl, bytes soa,
                                        memory_budget& budget, std::unique_ptr<zone>& built);

// The change from `work`'s old zone to `updated` (rebuild_zone's) in
// IXFR's form, each added record with the TTL its RRset has in the new
// zone.
std::shared_ptr<zone_change> change_between(const working_zone& work, const zone& updated);

}  // namespace fata::dns
