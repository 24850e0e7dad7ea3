// A description resolved for one target: which implementation each device
// gets, the runtime keys of the image, what it links and generates.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <fata/core/result.hpp>

#include "description.hpp"
#include "installation.hpp"
#include "registry.hpp"

namespace fata::tool {

struct resolved_key {
  std::string name;
  std::string cpp_type;
  std::string type_name;
  std::string default_text;
  std::string doc;
  std::string group;
  bool required = false;
  bool configured = false;    // the default was set at configure time
  bool from_description = false;  // declared by config.cpp (else by a device)
  std::string declared_by;    // "config.cpp:5:3", or a device's label
  std::string variable;       // in the generated main
};

struct resolved_device {
  const device_node* node = nullptr;
  const device_impl* impl = nullptr;
  std::string variable;
  bool used = false;                 // the job needs it (directly or through another device)
  std::vector<std::string> choices;  // every choice on this target
  std::string chosen_by;             // "default on hosted", "kv_ro=crunch"
  std::string type;                  // expanded (the C++ type)
  std::string make;                  // expanded
  std::string cmake;                 // expanded
  std::string at_exit;               // expanded
  std::string ready;                 // expanded
  std::vector<std::size_t> keys;     // indexes into configuration::keys
};

struct configuration {
  installation inst;
  const target* tgt = nullptr;
  description desc;
  std::filesystem::path source_dir;     // the unikernel's folder
  std::filesystem::path output_dir;     // _build/<target>
  std::filesystem::path library_build;  // the fata build for the target
  std::vector<resolved_device> devices; // one per description device, same order
  std::vector<resolved_key> keys;       // the description's, then the devices'
  std::vector<std::string> libraries;   // CMake targets, in link order
  std::vector<std::string> headers;     // included by the generated main
  std::vector<std::string> languages;   // CMake languages beyond CXX
  std::vector<std::string> options;     // the KEY=VALUE the tool applied (choices, device keys)

  // The files `fata configure` writes, relative to output_dir.
  std::vector<std::string> generated_files() const;
};

// Why a description could not be resolved: messages (one line each) and
// the exit status (1: the description does not fit the target; 64: a bad
// KEY=VALUE).
struct resolve_failure {
  int status = 1;
  std::vector<std::string> messages;
};

result<configuration, resolve_failure> resolve(description desc, const target& tgt,
                                               const installation& inst,
                                               std::filesystem::path output_dir,
                                               std::filesystem::path library_build);

// Expands a code template (see registry.hpp) for one device.
std::string expand(std::string_view code, const configuration& c, const resolved_device& d);

}  // namespace fata::tool
