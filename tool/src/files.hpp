// Small file helpers for the tool (no exceptions: errors are values).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include <fata/core/result.hpp>

namespace fata::tool {

// The whole file, or the system's message.
result<std::string, std::string> read_file(const std::filesystem::path& path);
// Writes `content` (creating the folder). Leaves the file untouched when
// it already holds exactly `content`, so that builds do not redo work.
result<void, std::string> write_file_if_changed(const std::filesystem::path& path, std::string_view content);
// Nanoseconds since the epoch of the last modification, or -1.
long long modified_ns(const std::filesystem::path& path);
// `path` relative to `base` when it lies below it, else `path` unchanged.
std::filesystem::path shorten(const std::filesystem::path& path, const std::filesystem::path& base);
// A string as a C++ string literal.
std::string cpp_string(std::string_view text);
// A string as a CMake quoted argument.
std::string cmake_string(std::string_view text);
// A C identifier made from `text` (other characters become '_').
std::string c_identifier(std::string_view text);

}  // namespace fata::tool
