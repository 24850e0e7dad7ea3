#include <fata/dns/zone_load.hpp>

#include <fata/core/assert.hpp>
#include <fata/dns/text.hpp>

namespace fata::dns {

void format_value(format_sink& sink, const format_spec&, const zone_load_error& e) {
  switch (e.what) {
    case zone_load_error::kind::file:
      format_to(sink, "{}:{}: {}", e.path, e.line, e.file_error);
      return;
    case zone_load_error::kind::include_depth:
      format_to(sink, "{}: $INCLUDE nested deeper than {} files", e.path, max_include_depth);
      return;
    case zone_load_error::kind::zone:
      if (!e.path.empty()) format_to(sink, "{}: ", e.path);
      sink.append("zone: ");
      write_name_text(sink, e.problem.owner);
      sink.put(' ');
      write_type_text(sink, e.problem.type);
      format_to(sink, ": {}", e.problem.error);
      return;
  }
}

zone_loader::zone_loader(zone_builder& builder, std::string_view path, std::string_view text)
    : _builder(builder) {
  _files[0].emplace(open_file{path, zone_file_reader(text, builder.apex())});
}

void zone_loader::provide(std::string_view text) {
  FATA_ASSERT(_depth < _files.size() && !_files[_depth]);
  const zone_file_reader& includer = _files[_depth - 1]->reader;
  _files[_depth].emplace(
      open_file{_wanted.path, zone_file_reader(text, _wanted.origin, includer.default_ttl())});
  ++_depth;
}

result<std::optional<std::string_view>, zone_load_error> zone_loader::run() {
  FATA_ASSERT(!_finished && _files[_depth - 1]);
  for (;;) {
    open_file& file = *_files[_depth - 1];
    auto item = file.reader.next();
    if (!item) {
      return unexpected(zone_load_error{.what = zone_load_error::kind::file,
                                        .path = file.path,
                                        .line = item.error().line,
                                        .file_error = item.error().error});
    }
    if (!*item) {
      _files[_depth - 1].reset();
      if (--_depth > 0) continue;
      _finished = true;
      if (auto finished = _builder.finish(); !finished) {
        return unexpected(
            zone_load_error{.what = zone_load_error::kind::zone, .problem = finished.error()});
      }
      return std::nullopt;
    }
    if ((*item)->what == zone_item::kind::include) {
      if (_depth == _files.size()) {
        return unexpected(
            zone_load_error{.what = zone_load_error::kind::include_depth, .path = file.path});
      }
      _wanted = (*item)->include;
      return _wanted.path;
    }
    const zone_record& r = (*item)->record;
    if (auto added = _builder.add(r.owner, r.type, r.ttl, r.rdata); !added) {
      return unexpected(zone_load_error{
          .what = zone_load_error::kind::zone, .path = file.path, .problem = added.error()});
    }
  }
}

}  // namespace fata::dns
