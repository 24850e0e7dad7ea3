// Logging with named sources and levels, chosen at run time.
//
//   static fata::log::source log{"net.tcp", "TCP connections"};
//   log.info("{} connected from {}", id, peer);
//   log.debug("segment seq={} len={}", seq, len);   // formatted only if enabled
//
// Levels are set per source with a specification such as
// `--log=net.tcp:debug,*:warning` (the runtime key `log`): a list of
// PATTERN:LEVEL pairs applied in order, where PATTERN is a source name, a
// prefix ending in `*` (`net.*`), or `*`; a bare LEVEL sets every source.
// The default level is `info`. Records go to one output set by the runtime
// (the console device, with a wall-clock timestamp); without an output they
// are dropped.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/core/time.hpp>

namespace fata::log {

enum class level : std::uint8_t { quiet = 0, error, warning, info, debug };

constexpr std::string_view describe(level l) noexcept {
  switch (l) {
    case level::quiet: return "quiet";
    case level::error: return "error";
    case level::warning: return "warning";
    case level::info: return "info";
    case level::debug: return "debug";
  }
  return "?";
}

class source;

// One log record, handed to the output.
struct record {
  wall_time time;
  level severity;
  const source* origin;
  std::string_view message;
};

// A named producer of log records. Sources register themselves on
// construction (static ones before main) and unregister on destruction.
class source {
 public:
  source(std::string_view name, std::string_view doc);
  ~source();
  source(const source&) = delete;
  source& operator=(const source&) = delete;

  std::string_view name() const { return _name; }
  std::string_view doc() const { return _doc; }
  level threshold() const { return _threshold; }
  void set_threshold(level l) { _threshold = l; }
  bool enabled(level l) const { return l != level::quiet && l <= _threshold; }

  template <class... Args>
  void error(std::string_view fmt, const Args&... args) const {
    if (enabled(level::error)) emit(level::error, fmt, args...);
  }
  template <class... Args>
  void warn(std::string_view fmt, const Args&... args) const {
    if (enabled(level::warning)) emit(level::warning, fmt, args...);
  }
  template <class... Args>
  void info(std::string_view fmt, const Args&... args) const {
    if (enabled(level::info)) emit(level::info, fmt, args...);
  }
  template <class... Args>
  void debug(std::string_view fmt, const Args&... args) const {
    if (enabled(level::debug)) emit(level::debug, fmt, args...);
  }

  // Iteration over all registered sources, for --help and diagnostics.
  static source* first();
  source* next() const { return _next; }

 private:
  template <class... Args>
  void emit(level l, std::string_view fmt, const Args&... args) const {
    char buf[1024];
    fixed_writer w(buf);
    format_sink s = w.sink();
    format_to(s, fmt, args...);
    write(l, w.view());
  }
  void write(level l, std::string_view message) const;

  std::string_view _name;
  std::string_view _doc;
  level _threshold;
  source* _next = nullptr;
  source* _prev = nullptr;
};

// Where records go. The context pointer is passed back unchanged.
using output_fn = void (*)(void* context, const record& r);
void set_output(output_fn fn, void* context);
// The clock used to stamp records (the wall clock device in an image).
using clock_fn = wall_time (*)(void* context);
void set_clock(clock_fn fn, void* context);

// Applies a level specification (see above) to present and future
// sources. Returns a one-line message naming the first bad item.
result<void, std::string> configure(std::string_view spec);
// Back to every source at `info`, with no rules.
void reset();

// The standard text form of a record:
// "2026-11-23T10:15:02.123Z INFO  [net.tcp] message\n".
void format_record(format_sink& sink, const record& r);

}  // namespace fata::log
