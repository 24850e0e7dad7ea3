// An in-memory read-write key-value store modelling fata::sig::kv_rw
// (MirageOS's mirage-kv-mem), bounded by a maximum total size.
//
//   fata::devices::kv_mem store(4 << 20);            // 4 MiB, platform wall clock
//   co_await store.set("/config/name", "fata");
//
// Keys follow fata/devices/kv/key.hpp (invalid ones are kv_error::invalid_key).
//
// Size bound. The store accounts, for every entry (value or dictionary,
// the root excepted), entry_overhead + the length of its name + the length
// of its value. A change that would take the total above capacity() fails
// with no_space and changes nothing. The bound can be changed at run time
// (set_capacity).
//
// Semantics, common to every fata store:
// - a key whose parent chain runs through a value is dictionary_expected
//   (for every operation, exists included); a missing key is not_found
//   (exists: nullopt).
// - get, get_partial and size on a dictionary are value_expected; list on
//   a value is dictionary_expected. get_partial returns up to `length`
//   bytes from `offset` (out_of_bounds if offset > size).
// - last_modified: a value's is the time it was last written; a
//   dictionary's the time an entry was last added to or removed from it
//   (POSIX directory semantics). Times come from the clock given at
//   construction.
// - digest: see fata/devices/kv/digest.hpp (values: SHA-256 of the bytes).
//
// Writes:
// - set creates or replaces a value and creates missing parent
//   dictionaries; a key naming a dictionary (or the root) is value_expected.
// - set_partial writes inside an existing value, growing it when the write
//   runs past its end; not_found if missing, value_expected on a
//   dictionary, out_of_bounds if offset > size.
// - remove deletes a value or a whole dictionary; not_found if missing;
//   the root cannot be removed (invalid_key).
// - rename moves a value or a dictionary to a new key, creating missing
//   parents. A destination value is replaced; a destination dictionary is
//   already_present. Renaming the root, onto the root, or into the
//   source's own subtree is invalid_key. Renaming a key onto itself
//   succeeds without change.
// - allocate creates a zero-filled value of the given size;
//   already_present if the key exists.
// - batch applies its operations in order, all or none: on the first
//   failing operation, or if the final state exceeds the capacity, every
//   change of the batch is undone and the error returned. The capacity is
//   checked on the batch's final state only.
// Every operation is atomic on its own and completes without suspending.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/clock.hpp>
#include <fata/sig/kv.hpp>

namespace fata::devices {

class kv_mem {
 public:
  // Accounted per entry on top of its name and value: approximately what
  // the entry's bookkeeping costs, so that many empty entries are bounded.
  static constexpr std::size_t entry_overhead = 64;
  static constexpr std::size_t default_capacity = std::size_t(16) << 20;

  // Reads the wall clock.
  using clock_function = wall_time (*)(void* context);

  // A store of at most `capacity` accounted bytes, timestamped by the
  // platform's wall clock.
  explicit kv_mem(std::size_t capacity = default_capacity);
  // Timestamped by `clock(context)`.
  kv_mem(std::size_t capacity, clock_function clock, void* context);
  // Timestamped by a pclock device, which must outlive the store.
  template <sig::pclock C>
  kv_mem(std::size_t capacity, C& clock)
      : kv_mem(capacity, [](void* c) { return static_cast<C*>(c)->now(); }, &clock) {}

  kv_mem(kv_mem&&) noexcept;
  kv_mem& operator=(kv_mem&&) noexcept;
  kv_mem(const kv_mem&) = delete;
  kv_mem& operator=(const kv_mem&) = delete;
  ~kv_mem();

  std::size_t capacity() const { return _capacity; }
  std::size_t used() const { return _used; }
  // Changes the bound; no_space (and no change) if more is already used.
  result<void, sig::kv_error> set_capacity(std::size_t capacity);

