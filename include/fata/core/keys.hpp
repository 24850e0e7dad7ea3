// Runtime keys: typed boot arguments with defaults and documentation.
//
//   static fata::key<fata::port> port{"port", fata::port(8080), "TCP port to serve on"};
//   static fata::key<fata::ipv4_prefix> addr{"ipv4", fata::required, "Address/prefix",
//                                           "NETWORK"};
//   ... co_await serve(*port);
//
// Keys are declared by the unikernel and by devices (at static
// initialisation or before the runtime parses arguments) and registered in
// one list. The runtime parses the boot arguments once, before main:
// `--name=value`, `--name value`, and for booleans `--name` alone. `--help`
// prints every key with its type, default and documentation. An unknown
// key, a missing value or a malformed one stops the image with a one-line
// message naming the key and the usage exit status (64).
//
// Supported types: std::string, bool, every integer type (range checked),
// double, fata::port, IPv4/IPv6 addresses and prefixes, MAC addresses,
// durations (`250ms`, `5s`), enumerations (an enum with describe() and an
// ADL `enum_values(E)` listing its values), and std::vector of any of these
// (comma separated).
#pragma once

#include <array>
#include <concepts>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>

namespace fata {

// The exit status for a bad command line (sysexits' EX_USAGE).
inline constexpr int usage_exit_status = 64;

// Marks a key that has no default and must be given.
struct required_t {};
inline constexpr required_t required{};

// A parse failure, without the key's name (the caller adds it).
using key_parse_result = result<void, std::string>;

class key_base {
 public:
  key_base(std::string_view name, std::string_view doc, std::string_view group, bool has_default);
  virtual ~key_base();
  key_base(const key_base&) = delete;
  key_base& operator=(const key_base&) = delete;

  std::string_view name() const { return _name; }
  std::string_view doc() const { return _doc; }
  std::string_view group() const { return _group; }
  // True once a value came from the command line.
  bool given() const { return _given; }
  bool required() const { return !_has_default; }

  // Parses `text` into the key's value.
  virtual key_parse_result set_text(std::string_view text) = 0;
  // The metavariable shown by --help: INT, ADDR/PREFIX, ...
  virtual std::string_view type_name() const = 0;
  // The current value as text.
  virtual std::string value_text() const = 0;
  // The default value as text (for --help).
  virtual std::string default_text() const = 0;
  // Booleans may be given without a value.
  virtual bool is_flag() const { return false; }
  // Records that the value came from the command line.
  void mark_given() { _given = true; }

  static key_base* first();
  key_base* next() const { return _next; }

 protected:
  bool _has_default;

