// The description program's main: `fata configure` links it with the
// unikernel's config.cpp and runs it as
//
//   describe --target TARGET --source-dir DIR [KEY=VALUE...]
//
// It runs configure(), applies KEY=VALUE to the description's own runtime
// keys (passing the others on to the tool as `option` records), and
// prints the graph on stdout. Exit status: 0, 1 if the description has
// errors (printed on stderr as FILE:LINE:COLUMN: error: ...), 64 for a bad
// KEY=VALUE or bad arguments.
#include <cstdio>
#include <set>
#include <string>
#include <string_view>

#include "../common/records.hpp"
#include "description_state.hpp"

namespace {

using fata::config::detail::state;
using fata::records::record;

void put_location(record& r, const std::source_location& where) {
  r.add("file", where.file_name());
  r.add("line", fata::format("{}", where.line()));
  r.add("column", fata::format("{}", where.column()));
}

void print(const record& r) {
  const std::string line = fata::records::format(r) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
}

int usage(std::string_view message) {
  std::fprintf(stderr, "describe: %.*s\n", static_cast<int>(message.size()), message.data());
  return 64;
}

// Warns about devices and keys that nothing uses.
void warn_unused() {
  auto& s = state();
  std::set<fata::config::device_id> used_devices;
  std::set<fata::config::key_id> used_keys;
  std::vector<fata::config::device_id> pending;
  for (const auto& a : s.job->arguments) {
    if (a.is_key) used_keys.insert(a.id);
    else pending.push_back(a.id);
  }
  while (!pending.empty()) {
    const auto id = pending.back();
    pending.pop_back();
    if (id >= s.devices.size() || !used_devices.insert(id).second) continue;
    for (auto dep : s.devices[id].spec.dependencies) pending.push_back(dep);
  }
  for (const auto& d : s.devices) {
    if (!used_devices.contains(d.id) && !d.alternative)
      s.warning(d.where, fata::format("{} \"{}\" is not used by the unikernel", d.spec.combinator,
                                      d.spec.name));
  }
  for (const auto& k : s.keys) {
    if (!used_keys.contains(k.id))
      s.warning(k.where, fata::format("key \"{}\" is not passed to main<>, so the unikernel "
                                      "cannot read it",
                                      k.spec.name));
  }
}

}  // namespace

int main(int argc, char** argv) {
  auto& s = state();
  std::vector<std::pair<std::string, std::string>> assignments;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if ((a == "--target" || a == "--source-dir") && i + 1 < argc) {
      (a == "--target" ? s.target : s.source_dir) = argv[++i];
      continue;
    }
    if (a == "--targets" && i + 1 < argc) {
      std::string_view list = argv[++i];
      while (!list.empty()) {
        const std::size_t comma = list.find(',');
        s.targets.emplace_back(list.substr(0, comma));
        if (comma == std::string_view::npos) break;
        list = list.substr(comma + 1);
      }
      continue;
    }
    const std::size_t eq = a.find('=');
    if (a.starts_with("-") || eq == std::string_view::npos || eq == 0)
      return usage(fata::format("unexpected argument '{}' (expected KEY=VALUE)", a));
    assignments.emplace_back(std::string(a.substr(0, eq)), std::string(a.substr(eq + 1)));
  }
  if (s.target.empty() || s.source_dir.empty()) return usage("--target and --source-dir are required");

  configure();

  if (!s.job) {
    s.diagnostics.push_back(
        "config.cpp: error: no unikernel registered: configure() must call "
        "register_unikernel(NAME, main<...>(...))");
    ++s.errors;
  } else {
    warn_unused();
  }
  // A bad KEY=VALUE is a usage error: one line, nothing else.
  std::vector<std::pair<std::string, std::string>> options;
  if (s.errors == 0) {
    for (auto& [name, value] : assignments) {
      bool claimed = false;
      for (auto& k : s.keys) {
        if (k.spec.name != name) continue;
        auto v = k.spec.normalize(value);
        if (!v) {
          std::fprintf(stderr, "fata: invalid value '%s' for key '%s' (declared at %s:%u): %s\n",
                       value.c_str(), name.c_str(), k.where.file_name(), k.where.line(),
                       v.error().c_str());
          return 64;
        }
        k.spec.default_text = *v;
        k.spec.required = false;
        k.set_at_configure = true;
        claimed = true;
      }
      if (!claimed) options.emplace_back(name, value);
    }
  }
  for (const auto& d : s.diagnostics) std::fprintf(stderr, "%s\n", d.c_str());
  if (s.errors != 0) return 1;

  print(record{"fata-description", {{"version", "1"}}});
  print(record{"context", {{"target", s.target}, {"source_dir", s.source_dir}}});
  for (const auto& d : s.devices) {
    record r{"device", {}};
    r.add("id", fata::format("{}", d.id));
    r.add("signature", d.signature);
    r.add("combinator", d.spec.combinator);
    r.add("name", d.spec.name);
    put_location(r, d.where);
    for (auto dep : d.spec.dependencies) r.add("dep", fata::format("{}", dep));
    for (const auto& [k, v] : d.spec.params) r.add("param." + k, v);
    print(r);
  }
  for (const auto& k : s.keys) {
    record r{"key", {}};
    r.add("id", fata::format("{}", k.id));
    r.add("name", k.spec.name);
    r.add("cpp_type", k.spec.cpp_type);
    r.add("type", k.spec.type_name);
    r.add("default", k.spec.default_text);
    r.add("doc", k.spec.doc);
    r.add("required", k.spec.required ? "1" : "0");
    r.add("configured", k.set_at_configure ? "1" : "0");
    put_location(r, k.where);
    print(r);
  }
  {
    const auto& j = *s.job;
    record r{"unikernel", {}};
    r.add("name", s.name);
    r.add("summary", s.summary);
    r.add("header", j.header);
    r.add("template", j.unikernel);
    r.add("is_template", j.is_template ? "1" : "0");
    r.add("returns", j.returns);
    put_location(r, j.where);
    r.add("registered_line", fata::format("{}", s.job_where.line()));
    print(r);
    for (const auto& a : j.arguments)
      print(record{"argument", {{"kind", a.is_key ? "key" : "device"}, {"id", fata::format("{}", a.id)}}});
  }
  for (const auto& [name, where] : s.libraries) {
    record r{"library", {{"name", name}}};
    put_location(r, where);
    print(r);
  }
  for (const auto& [name, value] : options) print(record{"option", {{"name", name}, {"value", value}}});
  return 0;
}
