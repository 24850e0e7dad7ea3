#include <fata/devices/kv_mem.hpp>

#include <fata/devices/clock.hpp>
#include <fata/devices/kv/digest.hpp>

#include "run.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using fata::wall_from_ns;
using fata::wall_time;
using fata::devices::kv_mem;
using fata::sig::kv_entry;
using fata::sig::kv_error;
using fata::sig::kv_kind;
using fata::sig::kv_op;
using fata::test::run;

struct manual_clock {
  wall_time time = wall_from_ns(1'000);
  wall_time now() { return time; }
};
static_assert(fata::sig::pclock<manual_clock>);

struct kv_mem_test : ::testing::Test {
  manual_clock clock;
  kv_mem store{1 << 20, clock};

  void tick() { clock.time += std::chrono::seconds(1); }

  void set(std::string_view key, std::string_view value) {
    auto r = store.set_now(key, value);
    ASSERT_TRUE(r) << key << ": " << describe(r.error());
  }
  std::string get(std::string_view key) {
    auto r = store.get_now(key);
    EXPECT_TRUE(r) << key;
    return r ? *r : std::string();
  }
  // A readable picture of the whole store: every key, kind, value and
  // time, to check that a failed change left nothing behind.
  std::string dump(std::string_view key = "") {
    std::string out;
    auto entries = store.list_now(key);
    EXPECT_TRUE(entries);
    for (const kv_entry& e : *entries) {
      const std::string child = std::string(key) + "/" + e.name;
      out += child + "@" + std::to_string(store.last_modified_now(child)->time_since_epoch().count());
      if (e.kind == kv_kind::value) {
        out += "=" + get(child) + "\n";
      } else {
        out += "/\n" + dump(child);
      }
    }
    if (key.empty())
      out += "root@" + std::to_string(store.last_modified_now("")->time_since_epoch().count()) +
             " used=" + std::to_string(store.used());
    return out;
  }
};

template <class R>
void expect_error(const R& r, kv_error e) {
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), e) << describe(r.error());
}

std::size_t cost(std::string_view name, std::size_t value_size = 0) {
  return kv_mem::entry_overhead + name.size() + value_size;
}

// --- Reads ---------------------------------------------------------------------

TEST_F(kv_mem_test, set_then_get_returns_the_value) {
  set("/a", "alpha");
  EXPECT_EQ(get("a"), "alpha");
}

TEST_F(kv_mem_test, values_are_binary) {
  const std::string binary("\0\xff\n\0x", 5);
  set("bin", binary);
  EXPECT_EQ(get("bin"), binary);
}

TEST_F(kv_mem_test, operations_work_as_tasks) {
  auto set_result = run(store.set("k", "v"));
  EXPECT_TRUE(set_result);
  auto got = run(store.get("k"));
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, "v");
}

TEST_F(kv_mem_test, get_of_a_missing_key_is_not_found) { expect_error(store.get_now("nope"), kv_error::not_found); }

TEST_F(kv_mem_test, get_of_a_dictionary_is_value_expected) {
  set("d/v", "1");
  expect_error(store.get_now("d"), kv_error::value_expected);
  expect_error(store.get_now(""), kv_error::value_expected);
}

TEST_F(kv_mem_test, keys_below_a_value_are_dictionary_expected) {
  set("v", "1");
  expect_error(store.get_now("v/x"), kv_error::dictionary_expected);
  expect_error(store.exists_now("v/x"), kv_error::dictionary_expected);
  expect_error(store.list_now("v/x/y"), kv_error::dictionary_expected);
  expect_error(store.set_now("v/x", "2"), kv_error::dictionary_expected);
}

TEST_F(kv_mem_test, exists_reports_the_kind_or_nothing) {
  set("d/v", "1");
  EXPECT_EQ(*store.exists_now("d"), kv_kind::dictionary);
  EXPECT_EQ(*store.exists_now("d/v"), kv_kind::value);
  EXPECT_EQ(*store.exists_now(""), kv_kind::dictionary);
  EXPECT_EQ(*store.exists_now("d/w"), std::nullopt);
}

TEST_F(kv_mem_test, get_partial_returns_the_range_clipped_at_the_end) {
  set("v", "0123456789");
  EXPECT_EQ(*store.get_partial_now("v", 2, 3), "234");
  EXPECT_EQ(*store.get_partial_now("v", 8, 100), "89");
  EXPECT_EQ(*store.get_partial_now("v", 10, 5), "");
}

