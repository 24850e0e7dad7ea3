// The HTTP/1.1 client over pipes: against fata's own server (keep-alive,
// bodies both ways, chunked responses) and against scripted servers
// (1xx, close-delimited bodies, broken and slow peers); URLs and redirects.
#include <fata/http/client.hpp>
#include <fata/http/server.hpp>
#include <fata/http/url.hpp>
#include <fata/testing/fakes.hpp>

#include <gtest/gtest.h>

#include "http_test_support.hpp"

namespace {

using namespace fata;
using namespace fata::http;
using fata::testing::make_pipe;
using fata::testing::manual_pclock;
using fata::testing::pipe_end;

class pieces final : public body_source {
 public:
  task<result<bytes, errc>> next() override {
    if (_i == 50) co_return bytes{};
    ++_i;
    co_return bytes::of("0123456789");
  }

 private:
  int _i = 0;
};

struct echo_handler {
  task<void> handle(const request& req, response& res) {
    if (req.head.path == "/chunked") {
      res.set_stream(std::make_unique<pieces>(), std::nullopt);
    } else {
      auto body = co_await read_all(req.body, 1 << 20);
      res.add_header("X-Method", to_string(req.head.verb));
      res.append_text(req.head.path);
      res.append_text(":");
      if (body) res.append_text(*body);
    }
    co_return;
  }
};

struct client_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  manual_pclock wall;
  echo_handler handler;
};

task<std::vector<std::string>> three_requests(pipe_end* c) {
  client_connection conn(*c);
  std::vector<std::string> out;
  const std::string big(100000, 'p');
  outgoing_request reqs[3];
  reqs[0] = {.verb = method::get, .target = "/one", .host = "h"};
  reqs[1] = {.verb = method::post, .target = "/two", .host = "h", .body = bytes::of(big)};
  reqs[2] = {.verb = method::post, .target = "/three", .host = "h", .body = bytes::of("abc"),
             .chunked = true};
  for (auto& r : reqs) {
    auto s = co_await conn.send(r);
    if (!s) co_return out;
    auto h = co_await conn.read_head();
    if (!h) co_return out;
    auto body = co_await conn.read_body_all();
    if (!body) co_return out;
    out.push_back(std::string(*(*h)->headers.get("x-method")) + " " +
                  (body->size() > 20 ? std::to_string(body->size()) : *body));
    if (!conn.reusable()) out.push_back("not reusable");
  }
  co_await c->close();
  co_return out;
}

task<std::vector<std::string>> against_server(echo_handler* h, manual_pclock* wall,
                                              task<std::vector<std::string>> (*client)(pipe_end*)) {
  server<echo_handler, manual_pclock> srv(*h, *wall);
  auto [c, s] = make_pipe();
  auto [done, out] = co_await when_all(srv.serve_connection(s, {}), client(&c));
  (void)done;
  co_return out;
}

TEST_F(client_fixture, keeps_one_connection_for_several_requests_with_bodies) {
  auto r = loop.run(against_server(&handler, &wall, &three_requests));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ((*r)[0], "GET /one:");
  EXPECT_EQ((*r)[1], "POST 100005");
  EXPECT_EQ((*r)[2], "POST /three:abc");
}

task<std::vector<std::string>> chunked_and_head(pipe_end* c) {
  client_connection conn(*c);
  std::vector<std::string> out;
  (void)co_await conn.send({.target = "/chunked", .host = "h"});
  auto h = co_await conn.read_head();
  if (!h) co_return out;
  out.push_back((*h)->body == body_kind::chunked ? "chunked" : "not chunked");
  auto body = co_await conn.read_body_all();
  out.push_back(body ? std::to_string(body->size()) : "error");
  (void)co_await conn.send({.verb = method::head, .target = "/x", .host = "h"});
  auto h2 = co_await conn.read_head();
  if (!h2) co_return out;
  auto body2 = co_await conn.read_body_all();
  out.push_back(std::string(*(*h2)->headers.get("content-length")) + "/" +
                (body2 ? std::to_string(body2->size()) : "error"));
  out.push_back(conn.reusable() ? "reusable" : "not reusable");
  co_await c->close();
  co_return out;
}

