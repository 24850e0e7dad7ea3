#include "commands.hpp"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <system_error>
#include <unistd.h>

#include <fata/core/fmt.hpp>

#include "../common/records.hpp"
#include "configuration.hpp"
#include "description.hpp"
#include "files.hpp"
#include "generate.hpp"
#include "installation.hpp"
#include "process.hpp"
#include "registry.hpp"
#include "show.hpp"

namespace fata::tool {

namespace fs = std::filesystem;

namespace {

struct command_name {
  std::string_view word;
  command_kind kind;
};

constexpr command_name command_names[] = {
    {"configure", command_kind::configure}, {"build", command_kind::build},
    {"run", command_kind::run},             {"describe", command_kind::describe},
    {"query", command_kind::query},         {"clean", command_kind::clean},
    {"targets", command_kind::targets},     {"help", command_kind::help},
};

void say(std::string_view text) { std::fprintf(stderr, "fata: %.*s\n", static_cast<int>(text.size()), text.data()); }

void print_out(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

void print_err(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  if (!text.empty() && text.back() != '\n') std::fputc('\n', stderr);
}

int usage_error(std::string_view message) {
  std::fprintf(stderr, "fata: %.*s (see fata --help)\n", static_cast<int>(message.size()), message.data());
  return usage_status;
}

std::string human_size(std::uint64_t bytes) {
  if (bytes < 1024) return fata::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fata::format("{:.1f} KiB", static_cast<double>(bytes) / 1024);
  return fata::format("{:.1f} MiB", static_cast<double>(bytes) / (1024 * 1024));
}

// The bytes an ELF image occupies in memory (its PT_LOAD segments), or 0.
std::uint64_t loaded_size(const std::string& elf) {
  auto u16 = [&](std::size_t at) -> std::uint64_t {
    return at + 2 <= elf.size() ? (std::uint8_t(elf[at]) | std::uint64_t(std::uint8_t(elf[at + 1])) << 8) : 0;
  };
  auto u32 = [&](std::size_t at) -> std::uint64_t { return u16(at) | u16(at + 2) << 16; };
  auto u64 = [&](std::size_t at) -> std::uint64_t { return u32(at) | u32(at + 4) << 32; };
  if (elf.size() < 64 || elf.compare(0, 4, "\x7f" "ELF") != 0 || elf[4] != 2 || elf[5] != 1) return 0;
  const std::uint64_t phoff = u64(32), phentsize = u16(54), phnum = u16(56);
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < phnum; ++i) {
    const std::uint64_t at = phoff + i * phentsize;
    if (at + 56 > elf.size()) return 0;
    if (u32(at) == 1) total += u64(at + 40);  // PT_LOAD: p_memsz
  }
  return total;
}

struct session {
  arguments args;
  installation inst;
  fs::path dir;         // the unikernel's folder
  fs::path build_root;  // _build
  const target* tgt = nullptr;

