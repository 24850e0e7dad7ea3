// Serving a key-value store over HTTP: index files and redirects, 404/405,
// validators and conditional requests, ranges, gzip siblings, streaming of
// large values, and zero-copy bodies from a crunched store.
#include <fata/devices/kv_crunch.hpp>
#include <fata/devices/kv_mem.hpp>
#include <fata/http/static_files.hpp>
#include <fata/devices/kv/digest.hpp>
#include <fata/testing/fakes.hpp>

#include <gtest/gtest.h>

#include "http_test_support.hpp"

namespace {

using namespace fata;
using namespace fata::http;
using namespace fata::http::test;
using fata::testing::make_pipe;
using fata::testing::manual_pclock;
using fata::testing::pipe_end;

const wall_time site_time = wall_from_ns(1'700'000'000'000'000'000);  // 2023-11-14T22:13:20Z

wall_time fixed_time(void*) { return site_time; }

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = char('A' + (i * 7 + i / 251) % 26);
  return s;
}

template <class Store>
task<std::string> serve_one(static_files<Store>* files, manual_pclock* wall, std::string req) {
  server<static_files<Store>, manual_pclock> srv(*files, *wall);
  auto [c, s] = make_pipe();
  auto [done, out] = co_await when_all(srv.serve_connection(s, {}), exchange(&c, req, true));
  (void)done;
  co_return out;
}

struct static_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  manual_pclock wall;
  devices::kv_mem store{64 << 20, &fixed_time, nullptr};
  static_config cfg;
  std::unique_ptr<static_files<devices::kv_mem>> files;

  void SetUp() override {
    ASSERT_TRUE(store.set_now("/index.html", "<h1>home</h1>"));
    ASSERT_TRUE(store.set_now("/docs/index.html", "<h1>docs</h1>"));
    ASSERT_TRUE(store.set_now("/docs/a b.txt", "spaced"));
    ASSERT_TRUE(store.set_now("/style.css", "body { color: red }"));
    ASSERT_TRUE(store.set_now("/style.css.gz", "GZIPPED-STYLE"));
    ASSERT_TRUE(store.set_now("/empty/.keep", ""));
    ASSERT_TRUE(store.set_now("/big.bin", pattern(300000)));
  }

  std::vector<parsed_response> ask(std::string requests, std::vector<method> verbs = {}) {
    if (!files) files = std::make_unique<static_files<devices::kv_mem>>(store, cfg);
    auto r = loop.run(serve_one(files.get(), &wall, std::move(requests)));
    if (!r) return {};
    return split_responses(*r, std::move(verbs));
  }
  parsed_response ask1(std::string_view path, std::string extra = "") {
    auto rs = ask("GET " + std::string(path) + " HTTP/1.1\r\nHost: h\r\n" + extra + "\r\n");
    EXPECT_EQ(rs.size(), 1u);
    return rs.empty() ? parsed_response{} : rs[0];
  }
};

