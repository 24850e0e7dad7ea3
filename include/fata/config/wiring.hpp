// Helpers for the main that `fata configure` generates (the image side of
// a description): runtime key defaults, device failures, exit statuses.
// Unikernel code does not use this header.
//
// Guarantees: a device that cannot be made stops the image before the
// unikernel starts, with one error line naming the device and the
// config.cpp line that declared it, and exit status 1. Nothing here
// allocates beyond what logging does.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <fata/core/assert.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>

namespace fata::wiring {

inline log::source& wiring_log() {
  static log::source s{"wiring", "Makes the devices of the unikernel's description"};
  return s;
}

// The value of a runtime key's default, written as text at configure time
// (where `fata configure` already checked it parses).
template <class T>
T default_value(std::string_view text) {
  auto v = key_codec<T>::parse(text);
  if (!v) panic("fata: a runtime key's configured default does not parse");
  return std::move(*v);
}

// Reports that the device `label` (declared at `where`, made from the
// runtime keys `keys`) could not be made, and returns the exit status for
// it.
template <class E>
int device_failed(std::string_view label, std::string_view where,
                  std::initializer_list<const key_base*> keys, const E& error) {
  std::string from;
  for (const key_base* k : keys) format_append(from, " --{}={}", k->name(), k->value_text());
  if constexpr (error_enum<E>) {
    wiring_log().error("cannot make {} (declared at {}){}{}: {}", label, where,
                       from.empty() ? "" : " from", from, describe(error));
  } else {
    wiring_log().error("cannot make {} (declared at {}){}{}", label, where,
                       from.empty() ? "" : " from", from);
  }
  return 1;
}

template <class T>
struct is_result : std::false_type {};
template <class E>
struct is_result<result<void, E>> : std::true_type {};

// The exit status of the unikernel's start(): its int, 0 for void, and for
// result<void, E> 0 or 1 after logging the error.
template <class T>
task<int> exit_status(task<T> started) {
  if constexpr (std::is_void_v<T>) {
    co_await std::move(started);
    co_return 0;
  } else if constexpr (is_result<T>::value) {
    auto r = co_await std::move(started);
    if (r) co_return 0;
    if constexpr (error_enum<typename T::error_type>) {
      wiring_log().error("the unikernel failed: {}", describe(r.error()));
    } else {
      wiring_log().error("the unikernel failed");
    }
    co_return 1;
  } else {
    co_return co_await std::move(started);
  }
}

}  // namespace fata::wiring
