// Serving files from a read-only key-value store over HTTP (what nginx's
// static module does), as an http::handler.
//
//   fata::http::static_files files(site);   // any sig::kv_ro
//   fata::http::server srv(files, pclock, cfg);
//
// For each GET or HEAD (anything else is 405 with Allow):
// - the path is percent-decoded and split into segments; empty and "."
//   segments are dropped, ".." is refused (400): no key outside the store
//   can be named;
// - a dictionary is served through its index file ("/docs/" ->
//   "/docs/index.html"); a dictionary named without its final slash is
//   redirected there (301), as browsers resolve relative links against it;
//   the Location is the normalised path ("//docs" -> "/docs/"), never a
//   protocol-relative reference;
// - ETag (from the store's SHA-256 digest) and Last-Modified are sent, and
//   conditional requests are evaluated in RFC 9110 §13.2.2's order:
//   If-Match / If-Unmodified-Since (412), If-None-Match /
//   If-Modified-Since (304);
// - Range requests (RFC 9110 §14) get 206 with one range or
//   multipart/byteranges for several, 416 when none is satisfiable; If-Range
//   is honoured;
// - when the client accepts gzip and the store has "<key>.gz", that file is
//   served with Content-Encoding: gzip (and Vary: Accept-Encoding);
// - Content-Type comes from the extension.
//
// Bodies are zero-copy where the store can map its values in memory
// (kv_crunch's `mapped`); otherwise small files are read once into a
// bounded content cache and larger ones streamed in chunks with
// get_partial. Metadata (kind, size, time, digest) is cached per key, at
// most `max_cached_entries` keys: the store is assumed not to change while
// it is served (as a crunched image cannot).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <fata/core/bytes.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/http/fields.hpp>
#include <fata/http/response.hpp>
#include <fata/http/server.hpp>
#include <fata/sig/kv.hpp>

namespace fata::http {

struct static_config {
  std::string_view index = "index.html";
  // Serve "<key>.gz" to clients that accept gzip.
  bool gzip = true;
  // A Cache-Control value for every file ("" sends none).
  std::string_view cache_control = "";
  std::size_t max_cached_entries = 4096;
  // For stores that cannot map values: files up to max_cached_file bytes
  // are kept in memory, up to content_cache_bytes in all; larger files are
  // streamed in stream_chunk pieces.
  std::size_t content_cache_bytes = 64 * 1024 * 1024;
  std::size_t max_cached_file = 4 * 1024 * 1024;
  std::size_t stream_chunk = 64 * 1024;
};

struct static_stats {
  std::uint64_t hits = 0;          // 200 and 206
  std::uint64_t not_modified = 0;  // 304
  std::uint64_t not_found = 0;
  std::uint64_t gzip = 0;          // served a .gz sibling
  std::uint64_t ranges = 0;        // 206
  std::uint64_t streamed = 0;      // bodies streamed from the store
};

// A store that can hand out its values in place.
template <class S>
concept mappable_store = requires(const S& s, std::string_view key) {
  { s.mapped(key) } -> std::same_as<std::optional<bytes>>;
};

namespace detail {

// What is known about one key.
struct file_meta {
  bool directory = false;
  std::uint64_t size = 0;
  wall_time modified{};
  std::string etag;            // "\"<hex>\""
  std::string last_modified;   // HTTP-date
  std::optional<bytes> mapped; // the bytes in place (mappable stores)
  std::string content;         // the bytes, cached (other stores)
  bool cached = false;
  // The .gz sibling: unknown until first asked.
  std::optional<bool> has_gz;
};

// Splits and checks a request path: the store key ("/a/b.html", "" for the
// root), whether it ended with '/', or nullopt for a refused path.
struct key_path {
  std::string key;
  bool trailing_slash = false;
};
std::optional<key_path> normalise_path(std::string_view raw_path);
// A normalised key ("/docs") as a URI path for a Location field: every
// byte outside RFC 3986's pchar set and '/' percent-encoded, so that the
// value is always a path with one leading '/' (never "//host" or "/\\host",
// which browsers take for another site).
std::string location_path(std::string_view key);

std::string etag_of(const sig::kv_digest& d);

// The outcome of RFC 9110 §13.2.2 for a representation.
enum class precondition : std::uint8_t { proceed, not_modified, failed };
precondition evaluate_preconditions(const request_head& h, std::string_view etag,
                                    wall_time modified);
// If-Range (RFC 9110 §13.1.5): true when the Range field may be used.
bool if_range_allows(const request_head& h, std::string_view etag, wall_time modified);

// Fills `res` for a representation whose bytes are all in `body`, given
// the Range field (ranges, multipart). Adds Content-Range / Content-Type.
void respond_with_ranges(response& res, const request_head& h, bytes body,
                         std::string_view content_type, const range_request& ranges);

}  // namespace detail

template <sig::kv_ro Store>
class static_files {
 public:
  explicit static_files(Store& store, static_config cfg = {}) : _store(&store), _cfg(cfg) {}
  static_files(const static_files&) = delete;
  static_files& operator=(const static_files&) = delete;