TEST_F(static_fixture, serves_a_file_with_type_and_validators) {
  auto r = ask1("/index.html");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "<h1>home</h1>");
  EXPECT_EQ(r.field("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(r.field("last-modified"), "Tue, 14 Nov 2023 22:13:20 GMT");
  EXPECT_EQ(r.field("accept-ranges"), "bytes");
  const auto d = devices::kv::value_digest(bytes::of("<h1>home</h1>"));
  EXPECT_EQ(r.field("etag"), http::detail::etag_of(d));
}

TEST_F(static_fixture, root_and_folders_serve_their_index) {
  EXPECT_EQ(ask1("/").body, "<h1>home</h1>");
  EXPECT_EQ(ask1("/docs/").body, "<h1>docs</h1>");
}

TEST_F(static_fixture, folder_without_slash_redirects) {
  auto r = ask1("/docs?x=1");
  EXPECT_EQ(r.code, 301);
  EXPECT_EQ(r.field("location"), "/docs/?x=1");
}

TEST_F(static_fixture, double_slash_folder_redirects_to_a_single_slash_path) {
  // "//docs/" would be a protocol-relative reference: the host "docs".
  auto r = ask1("//docs");
  EXPECT_EQ(r.code, 301);
  EXPECT_EQ(r.field("location"), "/docs/");
  EXPECT_EQ(ask1("//docs?x=1").field("location"), "/docs/?x=1");
  EXPECT_EQ(ask1("///docs").field("location"), "/docs/");
  EXPECT_EQ(ask1("/./docs").field("location"), "/docs/");
  EXPECT_EQ(ask1("//docs//").body, "<h1>docs</h1>");
}

TEST_F(static_fixture, folder_redirect_percent_encodes_the_path) {
  ASSERT_TRUE(store.set_now("/\\evil.example/index.html", "x"));
  ASSERT_TRUE(store.set_now("/x y/index.html", "y"));
  // Browsers read "/\\evil.example/" as "//evil.example/".
  EXPECT_EQ(ask1("/%5Cevil.example").field("location"), "/%5Cevil.example/");
  EXPECT_EQ(ask1("//%5cevil.example").field("location"), "/%5Cevil.example/");
  EXPECT_EQ(ask1("/x%20y").field("location"), "/x%20y/");
}

TEST(static_location_path, keeps_path_characters_and_encodes_the_rest) {
  EXPECT_EQ(http::detail::location_path("/docs/a-b_c.d~e"), "/docs/a-b_c.d~e");
  EXPECT_EQ(http::detail::location_path("/a:b@c!$&'()*+,;="), "/a:b@c!$&'()*+,;=");
  EXPECT_EQ(http::detail::location_path("/\\h"), "/%5Ch");
  EXPECT_EQ(http::detail::location_path("/a%b?c#d e"), "/a%25b%3Fc%23d%20e");
  EXPECT_EQ(http::detail::location_path("/\xc3\xa9"), "/%C3%A9");
  EXPECT_EQ(http::detail::location_path(""), "/");
}

TEST_F(static_fixture, folder_without_index_is_not_found) {
  EXPECT_EQ(ask1("/empty/").code, 404);
}

TEST_F(static_fixture, missing_file_is_not_found) {
  auto r = ask1("/nope.html");
  EXPECT_EQ(r.code, 404);
  EXPECT_EQ(files->stats().not_found, 1u);
}

TEST_F(static_fixture, percent_encoded_paths_are_decoded) {
  EXPECT_EQ(ask1("/docs/a%20b.txt").body, "spaced");
  EXPECT_EQ(ask1("//docs/./a%20b.txt").body, "spaced");
}

TEST_F(static_fixture, dot_dot_is_refused) {
  EXPECT_EQ(ask1("/docs/../index.html").code, 400);
  EXPECT_EQ(ask1("/%2e%2e/etc/passwd").code, 400);
  EXPECT_EQ(ask1("/a%2fb").code, 400);
}

TEST_F(static_fixture, other_methods_are_not_allowed) {
  auto rs = ask("POST /index.html HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx");
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].code, 405);
  EXPECT_EQ(rs[0].field("allow"), "GET, HEAD");
}

TEST_F(static_fixture, head_has_the_length_but_no_body) {
  auto rs = ask("HEAD /big.bin HTTP/1.1\r\nHost: h\r\n\r\nGET /index.html HTTP/1.1\r\nHost: h\r\n\r\n",
                {method::head, method::get});
  ASSERT_EQ(rs.size(), 2u);
  EXPECT_EQ(rs[0].field("content-length"), "300000");
  EXPECT_EQ(rs[0].body, "");
  EXPECT_EQ(rs[1].body, "<h1>home</h1>");
}

TEST_F(static_fixture, matching_if_none_match_is_304) {
  const std::string etag = ask1("/index.html").field("etag");
  auto r = ask1("/index.html", "If-None-Match: \"zzz\", W/" + etag + "\r\n");
  EXPECT_EQ(r.code, 304);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(r.field("etag"), etag);
  EXPECT_EQ(ask1("/index.html", "If-None-Match: \"other\"\r\n").code, 200);
}

