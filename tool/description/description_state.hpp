// What the description driver keeps while config.cpp's configure() runs.
#pragma once

#include <optional>
#include <utility>
#include <source_location>
#include <string>
#include <vector>

#include <fata/config/description.hpp>

namespace fata::config::detail {

struct device_node {
  device_id id;
  std::string signature;
  device_spec spec;
  std::source_location where;
  bool alternative = false;  // a case match_target did not choose
};

struct key_node {
  key_id id;
  key_spec spec;
  std::source_location where;
  bool set_at_configure;  // the default came from `fata configure KEY=VALUE`
};

struct description_state {
  std::string target;
  std::string source_dir;
  std::vector<std::string> targets;  // every target of the tool
  std::vector<device_node> devices;
  std::vector<key_node> keys;
  std::string name;
  std::string summary;
  std::optional<job_spec> job;
  std::vector<std::pair<std::string, std::source_location>> libraries;
  std::source_location job_where;
  std::vector<std::string> diagnostics;
  int errors = 0;

  void error(const std::source_location& where, std::string_view message);
  void warning(const std::source_location& where, std::string_view message);
};

description_state& state();

}  // namespace fata::config::detail