  task<void> handle(const request& req, response& res);

  const static_stats& stats() const { return _stats; }

 private:
  // Streams [offset, offset + length) of a value with get_partial.
  class stream final : public body_source {
   public:
    stream(Store* s, std::string key, std::uint64_t offset, std::uint64_t length,
           std::size_t chunk)
        : _store(s), _key(std::move(key)), _offset(offset), _left(length), _chunk(chunk) {}
    task<result<bytes, errc>> next() override {
      if (_left == 0) co_return bytes{};
      const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(_left, _chunk));
      auto got = co_await _store->get_partial(_key, _offset, n);
      if (!got || got->empty()) co_return unexpected(errc::io);
      _piece = std::move(*got);
      if (_piece.size() > _left) _piece.resize(static_cast<std::size_t>(_left));
      _offset += _piece.size();
      _left -= _piece.size();
      co_return bytes::of(_piece);
    }

   private:
    Store* _store;
    std::string _key;
    std::uint64_t _offset;
    std::uint64_t _left;
    std::size_t _chunk;
    std::string _piece;
  };

  // A looked-up entry: cached (owned by the handler, never freed) or, once
  // the cache is full, owned by the request.
  struct meta_ref {
    detail::file_meta* meta = nullptr;
    std::unique_ptr<detail::file_meta> owned;
    explicit operator bool() const { return meta != nullptr; }
    detail::file_meta* operator->() const { return meta; }
    // A lookup whose frame was refused finds nothing; its chain is
    // cancelled, so no answer goes out (fata/core/task.hpp).
    static meta_ref refused() { return {}; }
  };

  task<meta_ref> lookup(const std::string& key);
  task<void> serve_file(const request& req, response& res, const std::string& key,
                        meta_ref& ref);
  // The bytes of a value in memory, if the response may borrow them.
  static std::optional<bytes> view_of(const meta_ref& ref) {
    if (ref->mapped) return ref->mapped;
    if (ref->cached && !ref.owned) return bytes::of(ref->content);
    return std::nullopt;
  }

  Store* _store;
  static_config _cfg;
  static_stats _stats;
  std::unordered_map<std::string, std::unique_ptr<detail::file_meta>> _meta;
  std::size_t _cached_bytes = 0;
};

// ---------------------------------------------------------------------------

template <sig::kv_ro Store>
task<typename static_files<Store>::meta_ref> static_files<Store>::lookup(const std::string& key) {
  if (auto it = _meta.find(key); it != _meta.end()) co_return meta_ref{it->second.get(), nullptr};
  auto kind = co_await _store->exists(key);
  if (!kind || !*kind) co_return meta_ref{};
  const bool cacheable = _meta.size() < _cfg.max_cached_entries;
  auto meta = std::make_unique<detail::file_meta>();
  meta->directory = **kind == sig::kv_kind::dictionary;
  if (!meta->directory) {
    auto size = co_await _store->size(key);
    auto modified = co_await _store->last_modified(key);
    auto digest = co_await _store->digest(key);
    if (!size || !modified || !digest) co_return meta_ref{};
    meta->size = *size;
    meta->modified = *modified;
    meta->etag = detail::etag_of(*digest);
    char date[http_date_size];
    meta->last_modified = std::string(format_http_date(*modified, date));
    if constexpr (mappable_store<Store>) {
      meta->mapped = _store->mapped(key);
    } else {
      if (cacheable && meta->size <= _cfg.max_cached_file &&
          _cached_bytes + meta->size <= _cfg.content_cache_bytes) {
        auto content = co_await _store->get(key);
        if (content && content->size() == meta->size) {
          meta->content = std::move(*content);
          meta->cached = true;
          _cached_bytes += meta->size;
        }
      }
    }
  }
  // Another request may have filled the entry while this one waited.
  if (auto it = _meta.find(key); it != _meta.end()) {
    if (meta->cached) _cached_bytes -= meta->size;
    co_return meta_ref{it->second.get(), nullptr};
  }
  if (!cacheable) {
    auto* p = meta.get();
    co_return meta_ref{p, std::move(meta)};
  }
  auto* p = meta.get();
  _meta.emplace(key, std::move(meta));
  co_return meta_ref{p, nullptr};
}

