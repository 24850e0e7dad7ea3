#include <fata/devices/kv/key.hpp>

namespace fata::devices::kv {

result<std::string_view, sig::kv_error> normalize_key(std::string_view key) {
  if (!key.empty() && key.front() == '/') key.remove_prefix(1);
  if (key.size() > max_key_size) return unexpected(sig::kv_error::invalid_key);
  if (key.empty()) return key;  // the root
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = key.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? key.size() : slash;
    const std::string_view segment = key.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == ".." || segment.size() > max_segment_size ||
        segment.find('\0') != std::string_view::npos)
      return unexpected(sig::kv_error::invalid_key);
    if (slash == std::string_view::npos) return key;
    start = slash + 1;
  }
}

std::string_view parent_of(std::string_view canonical) {
  const std::size_t slash = canonical.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : canonical.substr(0, slash);
}

std::string_view basename_of(std::string_view canonical) {
  const std::size_t slash = canonical.rfind('/');
  return slash == std::string_view::npos ? canonical : canonical.substr(slash + 1);
}

bool is_within(std::string_view outer, std::string_view inner) {
  if (outer.empty()) return true;
  if (!inner.starts_with(outer)) return false;
  return inner.size() == outer.size() || inner[outer.size()] == '/';
}

bool key_segments::next(std::string_view& segment) {
  if (_rest.empty()) return false;
  const std::size_t slash = _rest.find('/');
  if (slash == std::string_view::npos) {
    segment = _rest;
    _rest = {};
  } else {
    segment = _rest.substr(0, slash);
    _rest.remove_prefix(slash + 1);
  }
  return true;
}

}  // namespace fata::devices::kv
