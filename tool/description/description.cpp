// The description's side of `fata configure`: collects what config.cpp's
// configure() declares, checks what can be checked without a target's
// device table, and prints the graph in the records format
// (tool/common/records.hpp) for the tool. See
// include/fata/config/description.hpp.
#include <fata/config/description.hpp>

#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <system_error>

#include "../common/records.hpp"
#include "description_state.hpp"

namespace fata::config {

namespace {

std::string location_text(const std::source_location& where) {
  return fata::format("{}:{}:{}", where.file_name(), where.line(), where.column());
}

bool valid_device_name(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool valid_key_name(std::string_view name) {
  if (name.empty() || name.front() == '-') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string last_segment(std::string_view path) {
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  const std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

namespace detail {

description_state& state() {
  static description_state s;
  return s;
}

void description_state::error(const std::source_location& where, std::string_view message) {
  diagnostics.push_back(fata::format("{}: error: {}", location_text(where), message));
  ++errors;
}

void description_state::warning(const std::source_location& where, std::string_view message) {
  diagnostics.push_back(fata::format("{}: warning: {}", location_text(where), message));
}

std::string name_from_signature(std::string_view signature, std::string_view parameter) {
  const std::string needle = fata::format("[with {} = ", parameter);
  std::size_t at = signature.find(needle);
  std::string_view rest;
  if (at != std::string_view::npos) {
    rest = signature.substr(at + needle.size());
  } else {
    // A later parameter: "; U = ".
    const std::string later = fata::format("; {} = ", parameter);
    at = signature.find(later);
    if (at == std::string_view::npos) return std::string(signature);
    rest = signature.substr(at + later.size());
  }
  int depth = 0;
  std::size_t end = 0;
  for (; end < rest.size(); ++end) {
    const char c = rest[end];
    if (c == '<' || c == '(' || c == '[') ++depth;
    else if ((c == '>' || c == ')') && depth > 0) --depth;
    else if (c == ']' && depth == 0) break;
    else if (c == ']') --depth;
    else if (c == ';' && depth == 0) break;
  }
  return std::string(rest.substr(0, end));
}

device_id add_device(std::string_view signature, device_spec spec, const std::source_location& where) {
  auto& s = state();
  if (spec.singleton) {
    for (const auto& d : s.devices)
      if (d.spec.singleton && d.spec.combinator == spec.combinator) return d.id;
  }
  const auto id = static_cast<device_id>(s.devices.size());
  const std::string label = fata::format("{} \"{}\"", spec.combinator, spec.name);
  if (!valid_device_name(spec.name)) {
    s.error(where, fata::format("{}: invalid device name (use letters, digits, '_', '-' and '.')",
                                label));
  } else {
    for (const auto& d : s.devices) {
      if (d.spec.name == spec.name) {
        s.error(where, fata::format("{}: duplicate device name \"{}\" (first declared at {}): "
                                    "give each device its own name",
                                    label, spec.name, location_text(d.where)));
        break;
      }
    }
  }
  for (device_id dep : spec.dependencies) {
    if (dep >= s.devices.size()) s.error(where, fata::format("{}: unknown dependency", label));
  }
  s.devices.push_back(device_node{id, std::string(signature), std::move(spec), where, false});
  return id;
}

key_id add_key(key_spec spec, const std::source_location& where) {
  auto& s = state();
  const auto id = static_cast<key_id>(s.keys.size());
  if (!valid_key_name(spec.name)) {
    s.error(where, fata::format("key \"{}\": invalid name (use letters, digits, '_', '-', '.' "
                                "and ':', not starting with '-')",
                                spec.name));
  } else if (spec.name == "help" || spec.name == "log") {
    s.error(where, fata::format("key \"{}\": the name is the runtime's own key", spec.name));
  } else {
    for (const auto& k : s.keys) {
      if (k.spec.name == spec.name) {
        s.error(where, fata::format("key \"{}\": duplicate key name (first declared at {})",
                                    spec.name, location_text(k.where)));
        break;
      }
    }
  }
  s.keys.push_back(key_node{id, std::move(spec), where, false});
  return id;
}

device_id match_target(const std::vector<std::pair<std::string_view, device_id>>& cases,
                       device_id otherwise, const std::source_location& where) {
  auto& s = state();
  std::optional<device_id> chosen;
  for (const auto& [name, id] : cases) {
    bool known = false;
    std::string list;
    for (const auto& t : s.targets) {
      known = known || t == name;
      list += (list.empty() ? "" : ", ") + t;
    }
    if (!known)
      s.error(where, fata::format("match_target: unknown target '{}' (targets: {})", name, list));
    if (!chosen && name == s.target) chosen = id;
  }
  const device_id result = chosen.value_or(otherwise);
  for (const auto& [name, id] : cases)
    if (id != result && id < s.devices.size()) s.devices[id].alternative = true;
  if (otherwise != result && otherwise < s.devices.size()) s.devices[otherwise].alternative = true;
  return result;
}

void register_job(std::string_view name, std::string_view summary, job_spec job,
                  const std::source_location& where) {
  auto& s = state();
  if (s.job) {
    s.error(where, fata::format("register_unikernel(\"{}\"): a unikernel is already registered "
                                "(at {}); a description has one",
                                name, location_text(s.job_where)));
    return;
  }
  bool ok = !name.empty();
  for (char c : name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-');
  }
  if (!ok) {
    s.error(where, fata::format("register_unikernel(\"{}\"): invalid name (use letters, digits, "
                                "'-' and '_')",
                                name));
  }
  s.name = std::string(name);
  s.summary = std::string(summary);
  s.job = std::move(job);
  s.job_where = where;
}

}  // namespace detail

// --- combinators ---------------------------------------------------------------

namespace {

detail::device_spec platform_device(std::string_view combinator, std::string_view name) {
  detail::device_spec spec;
  spec.combinator = std::string(combinator);
  spec.name = std::string(name);
  spec.singleton = true;
  return spec;
}

// A store over a directory of the unikernel's folder, which must exist.
device<kinds::kv_ro> directory_store(std::string_view combinator, std::string_view directory,
                                     std::string_view name, const std::source_location& where) {
  auto& s = detail::state();
  detail::device_spec spec;
  spec.combinator = std::string(combinator);
  spec.name = name.empty() ? last_segment(directory) : std::string(name);
  spec.params.emplace_back("directory", std::string(directory));
  namespace fs = std::filesystem;
  fs::path path = fs::path(s.source_dir) / fs::path(directory);
  std::error_code ec;
  if (directory.empty()) {
    s.error(where, fata::format("{} \"{}\": no directory given", combinator, spec.name));
  } else if (!fs::exists(path, ec)) {
    s.error(where, fata::format("{} \"{}\": directory {} does not exist", combinator, spec.name,
                                path.lexically_normal().string()));
  } else if (!fs::is_directory(path, ec)) {
    s.error(where, fata::format("{} \"{}\": {} is not a directory", combinator, spec.name,
                                path.lexically_normal().string()));
  }
  return make_device<kinds::kv_ro>(std::move(spec), where);
}

}  // namespace

device<kinds::console> default_console(std::source_location where) {
  return make_device<kinds::console>(platform_device("default_console", "console"), where);
}

device<kinds::mclock> mclock(std::source_location where) {
  return make_device<kinds::mclock>(platform_device("mclock", "mclock"), where);
}

device<kinds::pclock> pclock(std::source_location where) {
  return make_device<kinds::pclock>(platform_device("pclock", "pclock"), where);
}

device<kinds::sleeper> sleeper(std::source_location where) {
  return make_device<kinds::sleeper>(platform_device("sleeper", "sleeper"), where);
}

device<kinds::random> default_random(std::source_location where) {
  return make_device<kinds::random>(platform_device("default_random", "random"), where);
}

device<kinds::block_device> block(std::string_view name, std::string_view file,
                                  std::source_location where) {
  detail::device_spec spec;
  spec.combinator = "block";
  spec.name = std::string(name);
  spec.params.emplace_back("file", file.empty() ? fata::format("{}.img", name) : std::string(file));
  return make_device<kinds::block_device>(std::move(spec), where);
}

device<kinds::kv_rw> kv_mem(std::string_view name, std::size_t capacity, std::source_location where) {
  detail::device_spec spec;
  spec.combinator = "kv_mem";
  spec.name = std::string(name);
  spec.params.emplace_back("capacity", fata::format("{}", capacity));
  if (capacity == 0)
    detail::state().error(where, fata::format("kv_mem \"{}\": the capacity must not be 0", name));
  return make_device<kinds::kv_rw>(std::move(spec), where);
}

device<kinds::kv_ro> generic_kv_ro(std::string_view directory, std::string_view name,
                                   std::source_location where) {
  return directory_store("generic_kv_ro", directory, name, where);
}

device<kinds::kv_ro> crunch(std::string_view directory, std::string_view name,
                            std::source_location where) {
  return directory_store("crunch", directory, name, where);
}

device<kinds::kv_ro> direct_kv_ro(std::string_view directory, std::string_view name,
                                  std::source_location where) {
  return directory_store("direct_kv_ro", directory, name, where);
}

device<kinds::netif> default_network(std::string_view name, std::source_location where) {
  detail::device_spec spec;
  spec.combinator = "default_network";
  spec.name = std::string(name);
  return make_device<kinds::netif>(std::move(spec), where);
}

std::string_view target() { return detail::state().target; }
std::string_view source_dir() { return detail::state().source_dir; }

void report_error(std::string_view message, std::source_location where) {
  detail::state().error(where, message);
}

void libraries(std::initializer_list<std::string_view> names, std::source_location where) {
  auto& s = detail::state();
  for (std::string_view name : names) {
    bool ok = name.starts_with("fata::") && name.size() > 6;
    for (char c : name.substr(6)) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    if (!ok) {
      s.error(where, fata::format("libraries: '{}' is not a fata library (fata::NAME, e.g. fata::http)", name));
      continue;
    }
    bool seen = false;
    for (const auto& [l, w] : s.libraries) seen = seen || l == name;
    if (!seen) s.libraries.emplace_back(std::string(name), where);
  }
}

}  // namespace fata::config
