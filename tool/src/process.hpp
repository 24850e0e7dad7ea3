// Running other programs (the compiler, the description, CMake, the image).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <fata/core/result.hpp>

namespace fata::tool {

// What happens to a child's output stream.
enum class output_mode {
  inherit,  // the tool's own stdout/stderr
  capture,  // collected into the result
};

struct process_result {
  int status = 0;      // the exit status; 128 + N if killed by signal N
  std::string out;     // captured stdout
  std::string err;     // captured stderr
};

// Runs argv[0] (looked up in PATH) with `argv` in `cwd` and waits for it.
// An error only if it could not be started.
result<process_result, std::string> run_process(const std::vector<std::string>& argv,
                                                const std::filesystem::path& cwd,
                                                output_mode out, output_mode err);

// Replaces the tool with argv[0]; returns (with a message) only if that
// failed.
std::string exec_process(const std::vector<std::string>& argv, const std::filesystem::path& cwd);

// Whether `name` is an executable found in PATH (or a path to one).
bool have_program(const std::string& name);

}  // namespace fata::tool
