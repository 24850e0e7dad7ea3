#include <fata/dns/zone.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

namespace fata::dns {

namespace {

// A record in the arena: owner length, owner (uncompressed wire form),
// type (2), TTL (4), data length (2), data.
struct stored {
  bytes owner;
  rr_type type;
  std::uint32_t ttl;
  bytes rdata;
  std::size_t ttl_at;  // where the TTL sits, to lower it
};

stored read_stored(const std::vector<std::uint8_t>& arena, std::uint32_t offset) {
  const bytes all(arena.data(), arena.size());
  const std::size_t owner_size = all.u8(offset);
  const std::size_t fixed = offset + 1 + owner_size;
  return {all.sub(offset + 1, owner_size), static_cast<rr_type>(all.be16(fixed)),
          all.be32(fixed + 2), all.sub(fixed + 8, all.be16(fixed + 6)), fixed + 2};
}

// Appends a record to `arena` in read_stored's form; returns its offset.
std::uint32_t append_stored(std::vector<std::uint8_t>& arena, const name& owner, rr_type type,
                            std::uint32_t ttl, bytes rdata) {
  const auto offset = static_cast<std::uint32_t>(arena.size());
  arena.push_back(static_cast<std::uint8_t>(owner.wire_size()));
  arena.insert(arena.end(), owner.wire().u8_data(), owner.wire().u8_data() + owner.wire_size());
  const auto t = static_cast<std::uint16_t>(type);
  const std::uint8_t fixed[8] = {std::uint8_t(t >> 8),           std::uint8_t(t),
                                 std::uint8_t(ttl >> 24),        std::uint8_t(ttl >> 16),
                                 std::uint8_t(ttl >> 8),         std::uint8_t(ttl),
                                 std::uint8_t(rdata.size() >> 8), std::uint8_t(rdata.size())};
  arena.insert(arena.end(), fixed, fixed + 8);
  arena.insert(arena.end(), rdata.u8_data(), rdata.u8_data() + rdata.size());
  return offset;
}

std::strong_ordering compare_octets(bytes a, bytes b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (a.u8(i) != b.u8(i)) return a.u8(i) <=> b.u8(i);
  }
  return a.size() <=> b.size();
}

bool is_dnssec(rr_type t) { return t == rr_type::rrsig || t == rr_type::nsec; }

// The most octets a sort key takes: two per octet of a longest name.
constexpr std::size_t max_sort_key = 2 * max_name_octets;

// Writes an owner's sort key to `out` (max_sort_key octets) and returns
// its size: its labels from the right, folded to lower case, each octet o
// as o + 1 (254 and 255 as two octets, 0xff 0x01 and 0xff 0x02) and each
// label ended by 0. Keys compared as octet strings are in the canonical
// order of their names (RFC 4034 §6.1), and a name's key begins every
// key of a name below it, so sorting and lookups need only memcmp.
std::size_t write_sort_key(bytes owner, std::uint8_t* out) {
  std::array<std::uint8_t, 128> starts;
  std::size_t labels = 0;
  for (std::size_t i = 0; owner.u8(i) != 0; i += 1 + owner.u8(i)) {
    starts[labels++] = static_cast<std::uint8_t>(i);
  }
  std::size_t size = 0;
  while (labels > 0) {
    const std::size_t at = starts[--labels];
    for (std::size_t k = 1; k <= owner.u8(at); ++k) {
      const std::uint8_t o = fold_case(owner.u8(at + k));
      if (o < 254) {
        out[size++] = static_cast<std::uint8_t>(o + 1);
      } else {
        out[size++] = 0xff;
        out[size++] = static_cast<std::uint8_t>(o - 253);
      }
    }
    out[size++] = 0;
  }
  return size;
}

int compare_keys(bytes a, bytes b) {
  const int by_octets = std::memcmp(a.data(), b.data(), std::min(a.size(), b.size()));
  if (by_octets != 0) return by_octets;
  return a.size() < b.size() ? -1 : a.size() > b.size() ? 1 : 0;
}

}  // namespace

