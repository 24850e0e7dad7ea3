// The HTTP/1.1 parser: request and response heads, limits, the chunked
// coding, and field values (dates, ranges, entity tags, codings).
#include <fata/http/fields.hpp>
#include <fata/http/parser.hpp>

#include <gtest/gtest.h>

#include <string>

namespace {

using namespace fata;
using namespace fata::http;

result<std::size_t, parse_error> req(std::string_view text, request_head& h,
                                     const limits& lim = {}) {
  return parse_request(bytes::of(text), lim, h);
}

parse_error req_error(std::string_view text, const limits& lim = {}) {
  request_head h;
  auto r = req(text, h, lim);
  EXPECT_FALSE(r) << "accepted: " << text;
  return r ? parse_error{} : r.error();
}

TEST(http_request, simple_get_is_parsed_with_its_length) {
  request_head h;
  const std::string_view text = "GET /index.html?x=1 HTTP/1.1\r\nHost: example.org\r\n\r\nBODY";
  auto r = req(text, h);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, text.size() - 4);
  EXPECT_EQ(h.verb, method::get);
  EXPECT_EQ(h.target, "/index.html?x=1");
  EXPECT_EQ(h.path, "/index.html");
  EXPECT_EQ(h.query, "x=1");
  EXPECT_EQ(h.host, "example.org");
  EXPECT_EQ(h.version_minor, 1);
  EXPECT_TRUE(h.keep_alive);
  EXPECT_EQ(h.body, body_kind::none);
}

TEST(http_request, head_is_zero_copy) {
  request_head h;
  const std::string text = "GET /a HTTP/1.1\r\nHost: h\r\nX-Thing:  value  \r\n\r\n";
  ASSERT_TRUE(req(text, h));
  ASSERT_EQ(h.headers.size(), 2u);
  EXPECT_EQ(h.headers[1].name, "X-Thing");
  EXPECT_EQ(h.headers[1].value, "value");
  EXPECT_GE(h.headers[1].value.data(), text.data());
  EXPECT_LT(h.headers[1].value.data(), text.data() + text.size());
}

TEST(http_request, incomplete_head_asks_for_more_at_every_split) {
  const std::string text =
      "POST /submit HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nConnection: close\r\n\r\n";
  for (std::size_t n = 0; n < text.size(); ++n) {
    request_head h;
    auto r = req(std::string_view(text).substr(0, n), h);
    ASSERT_TRUE(r) << n;
    EXPECT_EQ(*r, 0u) << n;
  }
  request_head h;
  auto r = req(text, h);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, text.size());
  EXPECT_EQ(h.body, body_kind::length);
  EXPECT_EQ(h.content_length, 5u);
  EXPECT_FALSE(h.keep_alive);
}

TEST(http_request, bare_lf_line_endings_are_accepted) {
  request_head h;
  auto r = req("GET / HTTP/1.1\nHost: h\n\n", h);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 24u);
}

TEST(http_request, leading_empty_lines_are_skipped) {
  request_head h;
  auto r = req("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", h);
  ASSERT_TRUE(r);
  EXPECT_EQ(h.verb, method::get);
}

TEST(http_request, http10_defaults_to_close_and_needs_no_host) {
  request_head h;
  ASSERT_TRUE(req("GET / HTTP/1.0\r\n\r\n", h));
  EXPECT_EQ(h.version_minor, 0);
  EXPECT_FALSE(h.keep_alive);
  ASSERT_TRUE(req("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", h));
  EXPECT_TRUE(h.keep_alive);
}

TEST(http_request, absolute_form_target_gives_host_and_path) {
  request_head h;
  ASSERT_TRUE(req("GET http://Example.org:8080/p/q?z HTTP/1.1\r\nHost: other\r\n\r\n", h));
  EXPECT_EQ(h.host, "Example.org:8080");
  EXPECT_EQ(h.path, "/p/q");
  EXPECT_EQ(h.query, "z");
  ASSERT_TRUE(req("GET http://example.org HTTP/1.1\r\nHost: x\r\n\r\n", h));
  EXPECT_EQ(h.path, "/");
}

