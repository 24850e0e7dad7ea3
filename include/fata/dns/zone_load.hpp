// Loading a zone from its zone files: the records a zone_file_reader
// reads go into a zone_builder, $INCLUDEs are followed, and the zone is
// checked once the last record is in.
//
// The loader does no I/O, so one loop serves a key-value store, a
// directory and a test's strings alike: `run` reads until the zone is
// built or until it needs an included file, whose path it returns; the
// caller fetches that file and hands its text to `provide` (texts must
// outlive the loader: the names and paths in errors point into them).
//
//   zone_loader loader(builder, "example.zone", text);
//   for (;;) {
//     auto step = loader.run();
//     if (!step) ...report step.error()...
//     if (!*step) break;                   // built: std::move(builder).take()
//     loader.provide(fetch(**step));       // an $INCLUDE's path
//   }
//
// An included file starts with the origin its $INCLUDE names (or the
// includer's) and the includer's default TTL, and its $ORIGIN does not
// leak back (RFC 1035 §5.1). Includes nest up to `max_include_depth`, so
// a file that includes itself ends in an error, not a loop.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/dns/zone.hpp>
#include <fata/dns/zone_file.hpp>

namespace fata::dns {

inline constexpr std::size_t max_include_depth = 8;

struct zone_load_error {
  enum class kind : std::uint8_t {
    file,          // a line the reader refused: `line`, `file_error`
    zone,          // a record the zone refused, or a check that failed: `problem`
    include_depth  // $INCLUDEs nested deeper than max_include_depth
  } what = kind::file;
  std::string_view path{};  // the file read when it happened (empty for the final checks)
  std::size_t line = 0;
  dns_error file_error = dns_error::bad_rdata;
  zone_problem problem{};
};

// "PATH:LINE: why" for a line, "PATH: $INCLUDE nested deeper than 8
// files", and "[PATH: ]zone: OWNER TYPE: why" for what the zone refused
// (no path for the checks after the last record).
void format_value(format_sink& sink, const format_spec& spec, const zone_load_error& e);

class zone_loader {
 public:
  zone_loader(zone_builder& builder, std::string_view path, std::string_view text);

  // nullopt: the zone is built and checked. A path: provide() its text,
  // then run again.
  result<std::optional<std::string_view>, zone_load_error> run();
  // The text of the file run() asked for last.
  void provide(std::string_view text);

 private:
  struct open_file {
    std::string_view path;
    zone_file_reader reader;
  };
  zone_builder& _builder;
  std::array<std::optional<open_file>, max_include_depth + 1> _files;
  std::size_t _depth = 1;  // files open; _files[_depth - 1] is being read
  zone_include _wanted;    // the include run() asked for
  bool _finished = false;
};

}  // namespace fata::dns
