#include "configuration.hpp"

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include <fata/core/addr.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/keys.hpp>

#include "files.hpp"

namespace fata::tool {

namespace fs = std::filesystem;

std::vector<std::string> configuration::generated_files() const {
  return {"main.cpp", "CMakeLists.txt", "description.txt", "configure.txt"};
}

namespace {

void add_unique(std::vector<std::string>& list, std::string_view item) {
  if (std::find(list.begin(), list.end(), item) == list.end()) list.emplace_back(item);
}

bool on_target(const device_impl& impl, std::string_view target) {
  return impl.targets.empty() ||
         std::find(impl.targets.begin(), impl.targets.end(), target) != impl.targets.end();
}

bool default_for(const device_impl& impl, std::string_view target) {
  return std::find(impl.default_for.begin(), impl.default_for.end(), target) != impl.default_for.end();
}

// A placeholder's value, before quoting; nullopt if unknown.
std::optional<std::string> placeholder(std::string_view what, const configuration& c,
                                       const resolved_device& d) {
  const device_node& n = *d.node;
  if (what == "name") return n.name;
  if (what == "ident") return c_identifier(n.name);
  if (what == "var") return d.variable;
  if (what == "source_dir") return c.source_dir.string();
  if (what.starts_with("param:")) return std::string(n.param(what.substr(6)));
  if (what.starts_with("path:")) {
    fs::path p(n.param(what.substr(5)));
    if (p.is_relative()) p = c.source_dir / p;
    return p.lexically_normal().string();
  }
  // {dep:N} and {dep_type:N}: the N-th dependency's variable, or type.
  const bool dep_type = what.starts_with("dep_type:");
  if (dep_type || what.starts_with("dep:")) {
    std::size_t index = 0;
    const std::string_view digits = what.substr(what.find(':') + 1);
    std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (index >= n.dependencies.size()) return std::nullopt;
    const resolved_device& dep = c.devices[n.dependencies[index]];
    return dep_type ? dep.type : dep.variable;
  }
  if (what.starts_with("key:")) {
    const std::string_view label = what.substr(4);
    for (std::size_t i = 0; i < d.impl->keys.size() && i < d.keys.size(); ++i)
      if (d.impl->keys[i].label == label) return "*" + c.keys[d.keys[i]].variable;
    return std::nullopt;
  }
  return std::nullopt;
}

// Expands with the keys' values instead of their variables (for key
// defaults and docs, which are known at configure time).
std::string expand_text(std::string_view text, const configuration& c, const resolved_device& d) {
  return expand(text, c, d);
}

template <class T>
std::optional<std::string> parse_error(std::string_view text) {
  auto v = key_codec<T>::parse(text);
  if (v) return std::nullopt;
  return v.error();
}

// Why `text` is not a value of the C++ type `cpp_type` (for the types a
// device key may have); nullopt if it is, or if the type is not known here
// (the image checks it when it starts).
std::optional<std::string> invalid_value(std::string_view cpp_type, std::string_view text) {
  // A list (LIST keys): each comma-separated item a value of the item type,
  // as key_codec<std::vector<T>> reads it.
  if (cpp_type.starts_with("std::vector<") && cpp_type.ends_with(">")) {
    const std::string_view item_type = cpp_type.substr(12, cpp_type.size() - 13);
    for (std::size_t item = 1; !text.empty(); ++item) {
      const std::size_t comma = text.find(',');
      if (auto why = invalid_value(item_type, text.substr(0, comma)))
        return fata::format("item {}: {}", item, *why);
      if (comma == std::string_view::npos) break;
      text.remove_prefix(comma + 1);
    }
    return std::nullopt;
  }
  if (cpp_type == "bool") return parse_error<bool>(text);
  if (cpp_type == "int") return parse_error<int>(text);
  if (cpp_type == "unsigned int") return parse_error<unsigned>(text);
  if (cpp_type == "std::uint16_t") return parse_error<std::uint16_t>(text);
  if (cpp_type == "std::uint32_t") return parse_error<std::uint32_t>(text);
  if (cpp_type == "std::uint64_t" || cpp_type == "std::size_t") return parse_error<std::uint64_t>(text);
  if (cpp_type == "fata::duration") return parse_error<duration>(text);
  if (cpp_type == "fata::port") return parse_error<port>(text);
  if (cpp_type == "fata::ipv4_addr") return parse_error<ipv4_addr>(text);
  if (cpp_type == "fata::ipv4_prefix") return parse_error<ipv4_prefix>(text);
  if (cpp_type == "fata::net::ipv4_assignment")
    return text == "dhcp" ? std::nullopt : parse_error<ipv4_prefix>(text);
  if (cpp_type == "fata::ipv6_addr") return parse_error<ipv6_addr>(text);
  if (cpp_type == "fata::ip_addr") return parse_error<ip_addr>(text);
  if (cpp_type == "fata::net::ipv6_assignment")
    return text == "auto" || text == "none" ? std::nullopt : parse_error<ipv6_prefix>(text);
  if (cpp_type == "fata::ipv6_prefix") return parse_error<ipv6_prefix>(text);
  if (cpp_type == "fata::mac_addr") return parse_error<mac_addr>(text);
  return std::nullopt;
}

}  // namespace

std::string expand(std::string_view code, const configuration& c, const resolved_device& d) {
  std::string out;
  while (!code.empty()) {
    const std::size_t open = code.find('{');
    if (open == std::string_view::npos) {
      out += code;
      break;
    }
    out += code.substr(0, open);
    const std::size_t close = code.find('}', open);
    if (close == std::string_view::npos) {
      out += code.substr(open);
      break;
    }
    std::string_view what = code.substr(open + 1, close - open - 1);
    enum { raw, cpp, cmake } quote = raw;
    if (what.starts_with("cpp:")) { quote = cpp; what.remove_prefix(4); }
    else if (what.starts_with("cmake:")) { quote = cmake; what.remove_prefix(6); }
    auto value = placeholder(what, c, d);
    if (!value) {
      // Not a placeholder (a brace of the code itself): keep it.
      out += code.substr(open, 1);
      code = code.substr(open + 1);
      continue;
    }
    out += quote == cpp ? cpp_string(*value) : quote == cmake ? cmake_string(*value) : *value;
    code = code.substr(close + 1);
  }
  return out;
}

result<configuration, resolve_failure> resolve(description desc, const target& tgt,
                                               const installation& inst, fs::path output_dir,
                                               fs::path library_build) {
  configuration c;
  c.inst = inst;
  c.tgt = &tgt;
  c.desc = std::move(desc);
  c.source_dir = c.desc.source_dir;
  c.output_dir = std::move(output_dir);
  c.library_build = std::move(library_build);
  resolve_failure failure;
  const std::string_view target_name = tgt.name();

  // Configure-time options: choice keys first, then device keys.
  std::vector<std::pair<std::string, std::string>> options = c.desc.options;
  std::vector<bool> option_used(options.size(), false);
  std::set<std::string, std::less<>> choice_keys;
  for (const auto& impl : device_table())
    if (!impl.choice_key.empty()) choice_keys.insert(std::string(impl.choice_key));

  c.devices.resize(c.desc.devices.size());
  std::vector<std::pair<std::size_t, std::string>> missing;
  for (std::size_t i = 0; i < c.desc.devices.size(); ++i) {
    const device_node& n = c.desc.devices[i];
    resolved_device& d = c.devices[i];
    d.node = &n;
    d.variable = fata::format("device_{}", i);
    std::vector<const device_impl*> candidates;
    bool exists_elsewhere = false;
    for (const auto& impl : device_table()) {
      if (impl.combinator != n.combinator) continue;
      if (on_target(impl, target_name)) {
        candidates.push_back(&impl);
        d.choices.emplace_back(impl.choice);
      } else {
        exists_elsewhere = true;
      }
    }
    if (candidates.empty()) {
      // An error only if the image needs the device (see below).
      missing.emplace_back(i, fata::format(
          "{}: error: {}: {}", n.position.text(), n.label(),
          exists_elsewhere ? fata::format("not available on target '{}'", target_name)
                           : fata::format("no implementation of {} in the device table",
                                          n.combinator)));
      continue;
    }
    // An explicit choice: KEY:NAME=CHOICE, then KEY=CHOICE.
    const std::string_view key = candidates.front()->choice_key;
    const device_impl* chosen = nullptr;
    if (!key.empty()) {
      const std::string instance_key = fata::format("{}:{}", key, n.name);
      for (const std::string& wanted : {instance_key, std::string(key)}) {
        for (std::size_t o = 0; o < options.size() && !chosen; ++o) {
          if (options[o].first != wanted) continue;
          option_used[o] = true;
          for (const auto* impl : candidates)
            if (impl->choice == options[o].second) chosen = impl;
          if (!chosen) {
            std::string list;
            for (const auto& ch : d.choices) list += (list.empty() ? "" : ", ") + ch;
            failure.status = 64;
            failure.messages.push_back(fata::format(
                "fata: unknown choice '{}' for {} (on {}: {})", options[o].second, wanted,
                target_name, list));
            chosen = candidates.front();
          } else {
            d.chosen_by = fata::format("{}={}", wanted, options[o].second);
          }
        }
        if (chosen) break;
      }
    }
    if (!chosen) {
      for (const auto* impl : candidates)
        if (default_for(*impl, target_name)) chosen = impl;
      if (chosen) d.chosen_by = fata::format("default on {}", target_name);
    }
    if (!chosen) {
      for (const auto* impl : candidates)
        if (default_for(*impl, "*")) chosen = impl;
      if (chosen) d.chosen_by = "default";
    }
    if (!chosen && candidates.size() == 1) {
      chosen = candidates.front();
      d.chosen_by = "only choice";
    }
    if (!chosen) {
      failure.messages.push_back(fata::format("{}: error: {}: several implementations on '{}' and "
                                              "none is the default; choose one with {}=CHOICE",
                                              n.position.text(), n.label(), target_name, key));
      continue;
    }
    d.impl = chosen;
  }
  if (!failure.messages.empty()) return unexpected(std::move(failure));

  // What the job needs. A device the image does not need may lack an
  // implementation on this target (an alternative for another target).
  std::vector<std::uint32_t> pending;
  for (const auto& a : c.desc.arguments)
    if (!a.is_key) pending.push_back(a.id);
  while (!pending.empty()) {
    const auto id = pending.back();
    pending.pop_back();
    if (c.devices[id].used) continue;
    c.devices[id].used = true;
    if (!c.devices[id].impl) continue;
    if (c.devices[id].impl->uses_dependencies)
      for (auto dep : c.desc.devices[id].dependencies) pending.push_back(dep);
  }
  for (const auto& [id, message] : missing)
    if (c.devices[id].used) failure.messages.push_back(message);
  if (!failure.messages.empty()) return unexpected(std::move(failure));

  // Runtime keys: the description's, then the devices'.
  for (const auto& k : c.desc.keys) {
    resolved_key r;
    r.name = k.name;
    r.cpp_type = k.cpp_type;
    r.type_name = k.type_name;
    r.default_text = k.default_text;
    r.doc = k.doc;
    r.group = "APPLICATION";
    r.from_description = true;
    r.required = k.required;
    r.configured = k.configured;
    r.declared_by = k.position.text();
    r.variable = fata::format("key_{}", c.keys.size());
    c.keys.push_back(std::move(r));
  }
  for (auto& d : c.devices) {
    if (!d.used) continue;
    for (const auto& kt : d.impl->keys) {
      resolved_key r;
      r.cpp_type = kt.cpp_type;
      r.type_name = kt.type_name;
      r.group = kt.group;
      r.declared_by = d.node->label();
      r.variable = fata::format("key_{}", c.keys.size());
      r.name = expand_text(kt.name, c, d);
      r.default_text = expand_text(kt.default_value, c, d);
      r.doc = expand_text(kt.doc, c, d);
      for (const auto& other : c.keys) {
        if (other.name == r.name) {
          failure.messages.push_back(fata::format(
              "{}: error: {}: its runtime key --{} is already declared by {}",
              d.node->position.text(), d.node->label(), r.name, other.declared_by));
        }
      }
      d.keys.push_back(c.keys.size());
      c.keys.push_back(std::move(r));
    }
  }
  if (!failure.messages.empty()) return unexpected(std::move(failure));

  // The remaining options set device keys' defaults.
  for (std::size_t o = 0; o < options.size(); ++o) {
    if (option_used[o]) {
      c.options.push_back(fata::format("{}={}", options[o].first, options[o].second));
      continue;
    }
    bool found = false;
    for (auto& k : c.keys) {
      if (k.name != options[o].first || k.from_description) continue;
      if (auto why = invalid_value(k.cpp_type, options[o].second)) {
        failure.status = 64;
        failure.messages.push_back(fata::format("fata: invalid value '{}' for key '{}' ({}): {}",
                                                options[o].second, k.name, k.declared_by, *why));
      }
      k.default_text = options[o].second;
      k.configured = true;
      found = true;
    }
    if (found) {
      c.options.push_back(fata::format("{}={}", options[o].first, options[o].second));
      continue;
    }
    std::string known;
    for (const auto& k : c.keys) known += (known.empty() ? "" : ", ") + k.name;
    for (const auto& ck : choice_keys) known += (known.empty() ? "" : ", ") + ck;
    failure.status = 64;
    failure.messages.push_back(fata::format("fata: unknown configuration key '{}' (known: {})",
                                            options[o].first, known.empty() ? "none" : known));
  }
  if (!failure.messages.empty()) return unexpected(std::move(failure));

  // In the description's order, which puts every device after its
  // dependencies: a {dep_type:N} is expanded when it is read.
  for (auto& d : c.devices) {
    if (d.impl) d.type = expand(d.impl->type, c, d);
    if (!d.used) continue;
    d.make = expand(d.impl->make, c, d);
    d.cmake = expand(d.impl->cmake, c, d);
    d.at_exit = expand(d.impl->at_exit, c, d);
    d.ready = expand(d.impl->ready, c, d);
  }

  for (const auto& lib : tgt.base_libraries()) add_unique(c.libraries, lib);
  for (const auto& d : c.devices) {
    if (!d.used) continue;
    for (auto lib : d.impl->libraries) add_unique(c.libraries, expand(lib, c, d));
    for (auto h : d.impl->headers) add_unique(c.headers, expand(h, c, d));
    for (auto l : d.impl->languages) add_unique(c.languages, l);
  }
  for (const auto& lib : c.desc.libraries) add_unique(c.libraries, lib);
  return c;
}

}  // namespace fata::tool
