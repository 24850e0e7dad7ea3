// The tool's view of a unikernel description: what the description
// program (tool/description) printed for one target.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fata/core/result.hpp>

namespace fata::tool {

// Where something was declared in config.cpp.
struct source_position {
  std::string file;
  unsigned line = 0;
  unsigned column = 0;
  // "config.cpp:12:5"
  std::string text() const;
};

struct device_node {
  std::uint32_t id = 0;
  std::string signature;   // console, block_device, kv_ro... (signatures.hpp)
  std::string combinator;  // default_console, block, generic_kv_ro...
  std::string name;
  source_position position;
  std::vector<std::uint32_t> dependencies;
  std::vector<std::pair<std::string, std::string>> params;

  std::string_view param(std::string_view key) const;
  // `block "storage"`
  std::string label() const;
};

struct key_node {
  std::uint32_t id = 0;
  std::string name;
  std::string cpp_type;
  std::string type_name;
  std::string default_text;
  std::string doc;
  bool required = false;
  bool configured = false;  // the default was set by `fata configure NAME=VALUE`
  source_position position;
};

struct job_argument {
  bool is_key = false;
  std::uint32_t id = 0;
};

struct description {
  std::string target;
  std::filesystem::path source_dir;
  std::vector<device_node> devices;
  std::vector<key_node> keys;
  std::string name;
  std::string summary;
  std::string header;
  std::string unikernel;  // the class template (or class)
  bool is_template = true;
  std::string returns;    // int, void or result
  source_position job_position;
  std::vector<job_argument> arguments;
  // fata libraries the unikernel's code links beyond its devices'.
  std::vector<std::string> libraries;
  // KEY=VALUE given to configure that the description did not claim.
  std::vector<std::pair<std::string, std::string>> options;
};

result<description, std::string> parse_description(std::string_view text);

}  // namespace fata::tool