// Sorts the zone's records in canonical order: by owner (through sort
// keys, charged to the budget while they live), type, then data.
bool zone::sort_canonically(zone& z) {
  struct item {
    std::uint32_t record;
    std::uint32_t key;
    std::uint32_t key_size;
  };
  const std::size_t n = z._order.size();
  // Records added in canonical order already (an update's new zone, made
  // from a sorted one) need no sort: one pass over them says so.
  bool sorted = true;
  for (std::size_t i = 1; i < n && sorted; ++i) {
    const stored a = read_stored(z._arena, z._order[i - 1]);
    const stored b = read_stored(z._arena, z._order[i]);
    const auto by_owner = canonical_order(a.owner, b.owner);
    if (by_owner != 0) {
      sorted = by_owner < 0;
    } else if (a.type != b.type) {
      sorted = static_cast<std::uint16_t>(a.type) < static_cast<std::uint16_t>(b.type);
    } else {
      sorted = compare_octets(a.rdata, b.rdata) <= 0;
    }
  }
  if (sorted) return true;
  // At most two key octets per owner octet.
  const std::size_t key_bound = 2 * z._arena.size();
  const std::size_t charge = key_bound + n * sizeof(item);
  if (!z._budget->try_charge(charge)) return false;
  std::vector<std::uint8_t> keys;
  keys.reserve(key_bound);
  std::vector<item> items;
  items.reserve(n);
  std::array<std::uint8_t, max_sort_key> key;
  for (const std::uint32_t offset : z._order) {
    const auto start = static_cast<std::uint32_t>(keys.size());
    const std::size_t size = write_sort_key(read_stored(z._arena, offset).owner, key.data());
    keys.insert(keys.end(), key.data(), key.data() + size);
    items.push_back({offset, start, static_cast<std::uint32_t>(size)});
  }
  std::sort(items.begin(), items.end(), [&](const item& x, const item& y) {
    const int by_name = std::memcmp(keys.data() + x.key, keys.data() + y.key,
                                    std::min(x.key_size, y.key_size));
    if (by_name != 0) return by_name < 0;
    if (x.key_size != y.key_size) return x.key_size < y.key_size;
    const stored a = read_stored(z._arena, x.record);
    const stored b = read_stored(z._arena, y.record);
    if (a.type != b.type) return static_cast<std::uint16_t>(a.type) < static_cast<std::uint16_t>(b.type);
    return compare_octets(a.rdata, b.rdata) < 0;
  });
  for (std::size_t i = 0; i < n; ++i) z._order[i] = items[i].record;
  z._budget->release(charge);
  return true;
}

void zone_change::add(const name& owner, rr_type type, std::uint32_t ttl, bytes rdata) {
  _offsets.push_back(append_stored(_arena, owner, type, ttl, rdata));
}

zone_entry zone_change::at(std::size_t i) const {
  const stored s = read_stored(_arena, _offsets[i]);
  return {name::from_wire(s.owner).value(), s.type, s.ttl, s.rdata};
}

zone_entry zone::at(std::size_t i) const {
  const stored s = read_stored(_arena, _order[i]);
  return {name::from_wire(s.owner).value(), s.type, s.ttl, s.rdata};
}

std::size_t zone::owner_lower_bound(bytes key) const {
  const auto it = std::lower_bound(_owners.begin(), _owners.end(), key,
                                   [&](const owner_entry& e, bytes k) {
                                     return compare_keys(bytes(_owner_keys.data() + e.key, e.key_size), k) < 0;
                                   });
  return static_cast<std::size_t>(it - _owners.begin());
}

zone::range zone::records_of(std::size_t owner_index) const {
  const std::size_t last =
      owner_index + 1 < _owners.size() ? _owners[owner_index + 1].first : _order.size();
  return {_owners[owner_index].first, last};
}

