// fata-crunch: turns a host directory into a static library source for
// fata::devices::kv_crunch (MirageOS's crunch). A host build tool; see
// fata_crunch.cmake for how builds call it.
//
//   fata-crunch --name NAME --output DIR [--depfile FILE] ROOT
//
// writes
//   DIR/NAME.S                          the file bytes, one .incbin each
//   DIR/NAME.cpp                        the constant-initialised crunch_table
//   DIR/include/fata/crunched/NAME.hpp  declares fata::crunched::NAME
// and, with --depfile, a Ninja/Make depfile naming every file and
// directory read, so that the build reruns the tool when the tree changes.
//
// Which entries are taken is decided by the rule the host-directory store
// uses (platform/hosted/devices/host_tree.hpp), so a crunched tree and
// fata::hosted::kv_dir over the same directory agree on every key. A
// directory link that leads back to one of its own ancestors is left out
// (with a warning) instead of being followed forever.
#include <fata/devices/kv/digest.hpp>
#include <fata/devices/kv/key.hpp>

#include "host_tree.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using fata::hosted::detail::host_entry;
using fata::hosted::detail::host_kind;

struct node {
  std::string name;
  std::string key;        // canonical key
  std::string real_path;  // for .incbin and the depfile
  bool is_value = false;
  std::uint64_t size = 0;
  std::int64_t modified_ns = 0;
  fata::sig::kv_digest digest{};
  std::vector<std::unique_ptr<node>> children;  // sorted by name
  std::uint32_t index = 0;                      // in the table
  std::uint32_t first_child = 0;
};

struct generator {
  int root_fd = -1;
  std::string root_path;
  std::vector<std::string> inputs;  // for the depfile
  std::vector<std::pair<dev_t, ino_t>> ancestors;
  bool failed = false;

  void error(const std::string& what) {
    std::fprintf(stderr, "fata-crunch: %s\n", what.c_str());
    failed = true;
  }
  void warn(const std::string& what) { std::fprintf(stderr, "fata-crunch: warning: %s\n", what.c_str()); }
};

std::string display(const generator& g, std::string_view key) {
  return g.root_path + "/" + std::string(key);
}

// The path an open descriptor really refers to (links resolved), so that
// the assembler reads the very file that was hashed.
std::string real_path_of(int fd) {
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  std::string out(4096, '\0');
  const ssize_t n = ::readlink(link, out.data(), out.size());
  if (n <= 0) return {};
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string join(std::string_view parent, std::string_view name) {
  std::string k(parent);
  if (!k.empty()) k += '/';
  k.append(name);
  return k;
}

bool hash_file(generator& g, node& n) {
  const int fd = fata::hosted::detail::open_beneath(g.root_fd, n.key, O_RDONLY | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    g.error("cannot open " + display(g, n.key) + ": " + std::strerror(-fd));
    return false;
  }
  n.real_path = real_path_of(fd);
  fata::devices::kv::sha256 hash;
  std::vector<char> chunk(1 << 16);
  std::uint64_t total = 0;
  for (;;) {
    const ssize_t r = ::read(fd, chunk.data(), chunk.size());
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      g.error("cannot read " + display(g, n.key) + ": " + std::strerror(errno));
      ::close(fd);
      return false;
    }
    if (r == 0) break;
    hash.update(fata::bytes(chunk.data(), static_cast<std::size_t>(r)));
    total += static_cast<std::uint64_t>(r);
  }
  ::close(fd);
  if (total != n.size) {
    g.error(display(g, n.key) + " changed while it was read");
    return false;
  }
  n.digest = hash.finish();
  return true;
}