TEST(http_request, asterisk_form_only_for_options) {
  request_head h;
  ASSERT_TRUE(req("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", h));
  EXPECT_EQ(h.path, "*");
  EXPECT_EQ(req_error("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), parse_error::bad_request);
}

TEST(http_request, unknown_method_parses_as_unknown) {
  request_head h;
  ASSERT_TRUE(req("BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n", h));
  EXPECT_EQ(h.verb, method::unknown);
  EXPECT_EQ(h.method_text, "BREW");
}

TEST(http_request, lowercase_method_is_not_get) {
  request_head h;
  ASSERT_TRUE(req("get / HTTP/1.1\r\nHost: h\r\n\r\n", h));
  EXPECT_EQ(h.verb, method::unknown);
}

TEST(http_request, malformed_request_lines_are_bad_requests) {
  for (std::string_view bad : {
           "GET\r\nHost: h\r\n\r\n",
           "GET /\r\nHost: h\r\n\r\n",
           "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",
           "GET / http/1.1\r\nHost: h\r\n\r\n",
           "GET / HTTP/1\r\nHost: h\r\n\r\n",
           "GET / HTTP/1.10\r\nHost: h\r\n\r\n",
           "G(T / HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET nopath HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET /a\x01 HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET /\xc3\xa9 HTTP/1.1\r\nHost: h\r\n\r\n",
           "GET /a\rb HTTP/1.1\r\nHost: h\r\n\r\n",
       })
    EXPECT_EQ(req_error(bad), parse_error::bad_request) << bad;
}

TEST(http_request, binary_garbage_is_refused_before_any_line_end) {
  const std::string hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
  EXPECT_EQ(req_error(hello), parse_error::bad_request);
}

TEST(http_request, other_major_versions_are_unsupported) {
  EXPECT_EQ(req_error("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), parse_error::version_unsupported);
  EXPECT_EQ(req_error("GET / HTTP/0.9\r\n\r\n"), parse_error::version_unsupported);
}

TEST(http_request, malformed_fields_are_bad_requests) {
  for (std::string_view bad : {
           "GET / HTTP/1.1\r\nHost : h\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nNoColon\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\n: empty-name\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n folded\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nX: a\x00b\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n",
           "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n",
           "GET / HTTP/1.1\r\nHo(st: h\r\n\r\n",
       }) {
    request_head h;
    auto r = parse_request(bytes(bad.data(), bad.size()), {}, h);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error(), parse_error::bad_request) << bad;
  }
}

TEST(http_request, a_bad_character_is_rejected_before_the_head_ends) {
  request_head h;
  const std::string text("GET / HTTP/1.1\r\nHost: h\r\nX: a\x01", 30);
  auto r = parse_request(bytes::of(text), {}, h);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), parse_error::bad_request);
}

TEST(http_request, host_is_required_once_in_http11) {
  EXPECT_EQ(req_error("GET / HTTP/1.1\r\n\r\n"), parse_error::bad_request);
  EXPECT_EQ(req_error("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), parse_error::bad_request);
}

TEST(http_request, long_request_line_is_uri_too_long_even_before_it_ends) {
  limits lim;
  lim.max_request_line = 100;
  const std::string text = "GET /" + std::string(200, 'a');
  EXPECT_EQ(req_error(text, lim), parse_error::uri_too_long);
  EXPECT_EQ(req_error(text + " HTTP/1.1\r\nHost: h\r\n\r\n", lim), parse_error::uri_too_long);
}

TEST(http_request, large_header_section_is_too_large_even_before_it_ends) {
  limits lim;
  lim.max_head = 200;
  const std::string text = "GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(300, 'v');
  EXPECT_EQ(req_error(text, lim), parse_error::header_too_large);
  EXPECT_EQ(req_error(text + "\r\n\r\n", lim), parse_error::header_too_large);
}

TEST(http_request, too_many_fields_are_too_large) {
  limits lim;
  lim.max_headers = 10;
  std::string text = "GET / HTTP/1.1\r\nHost: h\r\n";
  for (int i = 0; i < 10; ++i) text += "X-" + std::to_string(i) + ": v\r\n";
  text += "\r\n";
  EXPECT_EQ(req_error(text, lim), parse_error::header_too_large);
}

TEST(http_request, chunked_body_is_recognised) {
  request_head h;
  ASSERT_TRUE(req("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", h));
  EXPECT_EQ(h.body, body_kind::chunked);
}

TEST(http_request, unknown_transfer_coding_is_not_implemented) {
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n"),
            parse_error::not_implemented);
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
            parse_error::not_implemented)
      << "gzip before chunked is still a coding we would have to undo";
}

TEST(http_request, smuggling_shapes_are_rejected) {
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n"),
            parse_error::bad_request);
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"),
            parse_error::bad_request);
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +5\r\n\r\n"),
            parse_error::bad_request);
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x10\r\n\r\n"),
            parse_error::bad_request);
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"),
            parse_error::bad_request);
  EXPECT_EQ(req_error("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
            parse_error::bad_request);
}

