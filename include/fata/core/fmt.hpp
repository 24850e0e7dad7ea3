// Formatting without <format> (absent in g++ 12) and without the C
// library's printf (absent in a freestanding image).
//
//   fata::format_into(buf, "{} took {:.2f} ms, flags {:#06x}", name, ms, flags);
//   std::string s = fata::format("{:>8}|{:<8}|", a, b);
//
// Replacement fields follow std::format's mini-language subset:
//   {[:[fill]align][#][0][width][.precision][type]}
// with align one of < > ^ and type one of d x X b o c s f e. `{{` and `}}`
// are literal braces. A field with no matching argument prints `{?}`; the
// format string is data, never a reason to abort.
//
// Built in: integers, bool, char, floating point, strings, pointers,
// std::byte, durations, and error enums (printed through their describe()).
// A type opts in by declaring, next to it,
//   void format_value(fata::format_sink&, const fata::format_spec&, const T&);
// found by argument-dependent lookup.
//
// Arguments are type-erased into one non-template formatting routine, so
// each call site adds little code to an image.
#pragma once

#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include <fata/core/result.hpp>

namespace fata {

struct format_spec {
  char fill = ' ';
  char align = 0;  // '<', '>', '^', or 0 for the type's default
  bool alternate = false;
  bool zero_pad = false;
  int width = 0;
  int precision = -1;
  char type = 0;
};

// Where formatted text goes: a function and its context, so that one
// formatting routine serves every kind of destination.
class format_sink {
 public:
  using append_fn = void (*)(void* context, std::string_view text);
  constexpr format_sink(append_fn fn, void* context) : _fn(fn), _context(context) {}
  void append(std::string_view text) { _fn(_context, text); }
  void put(char c) { _fn(_context, std::string_view(&c, 1)); }

 private:
  append_fn _fn;
  void* _context;
};

// Writes `body` padded to the spec's width and alignment (numbers default
// to the right, text to the left).
void format_padded(format_sink& sink, const format_spec& spec, std::string_view body,
                   bool numeric);

void format_value(format_sink& sink, const format_spec& spec, long long value);
void format_value(format_sink& sink, const format_spec& spec, unsigned long long value);
void format_value(format_sink& sink, const format_spec& spec, double value);
void format_value(format_sink& sink, const format_spec& spec, bool value);
void format_value(format_sink& sink, const format_spec& spec, char value);
void format_value(format_sink& sink, const format_spec& spec, std::string_view value);
void format_value(format_sink& sink, const format_spec& spec, const void* value);
// Durations print in the largest unit that keeps them readable: 1.5s,
// 250ms, 12.3us, 800ns.
void format_duration(format_sink& sink, const format_spec& spec, std::int64_t nanoseconds);

namespace detail {

struct format_arg {
  const void* value;
  void (*fn)(format_sink&, const format_spec&, const void*);
};

template <class T>
concept has_custom_format = requires(format_sink& s, const format_spec& f, const T& v) {
  { format_value(s, f, v) } -> std::same_as<void>;
} && !std::is_arithmetic_v<T> && !std::is_pointer_v<T> && !std::is_enum_v<T>;

template <class T>
void format_erased(format_sink& sink, const format_spec& spec, const void* p) {
  const T& v = *static_cast<const T*>(p);
  if constexpr (std::same_as<T, bool>) {
    format_value(sink, spec, v);
  } else if constexpr (std::same_as<T, char>) {
    format_value(sink, spec, v);
  } else if constexpr (std::same_as<T, std::byte>) {
    format_value(sink, spec, static_cast<unsigned long long>(v));
  } else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
    format_value(sink, spec, static_cast<long long>(v));
  } else if constexpr (std::is_integral_v<T>) {
    format_value(sink, spec, static_cast<unsigned long long>(v));
  } else if constexpr (std::is_floating_point_v<T>) {
    format_value(sink, spec, static_cast<double>(v));
  } else if constexpr (error_enum<T>) {
    format_value(sink, spec, std::string_view(describe(v)));
  } else if constexpr (std::is_enum_v<T>) {
    format_value(sink, spec, static_cast<long long>(static_cast<std::underlying_type_t<T>>(v)));
  } else if constexpr (std::is_convertible_v<const T&, std::string_view>) {
    format_value(sink, spec, std::string_view(v));
  } else if constexpr (requires { typename T::rep; typename T::period; v.count(); }) {
    format_duration(sink, spec,
                    std::chrono::duration_cast<std::chrono::nanoseconds>(v).count());
  } else if constexpr (has_custom_format<T>) {
    format_value(sink, spec, v);
  } else if constexpr (std::is_pointer_v<T>) {
    format_value(sink, spec, static_cast<const void*>(v));
  } else {
    static_assert(sizeof(T) == 0,
                  "fata::format: no format_value(format_sink&, const format_spec&, const T&) "
                  "for this argument type");
  }
}

// Arrays of char decay to const char* so that string literals format as text.
template <class T>
using format_decay_t = std::conditional_t<std::is_array_v<std::remove_cvref_t<T>>,
                                          const std::remove_extent_t<std::remove_cvref_t<T>>*,
                                          std::remove_cvref_t<T>>;

template <class T>
format_arg make_format_arg(const T& v) {
  using D = format_decay_t<T>;
  if constexpr (std::is_array_v<T>) {
    static_assert(std::same_as<D, const char*>, "only char arrays format as strings");
    // Keep a pointer to the array's first element alive in the argument.
    return {static_cast<const void*>(v), [](format_sink& s, const format_spec& f, const void* p) {
              format_value(s, f, std::string_view(static_cast<const char*>(p)));
            }};
  } else if constexpr (std::same_as<D, const char*> || std::same_as<D, char*>) {
    return {static_cast<const void*>(v), [](format_sink& s, const format_spec& f, const void* p) {
              format_value(s, f, p ? std::string_view(static_cast<const char*>(p))
                                   : std::string_view("(null)"));
            }};
  } else {
    return {static_cast<const void*>(&v), &format_erased<D>};
  }
}

void vformat(format_sink& sink, std::string_view fmt, std::span<const format_arg> args);

}  // namespace detail