zone::range zone::find(const name& owner) const {
  std::array<std::uint8_t, max_sort_key> key;
  const bytes k(key.data(), write_sort_key(owner.wire(), key.data()));
  const std::size_t i = owner_lower_bound(k);
  if (i == _owners.size()) return {_order.size(), _order.size()};
  if (compare_keys(bytes(_owner_keys.data() + _owners[i].key, _owners[i].key_size), k) != 0) {
    return {_owners[i].first, _owners[i].first};
  }
  return records_of(i);
}

zone::range zone::of_type(range records, rr_type type) const {
  std::size_t first = records.first;
  while (first < records.last && read_stored(_arena, _order[first]).type != type) ++first;
  std::size_t last = first;
  while (last < records.last && read_stored(_arena, _order[last]).type == type) ++last;
  return {first, last};
}

zone::range zone::find(const name& owner, rr_type type) const { return of_type(find(owner), type); }

bool zone::exists(const name& n) const {
  // A name's key begins the keys of the names below it, which follow it:
  // the first owner at or after `n` is at or below it if anything is.
  std::array<std::uint8_t, max_sort_key> key;
  const std::size_t size = write_sort_key(n.wire(), key.data());
  const std::size_t i = owner_lower_bound(bytes(key.data(), size));
  if (i == _owners.size()) return false;
  const owner_entry& e = _owners[i];
  return e.key_size >= size && std::memcmp(_owner_keys.data() + e.key, key.data(), size) == 0;
}

// Makes the owner index over the sorted records, charged to the budget.
bool zone::index_owners() {
  std::size_t owners = 0, key_octets = 0;
  std::array<std::uint8_t, max_sort_key> key;
  for (std::size_t i = 0; i < _order.size(); ++i) {
    const bytes owner = read_stored(_arena, _order[i]).owner;
    if (i > 0 && canonical_order(read_stored(_arena, _order[i - 1]).owner, owner) == 0) continue;
    ++owners;
    key_octets += write_sort_key(owner, key.data());
  }
  if (!grow(_owners, owners) || !grow(_owner_keys, key_octets)) return false;
  for (std::size_t i = 0; i < _order.size(); ++i) {
    const bytes owner = read_stored(_arena, _order[i]).owner;
    if (i > 0 && canonical_order(read_stored(_arena, _order[i - 1]).owner, owner) == 0) continue;
    const std::size_t size = write_sort_key(owner, key.data());
    _owners.push_back({static_cast<std::uint32_t>(_owner_keys.size()),
                       static_cast<std::uint32_t>(size), static_cast<std::uint32_t>(i)});
    _owner_keys.insert(_owner_keys.end(), key.data(), key.data() + size);
  }
  return true;
}

zone::zone(zone&& o) noexcept
    : _apex(o._apex),
      _arena(std::move(o._arena)),
      _order(std::move(o._order)),
      _owners(std::move(o._owners)),
      _owner_keys(std::move(o._owner_keys)),
      _budget(std::exchange(o._budget, nullptr)),
      _charged(std::exchange(o._charged, 0)),
      _duplicates(o._duplicates),
      _ttls_lowered(o._ttls_lowered) {}

zone& zone::operator=(zone&& o) noexcept {
  if (this != &o) {
    if (_budget) _budget->release(_charged);
    _apex = o._apex;
    _arena = std::move(o._arena);
    _order = std::move(o._order);
    _owners = std::move(o._owners);
    _owner_keys = std::move(o._owner_keys);
    _budget = std::exchange(o._budget, nullptr);
    _charged = std::exchange(o._charged, 0);
    _duplicates = o._duplicates;
    _ttls_lowered = o._ttls_lowered;
  }
  return *this;
}

zone::~zone() {
  if (_budget) _budget->release(_charged);
}

// Grows `v` to hold `more` elements beyond its size, charging the growth
// of its capacity to the budget first.
template <class T>
bool zone::grow(std::vector<T>& v, std::size_t more) {
  if (v.capacity() - v.size() >= more) return true;
  const std::size_t wanted = std::max(v.capacity() * 2, v.size() + more);
  const std::size_t extra = (wanted - v.capacity()) * sizeof(T);
  if (!_budget->try_charge(extra)) return false;
  _charged += extra;
  v.reserve(wanted);
  return true;
}