TEST(http_request, identical_content_length_copies_are_one_value) {
  request_head h;
  ASSERT_TRUE(req("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n",
                  h));
  EXPECT_EQ(h.content_length, 7u);
}

TEST(http_request, declared_body_over_the_limit_is_too_large) {
  limits lim;
  lim.max_body = 1000;
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1001\r\n\r\n", lim),
            parse_error::body_too_large);
  EXPECT_EQ(req_error("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999\r\n\r\n",
                      lim),
            parse_error::bad_request);
}

TEST(http_request, expect_continue_is_noticed) {
  request_head h;
  ASSERT_TRUE(req("PUT /x HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 3\r\n\r\n",
                  h));
  EXPECT_TRUE(h.expect_continue);
}

TEST(http_request, connection_tokens_are_case_insensitive_lists) {
  request_head h;
  ASSERT_TRUE(req("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, CLOSE\r\n\r\n", h));
  EXPECT_FALSE(h.keep_alive);
}

TEST(http_request, status_for_each_error) {
  EXPECT_EQ(status_for(parse_error::bad_request), 400);
  EXPECT_EQ(status_for(parse_error::uri_too_long), 414);
  EXPECT_EQ(status_for(parse_error::header_too_large), 431);
  EXPECT_EQ(status_for(parse_error::not_implemented), 501);
  EXPECT_EQ(status_for(parse_error::version_unsupported), 505);
  EXPECT_EQ(status_for(parse_error::body_too_large), 413);
}

// --- responses --------------------------------------------------------------

TEST(http_response, status_line_and_length) {
  response_head h;
  const std::string_view text = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
  auto r = parse_response(bytes::of(text), {}, method::get, h);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, text.size());
  EXPECT_EQ(h.code, 200);
  EXPECT_EQ(h.reason, "OK");
  EXPECT_EQ(h.body, body_kind::length);
  EXPECT_EQ(h.content_length, 12u);
  EXPECT_TRUE(h.keep_alive);
}

TEST(http_response, no_body_for_head_204_304_and_1xx) {
  response_head h;
  const std::string_view text = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n";
  ASSERT_TRUE(parse_response(bytes::of(text), {}, method::head, h));
  EXPECT_EQ(h.body, body_kind::none);
  ASSERT_TRUE(parse_response(bytes::of("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n"),
                             {}, method::get, h));
  EXPECT_EQ(h.body, body_kind::none);
  ASSERT_TRUE(parse_response(bytes::of("HTTP/1.1 100 Continue\r\n\r\n"), {}, method::get, h));
  EXPECT_EQ(h.code, 100);
  EXPECT_EQ(h.body, body_kind::none);
}

TEST(http_response, without_length_the_body_runs_until_close) {
  response_head h;
  ASSERT_TRUE(parse_response(bytes::of("HTTP/1.0 200 OK\r\n\r\n"), {}, method::get, h));
  EXPECT_EQ(h.body, body_kind::until_close);
  EXPECT_FALSE(h.keep_alive);
}

TEST(http_response, chunked_and_missing_reason) {
  response_head h;
  ASSERT_TRUE(parse_response(bytes::of("HTTP/1.1 404\r\nTransfer-Encoding: chunked\r\n\r\n"), {},
                             method::get, h));
  EXPECT_EQ(h.code, 404);
  EXPECT_EQ(h.body, body_kind::chunked);
}

