#include "installation.hpp"

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include <fata/core/fmt.hpp>

#include "../common/records.hpp"
#include "files.hpp"

namespace fata::tool {

namespace fs = std::filesystem;

result<installation, std::string> read_installation(const fs::path& paths_file) {
  auto text = read_file(paths_file);
  if (!text) return unexpected(fata::format("cannot read {}: {}", paths_file.string(), text.error()));
  auto recs = records::parse(*text);
  if (!recs) return unexpected(fata::format("{} is malformed", paths_file.string()));
  installation out;
  auto add_unique = [](std::vector<fs::path>& list, std::string_view p) {
    if (p.empty()) return;
    fs::path path(p);
    if (std::find(list.begin(), list.end(), path) == list.end()) list.push_back(path);
  };
  for (const auto& r : *recs) {
    if (r.type == "installation") {
      out.source_dir = r.get("source_dir");
      out.build_dir = r.get("build_dir");
      out.cxx_compiler = r.get("cxx");
      out.c_compiler = r.get("cc");
      out.build_type = r.get("build_type");
      out.sanitize = r.get("sanitize") == "ON" || r.get("sanitize") == "1";
      out.crunch_tool = r.get("crunch");
    } else if (r.type == "include") {
      // Generator expressions join lists with ';'.
      std::string_view all = r.get("path");
      while (!all.empty()) {
        const std::size_t semi = all.find(';');
        add_unique(out.include_dirs, all.substr(0, semi));
        if (semi == std::string_view::npos) break;
        all = all.substr(semi + 1);
      }
    } else if (r.type == "description_library") {
      add_unique(out.description_libraries, r.get("path"));
    }
  }
  if (out.source_dir.empty() || out.build_dir.empty() || out.cxx_compiler.empty())
    return unexpected(fata::format("{} lacks the installation record", paths_file.string()));
  return out;
}

result<installation, std::string> find_installation() {
  if (const char* env = std::getenv("FATA_TOOL_PATHS"); env && *env) return read_installation(env);
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return unexpected(std::string("cannot find the fata tool's own path"));
  return read_installation(self.parent_path() / "fata-tool-paths.txt");
}

}  // namespace fata::tool
