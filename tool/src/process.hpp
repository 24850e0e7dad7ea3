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
  tee,      // copied to the tool's own stream as it comes, its last tee_tail bytes kept in the result
};

// How much of a `tee` stream the result keeps.
inline constexpr std::size_t tee_tail = 4096;

struct process_result {
  int status = 0;      // the exit status; 128 + N if killed by signal N
  std::string out;     // captured stdout (tee: its end)
  std::string err;     // captured stderr (tee: its end)
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
