// kv_rw: a read-write key-value store (MirageOS's mirage-kv-mem), here the
// in-memory store: values, dictionaries made on the way, partial writes,
// renames, removals and an all-or-nothing batch.
#pragma once

#include <array>
#include <string>

#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/kv.hpp>

namespace example {

inline fata::log::source kv_rw_log{"kv_rw", "The kv_rw example"};

template <fata::sig::kv_rw Store>
struct kv_rw {
  fata::task<int> start(Store& store) {
    auto set = co_await store.set("/config/greeting", "hello");
    if (!set) co_return failed("set", set.error());
    auto patched = co_await store.set_partial("/config/greeting", 5, ", world");
    if (!patched) co_return failed("set_partial", patched.error());
    auto greeting = co_await store.get("/config/greeting");
    if (!greeting) co_return failed("get", greeting.error());
    kv_rw_log.info("/config/greeting = {}", *greeting);

    auto listing = co_await store.list("/config");
    if (!listing) co_return failed("list", listing.error());
    kv_rw_log.info("/config holds {} entry: {}", listing->size(), listing->front().name);

    auto renamed = co_await store.rename("/config/greeting", "/greeting");
    if (!renamed) co_return failed("rename", renamed.error());
    auto gone = co_await store.exists("/config/greeting");
    auto moved = co_await store.exists("/greeting");
    if (!gone || !moved || *gone || !*moved) {
      kv_rw_log.error("rename did not move the value");
      co_return 1;
    }
    kv_rw_log.info("renamed /config/greeting to /greeting");

    // A batch applies all of its changes or none: this one fails at its
    // last step (the key does not exist), so the first two are undone.
    const std::array<fata::sig::kv_op, 3> ops{{
        {fata::sig::kv_op::kind::set, "/a", "1"},
        {fata::sig::kv_op::kind::set, "/b", "2"},
        {fata::sig::kv_op::kind::remove, "/missing", ""},
    }};
    auto batch = co_await store.batch(ops);
    auto a = co_await store.exists("/a");
    if (batch || !a || *a) {
      kv_rw_log.error("a failed batch left changes behind");
      co_return 1;
    }
    kv_rw_log.info("a failing batch changed nothing: {}", batch.error());

    auto removed = co_await store.remove("/config");
    if (!removed) co_return failed("remove", removed.error());
    auto root = co_await store.list("/");
    if (!root) co_return failed("list", root.error());
    kv_rw_log.info("after removing /config the root holds {} entry", root->size());
    kv_rw_log.info("kv_rw: ok");
    co_return root->size() == 1 ? 0 : 1;
  }

 private:
  static int failed(std::string_view what, fata::sig::kv_error e) {
    kv_rw_log.error("{}: {}", what, e);
    return 1;
  }
};

}  // namespace example
