#include "registry.hpp"

#include "configuration.hpp"

namespace fata::tool {

namespace {

std::vector<std::unique_ptr<target>>& target_list() {
  static std::vector<std::unique_ptr<target>> list;
  return list;
}

std::vector<device_impl>& device_list() {
  static std::vector<device_impl> list;
  return list;
}

}  // namespace

std::filesystem::path target::image_file(const configuration& c) const {
  return c.output_dir / "dist" / c.desc.name;
}

void register_target(std::unique_ptr<target> t) { target_list().push_back(std::move(t)); }
void register_device(device_impl impl) { device_list().push_back(std::move(impl)); }

const std::vector<std::unique_ptr<target>>& targets() { return target_list(); }

const target* find_target(std::string_view name) {
  for (const auto& t : target_list())
    if (t->name() == name) return t.get();
  return nullptr;
}

std::string target_names() {
  std::string out;
  for (const auto& t : target_list()) {
    if (!out.empty()) out += ", ";
    out += t->name();
  }
  return out;
}

const std::vector<device_impl>& device_table() { return device_list(); }

}  // namespace fata::tool