// Formats into any sink.
template <class... Args>
void format_to(format_sink& sink, std::string_view fmt, const Args&... args) {
  const std::array<detail::format_arg, sizeof...(Args)> erased{detail::make_format_arg(args)...};
  detail::vformat(sink, fmt, erased);
}

// Appends to a caller-owned character buffer, truncating what does not fit.
class fixed_writer {
 public:
  explicit fixed_writer(std::span<char> out) : _out(out) {}
  format_sink sink() { return {&append_to, this}; }
  void append(std::string_view text);
  std::string_view view() const { return {_out.data(), _length}; }
  std::size_t size() const { return _length; }
  bool truncated() const { return _truncated; }
  void clear() { _length = 0; _truncated = false; }

 private:
  static void append_to(void* self, std::string_view text) {
    static_cast<fixed_writer*>(self)->append(text);
  }
  std::span<char> _out;
  std::size_t _length = 0;
  bool _truncated = false;
};

// Formats into `out`; returns the text written (truncated if it did not fit).
template <class... Args>
std::string_view format_into(std::span<char> out, std::string_view fmt, const Args&... args) {
  fixed_writer w(out);
  format_sink s = w.sink();
  format_to(s, fmt, args...);
  return w.view();
}

// A sink that appends to `out`, which must outlive it.
inline format_sink string_sink(std::string& out) {
  return {[](void* ctx, std::string_view t) { static_cast<std::string*>(ctx)->append(t); }, &out};
}

// Appends to a std::string.
template <class... Args>
void format_append(std::string& out, std::string_view fmt, const Args&... args) {
  format_sink s = string_sink(out);
  format_to(s, fmt, args...);
}

// Formats into a new std::string.
template <class... Args>
std::string format(std::string_view fmt, const Args&... args) {
  std::string out;
  format_append(out, fmt, args...);
  return out;
}

// A small string with inline storage, for log lines and headers built on
// the stack.
template <std::size_t N>
class inline_string {
 public:
  template <class... Args>
  explicit inline_string(std::string_view fmt, const Args&... args) {
    _length = format_into(std::span<char>(_data), fmt, args...).size();
  }
  std::string_view view() const { return {_data.data(), _length}; }
  operator std::string_view() const { return view(); }

 private:
  std::array<char, N> _data;
  std::size_t _length = 0;
};

}  // namespace fata