template <sig::kv_ro Store>
task<void> static_files<Store>::handle(const request& req, response& res) {
  const method verb = req.head.verb;
  if (verb != method::get && verb != method::head) {
    res.status = status::method_not_allowed;
    res.add_header("Allow", "GET, HEAD");
    res.add_header("Content-Type", "text/plain; charset=utf-8");
    res.append_text(detail::error_body(res.status));
    co_return;
  }
  auto path = detail::normalise_path(req.head.path);
  if (!path) {
    res.status = status::bad_request;
    res.add_header("Content-Type", "text/plain; charset=utf-8");
    res.append_text(detail::error_body(res.status));
    co_return;
  }
  std::string key = std::move(path->key);
  meta_ref ref = co_await lookup(key);
  if (ref && ref->directory) {
    if (!path->trailing_slash && !key.empty()) {
      // RFC 9110 §15.4.2: the dictionary lives at the path with a slash.
      // Built from the normalised key, not the request's path: "//docs"
      // must not become the protocol-relative "//docs/" (another host).
      std::string location = detail::location_path(key);
      location += '/';
      if (!req.head.query.empty()) {
        location += '?';
        location += req.head.query;
      }
      res.status = status::moved_permanently;
      res.add_header("Location", location);
      res.add_header("Content-Type", "text/plain; charset=utf-8");
      res.append_text("301 Moved Permanently\n");
      co_return;
    }
    key += '/';
    key += _cfg.index;
    ref = co_await lookup(key);
  }
  if (!ref || ref->directory) {
    ++_stats.not_found;
    res.status = status::not_found;
    res.add_header("Content-Type", "text/plain; charset=utf-8");
    res.append_text(detail::error_body(res.status));
    co_return;
  }
  co_await serve_file(req, res, key, ref);
}

template <sig::kv_ro Store>
task<void> static_files<Store>::serve_file(const request& req, response& res,
                                           const std::string& key, meta_ref& ref) {
  const std::string_view content_type = content_type_for(key);
  const request_head& h = req.head;
  meta_ref* selected = &ref;
  std::string selected_key;
  meta_ref gz;
  bool vary = false;
  if (_cfg.gzip) {
    const std::string gz_key = key + ".gz";
    if (!ref->has_gz) {
      meta_ref probe = co_await lookup(gz_key);
      ref->has_gz = probe && !probe->directory;
    }
    if (*ref->has_gz) {
      vary = true;
      auto accept = h.headers.get("accept-encoding");
      if (accept && accepts_encoding(*accept, "gzip")) {
        gz = co_await lookup(gz_key);
        if (gz && !gz->directory) {
          selected = &gz;
          selected_key = gz_key;
        }
      }
    }
  }
  const meta_ref& m = *selected;
  const std::string& body_key = selected_key.empty() ? key : selected_key;
  const bool gzipped = !selected_key.empty();
  if (gzipped) ++_stats.gzip;

  auto validators = [&](response& r) {
    r.add_header("ETag", m->etag);
    r.add_header("Last-Modified", m->last_modified);
    if (vary) r.add_header("Vary", "Accept-Encoding");
    if (!_cfg.cache_control.empty()) r.add_header("Cache-Control", _cfg.cache_control);
  };

  switch (detail::evaluate_preconditions(h, m->etag, m->modified)) {
    case detail::precondition::not_modified:
      ++_stats.not_modified;
      res.status = status::not_modified;
      validators(res);
      co_return;
    case detail::precondition::failed:
      res.status = status::precondition_failed;
      res.add_header("Content-Type", "text/plain; charset=utf-8");
      res.append_text(detail::error_body(res.status));
      co_return;
    case detail::precondition::proceed:
      break;
  }
  validators(res);
  res.add_header("Accept-Ranges", "bytes");
  if (gzipped) res.add_header("Content-Encoding", "gzip");

  const std::optional<bytes> view = view_of(m);
  auto range_field = h.headers.get("range");
  if (range_field && h.verb == method::get && detail::if_range_allows(h, m->etag, m->modified)) {
    const range_request ranges = parse_range(*range_field, m->size);
    if (ranges.what == range_request::outcome::unsatisfiable) {
      res.status = status::range_not_satisfiable;
      char buf[48];
      res.add_header("Content-Range", format_into(buf, "bytes */{}", m->size));
      res.add_header("Content-Type", "text/plain; charset=utf-8");
      res.append_text(detail::error_body(res.status));
      co_return;
    }
    if (ranges.what == range_request::outcome::partial && (view || ranges.count == 1)) {
      ++_stats.ranges;
      ++_stats.hits;
      if (view) {
        detail::respond_with_ranges(res, h, *view, content_type, ranges);
      } else {
        const byte_range r = ranges.ranges[0];
        res.status = status::partial_content;
        char buf[80];
        res.add_header("Content-Range", format_into(buf, "bytes {}-{}/{}", r.first, r.last, m->size));
        res.add_header("Content-Type", content_type);
        ++_stats.streamed;
        res.set_stream(std::make_unique<stream>(_store, body_key, r.first, r.length(),
                                                _cfg.stream_chunk),
                       r.length());
      }
      co_return;
    }
  }
  ++_stats.hits;
  res.status = status::ok;
  res.add_header("Content-Type", content_type);
  if (h.verb == method::head) {
    res.set_length_only(m->size);
  } else if (view) {
    res.append_view(*view);
  } else {
    ++_stats.streamed;
    res.set_stream(std::make_unique<stream>(_store, body_key, 0, m->size, _cfg.stream_chunk),
                   m->size);
  }
}

}  // namespace fata::http