TEST_F(kv_mem_test, get_partial_past_the_end_is_out_of_bounds) {
  set("v", "0123456789");
  expect_error(store.get_partial_now("v", 11, 1), kv_error::out_of_bounds);
}

TEST_F(kv_mem_test, get_partial_of_a_dictionary_is_value_expected) {
  set("d/v", "1");
  expect_error(store.get_partial_now("d", 0, 1), kv_error::value_expected);
}

TEST_F(kv_mem_test, list_returns_entries_sorted_by_name_with_kinds) {
  set("b", "1");
  set("a/x", "2");
  set("c", "3");
  set("a-", "4");
  auto l = store.list_now("/");
  ASSERT_TRUE(l);
  EXPECT_EQ(*l, (std::vector<kv_entry>{{"a", kv_kind::dictionary},
                                       {"a-", kv_kind::value},
                                       {"b", kv_kind::value},
                                       {"c", kv_kind::value}}));
  EXPECT_EQ(*store.list_now("a"), (std::vector<kv_entry>{{"x", kv_kind::value}}));
}

TEST_F(kv_mem_test, list_of_a_value_is_dictionary_expected) {
  set("v", "1");
  expect_error(store.list_now("v"), kv_error::dictionary_expected);
}

TEST_F(kv_mem_test, list_of_a_missing_key_is_not_found) { expect_error(store.list_now("none"), kv_error::not_found); }

TEST_F(kv_mem_test, size_is_the_value_length) {
  set("v", "12345");
  EXPECT_EQ(*store.size_now("v"), 5u);
  set("d/x", "");
  EXPECT_EQ(*store.size_now("d/x"), 0u);
  expect_error(store.size_now("d"), kv_error::value_expected);
  expect_error(store.size_now("z"), kv_error::not_found);
}

TEST_F(kv_mem_test, digest_of_a_value_is_its_sha256) {
  set("v", "abc");
  EXPECT_EQ(*store.digest_now("v"), fata::devices::kv::value_digest(std::string_view("abc")));
}

TEST_F(kv_mem_test, digest_of_a_dictionary_covers_its_members) {
  set("d/a", "1");
  set("d/e/b", "2");
  fata::devices::kv::dictionary_digest inner;
  inner.add("b", kv_kind::value, fata::devices::kv::value_digest(std::string_view("2")));
  fata::devices::kv::dictionary_digest outer;
  outer.add("a", kv_kind::value, fata::devices::kv::value_digest(std::string_view("1")));
  outer.add("e", kv_kind::dictionary, inner.finish());
  EXPECT_EQ(*store.digest_now("d"), outer.finish());
  const auto before = *store.digest_now("");
  set("d/e/b", "3");
  EXPECT_NE(*store.digest_now(""), before);
  expect_error(store.digest_now("missing"), kv_error::not_found);
}

TEST_F(kv_mem_test, last_modified_of_a_value_is_the_time_of_its_last_write) {
  set("v", "1");
  const wall_time first = clock.time;
  tick();
  EXPECT_EQ(*store.last_modified_now("v"), first);
  set("v", "2");
  EXPECT_EQ(*store.last_modified_now("v"), clock.time);
  tick();
  ASSERT_TRUE(store.set_partial_now("v", 0, "3"));
  EXPECT_EQ(*store.last_modified_now("v"), clock.time);
}

TEST_F(kv_mem_test, last_modified_of_a_dictionary_changes_when_entries_come_and_go) {
  set("d/a", "1");
  const wall_time created = clock.time;
  tick();
  set("d/a", "2");  // a rewrite adds no entry
  EXPECT_EQ(*store.last_modified_now("d"), created);
  tick();
  set("d/b", "1");
  EXPECT_EQ(*store.last_modified_now("d"), clock.time);
  tick();
  ASSERT_TRUE(store.remove_now("d/a"));
  EXPECT_EQ(*store.last_modified_now("d"), clock.time);
}

TEST_F(kv_mem_test, default_store_is_stamped_by_the_platform_wall_clock) {
  kv_mem platform_store;
  ASSERT_TRUE(platform_store.set_now("v", "1"));
  const auto stamped = *platform_store.last_modified_now("v");
  const auto now = fata::devices::pclock().now();
  EXPECT_LE(stamped, now);
  EXPECT_GT(stamped, now - std::chrono::seconds(60));
}