TEST_F(client_fixture, decodes_chunked_responses_and_head_has_no_body) {
  auto r = loop.run(against_server(&handler, &wall, &chunked_and_head));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<std::string>{"chunked", "500", "3/0", "reusable"}));
}

// A scripted server: reads one request head, writes `reply`, then closes
// (or stays silent when `hold`).
task<void> scripted(pipe_end* s, std::string reply, bool hold) {
  std::byte buf[4096];
  std::string got;
  while (got.find("\r\n\r\n") == std::string::npos) {
    auto n = co_await s->read(mut_bytes(buf, sizeof buf));
    if (!n || *n == 0) co_return;
    got.append(bytes(buf, *n).chars());
  }
  if (!reply.empty()) (void)co_await s->write(bytes::of(reply));
  if (hold) {
    (void)co_await sleep(1h);
  }
  co_await s->close();
}

struct fetch_outcome {
  int code = 0;
  std::string body;
  std::optional<client_error> error;
  static fetch_outcome refused() { return {}; }
};

task<fetch_outcome> get_once(pipe_end* c, client_config cfg) {
  client_connection conn(*c, cfg);
  fetch_outcome out;
  auto s = co_await conn.send({.target = "/", .host = "h"});
  if (!s) {
    out.error = s.error();
    co_return out;
  }
  auto h = co_await conn.read_head();
  if (!h) {
    out.error = h.error();
    co_return out;
  }
  out.code = (*h)->code;
  auto body = co_await conn.read_body_all();
  if (!body) {
    out.error = body.error();
  } else {
    out.body = *body;
  }
  co_await c->close();
  co_return out;
}

task<fetch_outcome> against_script(std::string reply, bool hold, client_config cfg) {
  auto [c, s] = make_pipe();
  auto [done, out] = co_await when_all(scripted(&s, std::move(reply), hold), get_once(&c, cfg));
  (void)done;
  co_return out;
}

fetch_outcome run_script(fata::loop& loop, std::string reply, bool hold = false,
                         client_config cfg = {}) {
  auto r = loop.run(against_script(std::move(reply), hold, cfg));
  return r ? *r : fetch_outcome{-1, "", client_error::io};
}

TEST_F(client_fixture, skips_informational_responses) {
  auto r = run_script(loop, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n"
                            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.body, "ok");
}

TEST_F(client_fixture, reads_a_close_delimited_body) {
  auto r = run_script(loop, "HTTP/1.0 200 OK\r\n\r\nuntil the end");
  EXPECT_FALSE(r.error);
  EXPECT_EQ(r.body, "until the end");
}

TEST_F(client_fixture, truncated_body_is_closed) {
  auto r = run_script(loop, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, client_error::closed);
}

TEST_F(client_fixture, malformed_response_is_bad_response) {
  auto r = run_script(loop, "HTTP/1.1 OK 200\r\n\r\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, client_error::bad_response);
}

TEST_F(client_fixture, silent_server_times_out) {
  client_config cfg;
  cfg.head_timeout = 5s;
  auto r = run_script(loop, "", true, cfg);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, client_error::timed_out);
}