// Fills dictionary `dir` (already classified) with its members, recursively.
void walk(generator& g, node& dir, const host_entry& self) {
  const int fd = fata::hosted::detail::open_beneath(g.root_fd, dir.key, O_RDONLY | O_DIRECTORY);
  if (fd < 0) {
    g.error("cannot open " + display(g, dir.key) + ": " + std::strerror(-fd));
    return;
  }
  dir.real_path = real_path_of(fd);
  g.inputs.push_back(dir.real_path);
  DIR* d = ::fdopendir(fd);
  if (!d) {
    ::close(fd);
    g.error("cannot list " + display(g, dir.key));
    return;
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view name(e->d_name);
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());

  g.ancestors.emplace_back(self.device, self.inode);
  for (const std::string& name : names) {
    const std::string key = join(dir.key, name);
    if (key.size() > fata::devices::kv::max_key_size) {
      g.warn("skipping " + display(g, key) + ": path longer than a key may be");
      continue;
    }
    const host_entry e = fata::hosted::detail::stat_beneath(g.root_fd, key);
    if (e.kind == host_kind::error) {
      g.error("cannot examine " + display(g, key));
      continue;
    }
    if (e.kind != host_kind::value && e.kind != host_kind::dictionary) continue;
    if (e.kind == host_kind::dictionary &&
        std::find(g.ancestors.begin(), g.ancestors.end(), std::make_pair(e.device, e.inode)) !=
            g.ancestors.end()) {
      g.warn("skipping " + display(g, key) + ": a link back to one of its parent directories");
      continue;
    }
    auto child = std::make_unique<node>();
    child->name = name;
    child->key = key;
    child->modified_ns = e.modified_ns;
    if (e.kind == host_kind::value) {
      child->is_value = true;
      child->size = e.size;
      if (!hash_file(g, *child)) continue;
      g.inputs.push_back(display(g, key));
      if (child->real_path != display(g, key)) g.inputs.push_back(child->real_path);
    } else {
      walk(g, *child, e);
    }
    dir.children.push_back(std::move(child));
  }
  g.ancestors.pop_back();

  fata::devices::kv::dictionary_digest digest;
  for (const auto& c : dir.children)
    digest.add(c->name, c->is_value ? fata::sig::kv_kind::value : fata::sig::kv_kind::dictionary,
               c->digest);
  dir.digest = digest.finish();
}

// Breadth-first order: each dictionary's children are contiguous.
std::vector<node*> layout(node& root) {
  std::vector<node*> order{&root};
  for (std::size_t i = 0; i < order.size(); ++i) {
    node* n = order[i];
    n->index = static_cast<std::uint32_t>(i);
    n->first_child = static_cast<std::uint32_t>(order.size());
    for (auto& c : n->children) order.push_back(c.get());
  }
  return order;
}

// A C++ string literal holding exactly `s` (octal escapes for anything but
// plain printable characters; octal cannot run into the next character
// the way hex escapes do, as it stops after three digits).
std::string cpp_literal(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '?') {
      out += static_cast<char>(c);
    } else {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\%03o", c);
      out += esc;
    }
  }
  out += '"';
  return out;
}

// A path as an assembler string ("\\" and "\"" escaped). Paths with
// control characters are refused by the caller.
std::string asm_literal(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

bool has_control_characters(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; });
}

// Make's and Ninja's depfile escaping.
std::string depfile_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '#' || c == '\\') out += '\\';
    if (c == '$') out += '$';
    out += c;
  }
  return out;
}

bool write_file(const std::string& path, const std::string& text, bool only_if_changed) {
  if (only_if_changed) {
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      std::string old;
      char buf[4096];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) old.append(buf, n);
      std::fclose(f);
      if (old == text) return true;
    }
  }
  const std::string temporary = path + ".tmp";
  FILE* f = std::fopen(temporary.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok) return false;
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

bool make_dirs(const std::string& path) {
  std::string at;
  for (std::size_t i = 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == '/') {
      if (!at.empty() && ::mkdir(at.c_str(), 0777) != 0 && errno != EEXIST) return false;
    }
    if (i < path.size()) at += path[i];
  }
  return true;
}