  fs::path output_dir() const { return build_root / std::string(tgt->name()); }
  fs::path description_dir() const { return build_root / "description"; }
};

result<session, int> open_session(const arguments& args) {
  session s;
  s.args = args;
  auto inst = find_installation();
  if (!inst) {
    say(inst.error());
    return unexpected(1);
  }
  s.inst = std::move(*inst);
  std::error_code ec;
  fs::path dir = args.dir.empty() ? fs::current_path(ec) : fs::path(args.dir);
  dir = fs::absolute(dir, ec).lexically_normal();
  if (dir.has_filename() == false && dir.has_parent_path()) dir = dir.parent_path();
  if (!fs::is_regular_file(dir / "config.cpp", ec)) {
    usage_error(fata::format("no config.cpp in {}: run fata in a unikernel's folder, or give -C DIR",
                             dir.string()));
    return unexpected(usage_status);
  }
  s.dir = dir;
  s.build_root = args.build_dir.empty() ? dir / "_build" : fs::absolute(args.build_dir, ec).lexically_normal();

  std::string name = args.target;
  if (name.empty() && args.command != command_kind::configure) {
    if (auto last = read_file(s.build_root / "target")) {
      name = *last;
      while (!name.empty() && (name.back() == '\n' || name.back() == ' ')) name.pop_back();
    }
  }
  if (name.empty()) {
    const char* env = std::getenv("FATA_DEFAULT_TARGET");
    name = env && *env ? env : "hosted";
  }
  s.tgt = find_target(name);
  if (!s.tgt) {
    usage_error(fata::format("unknown target '{}' (targets: {})", name, target_names()));
    return unexpected(usage_status);
  }
  return s;
}

// --- the description program -------------------------------------------------

std::vector<fs::path> depfile_inputs(const fs::path& depfile, const fs::path& base) {
  std::vector<fs::path> out;
  auto text = read_file(depfile);
  if (!text) return out;
  std::string_view t = *text;
  const std::size_t colon = t.find(": ");
  if (colon == std::string_view::npos) return out;
  t = t.substr(colon + 2);
  std::string word;
  auto flush = [&] {
    if (!word.empty()) {
      fs::path p(word);
      out.push_back(p.is_relative() ? base / p : p);
      word.clear();
    }
  };
  for (std::size_t i = 0; i < t.size(); ++i) {
    const char c = t[i];
    if (c == '\\' && i + 1 < t.size() && t[i + 1] == ' ') {
      word += ' ';
      ++i;
    } else if (c == '\\' && i + 1 < t.size() && (t[i + 1] == '\n' || t[i + 1] == '\r')) {
      flush();
    } else if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  return out;
}

// True if `product` is missing or older than one of its inputs.
bool stale(const fs::path& product, const std::vector<fs::path>& inputs) {
  const long long made = modified_ns(product);
  if (made < 0) return true;
  for (const auto& in : inputs) {
    const long long m = modified_ns(in);
    if (m < 0 || m > made) return true;
  }
  return false;
}

std::vector<std::string> description_command(const session& s) {
  const fs::path out = s.description_dir();
  std::vector<std::string> cmd{s.inst.cxx_compiler, "-std=c++23", "-fno-exceptions", "-fno-rtti",
                               "-Wall", "-Wextra", "-fconcepts-diagnostics-depth=1", "-O0",
                               "-I" + s.dir.string()};
  for (const auto& inc : s.inst.include_dirs) cmd.push_back("-I" + inc.string());
  cmd.insert(cmd.end(), {"-MMD", "-MF", (out / "describe.d").string(), "config.cpp", "-o",
                         (out / "describe").string()});
  for (const auto& lib : s.inst.description_libraries) cmd.push_back(lib.string());
  return cmd;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// The location of the first "required from here" in g++'s output.
std::string where_required(std::string_view diagnostics) {
  constexpr std::string_view here = ":   required from here";
  const std::size_t h = diagnostics.find(here);
  if (h == std::string_view::npos) return "config.cpp";
  const std::size_t nl = diagnostics.rfind('\n', h);
  const std::size_t start = nl == std::string_view::npos ? 0 : nl + 1;
  return std::string(diagnostics.substr(start, h - start));
}

// The text between `open` and the next `close` after `at`.
std::string_view between(std::string_view text, std::size_t at, std::string_view close) {
  const std::size_t end = text.find(close, at);
  return end == std::string_view::npos ? std::string_view() : text.substr(at, end - at);
}

// When main<> rejects a device, a one-line summary of the compiler's
// message: which argument, what it is, which concept the unikernel needs.
std::optional<std::string> wrong_device_summary(std::string_view diagnostics) {
  constexpr std::string_view marker = "wrong_device_at_argument<";
  const std::size_t at = diagnostics.find(marker);
  if (at == std::string_view::npos) {
    // Several wrong devices: g++ names the first constraint that failed,
    // and the archetype given there.
    constexpr std::string_view satisfaction = "required for the satisfaction of ";
    const std::size_t s = diagnostics.find(satisfaction);
    if (s == std::string_view::npos) return std::nullopt;
    std::string_view rest = diagnostics.substr(s + satisfaction.size());
    // Skip the opening quote (' or the UTF-8 left single quote).
    while (!rest.empty() && !((rest[0] >= 'a' && rest[0] <= 'z') || rest[0] == '_')) rest.remove_prefix(1);
    const std::string_view concept_name = rest.substr(0, rest.find('<'));
    constexpr std::string_view archetype = "= fata::config::archetypes::";
    const std::size_t a = rest.find(archetype);
    const std::string_view given = a == std::string_view::npos ? std::string_view()
                                                               : between(rest, a + archetype.size(), "]");
    if (concept_name.empty() || given.empty()) return std::nullopt;
    return fata::format("{}: error: main<>: the unikernel's template needs a fata::sig::{} where a "
                        "{} device is given (and more devices are out of place)",
                        where_required(diagnostics), concept_name, given);
  }
  std::string_view rest = diagnostics.substr(at + marker.size());
  rest = rest.substr(0, rest.find('>'));
  std::vector<std::string_view> parts;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    std::string_view p = rest.substr(0, comma);
    while (!p.empty() && p.front() == ' ') p.remove_prefix(1);
    if (p.starts_with("fata::config::kinds::")) p.remove_prefix(21);
    parts.push_back(p);
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (parts.size() != 3) return std::nullopt;
  return fata::format("{}: error: main<>: argument {} is a {} device, but the unikernel's template "
                      "needs a fata::sig::{} there",
                      where_required(diagnostics), parts[0], parts[1], parts[2]);
}

result<fs::path, int> build_description_program(const session& s) {
  const fs::path out = s.description_dir();
  const fs::path exe = out / "describe";
  const auto cmd = description_command(s);
  const std::string cmd_text = joined(cmd);
  std::vector<fs::path> inputs = depfile_inputs(out / "describe.d", s.dir);
  inputs.push_back(s.dir / "config.cpp");
  for (const auto& lib : s.inst.description_libraries) inputs.push_back(lib);
  auto old_cmd = read_file(out / "describe.cmd");
  if (!stale(exe, inputs) && old_cmd && *old_cmd == cmd_text) return exe;

  std::error_code ec;
  fs::create_directories(out, ec);
  if (s.args.verbose) say(cmd_text);
  auto r = run_process(cmd, s.dir, output_mode::capture, output_mode::capture);
  if (!r) {
    say(r.error());
    return unexpected(1);
  }
  const std::string diagnostics = r->out + r->err;
  if (r->status != 0) {
    if (auto summary = wrong_device_summary(diagnostics)) print_err(*summary + "\n");
    print_err(diagnostics);
    say(fata::format("the description {} does not compile", (s.dir / "config.cpp").string()));
    fs::remove(exe, ec);
    return unexpected(1);
  }
  if (!diagnostics.empty()) print_err(diagnostics);
  if (auto w = write_file_if_changed(out / "describe.cmd", cmd_text); !w) {
    say(w.error());
    return unexpected(1);
  }
  return exe;
}

// What the description printed: the graph, and its warnings (shown once
// the graph fits the target, so that a usage error stays one line).
struct description_output {
  std::string graph;
  std::string warnings;
};

// Compiles (if needed) and runs the description for the session's target.
result<description_output, int> run_description(const session& s, const std::vector<std::string>& assignments) {
  auto exe = build_description_program(s);
  if (!exe) return unexpected(exe.error());
  std::string all_targets;
  for (const auto& t : targets()) all_targets += (all_targets.empty() ? "" : ",") + std::string(t->name());
  std::vector<std::string> cmd{exe->string(), "--target", std::string(s.tgt->name()),
                               "--source-dir", s.dir.string(), "--targets", all_targets};
  cmd.insert(cmd.end(), assignments.begin(), assignments.end());
  if (s.args.verbose) say(joined(cmd));
  auto r = run_process(cmd, s.dir, output_mode::capture, output_mode::capture);
  if (!r) {
    say(r.error());
    return unexpected(1);
  }
  if (r->status == usage_status) {
    print_err(r->err);
    return unexpected(usage_status);
  }
  if (r->status != 0) {
    print_err(r->err);
    say(fata::format("the description {} has errors", (s.dir / "config.cpp").string()));
    return unexpected(1);
  }
  return description_output{std::move(r->out), std::move(r->err)};
}

result<configuration, int> configuration_from(const session& s, std::string_view description_text,
                                              std::string_view warnings = {}) {
  auto desc = parse_description(description_text);
  if (!desc) {
    say(desc.error());
    return unexpected(1);
  }
  auto lib = s.tgt->library_build(s.inst);
  if (!lib) {
    say(lib.error());
    return unexpected(1);
  }
  auto c = resolve(std::move(*desc), *s.tgt, s.inst, s.output_dir(), *lib);
  if (!c) {
    if (c.error().status != usage_status) print_err(warnings);
    for (const auto& m : c.error().messages) print_err(m);
    return unexpected(c.error().status);
  }
  print_err(warnings);
  return std::move(*c);
}

// --- stored state ------------------------------------------------------------

struct stored_state {
  std::string description;
  std::vector<std::string> assignments;
};

std::optional<stored_state> load_state(const session& s) {
  auto text = read_file(s.output_dir() / "description.txt");
  auto conf = read_file(s.output_dir() / "configure.txt");
  if (!text || !conf) return std::nullopt;
  auto recs = records::parse(*conf);
  if (!recs) return std::nullopt;
  stored_state st;
  st.description = std::move(*text);
  for (const auto& r : *recs)
    if (r.type == "configure")
      for (auto a : r.all("assignment")) st.assignments.emplace_back(a);
  return st;
}

// True if config.cpp or anything it includes changed since the last
// configure, or the tool itself did (it generates differently).
bool description_changed(const session& s) {
  std::vector<fs::path> inputs = depfile_inputs(s.description_dir() / "describe.d", s.dir);
  inputs.push_back(s.dir / "config.cpp");
  for (const auto& lib : s.inst.description_libraries) inputs.push_back(lib);
  std::error_code ec;
  if (fs::path self = fs::read_symlink("/proc/self/exe", ec); !ec) inputs.push_back(self);
  return stale(s.output_dir() / "description.txt", inputs);
}

// --- commands ----------------------------------------------------------------

int configure_with(const session& s, const std::vector<std::string>& assignments) {
  auto text = run_description(s, assignments);
  if (!text) return text.error();
  auto c = configuration_from(s, text->graph, text->warnings);
  if (!c) return c.error();
  const fs::path out = s.output_dir();

  // A different fata build means a new CMake configuration.
  auto previous = read_file(out / "configure.txt");
  records::record conf{"configure", {}};
  conf.add("target", s.tgt->name());
  conf.add("library_build", c->library_build.string());
  conf.add("source_dir", s.dir.string());
  for (const auto& a : assignments) conf.add("assignment", a);
  const std::string conf_text = records::format(conf) + "\n";
  std::error_code ec;
  if (previous && *previous != conf_text) fs::remove_all(out / "cmake", ec);

  const std::pair<const char*, std::string> files[] = {
      {"main.cpp", generate_main(*c)},
      {"CMakeLists.txt", generate_cmake(*c)},
      {"description.txt", text->graph},
      {"configure.txt", conf_text},
  };
  for (const auto& [name, content] : files) {
    if (auto w = write_file_if_changed(out / name, content); !w) {
      say(w.error());
      return 1;
    }
  }
  // description.txt must look newer than the description's inputs even
  // when its content did not change.
  fs::last_write_time(out / "description.txt", fs::file_time_type::clock::now(), ec);
  (void)write_file_if_changed(s.build_root / "target", std::string(s.tgt->name()) + "\n");

  std::size_t used = 0;
  for (const auto& d : c->devices) used += d.used ? 1 : 0;
  say(fata::format("configured {} for {} in {} ({} device{}, {} runtime key{})", c->desc.name,
                   s.tgt->name(), shorten(out, fs::current_path(ec)).string(), used,
                   used == 1 ? "" : "s", c->keys.size(), c->keys.size() == 1 ? "" : "s"));
  return 0;
}

int cmd_configure(const session& s) { return configure_with(s, s.args.words); }

// The configuration of the last `fata configure`, reconfigured first if
// config.cpp changed since.
result<configuration, int> configured(const session& s, bool reconfigure_if_changed) {
  auto st = load_state(s);
  if (!st) {
    say(fata::format("{} is not configured for {} (run: fata configure -t {})", s.dir.string(),
                     s.tgt->name(), s.tgt->name()));
    return unexpected(1);
  }
  if (reconfigure_if_changed && description_changed(s)) {
    say("the description or the tool changed since fata configure: configuring again");
    if (int status = configure_with(s, st->assignments); status != 0) return unexpected(status);
    st = load_state(s);
    if (!st) return unexpected(1);
  }
  return configuration_from(s, st->description);
}

int cmd_build(const session& s) {
  auto c = configured(s, true);
  if (!c) return c.error();
  const fs::path out = s.output_dir();
  const fs::path cmake_dir = out / "cmake";
  std::error_code ec;
  if (!fs::exists(cmake_dir / "CMakeCache.txt", ec)) {
    std::vector<std::string> cmd{"cmake", "-S", out.string(), "-B", cmake_dir.string(), "-G", "Ninja",
                                 "-Dfata_DIR=" + c->library_build.string()};
    if (!s.inst.build_type.empty()) cmd.push_back("-DCMAKE_BUILD_TYPE=" + s.inst.build_type);
    if (!s.inst.crunch_tool.empty()) cmd.push_back("-DFATA_CRUNCH_TOOL=" + s.inst.crunch_tool.string());
    if (s.inst.sanitize) cmd.push_back("-DFATA_SANITIZE=ON");
    for (auto& a : s.tgt->cmake_arguments(s.inst)) cmd.push_back(std::move(a));
    if (s.args.verbose) say(joined(cmd));
    auto r = run_process(cmd, out, output_mode::capture, output_mode::capture);
    if (!r || r->status != 0) {
      if (r) print_err(r->out + r->err);
      else say(r.error());
      fs::remove(cmake_dir / "CMakeCache.txt", ec);
      say(fata::format("cannot configure the build of {} (CMake failed)", c->desc.name));
      return 1;
    }
    if (s.args.verbose) print_err(r->out + r->err);
  }
  const int jobs = s.args.jobs > 0 ? s.args.jobs : static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
  std::vector<std::string> cmd{"cmake", "--build", cmake_dir.string(), "-j", fata::format("{}", jobs > 0 ? jobs : 1)};
  if (s.args.verbose) say(joined(cmd));
  auto r = run_process(cmd, out, output_mode::capture, output_mode::capture);
  if (!r) {
    say(r.error());
    return 1;
  }
  const std::string log = r->out + r->err;
  if (r->status != 0) {
    print_err(log);
    say(fata::format("building {} failed", c->desc.name));
    return 1;
  }
  if (s.args.verbose || log.find("warning:") != std::string::npos) print_err(log);
  const fs::path image = s.tgt->image_file(*c);
  auto bytes = read_file(image);
  if (!bytes) {
    say(fata::format("the build did not produce {}", image.string()));
    return 1;
  }
  const std::uint64_t loaded = loaded_size(*bytes);
  say(fata::format("built {}: {} on disk{}", shorten(image, fs::current_path(ec)).string(),
                   human_size(bytes->size()),
                   loaded ? fata::format(", {} loaded (code and data)", human_size(loaded)) : std::string()));
  return 0;
}

int cmd_run(const session& s) {
  auto c = configured(s, false);
  if (!c) return c.error();
  std::error_code ec;
  const fs::path image = s.tgt->image_file(*c);
  if (!fs::exists(image, ec)) {
    say(fata::format("{} is not built for {} (run: fata build)", c->desc.name, s.tgt->name()));
    return 1;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  return s.tgt->run(*c, s.args.image_args);
}

// The configuration to show: the configured one unless KEY=VALUE are given
// or the description changed; else a fresh run of the description.
result<configuration, int> configuration_to_show(const session& s, const std::vector<std::string>& assignments) {
  if (assignments.empty()) {
    if (auto st = load_state(s); st && !description_changed(s)) return configuration_from(s, st->description);
  }
  auto text = run_description(s, assignments);
  if (!text) return unexpected(text.error());
  return configuration_from(s, text->graph, text->warnings);
}

int cmd_describe(const session& s) {
  auto c = configuration_to_show(s, s.args.words);
  if (!c) return c.error();
  const std::string text = s.args.dot ? describe_dot(*c) : describe_text(*c);
  if (s.args.output.empty()) {
    print_out(text);
    return 0;
  }
  if (auto w = write_file_if_changed(s.args.output, text); !w) {
    say(w.error());
    return 1;
  }
  return 0;
}

int cmd_query(const session& s) {
  std::vector<std::string> sections;
  std::vector<std::string> assignments;
  for (const auto& w : s.args.words) {
    if (w.find('=') != std::string::npos) {
      assignments.push_back(w);
      continue;
    }
    bool known = false;
    for (auto q : query_sections()) known = known || q == w;
    if (!known) {
      std::string list;
      for (auto q : query_sections()) list += (list.empty() ? "" : ", ") + std::string(q);
      return usage_error(fata::format("unknown query '{}' (one of: {})", w, list));
    }
    sections.push_back(w);
  }
  auto c = configuration_to_show(s, assignments);
  if (!c) return c.error();
  if (sections.size() == 1) {
    print_out(*query(*c, sections[0]));
    return 0;
  }
  if (sections.empty())
    for (auto q : query_sections()) sections.emplace_back(q);
  for (const auto& q : sections) {
    std::string body = *query(*c, q);
    std::string indented;
    std::string_view rest = body;
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      indented += "  " + std::string(rest.substr(0, nl)) + "\n";
      if (nl == std::string_view::npos) break;
      rest = rest.substr(nl + 1);
    }
    print_out(fata::format("{}:\n{}", q, indented));
  }
  return 0;
}

int cmd_clean(const session& s) {
  std::error_code ec;
  std::vector<fs::path> doomed;
  if (!s.args.target.empty()) {
    doomed.push_back(s.output_dir());
  } else {
    for (const auto& t : targets()) doomed.push_back(s.build_root / std::string(t->name()));
    doomed.push_back(s.description_dir());
    doomed.push_back(s.build_root / "target");
  }
  for (const auto& p : doomed) fs::remove_all(p, ec);
  // The build folder goes too when nothing else is in it.
  if (fs::is_directory(s.build_root, ec) && fs::is_empty(s.build_root, ec)) fs::remove(s.build_root, ec);
  return 0;
}

int cmd_targets() {
  for (const auto& t : targets()) print_out(fata::format("{:<10} {}\n", t->name(), t->summary()));
  return 0;
}

}  // namespace

std::string usage_text() {
  return "usage: fata [OPTIONS] COMMAND [KEY=VALUE...] [-- IMAGE-ARGS...]\n"
         "\n"
         "Builds a unikernel from the folder holding its config.cpp (the description)\n"
         "and its code.\n"
         "\n"
         "commands:\n"
         "  configure [KEY=VALUE...]  compile and run config.cpp for the target and generate\n"
         "                            the build in _build/TARGET; KEY=VALUE sets the default\n"
         "                            of a runtime key or picks a device (kv_ro=crunch)\n"
         "  build                     build the image and report its size\n"
         "  run [-- ARGS...]          run the image with the boot arguments ARGS\n"
         "  describe [--dot] [-o F]   print the device graph (--dot: Graphviz)\n"
         "  query [SECTION...]        what the configuration pulls in: name, target, image,\n"
         "                            devices, libraries, headers, files, keys\n"
         "  clean                     remove the build folder (one target's with -t)\n"
         "  targets                   list the targets\n"
         "\n"
         "options:\n"
         "  -t, --target TARGET       the target (default: the last configured, else hosted)\n"
         "  -C, --dir DIR             the unikernel's folder (default: the current folder)\n"
         "      --build-dir DIR       where builds go (default: DIR/_build)\n"
         "  -j, --jobs N              parallel build jobs\n"
         "  -o, --output FILE         describe: write to FILE\n"
         "      --dot                 describe: Graphviz output\n"
         "  -v, --verbose             show the commands run and their output\n"
         "  -h, --help                this help\n";
}

arguments parse_arguments(const std::vector<std::string>& argv, std::string* error) {
  arguments a;
  auto fail = [&](std::string message) {
    if (error->empty()) *error = std::move(message);
  };
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& w = argv[i];
    auto value = [&](std::string_view option) -> std::string {
      if (i + 1 >= argv.size()) {
        fail(fata::format("option {} needs a value", option));
        return {};
      }
      return argv[++i];
    };
    auto inline_value = [&](std::string_view prefix, std::string* out) {
      if (!w.starts_with(prefix)) return false;
      *out = w.substr(prefix.size());
      return true;
    };
    std::string v;
    if (w == "--") {
      a.image_args.assign(argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
      break;
    } else if (w == "-h" || w == "--help") {
      a.command = command_kind::help;
    } else if (w == "-t" || w == "--target") {
      a.target = value(w);
    } else if (inline_value("--target=", &a.target)) {
    } else if (w == "-C" || w == "--dir") {
      a.dir = value(w);
    } else if (inline_value("--dir=", &a.dir)) {
    } else if (w == "--build-dir") {
      a.build_dir = value(w);
    } else if (inline_value("--build-dir=", &a.build_dir)) {
    } else if (w == "-o" || w == "--output") {
      a.output = value(w);
    } else if (inline_value("--output=", &a.output)) {
    } else if (w == "--dot") {
      a.dot = true;
    } else if (w == "-v" || w == "--verbose") {
      a.verbose = true;
    } else if (w == "-j" || w == "--jobs" || inline_value("--jobs=", &v) || (w.starts_with("-j") && w.size() > 2)) {
      if (v.empty()) v = w.starts_with("-j") && w.size() > 2 ? w.substr(2) : value(w);
      int n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || end != v.data() + v.size() || n <= 0)
        fail(fata::format("invalid number of jobs '{}'", v));
      a.jobs = n;
    } else if (w.starts_with("-")) {
      fail(fata::format("unknown option '{}'", w));
    } else if (a.command == command_kind::none) {
      bool known = false;
      for (const auto& c : command_names) {
        if (c.word == w) {
          a.command = c.kind;
          known = true;
        }
      }
      if (!known) fail(fata::format("unknown command '{}' (configure, build, run, describe, query, clean, targets)", w));
    } else {
      a.words.push_back(w);
    }
  }
  if (!error->empty()) return a;
  if (a.command == command_kind::none) fail("no command given");
  const bool takes_words = a.command == command_kind::configure || a.command == command_kind::describe ||
                           a.command == command_kind::query;
  if (!takes_words && !a.words.empty()) fail(fata::format("unexpected argument '{}'", a.words.front()));
  if (a.command == command_kind::configure || a.command == command_kind::describe) {
    for (const auto& w : a.words)
      if (w.find('=') == std::string::npos || w.front() == '=')
        fail(fata::format("unexpected argument '{}' (expected KEY=VALUE)", w));
  }
  if (!a.image_args.empty() && a.command != command_kind::run)
    fail("arguments after -- are for fata run only");
  if ((a.dot || !a.output.empty()) && a.command != command_kind::describe)
    fail("--dot and --output are for fata describe only");
  return a;
}

int run_tool(const std::vector<std::string>& argv) {
  std::string error;
  const arguments args = parse_arguments(argv, &error);
  if (!error.empty()) return usage_error(error);
  if (args.command == command_kind::help) {
    print_out(usage_text());
    return 0;
  }
  if (args.command == command_kind::targets) return cmd_targets();
  auto s = open_session(args);
  if (!s) return s.error();
  switch (args.command) {
    case command_kind::configure: return cmd_configure(*s);
    case command_kind::build: return cmd_build(*s);
    case command_kind::run: return cmd_run(*s);
    case command_kind::describe: return cmd_describe(*s);
    case command_kind::query: return cmd_query(*s);
    case command_kind::clean: return cmd_clean(*s);
    default: return usage_error("no command given");
  }
}

}  // namespace fata::tool
