// The tool's tables: the targets it can build for, and the device table
// that says what each device of a description is on each target.
//
// Both are filled at start-up by registrations in their own files, so a
// new target or a new device family is one new file and no change here:
//
//   tool/src/targets/hosted.cpp     the hosted target and its own devices
//   tool/src/devices/platform.cpp   devices over the platform ABI (every target)
//
//   namespace {
//   const fata::tool::registrar registration([] {
//     fata::tool::register_device({.combinator = "block", .choice = "platform", ...});
//   });
//   }
//
// Code templates. A device_impl's `make`, `cmake` and key fields are
// templates expanded for each device with these placeholders:
//   {name}        the device's name in the description ("storage")
//   {ident}       the name as a C identifier
//   {var}         the C++ variable holding the device in the generated main
//   {dep:N}       the variable of the device's N-th dependency (0-based)
//   {dep_type:N}  the C++ type of the N-th dependency (for a device whose
//                 type is a template over its dependencies')
//   {param:P}     the description parameter P (see description.cpp)
//   {path:P}      parameter P as an absolute path, relative to the unikernel's folder
//   {key:L}       the value of the implementation's runtime key labelled L (`*key_3`)
//   {source_dir}  the unikernel's folder
// and a `cpp:` or `cmake:` prefix ({cpp:path:file}) quotes the value as a
// C++ string literal or a CMake argument.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/result.hpp>

#include "installation.hpp"

namespace fata::tool {

struct configuration;

// A runtime key that a device implementation adds to the image
// (`--block:storage=FILE`).
struct key_template {
  std::string_view label = {};          // how {key:LABEL} refers to it
  std::string_view name = {};           // template: "block:{name}"
  std::string_view cpp_type = "std::string";
  std::string_view type_name = "STRING";
  std::string_view default_value = {};  // template
  std::string_view doc = {};            // template
  std::string_view group = "DEVICES";
};

// One implementation of a description combinator on some targets.
struct device_impl {
  std::string_view combinator = {};  // what the description calls: "generic_kv_ro"
  std::string_view choice = {};      // this implementation's name: "crunch", "dir", "socket"
  std::string_view summary = {};     // one line for `fata describe`
  // Targets it exists on; empty: every target.
  std::vector<std::string_view> targets = {};
  // Targets where it is the default choice; "*": every target it exists on
  // (a target's own default wins over "*").
  std::vector<std::string_view> default_for = {};
  // The configure key that picks among the combinator's choices
  // (`fata configure kv_ro=crunch`, or `kv_ro:NAME=crunch` for one device).
  std::string_view choice_key = {};
  std::string_view type = {};        // the C++ type of the device (a template)
  std::vector<std::string_view> headers = {};
  std::vector<std::string_view> libraries = {};  // CMake targets of fata's export
  std::vector<key_template> keys = {};
  // An expression that makes the device; if `fallible`, a
  // fata::result<TYPE, E> whose error E has describe() (the image then
  // stops with a message naming the device).
  std::string_view make = {};
  bool fallible = false;
  // False if the device does not use the devices it was declared over
  // (they are then left out of the image when nothing else needs them).
  bool uses_dependencies = true;
  // Statements run after the unikernel's start() returned, before the image
  // exits (a stack printing its counters); a template like `make`.
  std::string_view at_exit = {};
  // Statements run once every device is made, before the unikernel
  // starts (a DHCP stack waiting for its lease); a template like `make`,
  // inside the coroutine that makes the devices.
  std::string_view ready = {};
  std::string_view cmake = {};                   // extra lines for the generated CMakeLists
  std::vector<std::string_view> languages = {};  // CMake languages the cmake lines need ("ASM")
};

// What a target's image rule is given.
struct image_rule_input {
  std::string cmake_target;  // the CMake target to create
  std::string program;       // the image's name (usage messages)
  std::string sources;       // the generated sources, as CMake arguments
  std::string libraries;     // the fata libraries to link, as CMake arguments
};

class target {
 public:
  virtual ~target() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;

  // The fata build whose libraries images of this target link (a folder
  // holding fata-config.cmake), or a message saying how to make one.
  virtual result<std::filesystem::path, std::string> library_build(const installation& inst) const = 0;
  // Arguments for configuring a generated project (toolchain, compilers).
  virtual std::vector<std::string> cmake_arguments(const installation& inst) const = 0;
  // Libraries every image of the target links, besides its devices'.
  virtual std::vector<std::string> base_libraries() const = 0;
  // CMake lines creating the image's target from the generated sources.
  virtual std::string image_rule(const image_rule_input& in) const = 0;
  // The image file, once built.
  virtual std::filesystem::path image_file(const configuration& c) const;
  // Runs the built image with the boot arguments `args` and returns its
  // exit status (or replaces the tool with it).
  virtual int run(const configuration& c, const std::vector<std::string>& args) const = 0;
};

void register_target(std::unique_ptr<target> t);
void register_device(device_impl impl);

const std::vector<std::unique_ptr<target>>& targets();
const target* find_target(std::string_view name);
// Every target's name, comma-separated, for messages.
std::string target_names();
const std::vector<device_impl>& device_table();

// Runs `fn` at static initialisation: a file's registrations.
struct registrar {
  explicit registrar(void (*fn)()) { fn(); }
};

}  // namespace fata::tool