// --- Writes --------------------------------------------------------------------

TEST_F(kv_mem_test, set_creates_missing_parent_dictionaries) {
  set("a/b/c", "1");
  EXPECT_EQ(*store.exists_now("a"), kv_kind::dictionary);
  EXPECT_EQ(*store.exists_now("a/b"), kv_kind::dictionary);
}

TEST_F(kv_mem_test, set_on_a_dictionary_is_value_expected) {
  set("d/v", "1");
  expect_error(store.set_now("d", "x"), kv_error::value_expected);
  expect_error(store.set_now("/", "x"), kv_error::value_expected);
}

TEST_F(kv_mem_test, set_partial_overwrites_inside_the_value) {
  set("v", "0123456789");
  ASSERT_TRUE(store.set_partial_now("v", 3, "abc"));
  EXPECT_EQ(get("v"), "012abc6789");
}

TEST_F(kv_mem_test, set_partial_grows_a_value_written_past_its_end) {
  set("v", "0123");
  ASSERT_TRUE(store.set_partial_now("v", 2, "abcdef"));
  EXPECT_EQ(get("v"), "01abcdef");
  ASSERT_TRUE(store.set_partial_now("v", 8, "!"));
  EXPECT_EQ(get("v"), "01abcdef!");
}

TEST_F(kv_mem_test, set_partial_errors) {
  set("v", "0123");
  set("d/x", "1");
  expect_error(store.set_partial_now("v", 5, "x"), kv_error::out_of_bounds);
  expect_error(store.set_partial_now("w", 0, "x"), kv_error::not_found);
  expect_error(store.set_partial_now("d", 0, "x"), kv_error::value_expected);
  EXPECT_EQ(get("v"), "0123");
}

TEST_F(kv_mem_test, remove_deletes_a_value) {
  set("v", "1");
  ASSERT_TRUE(store.remove_now("v"));
  EXPECT_EQ(*store.exists_now("v"), std::nullopt);
  EXPECT_EQ(store.used(), 0u);
}

TEST_F(kv_mem_test, remove_deletes_a_whole_dictionary) {
  set("d/a/b", "1");
  set("d/c", "2");
  set("keep", "3");
  ASSERT_TRUE(store.remove_now("d"));
  EXPECT_EQ(*store.exists_now("d"), std::nullopt);
  EXPECT_EQ(*store.list_now(""), (std::vector<kv_entry>{{"keep", kv_kind::value}}));
  EXPECT_EQ(store.used(), cost("keep", 1));
}

TEST_F(kv_mem_test, remove_errors) {
  set("v", "1");
  expect_error(store.remove_now("w"), kv_error::not_found);
  expect_error(store.remove_now("v/x"), kv_error::dictionary_expected);
  expect_error(store.remove_now(""), kv_error::invalid_key);
}

TEST_F(kv_mem_test, rename_moves_a_value) {
  set("a", "1");
  ASSERT_TRUE(store.rename_now("a", "b"));
  EXPECT_EQ(*store.exists_now("a"), std::nullopt);
  EXPECT_EQ(get("b"), "1");
}

TEST_F(kv_mem_test, rename_moves_a_dictionary_with_its_subtree) {
  set("d/x/y", "1");
  set("d/z", "2");
  ASSERT_TRUE(store.rename_now("d", "e/f"));
  EXPECT_EQ(get("e/f/x/y"), "1");
  EXPECT_EQ(get("e/f/z"), "2");
  EXPECT_EQ(*store.exists_now("d"), std::nullopt);
}

TEST_F(kv_mem_test, rename_keeps_the_moved_value_time) {
  set("a", "1");
  const wall_time written = clock.time;
  tick();
  ASSERT_TRUE(store.rename_now("a", "b"));
  EXPECT_EQ(*store.last_modified_now("b"), written);
}

TEST_F(kv_mem_test, rename_replaces_a_destination_value) {
  set("a", "1");
  set("b", "22");
  ASSERT_TRUE(store.rename_now("a", "b"));
  EXPECT_EQ(get("b"), "1");
  EXPECT_EQ(store.used(), cost("b", 1));
}

TEST_F(kv_mem_test, rename_onto_a_dictionary_is_already_present) {
  set("a", "1");
  set("d/x", "2");
  const std::string before = dump();
  expect_error(store.rename_now("a", "d"), kv_error::already_present);
  EXPECT_EQ(dump(), before);
}

