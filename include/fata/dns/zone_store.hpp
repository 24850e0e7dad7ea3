// Zones read from a key-value store: zone_loader's loop over a
// sig::kv_ro, with every $INCLUDE path taken as a key of the same store.
//
//   zone_builder builder(apex, budget);
//   auto loaded = co_await load_zone(store, "zones/example.zone", builder);
//   if (!loaded) log(..., loaded.error());   // "KEY:LINE: why", "KEY: key not found", ...
//   zone z = std::move(builder).take();
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/zone_load.hpp>
#include <fata/sig/kv.hpp>

namespace fata::dns {

struct zone_store_error {
  std::string key;                     // the file it happened in (or that could not be read)
  std::optional<sig::kv_error> fetch;  // the store could not give that file
  zone_load_error load;                // otherwise: what the loader said (its path unset)

  // The loop could not allocate the task's frame.
  static zone_store_error refused() { return {{}, sig::kv_error::no_memory, {}}; }
};

inline void format_value(format_sink& sink, const format_spec& spec, const zone_store_error& e) {
  if (e.fetch) {
    format_to(sink, "{}: {}", e.key, *e.fetch);
    return;
  }
  zone_load_error located = e.load;
  located.path = e.key;
  format_value(sink, spec, located);
}

template <sig::kv_ro K>
task<result<void, zone_store_error>> load_zone(K& store, std::string key, zone_builder& builder) {
  auto first = co_await store.get(key);
  if (!first) co_return unexpected(zone_store_error{std::move(key), first.error(), {}});
  // The loader's paths and the names it reads point into the texts, which
  // stay put while it reads: a deque does not move its elements as it grows.
  std::deque<std::string> texts;
  texts.push_back(std::move(*first));
  zone_loader loader(builder, key, texts.back());
  for (;;) {
    auto step = loader.run();
    if (!step) {
      zone_store_error e{std::string(step.error().path), std::nullopt, step.error()};
      e.load.path = {};
      co_return unexpected(std::move(e));
    }
    if (!*step) co_return result<void, zone_store_error>{};
    const std::string_view wanted = **step;
    auto included = co_await store.get(wanted);
    if (!included) co_return unexpected(zone_store_error{std::string(wanted), included.error(), {}});
    texts.push_back(std::move(*included));
    loader.provide(texts.back());
  }
}

}  // namespace fata::dns
