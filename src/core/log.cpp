#include <fata/core/log.hpp>

#include <optional>
#include <vector>

namespace fata::log {

namespace {

struct rule {
  std::string pattern;
  level severity;
};

constinit source* sources_head = nullptr;
constinit output_fn output = nullptr;
constinit void* output_context = nullptr;
constinit clock_fn clock = nullptr;
constinit void* clock_context = nullptr;

std::vector<rule>& rules() {
  static std::vector<rule> r;
  return r;
}

bool matches(std::string_view pattern, std::string_view name) {
  if (pattern == "*") return true;
  if (!pattern.empty() && pattern.back() == '*')
    return name.substr(0, pattern.size() - 1) == pattern.substr(0, pattern.size() - 1);
  return pattern == name;
}

level level_for(std::string_view name) {
  level l = level::info;
  for (const rule& r : rules())
    if (matches(r.pattern, name)) l = r.severity;
  return l;
}

std::optional<level> parse_level(std::string_view text) {
  for (level l : {level::quiet, level::error, level::warning, level::info, level::debug})
    if (text == describe(l)) return l;
  if (text == "warn") return level::warning;
  return std::nullopt;
}

}  // namespace

source::source(std::string_view name, std::string_view doc)
    : _name(name), _doc(doc), _threshold(level_for(name)) {
  _next = sources_head;
  if (_next) _next->_prev = this;
  sources_head = this;
}

source::~source() {
  if (_prev) _prev->_next = _next;
  else sources_head = _next;
  if (_next) _next->_prev = _prev;
}

source* source::first() { return sources_head; }

void source::write(level l, std::string_view message) const {
  if (!output) return;
  record r{clock ? clock(clock_context) : wall_time{}, l, this, message};
  output(output_context, r);
}

void set_output(output_fn fn, void* context) {
  output = fn;
  output_context = context;
}

void set_clock(clock_fn fn, void* context) {
  clock = fn;
  clock_context = context;
}

result<void, std::string> configure(std::string_view spec) {
  std::vector<rule> parsed;
  while (!spec.empty()) {
    const std::size_t comma = spec.find(',');
    std::string_view item = spec.substr(0, comma);
    spec = comma == std::string_view::npos ? std::string_view{} : spec.substr(comma + 1);
    if (item.empty()) return unexpected(std::string("empty item in log specification"));
    const std::size_t colon = item.rfind(':');
    std::string_view pattern = colon == std::string_view::npos ? "*" : item.substr(0, colon);
    std::string_view lvl = colon == std::string_view::npos ? item : item.substr(colon + 1);
    auto l = parse_level(lvl);
    if (!l)
      return unexpected(format("unknown log level '{}' (expected quiet, error, warning, info or debug)", lvl));
    if (pattern.empty()) return unexpected(format("empty source name in '{}'", item));
    parsed.push_back({std::string(pattern), *l});
  }
  for (rule& r : parsed) rules().push_back(std::move(r));
  for (source* s = sources_head; s; s = s->next()) s->set_threshold(level_for(s->name()));
  return {};
}

void reset() {
  rules().clear();
  for (source* s = sources_head; s; s = s->next()) s->set_threshold(level::info);
}

void format_record(format_sink& sink, const record& r) {
  const civil_time c = to_civil(r.time);
  std::string_view tag = "INFO ";
  switch (r.severity) {
    case level::error: tag = "ERROR"; break;
    case level::warning: tag = "WARN "; break;
    case level::debug: tag = "DEBUG"; break;
    default: break;
  }
  format_to(sink, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {} [{}] {}\n", c.year, c.month,
            c.day, c.hour, c.minute, c.second, c.nanosecond / 1'000'000, tag,
            r.origin ? r.origin->name() : std::string_view("-"), r.message);
}

}  // namespace fata::log