TEST_F(client_fixture, stalled_body_times_out) {
  client_config cfg;
  cfg.io_timeout = 5s;
  auto r = run_script(loop, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart", true, cfg);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, client_error::timed_out);
}

TEST_F(client_fixture, body_over_the_limit_is_too_large) {
  client_config cfg;
  cfg.max_body = 10;
  auto r = run_script(loop, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890", false, cfg);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, client_error::too_large);
  r = run_script(loop, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n012345\r\n6\r\n012345\r\n0\r\n\r\n",
                 false, cfg);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, client_error::too_large);
}

TEST_F(client_fixture, oversized_head_is_too_large) {
  client_config cfg;
  cfg.limits.max_head = 100;
  auto r = run_script(loop, "HTTP/1.1 200 OK\r\nX: " + std::string(200, 'x') + "\r\n\r\n", false, cfg);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(*r.error, client_error::too_large);
}

TEST(http_request_head, includes_host_agent_and_length) {
  std::string out;
  const header_field extra[] = {{"Accept", "*/*"}};
  http::detail::write_request_head(out, {.verb = method::post, .target = "/p?q", .host = "ex.org:8080",
                                   .headers = extra, .body = bytes::of("12345")},
                             "fata-test");
  EXPECT_EQ(out,
            "POST /p?q HTTP/1.1\r\nHost: ex.org:8080\r\nAccept: */*\r\nUser-Agent: fata-test\r\n"
            "Content-Length: 5\r\n\r\n");
}

// --- URLs ---------------------------------------------------------------------

TEST(http_url, parses_http_and_https) {
  auto u = url::parse("https://Example.ORG/a/b?c=d#frag");
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->https);
  EXPECT_EQ(u->host, "example.org");
  EXPECT_EQ(u->number, port(443));
  EXPECT_EQ(u->target, "/a/b?c=d");
  EXPECT_EQ(u->authority(), "example.org");
  auto v = url::parse("http://127.0.0.1:8080");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->target, "/");
  EXPECT_EQ(v->authority(), "127.0.0.1:8080");
  EXPECT_EQ(v->text(), "http://127.0.0.1:8080/");
  EXPECT_EQ(url::parse("http://h?x")->target, "/?x");
}

TEST(http_url, rejects_what_it_cannot_fetch) {
  for (std::string_view bad : {"ftp://h/", "http://", "http://user@h/", "http://h:0/",
                               "http://h:70000/", "http://h:x/", "http://h /", "//h/", "h/p",
                               "http://[::1]/"})
    EXPECT_FALSE(url::parse(bad)) << bad;
}

TEST(http_host_field, accepts_names_addresses_and_ports) {
  EXPECT_EQ(host_of_field("example.org"), "example.org");
  EXPECT_EQ(host_of_field("Example.ORG:8080"), "Example.ORG");
  EXPECT_EQ(host_of_field("localhost"), "localhost");
  EXPECT_EQ(host_of_field("10.0.0.1:80"), "10.0.0.1");
  EXPECT_EQ(host_of_field("[::1]:443"), "[::1]");
  EXPECT_EQ(host_of_field("[2001:db8::10.0.0.1]"), "[2001:db8::10.0.0.1]");
  EXPECT_EQ(host_of_field("a_b-c.example."), "a_b-c.example.");
  EXPECT_EQ(host_of_field(std::string(63, 'a') + ".b"), std::string(63, 'a') + ".b");
}

TEST(http_host_field, refuses_what_must_not_be_echoed) {
  for (std::string_view bad :
       {"", ":80", "evil.example/x", "evil.example\\x", "user@evil.example", "a b", "a..b", ".a",
        "a:", "a:x", "a:65536", "a:123456", "a:80:80", "%65vil", "[::1", "[]", "[v1.x]", "[::1]x",
        "[::1]:", "a\r\nSet-Cookie: x", "\xc3\xa9.example", "."})
    EXPECT_FALSE(host_of_field(bad)) << bad;
  EXPECT_FALSE(host_of_field(std::string(64, 'a')));
  const std::string l63(63, 'a');
  EXPECT_TRUE(host_of_field(l63 + "." + l63 + "." + l63 + "." + std::string(61, 'a')));  // 253
  EXPECT_FALSE(host_of_field(l63 + "." + l63 + "." + l63 + "." + l63));                  // 255
}

TEST(http_url, resolves_locations) {
  const url base = *url::parse("http://h:8080/dir/page.html?q");
  EXPECT_EQ(resolve_location(base, "https://other/x")->text(), "https://other/x");
  EXPECT_EQ(resolve_location(base, "//other/y")->text(), "http://other/y");
  EXPECT_EQ(resolve_location(base, "/root")->text(), "http://h:8080/root");
  EXPECT_EQ(resolve_location(base, "sibling.html")->text(), "http://h:8080/dir/sibling.html");
  EXPECT_EQ(resolve_location(base, "?z")->text(), "http://h:8080/dir/page.html?z");
  EXPECT_FALSE(resolve_location(base, "mailto:x@y"));
  EXPECT_FALSE(resolve_location(base, ""));
}

}  // namespace