TEST(http_response, malformed_status_lines_are_rejected) {
  for (std::string_view bad : {"HTTP/1.1 20 OK\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n",
                               "HTTP/1.1  200 OK\r\n\r\n", "ICY 200 OK\r\n\r\n",
                               "HTTP/1.1 200OK\r\n\r\n", "HTTP/1.1 099 Low\r\n\r\n"}) {
    response_head h;
    EXPECT_FALSE(parse_response(bytes::of(bad), {}, method::get, h)) << bad;
  }
}

// --- chunked ------------------------------------------------------------------

std::string decode_all(chunked_decoder& d, std::string_view in, std::size_t piece, bool* ok,
                       std::size_t* used = nullptr) {
  std::string out;
  std::size_t pos = 0;
  *ok = true;
  while (pos < in.size() && !d.done()) {
    std::size_t len = std::min(piece, in.size() - pos);
    bytes window = bytes::of(in.substr(pos, len));
    auto step = d.feed(window);
    if (!step) {
      *ok = false;
      return out;
    }
    out.append(step->data.chars());
    pos += step->consumed;
    if (step->consumed == 0 && step->data.empty()) break;
  }
  if (used) *used = pos;
  return out;
}

TEST(http_chunked, decodes_at_every_split_size) {
  const std::string body =
      "5\r\nhello\r\n1;ext=val;q=\"a;b\"\r\n \r\n10\r\n0123456789abcdef\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  for (std::size_t piece = 1; piece <= body.size(); ++piece) {
    chunked_decoder d;
    bool ok;
    std::size_t used = 0;
    EXPECT_EQ(decode_all(d, body, piece, &ok, &used), "hello 0123456789abcdef") << piece;
    EXPECT_TRUE(ok);
    EXPECT_TRUE(d.done());
    EXPECT_EQ(body.substr(used), "NEXT") << piece;
  }
}

TEST(http_chunked, data_is_a_slice_of_the_input) {
  chunked_decoder d;
  const std::string in = "3\r\nabc\r\n";
  auto s = d.feed(bytes::of(in));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->data.chars(), "abc");
  EXPECT_EQ(static_cast<const void*>(s->data.data()), static_cast<const void*>(in.data() + 3));
}

TEST(http_chunked, malformed_chunks_are_rejected) {
  for (std::string_view bad : {"g\r\n", "\r\n", "5\r\nhelloX\r\n", "5x\r\nhello\r\n",
                               "5\rX", "0\r\nBad\x01trailer\r\n\r\n"}) {
    chunked_decoder d;
    bool ok;
    decode_all(d, bad, bad.size(), &ok);
    EXPECT_FALSE(ok) << bad;
  }
}

TEST(http_chunked, body_over_the_limit_is_too_large) {
  limits lim;
  lim.max_body = 10;
  chunked_decoder d(lim);
  bool ok;
  EXPECT_EQ(decode_all(d, "8\r\n12345678\r\n2\r\n90\r\n", 100, &ok), "1234567890");
  EXPECT_TRUE(ok);
  auto r = d.feed(bytes::of("1\r\n"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), parse_error::body_too_large);
}

TEST(http_chunked, overlong_size_is_rejected) {
  chunked_decoder d;
  auto r = d.feed(bytes::of("ffffffffffffffffff\r\n"));
  ASSERT_FALSE(r);
}

TEST(http_chunked, header_lines_round_trip) {
  char buf[20];
  EXPECT_EQ(chunk_header(0x1a2b, buf), "1a2b\r\n");
  EXPECT_EQ(chunk_header(0, buf), "0\r\n\r\n");
}

// --- field values -------------------------------------------------------------

