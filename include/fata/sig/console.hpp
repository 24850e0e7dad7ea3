// Signature: console. A text output for humans (the serial port in a VM,
// stdout on hosted). Writes are synchronous and complete.
#pragma once

#include <concepts>
#include <cstdint>
#include <string_view>

#include <fata/core/result.hpp>

namespace fata::sig {

enum class console_error : std::uint8_t { closed = 1, io };

constexpr std::string_view describe(console_error e) noexcept {
  switch (e) {
    case console_error::closed: return "console closed";
    case console_error::io: return "console I/O error";
  }
  return "unknown console error";
}

// A console. `write` prints `text` as given (no newline added); it does
// not suspend.
template <class C>
concept console = requires(C& c, std::string_view text) {
  { c.write(text) } -> std::same_as<result<void, console_error>>;
};

}  // namespace fata::sig
