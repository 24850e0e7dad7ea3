// The line format in which a description reports its graph to the tool
// (and the tool stores its state in the build folder).
//
// One record per line: a type word, then tab-separated `field=value`
// pairs. Values may hold any byte: backslash, tab, newline and carriage
// return are written as \\, \t, \n and \r. Field names are words without
// '=', tab or newline. Repeated fields keep their order.
//
//   device	id=0	signature=console	combinator=default_console	name=console
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fata::records {

struct record {
  std::string type;
  std::vector<std::pair<std::string, std::string>> fields;

  // The first value of `name`, or nullopt.
  std::optional<std::string_view> find(std::string_view name) const;
  // The first value of `name`, or `fallback`.
  std::string_view get(std::string_view name, std::string_view fallback = {}) const;
  // Every value of `name`, in order.
  std::vector<std::string_view> all(std::string_view name) const;
  // Fields whose name starts with `prefix`, with the prefix removed.
  std::vector<std::pair<std::string_view, std::string_view>> with_prefix(std::string_view prefix) const;

  record& add(std::string_view name, std::string_view value);
};

std::string escape(std::string_view value);
std::string unescape(std::string_view text);

// One line, without its newline.
std::string format(const record& r);
// Parses one line (without its newline); nullopt for an empty line or a
// malformed field.
std::optional<record> parse_line(std::string_view line);
// Parses every line of `text`. nullopt (and the 1-based number of the bad
// line in *bad_line) if a line is malformed.
std::optional<std::vector<record>> parse(std::string_view text, std::size_t* bad_line = nullptr);

}  // namespace fata::records