zone_builder::zone_builder(const name& apex, memory_budget& budget) {
  _zone._apex = apex;
  _zone._budget = &budget;
}

result<void, zone_problem> zone_builder::add(const name& owner, rr_type type, std::uint32_t ttl,
                                             bytes rdata) {
  if (!owner.is_subdomain_of(_zone._apex)) {
    return unexpected(zone_problem{zone_error::out_of_zone, owner, type});
  }
  const std::size_t size = 1 + owner.wire_size() + 8 + rdata.size();
  if (_zone._arena.size() + size > 0xffffffffu || !_zone.grow(_zone._arena, size) ||
      !_zone.grow(_zone._order, 1)) {
    return unexpected(zone_problem{zone_error::over_budget, owner, type});
  }
  _zone._order.push_back(append_stored(_zone._arena, owner, type, ttl, rdata));
  return {};
}

bool zone_builder::reserve_for(const zone& from, std::size_t records, std::size_t octets) {
  return _zone.grow(_zone._arena, from._arena.size() + octets) &&
         _zone.grow(_zone._order, from._order.size() + records);
}

result<void, zone_problem> zone_builder::add_copy(const zone& from, std::size_t i) {
  FATA_ASSERT(from._apex == _zone._apex);
  const std::uint32_t offset = from._order[i];
  const stored s = read_stored(from._arena, offset);
  const std::size_t size = 1 + s.owner.size() + 8 + s.rdata.size();
  if (_zone._arena.size() + size > 0xffffffffu || !_zone.grow(_zone._arena, size) ||
      !_zone.grow(_zone._order, 1)) {
    return unexpected(zone_problem{zone_error::over_budget, name::from_wire(s.owner).value(), s.type});
  }
  _zone._order.push_back(static_cast<std::uint32_t>(_zone._arena.size()));
  const std::uint8_t* start = from._arena.data() + offset;
  _zone._arena.insert(_zone._arena.end(), start, start + size);
  return {};
}

zone zone_builder::take() && {
  FATA_ASSERT(_finished);
  return std::move(_zone);
}