 private:
  std::string _name;
  std::string_view _doc;
  std::string_view _group;
  bool _given = false;
  key_base* _next = nullptr;
  key_base* _prev = nullptr;
};

// How a type is read from and written to text.
template <class T>
struct key_codec;

template <>
struct key_codec<std::string> {
  static constexpr std::string_view type_name = "STRING";
  static result<std::string, std::string> parse(std::string_view s) { return std::string(s); }
  static std::string print(const std::string& v) { return v; }
};

template <>
struct key_codec<bool> {
  static constexpr std::string_view type_name = "BOOL";
  static result<bool, std::string> parse(std::string_view s);
  static std::string print(bool v) { return v ? "true" : "false"; }
};

namespace detail {
result<unsigned long long, std::string> parse_unsigned(std::string_view s, unsigned long long max);
result<long long, std::string> parse_signed(std::string_view s, long long min, long long max);
}  // namespace detail

template <std::integral T>
  requires(!std::same_as<T, bool>)
struct key_codec<T> {
  static constexpr std::string_view type_name = "INT";
  static result<T, std::string> parse(std::string_view s) {
    if constexpr (std::is_signed_v<T>) {
      auto v = detail::parse_signed(s, std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
      if (!v) return unexpected(v.error());
      return static_cast<T>(*v);
    } else {
      auto v = detail::parse_unsigned(s, std::numeric_limits<T>::max());
      if (!v) return unexpected(v.error());
      return static_cast<T>(*v);
    }
  }
  static std::string print(T v) { return format("{}", v); }
};

template <>
struct key_codec<double> {
  static constexpr std::string_view type_name = "NUMBER";
  static result<double, std::string> parse(std::string_view s);
  static std::string print(double v) { return format("{}", v); }
};

template <>
struct key_codec<port> {
  static constexpr std::string_view type_name = "PORT";
  static result<port, std::string> parse(std::string_view s);
  static std::string print(port v) { return format("{}", v); }
};

template <>
struct key_codec<duration> {
  static constexpr std::string_view type_name = "DURATION";
  // A number with a unit: ns, us, ms, s, m, h ("250ms", "5s", "2m").
  static result<duration, std::string> parse(std::string_view s);
  static std::string print(duration v) { return format("{}", v); }
};

// Addresses: parse with the type's own parse(), print with its formatter.
template <class A>
struct address_codec {
  static result<A, std::string> parse(std::string_view s) {
    if (auto a = A::parse(s)) return *a;
    return unexpected(std::string(A_error()));
  }
  static std::string print(const A& v) { return format("{}", v); }
  static constexpr std::string_view A_error();
};

template <>
struct key_codec<ipv4_addr> : address_codec<ipv4_addr> {
  static constexpr std::string_view type_name = "IPV4";
};
template <>
struct key_codec<ipv4_prefix> : address_codec<ipv4_prefix> {
  static constexpr std::string_view type_name = "IPV4/PREFIX";
};
template <>
struct key_codec<ipv6_addr> : address_codec<ipv6_addr> {
  static constexpr std::string_view type_name = "IPV6";
};
template <>
struct key_codec<ipv6_prefix> : address_codec<ipv6_prefix> {
  static constexpr std::string_view type_name = "IPV6/PREFIX";
};
template <>
struct key_codec<ip_addr> : address_codec<ip_addr> {
  static constexpr std::string_view type_name = "IP";
};
template <>
struct key_codec<mac_addr> : address_codec<mac_addr> {
  static constexpr std::string_view type_name = "MAC";
};

template <>
constexpr std::string_view address_codec<ipv4_addr>::A_error() {
  return "expected an IPv4 address such as 10.0.0.2";
}
template <>
constexpr std::string_view address_codec<ipv4_prefix>::A_error() {
  return "expected an IPv4 address with prefix length such as 10.0.0.2/24";
}
template <>
constexpr std::string_view address_codec<ipv6_addr>::A_error() {
  return "expected an IPv6 address such as fd00::2";
}
template <>
constexpr std::string_view address_codec<ipv6_prefix>::A_error() {
  return "expected an IPv6 address with prefix length such as fd00::2/64";
}
template <>
constexpr std::string_view address_codec<ip_addr>::A_error() {
  return "expected an IPv4 or IPv6 address such as 10.0.0.2 or fd00::2";
}
template <>
constexpr std::string_view address_codec<mac_addr>::A_error() {
  return "expected a MAC address such as 02:00:00:00:00:01";
}

// Enumerations that describe() their values and list them with
// enum_values(E{}).
template <class E>
  requires std::is_enum_v<E> && requires(E e) { enum_values(e); describe(e); }
struct key_codec<E> {
  static constexpr std::string_view type_name = "ENUM";
  static result<E, std::string> parse(std::string_view s) {
    for (E v : enum_values(E{}))
      if (std::string_view(describe(v)) == s) return v;
    std::string msg = "expected one of ";
    bool first = true;
    for (E v : enum_values(E{})) {
      if (!first) msg += ", ";
      msg += describe(v);
      first = false;
    }
    return unexpected(msg);
  }
  static std::string print(E v) { return std::string(describe(v)); }
};

template <class T>
struct key_codec<std::vector<T>> {
  static constexpr std::string_view type_name = "LIST";
  static result<std::vector<T>, std::string> parse(std::string_view s) {
    std::vector<T> out;
    while (!s.empty()) {
      const std::size_t comma = s.find(',');
      auto item = key_codec<T>::parse(s.substr(0, comma));
      if (!item) return unexpected(format("item {}: {}", out.size() + 1, item.error()));
      out.push_back(std::move(*item));
      if (comma == std::string_view::npos) break;
      s = s.substr(comma + 1);
    }
    return out;
  }
  static std::string print(const std::vector<T>& v) {
    std::string out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (i) out += ',';
      out += key_codec<T>::print(v[i]);
    }
    return out;
  }
};

// A typed runtime key.
template <class T>
class key final : public key_base {
 public:
  key(std::string_view name, T default_value, std::string_view doc,
      std::string_view group = "APPLICATION")
      : key_base(name, doc, group, true), _value(default_value), _default(std::move(default_value)) {}
  key(std::string_view name, required_t, std::string_view doc,
      std::string_view group = "APPLICATION")
      : key_base(name, doc, group, false), _value{} {}

  const T& value() const { return _value; }
  const T& operator*() const { return _value; }
  const T* operator->() const { return &_value; }
  // Sets the value from code (tests, generated wiring).
  void set(T v) { _value = std::move(v); }
  // Writes the value into `field` if the key was given on the command line
  // (a library's configuration over defaults the code chose).
  template <class U>
  void apply_to(U& field) const {
    if (given()) field = _value;
  }

  key_parse_result set_text(std::string_view text) override {
    auto v = key_codec<T>::parse(text);
    if (!v) return unexpected(v.error());
    _value = std::move(*v);
    return {};
  }
  std::string_view type_name() const override { return key_codec<T>::type_name; }
  std::string value_text() const override { return key_codec<T>::print(_value); }
  std::string default_text() const override { return key_codec<T>::print(_default); }
  bool is_flag() const override { return std::same_as<T, bool>; }

 private:
  T _value;
  T _default{};
};

// The outcome of parsing the boot arguments.
struct key_parse_outcome {
  enum class action : std::uint8_t {
    run,          // every key parsed: start the unikernel
    show_help,    // --help was given: print `message` and exit 0
    usage_error,  // print `message` (one line) and exit usage_exit_status
  };
  action what = action::run;
  std::string message;
};

// Parses `args` (without the program name) into the registered keys.
key_parse_outcome parse_keys(std::span<const char* const> args, std::string_view program,
                             std::string_view summary);

// The --help text: usage, then the keys grouped and sorted by name.
std::string keys_help(std::string_view program, std::string_view summary);

// Finds a registered key by name.
key_base* find_key(std::string_view name);

}  // namespace fata
