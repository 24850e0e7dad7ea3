#include "records.hpp"

namespace fata::records {

std::optional<std::string_view> record::find(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (k == name) return std::string_view(v);
  return std::nullopt;
}

std::string_view record::get(std::string_view name, std::string_view fallback) const {
  auto v = find(name);
  return v ? *v : fallback;
}

std::vector<std::string_view> record::all(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [k, v] : fields)
    if (k == name) out.push_back(v);
  return out;
}

std::vector<std::pair<std::string_view, std::string_view>> record::with_prefix(
    std::string_view prefix) const {
  std::vector<std::pair<std::string_view, std::string_view>> out;
  for (const auto& [k, v] : fields)
    if (std::string_view(k).starts_with(prefix))
      out.emplace_back(std::string_view(k).substr(prefix.size()), v);
  return out;
}

record& record::add(std::string_view name, std::string_view value) {
  fields.emplace_back(std::string(name), std::string(value));
  return *this;
}

std::string escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out;
}

std::string unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\' || i + 1 == text.size()) {
      out += c;
      continue;
    }
    char n = text[++i];
    switch (n) {
      case 't': out += '\t'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      default: out += n;
    }
  }
  return out;
}

std::string format(const record& r) {
  std::string out = r.type;
  for (const auto& [k, v] : r.fields) {
    out += '\t';
    out += k;
    out += '=';
    out += escape(v);
  }
  return out;
}

std::optional<record> parse_line(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) return std::nullopt;
  record r;
  std::size_t tab = line.find('\t');
  r.type = std::string(line.substr(0, tab));
  while (tab != std::string_view::npos) {
    line = line.substr(tab + 1);
    tab = line.find('\t');
    std::string_view field = line.substr(0, tab);
    std::size_t eq = field.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    r.fields.emplace_back(std::string(field.substr(0, eq)), unescape(field.substr(eq + 1)));
  }
  return r;
}

std::optional<std::vector<record>> parse(std::string_view text, std::size_t* bad_line) {
  std::vector<record> out;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line == "\r") continue;
    auto r = parse_line(line);
    if (!r) {
      if (bad_line) *bad_line = number;
      return std::nullopt;
    }
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace fata::records