result<void, zone_problem> zone_builder::finish() {
  zone& z = _zone;
  auto& arena = z._arena;
  auto& order = z._order;
  if (!zone::sort_canonically(z)) {
    return unexpected(zone_problem{zone_error::over_budget, z._apex, rr_type::soa});
  }
  // Exact duplicates go (RFC 2181 §5: an RRset has no duplicates); sorted,
  // they are neighbours.
  const auto kept = std::unique(order.begin(), order.end(), [&](std::uint32_t x, std::uint32_t y) {
    const stored a = read_stored(arena, x);
    const stored b = read_stored(arena, y);
    return a.type == b.type && canonical_order(a.owner, b.owner) == 0 &&
           compare_octets(a.rdata, b.rdata) == 0;
  });
  z._duplicates = static_cast<std::size_t>(order.end() - kept);
  order.erase(kept, order.end());
  if (!z.index_owners()) {
    return unexpected(zone_problem{zone_error::over_budget, z._apex, rr_type::soa});
  }

  auto problem = [&](zone_error e, std::size_t i) {
    const stored s = read_stored(arena, order[i]);
    return unexpected(zone_problem{e, name::from_wire(s.owner).value(), s.type});
  };
  const bytes apex = z._apex.wire();
  std::size_t soas = 0;
  bool apex_ns = false;
  // The delegation or DNAME the walk is below, if any (canonical order
  // puts a name's descendants right after it).
  std::optional<name> cut;
  std::optional<name> dname;
  for (std::size_t first = 0; first < order.size();) {
    const stored head = read_stored(arena, order[first]);
    std::size_t last = first;
    bool has_cname = false, has_other = false, has_ns = false, has_dname = false;
    std::size_t cnames = 0;
    while (last < order.size()) {
      const stored s = read_stored(arena, order[last]);
      if (canonical_order(s.owner, head.owner) != 0) break;
      if (s.type == rr_type::cname) {
        has_cname = true;
        ++cnames;
      } else if (!is_dnssec(s.type)) {
        has_other = true;
      }
      has_ns = has_ns || s.type == rr_type::ns;
      has_dname = has_dname || s.type == rr_type::dname;
      ++last;
    }
    const name owner = name::from_wire(head.owner).value();
    const bool at_apex = canonical_order(head.owner, apex) == 0;
    if (cut && !owner.is_subdomain_of(*cut)) cut.reset();
    if (dname && !owner.is_subdomain_of(*dname)) dname.reset();
    if (dname) return problem(zone_error::below_dname, first);
    if ((has_cname && has_other) || cnames > 1) return problem(zone_error::cname_and_other, first);
    for (std::size_t i = first; i < last; ++i) {
      const stored s = read_stored(arena, order[i]);
      if (s.type == rr_type::soa && !at_apex) return problem(zone_error::soa_not_at_apex, i);
      if (s.type == rr_type::soa && ++soas > 1) return problem(zone_error::several_soas, i);
      if (s.type == rr_type::ds && at_apex) return problem(zone_error::ds_at_apex, i);
      if (cut) {  // below a delegation: glue only
        if (s.type != rr_type::a && s.type != rr_type::aaaa) return problem(zone_error::occluded, i);
      } else if (has_ns && !at_apex) {  // the delegation itself
        // Its NS, DS and DNSSEC records, and glue when a name server is
        // named as the delegation itself.
        const bool glue = s.type == rr_type::a || s.type == rr_type::aaaa;
        if (s.type != rr_type::ns && s.type != rr_type::ds && !is_dnssec(s.type) && !glue) {
          return problem(zone_error::occluded, i);
        }
      }
    }
    apex_ns = apex_ns || (at_apex && has_ns);
    if (!cut && has_ns && !at_apex) cut = owner;
    if (has_dname) dname = owner;
    // RRSets take their lowest TTL (RFC 2181 §5.2). Not RRSIGs: each
    // keeps the TTL of the RRset it covers (RFC 4034 §3), and those differ.
    for (std::size_t i = first; i < last;) {
      std::size_t end = i;
      std::uint32_t lowest = 0xffffffffu;
      const rr_type type = read_stored(arena, order[i]).type;
      while (end < last && read_stored(arena, order[end]).type == type) {
        lowest = std::min(lowest, read_stored(arena, order[end]).ttl);
        ++end;
      }
      for (std::size_t k = i; k < end && type != rr_type::rrsig; ++k) {
        const stored s = read_stored(arena, order[k]);
        if (s.ttl == lowest) continue;
        ++z._ttls_lowered;
        for (int b = 0; b < 4; ++b) arena[s.ttl_at + b] = std::uint8_t(lowest >> (8 * (3 - b)));
      }
      i = end;
    }
    first = last;
  }
  if (soas == 0) return unexpected(zone_problem{zone_error::no_soa, z._apex, rr_type::soa});
  if (!apex_ns) return unexpected(zone_problem{zone_error::no_apex_ns, z._apex, rr_type::ns});

  // Glue: every name server a delegation names below itself has an address.
  for (std::size_t i = 0; i < order.size(); ++i) {
    const stored s = read_stored(arena, order[i]);
    if (s.type != rr_type::ns || canonical_order(s.owner, apex) == 0) continue;
    const name delegation = name::from_wire(s.owner).value();
    const name server = name::from_wire(s.rdata).value();
    if (!server.is_subdomain_of(delegation)) continue;
    if (z.find(server, rr_type::a).empty() && z.find(server, rr_type::aaaa).empty()) {
      return problem(zone_error::missing_glue, i);
    }
  }
  _finished = true;
  return {};
}

std::optional<std::uint32_t> soa_serial(bytes soa_rdata) {
  if (soa_rdata.size() < 22) return std::nullopt;
  return soa_rdata.be32(soa_rdata.size() - 20);
}

}  // namespace fata::dns