TEST_F(kv_mem_test, rename_errors) {
  set("a/b", "1");
  set("v", "2");
  expect_error(store.rename_now("x", "y"), kv_error::not_found);
  expect_error(store.rename_now("a", "a/b/c"), kv_error::invalid_key);
  expect_error(store.rename_now("", "z"), kv_error::invalid_key);
  expect_error(store.rename_now("v", ""), kv_error::invalid_key);
  expect_error(store.rename_now("a/b", "v/c"), kv_error::dictionary_expected);
  EXPECT_EQ(get("a/b"), "1");
}

TEST_F(kv_mem_test, rename_onto_itself_changes_nothing) {
  set("a", "1");
  const std::string before = dump();
  tick();
  ASSERT_TRUE(store.rename_now("a", "/a"));
  EXPECT_EQ(dump(), before);
}

TEST_F(kv_mem_test, allocate_creates_a_zero_filled_value) {
  ASSERT_TRUE(store.allocate_now("z/v", 5));
  EXPECT_EQ(get("z/v"), std::string(5, '\0'));
}

TEST_F(kv_mem_test, allocate_over_an_existing_key_is_already_present) {
  set("v", "1");
  set("d/x", "1");
  expect_error(store.allocate_now("v", 3), kv_error::already_present);
  expect_error(store.allocate_now("d", 3), kv_error::already_present);
  EXPECT_EQ(get("v"), "1");
}

TEST_F(kv_mem_test, invalid_keys_are_refused_by_every_operation) {
  const std::string_view bad = "a/../b";
  expect_error(store.exists_now(bad), kv_error::invalid_key);
  expect_error(store.get_now(bad), kv_error::invalid_key);
  expect_error(store.get_partial_now(bad, 0, 1), kv_error::invalid_key);
  expect_error(store.list_now(bad), kv_error::invalid_key);
  expect_error(store.last_modified_now(bad), kv_error::invalid_key);
  expect_error(store.digest_now(bad), kv_error::invalid_key);
  expect_error(store.size_now(bad), kv_error::invalid_key);
  expect_error(store.set_now(bad, "x"), kv_error::invalid_key);
  expect_error(store.set_partial_now(bad, 0, "x"), kv_error::invalid_key);
  expect_error(store.remove_now(bad), kv_error::invalid_key);
  expect_error(store.rename_now(bad, "c"), kv_error::invalid_key);
  expect_error(store.rename_now("c", bad), kv_error::invalid_key);
  expect_error(store.allocate_now(bad, 1), kv_error::invalid_key);
  EXPECT_EQ(store.used(), 0u);
}

// --- Capacity ------------------------------------------------------------------

TEST_F(kv_mem_test, used_counts_overhead_names_and_values) {
  set("ab/cde", "12345");
  EXPECT_EQ(store.used(), cost("ab") + cost("cde", 5));
}

TEST_F(kv_mem_test, set_beyond_capacity_is_no_space_and_changes_nothing) {
  kv_mem small(cost("a", 10) + cost("b", 10), clock);
  ASSERT_TRUE(small.set_now("a", std::string(10, 'a')));
  expect_error(small.set_now("b", std::string(11, 'b')), kv_error::no_space);
  EXPECT_EQ(*small.exists_now("b"), std::nullopt);
  EXPECT_TRUE(small.set_now("b", std::string(10, 'b')));
  EXPECT_EQ(small.used(), small.capacity());
}

TEST_F(kv_mem_test, a_refused_set_leaves_no_parent_dictionaries_behind) {
  kv_mem small(100, clock);
  expect_error(small.set_now("p/q/r", std::string(90, 'x')), kv_error::no_space);
  EXPECT_EQ(*small.exists_now("p"), std::nullopt);
  EXPECT_EQ(small.used(), 0u);
}

TEST_F(kv_mem_test, replacing_a_value_frees_the_old_one) {
  kv_mem small(cost("v", 100), clock);
  ASSERT_TRUE(small.set_now("v", std::string(100, 'x')));
  ASSERT_TRUE(small.set_now("v", std::string(100, 'y')));
  EXPECT_EQ(small.used(), cost("v", 100));
}