  // sig::kv_ro
  task<result<std::optional<sig::kv_kind>, sig::kv_error>> exists(std::string_view key);
  task<result<std::string, sig::kv_error>> get(std::string_view key);
  task<result<std::string, sig::kv_error>> get_partial(std::string_view key, std::uint64_t offset,
                                                      std::size_t length);
  task<result<std::vector<sig::kv_entry>, sig::kv_error>> list(std::string_view key);
  task<result<wall_time, sig::kv_error>> last_modified(std::string_view key);
  task<result<sig::kv_digest, sig::kv_error>> digest(std::string_view key);
  task<result<std::uint64_t, sig::kv_error>> size(std::string_view key);

  // sig::kv_rw
  task<result<void, sig::kv_error>> set(std::string_view key, std::string_view value);
  task<result<void, sig::kv_error>> set_partial(std::string_view key, std::uint64_t offset,
                                                std::string_view value);
  task<result<void, sig::kv_error>> remove(std::string_view key);
  task<result<void, sig::kv_error>> rename(std::string_view source, std::string_view destination);
  task<result<void, sig::kv_error>> allocate(std::string_view key, std::uint64_t size);
  task<result<void, sig::kv_error>> batch(std::span<const sig::kv_op> ops);

  // The same operations without a coroutine, for code outside a task.
  result<std::optional<sig::kv_kind>, sig::kv_error> exists_now(std::string_view key) const;
  result<std::string, sig::kv_error> get_now(std::string_view key) const;
  result<std::string, sig::kv_error> get_partial_now(std::string_view key, std::uint64_t offset,
                                                     std::size_t length) const;
  result<std::vector<sig::kv_entry>, sig::kv_error> list_now(std::string_view key) const;
  result<wall_time, sig::kv_error> last_modified_now(std::string_view key) const;
  result<sig::kv_digest, sig::kv_error> digest_now(std::string_view key) const;
  result<std::uint64_t, sig::kv_error> size_now(std::string_view key) const;
  result<void, sig::kv_error> set_now(std::string_view key, std::string_view value);
  result<void, sig::kv_error> set_partial_now(std::string_view key, std::uint64_t offset,
                                              std::string_view value);
  result<void, sig::kv_error> remove_now(std::string_view key);
  result<void, sig::kv_error> rename_now(std::string_view source, std::string_view destination);
  result<void, sig::kv_error> allocate_now(std::string_view key, std::uint64_t size);
  result<void, sig::kv_error> batch_now(std::span<const sig::kv_op> ops);

 private:
  struct node;
  using children = std::map<std::string, std::unique_ptr<node>, std::less<>>;
  // One undoable change of a dictionary's slot `name` (see kv_mem.cpp).
  struct change {
    node* parent;
    std::string name;
    node* previous;  // the slot's occupant before the change, or null
    wall_time parent_modified;
  };

  result<const node*, sig::kv_error> find(std::string_view canonical) const;
  result<node*, sig::kv_error> find_mutable(std::string_view canonical);
  // The dictionary that holds `canonical`, created (with its parents) if
  // missing.
  result<node*, sig::kv_error> make_parents(std::string_view canonical, wall_time now);
  void attach(node* parent, std::string_view name, std::unique_ptr<node> child, wall_time now);
  std::unique_ptr<node> detach(node* parent, std::string_view name, wall_time now);
  void discard(std::unique_ptr<node> n);
  void commit();
  void roll_back();

  result<void, sig::kv_error> apply_set(std::string_view key, std::string_view value, wall_time now);
  result<void, sig::kv_error> apply_remove(std::string_view key, wall_time now);
  result<void, sig::kv_error> apply_rename(std::string_view source, std::string_view destination,
                                           wall_time now);
  // Runs `apply` as one atomic change: commits on success within capacity,
  // rolls back otherwise.
  template <class Apply>
  result<void, sig::kv_error> atomically(Apply&& apply);

  std::unique_ptr<node> _root;
  std::size_t _capacity;
  std::size_t _used = 0;
  clock_function _clock;
  void* _clock_context;
  // The changes of the operation in progress, in order, and the nodes it
  // took out of the tree (kept alive so that a rollback can put them back).
  std::vector<change> _journal;
  std::vector<std::unique_ptr<node>> _detached;
  std::size_t _used_before = 0;
};

static_assert(sig::kv_rw<kv_mem>);

}  // namespace fata::devices
