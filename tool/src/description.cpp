#include "description.hpp"

#include <charconv>

#include <fata/core/fmt.hpp>

#include "../common/records.hpp"

namespace fata::tool {

std::string source_position::text() const {
  if (line == 0) return file;
  return fata::format("{}:{}:{}", file, line, column);
}

std::string_view device_node::param(std::string_view key) const {
  for (const auto& [k, v] : params)
    if (k == key) return v;
  return {};
}

std::string device_node::label() const { return fata::format("{} \"{}\"", combinator, name); }

namespace {

unsigned to_unsigned(std::string_view s) {
  unsigned v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

source_position position_of(const records::record& r) {
  return source_position{std::string(r.get("file")), to_unsigned(r.get("line")),
                         to_unsigned(r.get("column"))};
}

}  // namespace

result<description, std::string> parse_description(std::string_view text) {
  std::size_t bad = 0;
  auto recs = records::parse(text, &bad);
  if (!recs) return unexpected(fata::format("the description's output is malformed at line {}", bad));
  if (recs->empty() || (*recs)[0].type != "fata-description" || (*recs)[0].get("version") != "1")
    return unexpected(std::string("the description's output has no fata-description header"));
  description d;
  bool have_unikernel = false;
  for (const auto& r : *recs) {
    if (r.type == "context") {
      d.target = r.get("target");
      d.source_dir = r.get("source_dir");
    } else if (r.type == "device") {
      device_node n;
      n.id = to_unsigned(r.get("id"));
      n.signature = r.get("signature");
      n.combinator = r.get("combinator");
      n.name = r.get("name");
      n.position = position_of(r);
      for (auto dep : r.all("dep")) n.dependencies.push_back(to_unsigned(dep));
      for (auto [k, v] : r.with_prefix("param.")) n.params.emplace_back(std::string(k), std::string(v));
      if (n.id != d.devices.size()) return unexpected(std::string("device ids out of order"));
      d.devices.push_back(std::move(n));
    } else if (r.type == "key") {
      key_node k;
      k.id = to_unsigned(r.get("id"));
      k.name = r.get("name");
      k.cpp_type = r.get("cpp_type");
      k.type_name = r.get("type");
      k.default_text = r.get("default");
      k.doc = r.get("doc");
      k.required = r.get("required") == "1";
      k.configured = r.get("configured") == "1";
      k.position = position_of(r);
      if (k.id != d.keys.size()) return unexpected(std::string("key ids out of order"));
      d.keys.push_back(std::move(k));
    } else if (r.type == "unikernel") {
      have_unikernel = true;
      d.name = r.get("name");
      d.summary = r.get("summary");
      d.header = r.get("header");
      d.unikernel = r.get("template");
      d.is_template = r.get("is_template") == "1";
      d.returns = r.get("returns");
      d.job_position = position_of(r);
    } else if (r.type == "argument") {
      job_argument a{r.get("kind") == "key", to_unsigned(r.get("id"))};
      if (a.is_key ? a.id >= d.keys.size() : a.id >= d.devices.size())
        return unexpected(std::string("job argument out of range"));
      d.arguments.push_back(a);
    } else if (r.type == "library") {
      d.libraries.emplace_back(r.get("name"));
    } else if (r.type == "option") {
      d.options.emplace_back(std::string(r.get("name")), std::string(r.get("value")));
    }
  }
  if (!have_unikernel) return unexpected(std::string("the description registered no unikernel"));
  for (const auto& n : d.devices)
    for (auto dep : n.dependencies)
      if (dep >= d.devices.size()) return unexpected(std::string("device dependency out of range"));
  return d;
}

}  // namespace fata::tool
