// Results as values: std::expected with one small error enumeration per
// signature or layer.
//
// Every error enumeration E in fata provides, next to its definition,
//   constexpr std::string_view describe(E) noexcept;
// found by argument-dependent lookup, which gives a readable message. The
// formatting and logging functions use it, so `log.warn("read: {}", err)`
// prints the message.
#pragma once

#include <concepts>
#include <cstdint>
#include <expected>
#include <string_view>
#include <type_traits>

namespace fata {

template <class T, class E>
using result = std::expected<T, E>;
using std::unexpected;

// An error enumeration is an enum with a describe() found by ADL.
template <class E>
concept error_enum = std::is_enum_v<E> && requires(E e) {
  { describe(e) } -> std::convertible_to<std::string_view>;
};

// The core's own errors: what a suspended task can be woken with besides
// success, and failures of the runtime itself. Signature error enums that
// can suspend contain `cancelled` (and `timed_out`) so that these map onto
// them without loss.
enum class errc : std::uint8_t {
  cancelled = 1,     // the task's cancellation was requested while it waited
  timed_out,         // a deadline passed before the operation completed
  closed,            // the object waited on was closed
  would_block,       // the operation cannot complete without waiting
  no_memory,         // an allocation or a bounded queue was exhausted
  invalid_argument,  // a caller passed a value outside the contract
  not_found,         // a named thing does not exist
  io,                // the platform reported an I/O failure
  unsupported,       // the target lacks the facility
  stalled,           // the loop had nothing left that could wake a waiting task
};

constexpr std::string_view describe(errc e) noexcept {
  switch (e) {
    case errc::cancelled: return "cancelled";
    case errc::timed_out: return "timed out";
    case errc::closed: return "closed";
    case errc::would_block: return "would block";
    case errc::no_memory: return "out of memory";
    case errc::invalid_argument: return "invalid argument";
    case errc::not_found: return "not found";
    case errc::io: return "I/O error";
    case errc::unsupported: return "unsupported on this target";
    case errc::stalled: return "stalled: no task can make progress";
  }
  return "unknown error";
}

// What a wait on the event loop ends with: success, or errc::cancelled /
// errc::timed_out.
using wait_result = result<void, errc>;

}  // namespace fata
