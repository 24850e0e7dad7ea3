#include <fata/devices/kv_mem.hpp>

#include <fata/devices/clock.hpp>
#include <fata/devices/kv/digest.hpp>
#include <fata/devices/kv/key.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

// Atomicity. Every change to the tree is one of two primitives on a
// dictionary's slot: attach (the slot was empty and now holds a node) and
// detach (the slot held a node, now empty). Each is journaled with the
// dictionary's previous timestamp. Detached nodes are not destroyed but
// parked in _detached until the operation commits, so a rollback can walk
// the journal backwards, take attached nodes out again and put detached
// ones back, restoring the exact tree. Nodes live behind unique_ptr, so
// their addresses are stable while they move between slots and the park.

namespace fata::devices {

using sig::kv_error;
using sig::kv_kind;

struct kv_mem::node {
  kv_kind kind = kv_kind::dictionary;
  wall_time modified{};
  std::string value;  // values only
  children entries;   // dictionaries only
};

namespace {

wall_time platform_wall_clock(void*) { return pclock().now(); }

}  // namespace

kv_mem::kv_mem(std::size_t capacity) : kv_mem(capacity, &platform_wall_clock, nullptr) {}

kv_mem::kv_mem(std::size_t capacity, clock_function clock, void* context)
    : _root(std::make_unique<node>()), _capacity(capacity), _clock(clock), _clock_context(context) {
  FATA_ASSERT(clock != nullptr);
  _root->modified = _clock(_clock_context);
}

kv_mem::kv_mem(kv_mem&&) noexcept = default;
kv_mem& kv_mem::operator=(kv_mem&&) noexcept = default;
kv_mem::~kv_mem() = default;

result<void, kv_error> kv_mem::set_capacity(std::size_t capacity) {
  if (_used > capacity) return unexpected(kv_error::no_space);
  _capacity = capacity;
  return {};
}

namespace {

// What an entry named `name` with subtree `n` counts against the capacity.
template <class Node>
std::size_t accounted(std::string_view name, const Node& n) {
  std::size_t total = kv_mem::entry_overhead + name.size() + n.value.size();
  for (const auto& [child_name, child] : n.entries) total += accounted(child_name, *child);
  return total;
}

template <class Node>
sig::kv_digest digest_of(const Node& n) {
  if (n.kind == kv_kind::value) return kv::value_digest(std::string_view(n.value));
  kv::dictionary_digest d;
  for (const auto& [name, child] : n.entries) d.add(name, child->kind, digest_of(*child));
  return d.finish();
}

}  // namespace

// --- Lookup -------------------------------------------------------------------

result<const kv_mem::node*, kv_error> kv_mem::find(std::string_view canonical) const {
  const node* at = _root.get();
  kv::key_segments segments(canonical);
  for (std::string_view segment; segments.next(segment);) {
    if (at->kind != kv_kind::dictionary) return unexpected(kv_error::dictionary_expected);
    auto it = at->entries.find(segment);
    if (it == at->entries.end()) return unexpected(kv_error::not_found);
    at = it->second.get();
  }
  return at;
}

result<kv_mem::node*, kv_error> kv_mem::find_mutable(std::string_view canonical) {
  auto found = find(canonical);
  if (!found) return unexpected(found.error());
  return const_cast<node*>(*found);
}

result<kv_mem::node*, kv_error> kv_mem::make_parents(std::string_view canonical, wall_time now) {
  node* at = _root.get();
  kv::key_segments segments(kv::parent_of(canonical));
  for (std::string_view segment; segments.next(segment);) {
    auto it = at->entries.find(segment);
    if (it == at->entries.end()) {
      auto fresh = std::make_unique<node>();
      fresh->modified = now;
      node* created = fresh.get();
      attach(at, segment, std::move(fresh), now);
      at = created;
      continue;
    }
    if (it->second->kind != kv_kind::dictionary) return unexpected(kv_error::dictionary_expected);
    at = it->second.get();
  }
  return at;
}

// --- Journaled primitives ---------------------------------------------------------

void kv_mem::attach(node* parent, std::string_view name, std::unique_ptr<node> child,
                    wall_time now) {
  FATA_ASSERT(parent->kind == kv_kind::dictionary && child);
  _journal.push_back(change{parent, std::string(name), nullptr, parent->modified});
  _used += accounted(name, *child);
  const bool inserted = parent->entries.emplace(std::string(name), std::move(child)).second;
  FATA_ASSERT(inserted);
  parent->modified = now;
}

std::unique_ptr<kv_mem::node> kv_mem::detach(node* parent, std::string_view name, wall_time now) {
  auto it = parent->entries.find(name);
  FATA_ASSERT(it != parent->entries.end());
  _journal.push_back(change{parent, std::string(name), it->second.get(), parent->modified});
  std::unique_ptr<node> taken = std::move(it->second);
  parent->entries.erase(it);
  _used -= accounted(name, *taken);
  parent->modified = now;
  return taken;
}

void kv_mem::discard(std::unique_ptr<node> n) { _detached.push_back(std::move(n)); }

void kv_mem::commit() {
  _journal.clear();
  _detached.clear();
}

void kv_mem::roll_back() {
  for (auto c = _journal.rbegin(); c != _journal.rend(); ++c) {
    auto& slots = c->parent->entries;
    if (c->previous == nullptr) {
      // Undo an attach: park whatever the slot holds now.
      auto it = slots.find(c->name);
      FATA_ASSERT(it != slots.end());
      _detached.push_back(std::move(it->second));
      slots.erase(it);
    } else {
      // Undo a detach: the node is parked (discarded, or taken back out of
      // the slot it was moved to by an undo above). Search from the end:
      // it is usually the most recent.
      auto parked = std::find_if(_detached.rbegin(), _detached.rend(),
                                 [&](const std::unique_ptr<node>& p) { return p.get() == c->previous; });
      FATA_ASSERT(parked != _detached.rend());
      slots.emplace(c->name, std::move(*parked));
      _detached.erase(std::next(parked).base());
    }
    c->parent->modified = c->parent_modified;
  }
  _used = _used_before;
  commit();
}

template <class Apply>
result<void, kv_error> kv_mem::atomically(Apply&& apply) {
  FATA_ASSERT(_journal.empty() && _detached.empty());
  _used_before = _used;
  result<void, kv_error> r = apply(_clock(_clock_context));
  if (r && _used > _capacity) r = unexpected(kv_error::no_space);
  if (r)
    commit();
  else
    roll_back();
  return r;
}

// --- Changes ----------------------------------------------------------------------

result<void, kv_error> kv_mem::apply_set(std::string_view key, std::string_view value,
                                         wall_time now) {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  if (k->empty()) return unexpected(kv_error::value_expected);
  // Refuse before copying a value that could never fit.
  if (value.size() > _capacity) return unexpected(kv_error::no_space);
  auto parent = make_parents(*k, now);
  if (!parent) return unexpected(parent.error());
  const std::string_view name = kv::basename_of(*k);
  // Replacing a value is not adding or removing an entry: the dictionary
  // keeps its time.
  std::optional<wall_time> kept_time;
  if (auto it = (*parent)->entries.find(name); it != (*parent)->entries.end()) {
    if (it->second->kind == kv_kind::dictionary) return unexpected(kv_error::value_expected);
    kept_time = (*parent)->modified;
    discard(detach(*parent, name, now));
  }
  auto fresh = std::make_unique<node>();
  fresh->kind = kv_kind::value;
  fresh->modified = now;
  fresh->value.assign(value);
  attach(*parent, name, std::move(fresh), now);
  if (kept_time) (*parent)->modified = *kept_time;
  return {};
}

result<void, kv_error> kv_mem::apply_remove(std::string_view key, wall_time now) {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  if (k->empty()) return unexpected(kv_error::invalid_key);
  auto parent = find_mutable(kv::parent_of(*k));
  if (!parent) return unexpected(parent.error());
  if ((*parent)->kind != kv_kind::dictionary) return unexpected(kv_error::dictionary_expected);
  const std::string_view name = kv::basename_of(*k);
  if (!(*parent)->entries.contains(name)) return unexpected(kv_error::not_found);
  discard(detach(*parent, name, now));
  return {};
}

result<void, kv_error> kv_mem::apply_rename(std::string_view source, std::string_view destination,
                                            wall_time now) {
  auto from = kv::normalize_key(source);
  if (!from) return unexpected(from.error());
  auto to = kv::normalize_key(destination);
  if (!to) return unexpected(to.error());
  if (from->empty() || to->empty()) return unexpected(kv_error::invalid_key);
  auto moving = find(*from);
  if (!moving) return unexpected(moving.error());
  if (*from == *to) return {};
  if (kv::is_within(*from, *to)) return unexpected(kv_error::invalid_key);

  auto from_parent = find_mutable(kv::parent_of(*from));
  FATA_ASSERT(from_parent);  // the source was found above
  std::unique_ptr<node> moved = detach(*from_parent, kv::basename_of(*from), now);
  node* moved_node = moved.get();
  // Park it at once, so that every error below leaves it where roll_back()
  // finds it.
  discard(std::move(moved));

  auto to_parent = make_parents(*to, now);
  if (!to_parent) return unexpected(to_parent.error());
  const std::string_view name = kv::basename_of(*to);
  if (auto it = (*to_parent)->entries.find(name); it != (*to_parent)->entries.end()) {
    if (it->second->kind == kv_kind::dictionary) return unexpected(kv_error::already_present);
    discard(detach(*to_parent, name, now));
  }
  auto parked = std::find_if(_detached.begin(), _detached.end(),
                             [&](const std::unique_ptr<node>& p) { return p.get() == moved_node; });
  FATA_ASSERT(parked != _detached.end());
  std::unique_ptr<node> reclaimed = std::move(*parked);
  _detached.erase(parked);
  attach(*to_parent, name, std::move(reclaimed), now);
  return {};
}

result<void, kv_error> kv_mem::set_now(std::string_view key, std::string_view value) {
  return atomically([&](wall_time now) { return apply_set(key, value, now); });
}

result<void, kv_error> kv_mem::remove_now(std::string_view key) {
  return atomically([&](wall_time now) { return apply_remove(key, now); });
}

result<void, kv_error> kv_mem::rename_now(std::string_view source, std::string_view destination) {
  return atomically([&](wall_time now) { return apply_rename(source, destination, now); });
}

result<void, kv_error> kv_mem::allocate_now(std::string_view key, std::uint64_t size) {
  return atomically([&](wall_time now) -> result<void, kv_error> {
    auto k = kv::normalize_key(key);
    if (!k) return unexpected(k.error());
    if (k->empty()) return unexpected(kv_error::already_present);  // the root exists
    if (size > _capacity) return unexpected(kv_error::no_space);
    auto parent = make_parents(*k, now);
    if (!parent) return unexpected(parent.error());
    const std::string_view name = kv::basename_of(*k);
    if ((*parent)->entries.contains(name)) return unexpected(kv_error::already_present);
    auto fresh = std::make_unique<node>();
    fresh->kind = kv_kind::value;
    fresh->modified = now;
    fresh->value.assign(static_cast<std::size_t>(size), '\0');
    attach(*parent, name, std::move(fresh), now);
    return {};
  });
}

result<void, kv_error> kv_mem::set_partial_now(std::string_view key, std::uint64_t offset,
                                               std::string_view value) {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  auto found = find_mutable(*k);
  if (!found) return unexpected(found.error());
  node& n = **found;
  if (n.kind != kv_kind::value) return unexpected(kv_error::value_expected);
  if (offset > n.value.size()) return unexpected(kv_error::out_of_bounds);
  const std::size_t at = static_cast<std::size_t>(offset);
  const std::size_t new_size = std::max(n.value.size(), at + value.size());
  const std::size_t growth = new_size - n.value.size();
  if (growth > _capacity - _used) return unexpected(kv_error::no_space);
  n.value.resize(new_size);
  if (!value.empty()) std::memcpy(n.value.data() + at, value.data(), value.size());
  n.modified = _clock(_clock_context);
  _used += growth;
  return {};
}

result<void, kv_error> kv_mem::batch_now(std::span<const sig::kv_op> ops) {
  return atomically([&](wall_time now) -> result<void, kv_error> {
    for (const sig::kv_op& op : ops) {
      result<void, kv_error> r;
      switch (op.what) {
        case sig::kv_op::kind::set:
          r = apply_set(op.key, op.value, now);
          break;
        case sig::kv_op::kind::remove:
          r = apply_remove(op.key, now);
          break;
        case sig::kv_op::kind::rename:
          r = apply_rename(op.key, op.value, now);
          break;
      }
      if (!r) return r;
    }
    return {};
  });
}

// --- Reads ------------------------------------------------------------------------

result<std::optional<kv_kind>, kv_error> kv_mem::exists_now(std::string_view key) const {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  auto found = find(*k);
  if (!found) {
    if (found.error() == kv_error::not_found) return {};  // nothing there
    return unexpected(found.error());
  }
  return std::optional<kv_kind>((*found)->kind);
}

result<std::string, kv_error> kv_mem::get_now(std::string_view key) const {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  auto found = find(*k);
  if (!found) return unexpected(found.error());
  if ((*found)->kind != kv_kind::value) return unexpected(kv_error::value_expected);
  return (*found)->value;
}

result<std::string, kv_error> kv_mem::get_partial_now(std::string_view key, std::uint64_t offset,
                                                      std::size_t length) const {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  auto found = find(*k);
  if (!found) return unexpected(found.error());
  const node& n = **found;
  if (n.kind != kv_kind::value) return unexpected(kv_error::value_expected);
  if (offset > n.value.size()) return unexpected(kv_error::out_of_bounds);
  return n.value.substr(static_cast<std::size_t>(offset), length);
}

result<std::vector<sig::kv_entry>, kv_error> kv_mem::list_now(std::string_view key) const {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  auto found = find(*k);
  if (!found) return unexpected(found.error());
  const node& n = **found;
  if (n.kind != kv_kind::dictionary) return unexpected(kv_error::dictionary_expected);
  std::vector<sig::kv_entry> out;
  out.reserve(n.entries.size());
  for (const auto& [name, child] : n.entries) out.push_back(sig::kv_entry{name, child->kind});
  return out;
}

result<wall_time, kv_error> kv_mem::last_modified_now(std::string_view key) const {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  auto found = find(*k);
  if (!found) return unexpected(found.error());
  return (*found)->modified;
}

result<sig::kv_digest, kv_error> kv_mem::digest_now(std::string_view key) const {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  auto found = find(*k);
  if (!found) return unexpected(found.error());
  return digest_of(**found);
}

result<std::uint64_t, kv_error> kv_mem::size_now(std::string_view key) const {
  auto k = kv::normalize_key(key);
  if (!k) return unexpected(k.error());
  auto found = find(*k);
  if (!found) return unexpected(found.error());
  if ((*found)->kind != kv_kind::value) return unexpected(kv_error::value_expected);
  return std::uint64_t((*found)->value.size());
}

// --- Tasks --------------------------------------------------------------------------

task<result<std::optional<kv_kind>, kv_error>> kv_mem::exists(std::string_view key) {
  co_return exists_now(key);
}
task<result<std::string, kv_error>> kv_mem::get(std::string_view key) { co_return get_now(key); }
task<result<std::string, kv_error>> kv_mem::get_partial(std::string_view key, std::uint64_t offset,
                                                        std::size_t length) {
  co_return get_partial_now(key, offset, length);
}
task<result<std::vector<sig::kv_entry>, kv_error>> kv_mem::list(std::string_view key) {
  co_return list_now(key);
}
task<result<wall_time, kv_error>> kv_mem::last_modified(std::string_view key) {
  co_return last_modified_now(key);
}
task<result<sig::kv_digest, kv_error>> kv_mem::digest(std::string_view key) {
  co_return digest_now(key);
}
task<result<std::uint64_t, kv_error>> kv_mem::size(std::string_view key) { co_return size_now(key); }
task<result<void, kv_error>> kv_mem::set(std::string_view key, std::string_view value) {
  co_return set_now(key, value);
}
task<result<void, kv_error>> kv_mem::set_partial(std::string_view key, std::uint64_t offset,
                                                 std::string_view value) {
  co_return set_partial_now(key, offset, value);
}
task<result<void, kv_error>> kv_mem::remove(std::string_view key) { co_return remove_now(key); }
task<result<void, kv_error>> kv_mem::rename(std::string_view source, std::string_view destination) {
  co_return rename_now(source, destination);
}
task<result<void, kv_error>> kv_mem::allocate(std::string_view key, std::uint64_t size) {
  co_return allocate_now(key, size);
}
task<result<void, kv_error>> kv_mem::batch(std::span<const sig::kv_op> ops) {
  co_return batch_now(ops);
}

}  // namespace fata::devices
