// `fata describe` and `fata query`: the configuration as text, Graphviz,
// or one section at a time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "configuration.hpp"

namespace fata::tool {

// The device graph as a tree from the job down, then the runtime keys.
std::string describe_text(const configuration& c);
// The device graph in Graphviz's dot language.
std::string describe_dot(const configuration& c);

// The query sections, in the order `fata query` prints them.
std::vector<std::string_view> query_sections();
// One section, one item per line; nullopt for an unknown section.
std::optional<std::string> query(const configuration& c, std::string_view section);

}  // namespace fata::tool
