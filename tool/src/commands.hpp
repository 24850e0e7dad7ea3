// The `fata` command line: parsing and the commands.
#pragma once

#include <string>
#include <vector>

namespace fata::tool {

// The exit status for bad arguments (sysexits' EX_USAGE).
inline constexpr int usage_status = 64;

enum class command_kind { none, configure, build, run, describe, query, clean, targets, help };

struct arguments {
  command_kind command = command_kind::none;
  std::string target;             // -t; empty: the default
  std::string dir;                // -C; empty: the current folder
  std::string build_dir;          // --build-dir; empty: DIR/_build
  std::string output;             // -o (describe)
  int jobs = 0;                   // -j; 0: the number of processors
  bool dot = false;
  bool verbose = false;
  std::vector<std::string> words;       // KEY=VALUE (configure, describe) or sections (query)
  std::vector<std::string> image_args;  // after `--` (run)
};

// Parses argv (without the program name). On error, returns the one-line
// message in *error.
arguments parse_arguments(const std::vector<std::string>& argv, std::string* error);

// The usage text of `fata --help`.
std::string usage_text();

// Runs the tool; returns its exit status.
int run_tool(const std::vector<std::string>& argv);

}  // namespace fata::tool
