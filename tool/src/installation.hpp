// Where the fata the tool belongs to lives: its sources, the hosted build
// that built the tool, the compiler, and what a description program is
// linked with. Read from fata-tool-paths.txt, which the build writes next
// to the tool's executable, so a tool always uses its own build (whatever
// folder the unikernel is in).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <fata/core/result.hpp>

namespace fata::tool {

struct installation {
  std::filesystem::path source_dir;  // fata's source tree
  std::filesystem::path build_dir;   // the hosted build holding fata-config.cmake
  std::string cxx_compiler;
  std::string c_compiler;
  std::string build_type;
  bool sanitize = false;
  std::filesystem::path crunch_tool;  // fata-crunch, for fata_crunch() in generated projects
  // The description program: include folders and the archives it links.
  std::vector<std::filesystem::path> include_dirs;
  std::vector<std::filesystem::path> description_libraries;
};

// Reads `paths_file`.
result<installation, std::string> read_installation(const std::filesystem::path& paths_file);

// The installation of the running tool: FATA_TOOL_PATHS if set, else
// fata-tool-paths.txt next to the executable.
result<installation, std::string> find_installation();

}  // namespace fata::tool