bool valid_identifier(std::string_view s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

int usage() {
  std::fprintf(stderr, "usage: fata-crunch --name NAME --output DIR [--depfile FILE] ROOT\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name, output, depfile, root;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg(argv[i]);
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    if (arg == "--name") {
      if (!value(name)) return usage();
    } else if (arg == "--output") {
      if (!value(output)) return usage();
    } else if (arg == "--depfile") {
      if (!value(depfile)) return usage();
    } else if (!arg.empty() && arg[0] != '-' && root.empty()) {
      root = std::string(arg);
    } else {
      return usage();
    }
  }
  if (name.empty() || output.empty() || root.empty()) return usage();
  if (!valid_identifier(name)) {
    std::fprintf(stderr, "fata-crunch: --name must be a C identifier, not '%s'\n", name.c_str());
    return 64;
  }

  generator g;
  g.root_fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (g.root_fd < 0) {
    std::fprintf(stderr, "fata-crunch: cannot open directory %s: %s\n", root.c_str(), std::strerror(errno));
    return 1;
  }
  g.root_path = real_path_of(g.root_fd);
  const host_entry root_entry = fata::hosted::detail::stat_beneath(g.root_fd, "");
  node tree;
  tree.modified_ns = root_entry.modified_ns;
  walk(g, tree, root_entry);
  if (g.failed) return 1;

  const std::vector<node*> order = layout(tree);
  std::uint64_t total_bytes = 0;
  std::size_t values = 0;
  for (const node* n : order) {
    if (!n->is_value) continue;
    ++values;
    total_bytes += n->size;
    if (has_control_characters(n->real_path)) {
      std::fprintf(stderr, "fata-crunch: cannot embed %s: control characters in its path\n",
                   n->real_path.c_str());
      return 1;
    }
  }
  const std::string symbol_prefix = "fata_crunch_" + name + "_";

  // The bytes: one read-only symbol per value.
  std::string s;
  s += "/* Generated by fata-crunch. Do not edit. */\n";
  s += "\t.section .rodata.fata_crunch." + name + ",\"a\",@progbits\n";
  for (const node* n : order) {
    if (!n->is_value) continue;
    const std::string sym = symbol_prefix + std::to_string(n->index);
    s += "\t.balign 16\n\t.globl " + sym + "\n\t.type " + sym + ", @object\n";
    s += sym + ":\n\t.incbin " + asm_literal(n->real_path) + "\n";
    s += "\t.size " + sym + ", . - " + sym + "\n";
  }
  s += "\t.section .note.GNU-stack,\"\",@progbits\n";

  // The table.
  std::string c;
  c += "// Generated by fata-crunch. Do not edit.\n";
  c += "// " + std::to_string(values) + " values, " + std::to_string(order.size() - values) +
       " dictionaries, " + std::to_string(total_bytes) + " bytes.\n";
  c += "#include <fata/crunched/" + name + ".hpp>\n\n#include <cstddef>\n#include <string_view>\n\n";
  c += "extern \"C\" {\n";
  for (const node* n : order)
    if (n->is_value) c += "extern const std::byte " + symbol_prefix + std::to_string(n->index) + "[];\n";
  c += "}\n\nnamespace {\n\nconstinit const fata::devices::crunch_entry entries[] = {\n";
  for (const node* n : order) {
    c += "    {std::string_view(" + cpp_literal(n->name) + ", " + std::to_string(n->name.size()) + "), ";
    if (n->is_value) {
      c += "fata::sig::kv_kind::value, 0, 0, " + symbol_prefix + std::to_string(n->index) + ", " +
           std::to_string(n->size) + "u, ";
    } else {
      c += "fata::sig::kv_kind::dictionary, " + std::to_string(n->first_child) + ", " +
           std::to_string(n->children.size()) + ", nullptr, 0, ";
    }
    c += std::to_string(n->modified_ns) + ", {{";
    for (std::size_t i = 0; i < n->digest.size(); ++i) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "%s0x%02x", i ? "," : "", n->digest[i]);
      c += hex;
    }
    c += "}}},\n";
  }
  c += "};\n\n}  // namespace\n\nnamespace fata::crunched {\n\n";
  c += "constinit const fata::devices::crunch_table " + name + "{std::string_view(" +
       cpp_literal(name) + "), entries, " + std::to_string(order.size()) + "};\n\n";
  c += "}  // namespace fata::crunched\n";

  std::string h;
  h += "// Generated by fata-crunch. Do not edit.\n#pragma once\n\n";
  h += "#include <fata/devices/kv_crunch.hpp>\n\nnamespace fata::crunched {\n\n";
  h += "// The tree crunched from " + g.root_path + ", for fata::devices::kv_crunch.\n";
  h += "extern const fata::devices::crunch_table " + name + ";\n\n}  // namespace fata::crunched\n";

  const std::string header_dir = output + "/include/fata/crunched";
  if (!make_dirs(header_dir)) {
    std::fprintf(stderr, "fata-crunch: cannot create %s\n", header_dir.c_str());
    return 1;
  }
  const std::string cpp_path = output + "/" + name + ".cpp";
  // The assembly is rewritten even when its text is unchanged: the
  // assembler must rerun when only the bytes of an embedded file changed.
  const bool written = write_file(output + "/" + name + ".S", s, false) &&
                       write_file(cpp_path, c, false) &&
                       write_file(header_dir + "/" + name + ".hpp", h, true);
  if (!written) {
    std::fprintf(stderr, "fata-crunch: cannot write into %s\n", output.c_str());
    return 1;
  }
  if (!depfile.empty()) {
    std::string d = depfile_escape(cpp_path) + ":";
    for (const std::string& in : g.inputs) d += " \\\n  " + depfile_escape(in);
    d += "\n";
    if (!write_file(depfile, d, false)) {
      std::fprintf(stderr, "fata-crunch: cannot write %s\n", depfile.c_str());
      return 1;
    }
  }
  return 0;
}
