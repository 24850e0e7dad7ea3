#include "zone_edit.hpp"

#include <fata/core/assert.hpp>

namespace fata::dns {

bool canonically_before(const name& owner_a, rr_type type_a, bytes data_a, const name& owner_b, rr_type type_b,
                        bytes data_b) {
  const auto by_owner = owner_a <=> owner_b;
  if (by_owner != 0) return by_owner < 0;
  if (type_a != type_b) return static_cast<std::uint16_t>(type_a) < static_cast<std::uint16_t>(type_b);
  return std::lexicographical_compare(data_a.u8_data(), data_a.u8_data() + data_a.size(), data_b.u8_data(),
                                      data_b.u8_data() + data_b.size());
}

result<void, zone_problem> rebuild_zone(const working_zone& work, std::uint32_t soa_ttl, bytes soa,
                                        memory_budget& budget, std::unique_ptr<zone>& built) {
  const zone& z = work.old_zone();
  const zone::range soa_range = z.find(z.apex(), rr_type::soa);
  FATA_ASSERT(!soa_range.empty());
  std::vector<const change_record*> added;
  for (const change_record& a : work.added()) added.push_back(&a);
  std::sort(added.begin(), added.end(), [](const change_record* x, const change_record* y) {
    return canonically_before(x->owner, x->type, x->data(), y->owner, y->type, y->data());
  });
  zone_builder builder(z.apex(), budget);
  std::size_t added_octets = 1 + max_name_octets + 8 + soa.size();
  for (const change_record* a : added) added_octets += 1 + a->owner.wire_size() + 8 + a->rdata.size();
  if (!builder.reserve_for(z, added.size() + 1, added_octets)) {
    return unexpected(zone_problem{.error = zone_error::over_budget, .owner = z.apex(), .type = rr_type::soa});
  }
  std::size_t next_added = 0;
  auto add_before = [&](const zone_entry* e) -> result<void, zone_problem> {
    for (; next_added < added.size(); ++next_added) {
      const change_record& a = *added[next_added];
      if (e && !canonically_before(a.owner, a.type, a.data(), e->owner, e->type, e->rdata)) break;
      if (auto r = builder.add(a.owner, a.type, a.ttl, a.data()); !r) return r;
    }
    return {};
  };
  for (std::size_t i = 0; i < z.size(); ++i) {
    if (work.deleted(i)) continue;
    // Records are decoded only while added ones remain to place.
    if (next_added < added.size()) {
      const zone_entry e = z.at(i);
      if (auto r = add_before(&e); !r) return unexpected(r.error());
    }
    if (i == soa_range.first) {
      if (auto a = builder.add(z.apex(), rr_type::soa, soa_ttl, soa); !a) return unexpected(a.error());
      continue;
    }
    if (auto a = builder.add_copy(z, i); !a) return unexpected(a.error());
  }
  if (auto r = add_before(nullptr); !r) return unexpected(r.error());
  if (auto f = builder.finish(); !f) return unexpected(f.error());
  built = std::make_unique<zone>(std::move(builder).take());
  return {};
}

std::shared_ptr<zone_change> change_between(const working_zone& work, const zone& updated) {
  const zone& z = work.old_zone();
  const zone::range soa_range = z.find(z.apex(), rr_type::soa);
  const zone_entry old_soa = z.at(soa_range.first);
  const zone_entry new_soa = updated.at(updated.find(z.apex(), rr_type::soa).first);
  auto change = std::make_shared<zone_change>();
  change->set_serials(soa_serial(old_soa.rdata).value_or(0), soa_serial(new_soa.rdata).value_or(0));
  change->add(old_soa.owner, rr_type::soa, old_soa.ttl, old_soa.rdata);
  for (std::size_t i = 0; i < z.size(); ++i) {
    if (i == soa_range.first || !work.deleted(i)) continue;
    const zone_entry e = z.at(i);
    change->add(e.owner, e.type, e.ttl, e.rdata);
  }
  change->add(new_soa.owner, rr_type::soa, new_soa.ttl, new_soa.rdata);
  for (const change_record& a : work.added()) {
    const zone::range now_there = updated.find(a.owner, a.type);
    const std::uint32_t ttl = now_there.empty() ? a.ttl : updated.at(now_there.first).ttl;
    change->add(a.owner, a.type, ttl, a.data());
  }
  return change;
}

}  // namespace fata::dns