TEST_F(static_fixture, if_modified_since_is_304_unless_newer) {
  EXPECT_EQ(ask1("/index.html", "If-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT\r\n").code, 304);
  EXPECT_EQ(ask1("/index.html", "If-Modified-Since: Tue, 14 Nov 2023 22:13:19 GMT\r\n").code, 200);
  // If-None-Match takes precedence over If-Modified-Since.
  EXPECT_EQ(ask1("/index.html", "If-None-Match: \"x\"\r\n"
                                "If-Modified-Since: Tue, 14 Nov 2023 22:13:20 GMT\r\n")
                .code,
            200);
}

TEST_F(static_fixture, failed_if_match_is_412) {
  EXPECT_EQ(ask1("/index.html", "If-Match: \"nope\"\r\n").code, 412);
  EXPECT_EQ(ask1("/index.html", "If-Unmodified-Since: Mon, 13 Nov 2023 00:00:00 GMT\r\n").code, 412);
  EXPECT_EQ(ask1("/index.html", "If-Match: *\r\n").code, 200);
}

TEST_F(static_fixture, single_range_is_206) {
  auto r = ask1("/big.bin", "Range: bytes=1000-1999\r\n");
  EXPECT_EQ(r.code, 206);
  EXPECT_EQ(r.field("content-range"), "bytes 1000-1999/300000");
  EXPECT_EQ(r.body, pattern(300000).substr(1000, 1000));
}

TEST_F(static_fixture, suffix_range_is_the_tail) {
  auto r = ask1("/index.html", "Range: bytes=-5\r\n");
  EXPECT_EQ(r.code, 206);
  EXPECT_EQ(r.body, "</h1>");
}

TEST_F(static_fixture, several_ranges_are_multipart) {
  auto r = ask1("/index.html", "Range: bytes=0-3,9-12\r\n");
  EXPECT_EQ(r.code, 206);
  EXPECT_NE(r.field("content-type").find("multipart/byteranges; boundary="), std::string::npos);
  EXPECT_NE(r.body.find("Content-Range: bytes 0-3/13\r\n\r\n<h1>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("Content-Range: bytes 9-12/13\r\n\r\n/h1>"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("--\r\n"), std::string::npos);
}

TEST_F(static_fixture, unsatisfiable_range_is_416) {
  auto r = ask1("/index.html", "Range: bytes=100-\r\n");
  EXPECT_EQ(r.code, 416);
  EXPECT_EQ(r.field("content-range"), "bytes */13");
}

TEST_F(static_fixture, stale_if_range_gives_the_whole_file) {
  auto r = ask1("/index.html", "Range: bytes=0-3\r\nIf-Range: \"stale\"\r\n");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "<h1>home</h1>");
  const std::string etag = ask1("/index.html").field("etag");
  EXPECT_EQ(ask1("/index.html", "Range: bytes=0-3\r\nIf-Range: " + etag + "\r\n").code, 206);
  EXPECT_EQ(ask1("/index.html", "Range: bytes=0-3\r\nIf-Range: Tue, 14 Nov 2023 22:13:20 GMT\r\n").code,
            206);
}

TEST_F(static_fixture, gzip_sibling_is_served_to_clients_that_accept_it) {
  auto r = ask1("/style.css", "Accept-Encoding: gzip, br\r\n");
  EXPECT_EQ(r.body, "GZIPPED-STYLE");
  EXPECT_EQ(r.field("content-encoding"), "gzip");
  EXPECT_EQ(r.field("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(r.field("vary"), "Accept-Encoding");
  EXPECT_EQ(files->stats().gzip, 1u);
}

TEST_F(static_fixture, without_accept_encoding_the_plain_file_is_served) {
  auto r = ask1("/style.css");
  EXPECT_EQ(r.body, "body { color: red }");
  EXPECT_FALSE(r.has("content-encoding"));
  EXPECT_EQ(r.field("vary"), "Accept-Encoding");
  EXPECT_EQ(ask1("/style.css", "Accept-Encoding: gzip;q=0\r\n").body, "body { color: red }");
}

TEST_F(static_fixture, gzip_and_plain_have_different_etags) {
  EXPECT_NE(ask1("/style.css").field("etag"),
            ask1("/style.css", "Accept-Encoding: gzip\r\n").field("etag"));
}

TEST_F(static_fixture, large_files_beyond_the_cache_are_streamed_intact) {
  cfg.max_cached_file = 1000;
  cfg.stream_chunk = 7000;
  auto r = ask1("/big.bin");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.field("content-length"), "300000");
  EXPECT_TRUE(r.body == pattern(300000));
  EXPECT_EQ(files->stats().streamed, 1u);
  auto part = ask1("/big.bin", "Range: bytes=123456-234567\r\n");
  EXPECT_EQ(part.code, 206);
  EXPECT_TRUE(part.body == pattern(300000).substr(123456, 234567 - 123456 + 1));
}

TEST_F(static_fixture, several_ranges_of_a_streamed_file_give_the_whole_file) {
  cfg.max_cached_file = 1000;
  auto r = ask1("/big.bin", "Range: bytes=0-1,5-6\r\n");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body.size(), 300000u);
}

TEST_F(static_fixture, a_full_metadata_cache_still_serves) {
  cfg.max_cached_entries = 1;
  EXPECT_EQ(ask1("/index.html").body, "<h1>home</h1>");
  EXPECT_EQ(ask1("/docs/").body, "<h1>docs</h1>");
  EXPECT_EQ(ask1("/big.bin").body.size(), 300000u);
  EXPECT_EQ(ask1("/index.html").body, "<h1>home</h1>");
}

TEST(static_paths, normalisation) {
  auto p = http::detail::normalise_path("/a//b/./c/");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->key, "/a/b/c");
  EXPECT_TRUE(p->trailing_slash);
  EXPECT_EQ(http::detail::normalise_path("/")->key, "");
  EXPECT_FALSE(http::detail::normalise_path("/a/../b"));
}