TEST_F(kv_mem_test, set_partial_growth_beyond_capacity_is_no_space) {
  kv_mem small(cost("v", 10), clock);
  ASSERT_TRUE(small.set_now("v", std::string(8, 'x')));
  expect_error(small.set_partial_now("v", 8, "abc"), kv_error::no_space);
  EXPECT_EQ(small.size_now("v").value(), 8u);
  EXPECT_TRUE(small.set_partial_now("v", 8, "ab"));
}

TEST_F(kv_mem_test, allocate_beyond_capacity_is_no_space) {
  kv_mem small(1000, clock);
  expect_error(small.allocate_now("huge", std::uint64_t(1) << 40), kv_error::no_space);
  expect_error(small.allocate_now("v", 1000), kv_error::no_space);
  EXPECT_EQ(small.used(), 0u);
}

TEST_F(kv_mem_test, capacity_can_change_at_run_time_but_not_below_use) {
  set("v", std::string(100, 'x'));
  expect_error(store.set_capacity(store.used() - 1), kv_error::no_space);
  ASSERT_TRUE(store.set_capacity(store.used()));
  expect_error(store.set_now("w", ""), kv_error::no_space);
  ASSERT_TRUE(store.set_capacity(store.used() + cost("w")));
  EXPECT_TRUE(store.set_now("w", ""));
}

// --- Batches -------------------------------------------------------------------

TEST_F(kv_mem_test, batch_applies_every_operation_in_order) {
  set("old", "1");
  const std::vector<kv_op> ops = {
      {kv_op::kind::set, "a/b", "x"},
      {kv_op::kind::rename, "a/b", "c"},
      {kv_op::kind::remove, "old", ""},
      {kv_op::kind::set, "c", "y"},
  };
  ASSERT_TRUE(run(store.batch(ops)));
  EXPECT_EQ(get("c"), "y");
  EXPECT_EQ(*store.exists_now("a/b"), std::nullopt);
  EXPECT_EQ(*store.exists_now("old"), std::nullopt);
  EXPECT_EQ(*store.list_now("a"), std::vector<kv_entry>{});
}

TEST_F(kv_mem_test, a_failing_batch_changes_nothing) {
  set("keep", "k");
  set("d/x", "1");
  set("d/y/z", "2");
  set("v", "value");
  tick();
  const std::string before = dump();
  const std::vector<kv_op> ops = {
      {kv_op::kind::set, "n/m/o", "new"},
      {kv_op::kind::remove, "keep", ""},
      {kv_op::kind::rename, "d", "e/f"},
      {kv_op::kind::set, "v", "replaced"},
      {kv_op::kind::rename, "v", "e/f/x"},
      {kv_op::kind::remove, "missing", ""},  // fails
      {kv_op::kind::set, "never", "1"},
  };
  tick();
  expect_error(store.batch_now(ops), kv_error::not_found);
  EXPECT_EQ(dump(), before);
  EXPECT_EQ(get("d/y/z"), "2");
}

TEST_F(kv_mem_test, a_batch_over_capacity_changes_nothing) {
  kv_mem small(cost("a", 50) + cost("b", 50), clock);
  ASSERT_TRUE(small.set_now("a", std::string(50, 'a')));
  const std::vector<kv_op> ops = {
      {kv_op::kind::set, "b", std::string(50, 'b')},
      {kv_op::kind::set, "c", std::string(50, 'c')},
  };
  expect_error(small.batch_now(ops), kv_error::no_space);
  EXPECT_EQ(*small.list_now(""), (std::vector<kv_entry>{{"a", kv_kind::value}}));
  EXPECT_EQ(small.used(), cost("a", 50));
}

TEST_F(kv_mem_test, a_batch_is_bounded_by_its_final_state_only) {
  kv_mem small(cost("a", 50) + cost("b", 50), clock);
  ASSERT_TRUE(small.set_now("a", std::string(50, 'a')));
  ASSERT_TRUE(small.set_now("b", std::string(50, 'b')));
  const std::vector<kv_op> ops = {
      {kv_op::kind::set, "c", std::string(50, 'c')},  // over capacity for a moment
      {kv_op::kind::remove, "a", ""},
  };
  EXPECT_TRUE(small.batch_now(ops));
  EXPECT_EQ(small.used(), cost("b", 50) + cost("c", 50));
}

TEST_F(kv_mem_test, an_empty_batch_succeeds) { EXPECT_TRUE(store.batch_now({})); }

}  // namespace