TEST(http_date, formats_imf_fixdate) {
  char buf[http_date_size];
  // 1994-11-06T08:49:37Z, RFC 9110's example.
  EXPECT_EQ(format_http_date(wall_from_ns(784111777'000'000'000), buf),
            "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(http_date, parses_all_three_forms) {
  const auto expected = wall_from_ns(784111777'000'000'000);
  EXPECT_EQ(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
  EXPECT_EQ(parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
}

TEST(http_date, rejects_malformed_dates) {
  for (std::string_view bad : {"", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 31 Feb 1994 08:49:37 GMT",
                               "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                               "yesterday", "Sun, 6 Nov 1994 08:49:37 GMT"})
    EXPECT_FALSE(parse_http_date(bad)) << bad;
}

TEST(http_range, single_ranges_of_each_form) {
  auto r = parse_range("bytes=0-99", 1000);
  ASSERT_EQ(r.what, range_request::outcome::partial);
  ASSERT_EQ(r.count, 1u);
  EXPECT_EQ(r.ranges[0], (byte_range{0, 99}));
  r = parse_range("bytes=900-", 1000);
  EXPECT_EQ(r.ranges[0], (byte_range{900, 999}));
  r = parse_range("bytes=-100", 1000);
  EXPECT_EQ(r.ranges[0], (byte_range{900, 999}));
  r = parse_range("bytes=-5000", 1000);
  EXPECT_EQ(r.ranges[0], (byte_range{0, 999}));
  r = parse_range("bytes=500-5000", 1000);
  EXPECT_EQ(r.ranges[0], (byte_range{500, 999}));
}

TEST(http_range, beyond_the_end_is_unsatisfiable) {
  EXPECT_EQ(parse_range("bytes=1000-", 1000).what, range_request::outcome::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).what, range_request::outcome::unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).what, range_request::outcome::unsatisfiable);
}

TEST(http_range, invalid_fields_are_ignored) {
  for (std::string_view v : {"items=0-1", "bytes=5-1", "bytes=a-b", "bytes=", "bytes=1",
                             "bytes=0-1,2-3,4-5,6-7,8-9,10-11,12-13,14-15,16-17"})
    EXPECT_EQ(parse_range(v, 1000).what, range_request::outcome::full) << v;
}

TEST(http_range, overlapping_ranges_are_merged_and_sorted) {
  auto r = parse_range("bytes=500-600, 0-10, 5-20, 601-700", 1000);
  ASSERT_EQ(r.what, range_request::outcome::partial);
  ASSERT_EQ(r.count, 2u);
  EXPECT_EQ(r.ranges[0], (byte_range{0, 20}));
  EXPECT_EQ(r.ranges[1], (byte_range{500, 700}));
}

TEST(http_etag, weak_and_strong_comparison) {
  EXPECT_TRUE(etag_matches("\"abc\"", "\"abc\"", false));
  EXPECT_TRUE(etag_matches("\"x\", W/\"abc\"", "\"abc\"", true));
  EXPECT_FALSE(etag_matches("W/\"abc\"", "\"abc\"", false));
  EXPECT_TRUE(etag_matches("*", "\"abc\"", false));
  EXPECT_FALSE(etag_matches("\"abcd\"", "\"abc\"", true));
  EXPECT_FALSE(etag_matches("garbage", "\"abc\"", true));
}

TEST(http_accept_encoding, q_values_and_wildcards) {
  EXPECT_TRUE(accepts_encoding("gzip, deflate, br", "gzip"));
  EXPECT_TRUE(accepts_encoding("GZIP;q=0.5", "gzip"));
  EXPECT_FALSE(accepts_encoding("gzip;q=0", "gzip"));
  EXPECT_FALSE(accepts_encoding("gzip;q=0.000", "gzip"));
  EXPECT_TRUE(accepts_encoding("*", "gzip"));
  EXPECT_FALSE(accepts_encoding("*, gzip;q=0", "gzip"));
  EXPECT_FALSE(accepts_encoding("deflate", "gzip"));
  EXPECT_FALSE(accepts_encoding("", "gzip"));
}

TEST(http_content_type, by_extension) {
  EXPECT_EQ(content_type_for("/index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("/css/site.CSS"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("/img/logo.svg"), "image/svg+xml");
  EXPECT_EQ(content_type_for("/a.tar.gz"), "application/gzip");
  EXPECT_EQ(content_type_for("/noext"), "application/octet-stream");
  EXPECT_EQ(content_type_for("/dir.d/noext"), "application/octet-stream");
}

TEST(http_percent, decodes_and_refuses_smuggled_separators) {
  std::string out;
  ASSERT_TRUE(percent_decode("/a%20b/%C3%A9", out));
  EXPECT_EQ(out, "/a b/\xc3\xa9");
  EXPECT_FALSE(percent_decode("/a%2fb", out));
  EXPECT_FALSE(percent_decode("/a%00", out));
  EXPECT_FALSE(percent_decode("/a%4", out));
  EXPECT_FALSE(percent_decode("/a%zz", out));
}

}  // namespace