// --- a crunched store: bodies are the image's own bytes -----------------------

constexpr std::string_view crunched_page = "<p>crunched</p>";

struct capture_handler {
  static_files<devices::kv_crunch>* files;
  const std::byte* body_data = nullptr;
  task<void> handle(const request& req, response& res) {
    co_await files->handle(req, res);
    std::vector<bytes> parts;
    res.collect(parts);
    if (!parts.empty()) body_data = parts[0].data();
  }
};

task<std::string> serve_capture(capture_handler* h, manual_pclock* wall, std::string req) {
  server<capture_handler, manual_pclock> srv(*h, *wall);
  auto [c, s] = make_pipe();
  auto [done, out] = co_await when_all(srv.serve_connection(s, {}), exchange(&c, req, true));
  (void)done;
  co_return out;
}

TEST(static_crunch, bodies_are_served_from_the_mapped_bytes) {
  static const devices::crunch_entry entries[] = {
      {"", sig::kv_kind::dictionary, 1, 1, nullptr, 0, 0, {}},
      {"page.html", sig::kv_kind::value, 0, 0,
       reinterpret_cast<const std::byte*>(crunched_page.data()), crunched_page.size(),
       1'700'000'000'000'000'000, devices::kv::value_digest(bytes::of(crunched_page))},
  };
  static const devices::crunch_table table{"test", entries, 2};
  devices::kv_crunch store(table);
  static_files<devices::kv_crunch> files(store);
  capture_handler h{&files};
  virtual_backend clock;
  fata::loop loop(clock);
  manual_pclock wall;
  auto r = loop.run(serve_capture(&h, &wall, "GET /page.html HTTP/1.1\r\nHost: h\r\n\r\n"));
  ASSERT_TRUE(r);
  auto rs = split_responses(*r);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, crunched_page);
  EXPECT_EQ(h.body_data, reinterpret_cast<const std::byte*>(crunched_page.data()));
}

}  // namespace
