#include <fata/devices/kv_crunch.hpp>

#include <fata/devices/kv/key.hpp>

#include <algorithm>

namespace fata::devices {

using sig::kv_error;
using sig::kv_kind;

kv_crunch::kv_crunch(const crunch_table& table) : _table(&table) {
  FATA_ASSERT(table.count >= 1 && table.entries[0].kind == kv_kind::dictionary);
}

result<const crunch_entry*, kv_error> kv_crunch::find(std::string_view key) const {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  const crunch_entry* entries = _table->entries;
  const crunch_entry* at = &entries[0];
  kv::key_segments segments(*k);
  for (std::string_view segment; segments.next(segment);) {
    if (at->kind != kv_kind::dictionary) return unexpected(kv_error::dictionary_expected);
    const crunch_entry* first = entries + at->first_child;
    const crunch_entry* last = first + at->child_count;
    const crunch_entry* hit = std::lower_bound(
        first, last, segment, [](const crunch_entry& e, std::string_view s) { return e.name < s; });
    if (hit == last || hit->name != segment) return unexpected(kv_error::not_found);
    at = hit;
  }
  return at;
}

result<const crunch_entry*, kv_error> kv_crunch::find_value(std::string_view key) const {
  auto found = find(key);
  if (!found) return unexpected(found.error());
  if ((*found)->kind != kv_kind::value) return unexpected(kv_error::value_expected);
  return *found;
}

std::optional<bytes> kv_crunch::mapped(std::string_view key) const {
  auto found = find_value(key);
  if (!found) return std::nullopt;
  return bytes((*found)->data, static_cast<std::size_t>((*found)->size));
}

task<result<std::optional<kv_kind>, kv_error>> kv_crunch::exists(std::string_view key) {
  auto found = find(key);
  if (!found) {
    if (found.error() == kv_error::not_found) co_return std::optional<kv_kind>(std::nullopt);
    co_return unexpected(found.error());
  }
  co_return std::optional<kv_kind>((*found)->kind);
}

task<result<std::string, kv_error>> kv_crunch::get(std::string_view key) {
  auto found = find_value(key);
  if (!found) co_return unexpected(found.error());
  co_return std::string(reinterpret_cast<const char*>((*found)->data),
                        static_cast<std::size_t>((*found)->size));
}

task<result<std::string, kv_error>> kv_crunch::get_partial(std::string_view key,
                                                           std::uint64_t offset,
                                                           std::size_t length) {
  auto found = find_value(key);
  if (!found) co_return unexpected(found.error());
  const crunch_entry& e = **found;
  if (offset > e.size) co_return unexpected(kv_error::out_of_bounds);
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(length, e.size - offset));
  co_return std::string(reinterpret_cast<const char*>(e.data) + offset, n);
}

task<result<std::vector<sig::kv_entry>, kv_error>> kv_crunch::list(std::string_view key) {
  auto found = find(key);
  if (!found) co_return unexpected(found.error());
  const crunch_entry& e = **found;
  if (e.kind != kv_kind::dictionary) co_return unexpected(kv_error::dictionary_expected);
  std::vector<sig::kv_entry> out;
  out.reserve(e.child_count);
  for (std::uint32_t i = 0; i < e.child_count; ++i) {
    const crunch_entry& child = _table->entries[e.first_child + i];
    out.push_back(sig::kv_entry{std::string(child.name), child.kind});
  }
  co_return out;
}

task<result<wall_time, kv_error>> kv_crunch::last_modified(std::string_view key) {
  auto found = find(key);
  if (!found) co_return unexpected(found.error());
  co_return wall_from_ns((*found)->modified_ns);
}

task<result<sig::kv_digest, kv_error>> kv_crunch::digest(std::string_view key) {
  auto found = find(key);
  if (!found) co_return unexpected(found.error());
  co_return (*found)->digest;
}

task<result<std::uint64_t, kv_error>> kv_crunch::size(std::string_view key) {
  auto found = find_value(key);
  if (!found) co_return unexpected(found.error());
  co_return (*found)->size;
}

}  // namespace fata::devices
