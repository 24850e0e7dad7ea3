#include "show.hpp"

#include <optional>

#include <fata/core/fmt.hpp>

#include "generate.hpp"

namespace fata::tool {

namespace {

std::string device_line(const resolved_device& d) {
  const auto& n = *d.node;
  if (!d.impl) return fata::format("{}: no implementation on this target", n.label());
  return fata::format("{}: {} ({}{})", n.label(), d.type, d.impl->choice,
                      d.choices.size() > 1 ? fata::format(", {}", d.chosen_by) : std::string());
}

std::string key_line(const resolved_key& k) {
  if (k.required) return fata::format("--{}={} (required)", k.name, k.type_name);
  return fata::format("--{}={} [{}]", k.name, k.type_name, k.default_text);
}

void tree(std::string& out, const configuration& c, std::uint32_t id, const std::string& prefix,
          bool last) {
  const auto& d = c.devices[id];
  fata::format_append(out, "{}{}{}  {}\n", prefix, last ? "`-- " : "|-- ", device_line(d),
                      d.node->position.text());
  const std::string inner = prefix + (last ? "    " : "|   ");
  for (auto k : d.keys) fata::format_append(out, "{}    {}\n", inner, key_line(c.keys[k]));
  if (!d.impl->uses_dependencies) return;
  const auto& deps = d.node->dependencies;
  for (std::size_t i = 0; i < deps.size(); ++i) tree(out, c, deps[i], inner, i + 1 == deps.size());
}

std::string dot_id(std::string_view text) {
  std::string out = "\"";
  for (char ch : text) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (ch == '\n') {
      out += "\\n";
      continue;
    }
    out += ch;
  }
  return out + "\"";
}

}  // namespace

std::string describe_text(const configuration& c) {
  const auto& d = c.desc;
  std::string out;
  fata::format_append(out, "{} for {}: {} from {}  {}\n", d.name, c.tgt->name(), d.unikernel,
                      d.header, d.job_position.text());
  if (!d.summary.empty()) fata::format_append(out, "  {}\n", d.summary);
  for (std::size_t i = 0; i < d.arguments.size(); ++i) {
    const auto& a = d.arguments[i];
    const bool last = i + 1 == d.arguments.size();
    if (a.is_key) {
      const auto& k = c.keys[a.id];
      fata::format_append(out, "{}key {} {}  {}\n", last ? "`-- " : "|-- ", key_line(k), k.doc,
                          k.declared_by);
    } else {
      tree(out, c, a.id, "", last);
    }
  }
  bool unused = false;
  for (const auto& dev : c.devices) {
    if (dev.used) continue;
    if (!unused) out += "not used (left out of the image):\n";
    unused = true;
    fata::format_append(out, "    {}  {}\n", device_line(dev), dev.node->position.text());
  }
  if (!c.keys.empty()) {
    out += "runtime keys:\n";
    for (const auto& k : c.keys)
      fata::format_append(out, "    {}  {}  ({})\n", key_line(k), k.doc, k.declared_by);
  }
  return out;
}

std::string describe_dot(const configuration& c) {
  const auto& d = c.desc;
  std::string out;
  fata::format_append(out, "digraph {} {{\n  rankdir=BT;\n  node [shape=box, fontname=\"monospace\"];\n",
                      dot_id(d.name));
  fata::format_append(out, "  job [shape=doubleoctagon, label={}];\n",
                      dot_id(fata::format("{}\n{}\n{}", d.name, d.unikernel, d.header)));
  for (std::size_t i = 0; i < c.devices.size(); ++i) {
    const auto& dev = c.devices[i];
    const std::string label =
        dev.impl ? fata::format("{}\n{} -> {}\n{}", dev.node->label(), dev.node->signature,
                                dev.impl->choice, dev.type)
                 : fata::format("{}\n{}", dev.node->label(), dev.node->signature);
    fata::format_append(out, "  device_{} [label={}{}];\n", i, dot_id(label),
                        dev.used ? "" : ", style=dashed");
    for (auto dep : dev.node->dependencies)
      fata::format_append(out, "  device_{} -> device_{}{};\n", dep, i,
                          dev.used && dev.impl->uses_dependencies ? "" : " [style=dashed]");
  }
  for (std::size_t i = 0; i < c.keys.size(); ++i) {
    const auto& k = c.keys[i];
    fata::format_append(out, "  key_{} [shape=ellipse, label={}];\n", i,
                        dot_id(fata::format("--{}\n{} = {}", k.name, k.cpp_type, k.default_text)));
  }
  for (std::size_t i = 0; i < c.devices.size(); ++i)
    for (auto k : c.devices[i].keys) fata::format_append(out, "  key_{} -> device_{};\n", k, i);
  for (std::size_t i = 0; i < d.arguments.size(); ++i) {
    const auto& a = d.arguments[i];
    fata::format_append(out, "  {}_{} -> job [label=\"{}\"];\n", a.is_key ? "key" : "device", a.id, i + 1);
  }
  out += "}\n";
  return out;
}

std::vector<std::string_view> query_sections() {
  return {"name", "target", "image", "devices", "libraries", "headers", "files", "keys"};
}

std::optional<std::string> query(const configuration& c, std::string_view section) {
  std::string out;
  if (section == "name") {
    out = c.desc.name + "\n";
  } else if (section == "target") {
    out = std::string(c.tgt->name()) + "\n";
  } else if (section == "image") {
    out = c.tgt->image_file(c).string() + "\n";
  } else if (section == "devices") {
    for (const auto& d : c.devices) {
      if (!d.used) continue;
      fata::format_append(out, "{} {} {} {} {}\n", d.node->signature, d.node->name,
                          d.node->combinator, d.impl->choice, d.type);
    }
  } else if (section == "libraries") {
    for (const auto& l : c.libraries) out += l + "\n";
  } else if (section == "headers") {
    for (const auto& h : c.headers) out += h + "\n";
  } else if (section == "files") {
    for (const auto& f : c.generated_files()) out += (c.output_dir / f).string() + "\n";
  } else if (section == "keys") {
    for (const auto& k : c.keys) out += key_line(k) + "\n";
  } else {
    return std::nullopt;
  }
  return out;
}

}  // namespace fata::tool
