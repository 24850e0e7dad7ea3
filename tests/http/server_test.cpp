// The HTTP/1.1 server over in-memory pipes on a virtual clock: framing,
// persistence and pipelining, bodies both ways, every error status, and
// timeouts for slow clients.
#include <fata/http/server.hpp>
#include <fata/testing/fakes.hpp>
#include <fata/testing/listener.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "http_test_support.hpp"

namespace {

using namespace fata;
using namespace fata::http;
using namespace fata::http::test;
using fata::testing::make_pipe;
using fata::testing::manual_pclock;
using fata::testing::pipe_end;
using fata::testing::pipe_listener;
using fata::testing::pipe_options;

// A body streamed in three pieces of unknown total length.
class three_pieces final : public body_source {
 public:
  task<result<bytes, errc>> next() override {
    static constexpr std::string_view pieces[] = {"one ", "two ", "three"};
    if (_i == 3) co_return bytes{};
    co_return bytes::of(pieces[_i++]);
  }

 private:
  int _i = 0;
};

struct test_handler {
  int calls = 0;
  std::string big = std::string(100000, 'b');
  task<void> handle(const request& req, response& res) {
    ++calls;
    const std::string_view path = req.head.path;
    if (path == "/echo") {
      auto body = co_await read_all(req.body, 1 << 20);
      res.add_header("Content-Type", "application/octet-stream");
      if (body) res.append_text(*body);
    } else if (path == "/pieces") {
      // Reads the body piece by piece and answers with the piece sizes.
      std::size_t largest = 0, total = 0, count = 0;
      for (;;) {
        auto piece = co_await req.body.read();
        if (!piece || piece->empty()) break;
        largest = std::max(largest, piece->size());
        total += piece->size();
        ++count;
      }
      res.append_text(std::to_string(count) + " " + std::to_string(total) + " " +
                      std::to_string(largest));
    } else if (path == "/refuse") {
      // As a handler for a method it does not take: answers, reads nothing.
      res.status = status::method_not_allowed;
      res.append_text("no");
    } else if (path == "/big") {
      res.append_view(bytes::of(big));
    } else if (path == "/stream") {
      res.set_stream(std::make_unique<three_pieces>(), std::nullopt);
    } else if (path == "/nothing") {
      res.status = status::no_content;
    } else if (path == "/close") {
      res.close = true;
      res.append_text("bye");
    } else {
      res.add_header("Content-Type", "text/plain");
      res.append_text("hello ");
      res.append_text(path);
    }
    co_return;
  }
};

struct server_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  manual_pclock wall;
  test_handler handler;
  server_config cfg = [] {
    server_config c;
    c.header_timeout = 5s;
    c.idle_timeout = 20s;
    c.linger_timeout = 100ms;
    return c;
  }();

  // Runs `client` against a server on a pipe; returns what client returns.
  template <class Client>
  std::string run(Client client, pipe_options o = {}) {
    server<test_handler, manual_pclock> srv(handler, wall, cfg);
    auto [c, s] = make_pipe(o);
    auto r = loop.run(drive(&srv, &s, client(&c)));
    last_stats = srv.stats();
    return r ? *r : "<stalled>";
  }

  static task<std::string> drive(server<test_handler, manual_pclock>* srv, pipe_end* s,
                                 task<std::string> client) {
    auto [served, out] = co_await when_all(srv->serve_connection(*s, {}), std::move(client));
    (void)served;
    co_return out;
  }

  server_stats last_stats;
};

task<std::string> send_close(pipe_end* c, std::string req) {
  co_return co_await exchange(c, std::move(req), true);
}

TEST_F(server_fixture, answers_a_get_with_length_date_and_server) {
  auto out = run([](pipe_end* c) {
    return send_close(c, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_EQ(rs[0].code, 200);
  EXPECT_EQ(rs[0].body, "hello /x");
  EXPECT_EQ(rs[0].field("content-length"), "8");
  EXPECT_EQ(rs[0].field("date"), "Thu, 01 Jan 2026 00:00:00 GMT");
  EXPECT_EQ(rs[0].field("server"), "fata");
}

TEST_F(server_fixture, keeps_the_connection_for_sequential_requests) {
  auto out = run([](pipe_end* c) -> task<std::string> {
    std::string all;
    for (int i = 0; i < 3; ++i) {
      auto w = co_await c->write(bytes::of("GET /" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
      if (!w) co_return "write failed";
      all += co_await read_until_quiet(c, 100ms);
    }
    co_await c->close();
    co_return all;
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 3u) << out;
  EXPECT_EQ(rs[2].body, "hello /2");
  EXPECT_EQ(last_stats.connections, 1u);
  EXPECT_EQ(last_stats.requests, 3u);
}

TEST_F(server_fixture, answers_pipelined_requests_in_order) {
  auto out = run([](pipe_end* c) {
    return send_close(c,
                      "GET /a HTTP/1.1\r\nHost: h\r\n\r\nHEAD /b HTTP/1.1\r\nHost: h\r\n\r\n"
                      "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
  });
  auto rs = split_responses(out, {method::get, method::head, method::get});
  ASSERT_EQ(rs.size(), 3u) << out;
  EXPECT_EQ(rs[0].body, "hello /a");
  EXPECT_EQ(rs[1].body, "");
  EXPECT_EQ(rs[1].field("content-length"), "8");
  EXPECT_EQ(rs[2].body, "hello /c");
}

TEST_F(server_fixture, pipelined_requests_split_at_every_byte) {
  pipe_options o;
  o.max_read = 1;
  auto out = run(
      [](pipe_end* c) {
        return send_close(c,
                          "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
                          "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                          "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
                          "GET /end HTTP/1.1\r\nHost: h\r\n\r\n");
      },
      o);
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 3u) << out;
  EXPECT_EQ(rs[0].body, "hello");
  EXPECT_EQ(rs[1].body, "abcde");
  EXPECT_EQ(rs[2].body, "hello /end");
}

TEST_F(server_fixture, large_bodies_cross_the_buffer) {
  auto out = run([](pipe_end* c) -> task<std::string> {
    std::string body(200000, 'x');
    for (std::size_t i = 0; i < body.size(); ++i) body[i] = char('a' + i % 23);
    std::string req = "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\n\r\n" + body;
    auto [w, got] = co_await when_all(c->write(bytes::of(req)), read_until_quiet(c));
    if (!w) co_return "write failed";
    auto rs = split_responses(got);
    co_return rs.size() == 1 && rs[0].body == body ? "same" : "different";
  });
  EXPECT_EQ(out, "same");
}

TEST_F(server_fixture, expect_continue_gets_100_before_the_body) {
  auto out = run([](pipe_end* c) -> task<std::string> {
    (void)co_await c->write(bytes::of(
        "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
    std::string first = co_await read_until_quiet(c, 100ms);
    (void)co_await c->write(bytes::of("ok"));
    (void)co_await c->shutdown(sig::shutdown_mode::write);
    co_return first + "|" + co_await read_until_quiet(c);
  });
  EXPECT_EQ(out.substr(0, 26), "HTTP/1.1 100 Continue\r\n\r\n|");
  auto rs = split_responses(out.substr(26));
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].body, "ok");
}

TEST_F(server_fixture, streams_of_unknown_length_are_chunked) {
  auto out = run([](pipe_end* c) {
    return send_close(c, "GET /stream HTTP/1.1\r\nHost: h\r\n\r\n");
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_TRUE(rs[0].chunked);
  EXPECT_EQ(rs[0].body, "one two three");
}

TEST_F(server_fixture, streams_to_http10_are_delimited_by_close) {
  auto out = run([](pipe_end* c) {
    return send_close(c, "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_FALSE(rs[0].chunked);
  EXPECT_EQ(rs[0].field("connection"), "close");
  EXPECT_EQ(rs[0].body, "one two three");
}

TEST_F(server_fixture, http10_keep_alive_is_acknowledged) {
  auto out = run([](pipe_end* c) {
    return send_close(c, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /b HTTP/1.0\r\n\r\n");
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 2u) << out;
  EXPECT_EQ(rs[0].field("connection"), "keep-alive");
  EXPECT_EQ(rs[1].field("connection"), "close");
}

TEST_F(server_fixture, no_content_has_no_length_and_no_body) {
  auto out = run([](pipe_end* c) {
    return send_close(c, "GET /nothing HTTP/1.1\r\nHost: h\r\n\r\n");
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_EQ(rs[0].code, 204);
  EXPECT_FALSE(rs[0].has("content-length"));
}

TEST_F(server_fixture, connection_close_from_the_client_ends_after_the_response) {
  auto out = run([](pipe_end* c) -> task<std::string> {
    (void)co_await c->write(bytes::of("GET /a HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"));
    std::string got = co_await read_until_quiet(c, 60s);
    co_return got;
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].field("connection"), "close");
  EXPECT_EQ(last_stats.active, 0u);
}

TEST_F(server_fixture, handler_can_close_the_connection) {
  auto out = run([](pipe_end* c) {
    return exchange(c, "GET /close HTTP/1.1\r\nHost: h\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n",
                    false, 60s);
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_EQ(rs[0].body, "bye");
}

struct bad_case {
  std::string request;
  int status;
};

class server_errors : public server_fixture, public ::testing::WithParamInterface<bad_case> {};

TEST_P(server_errors, bad_request_gets_its_status_and_the_connection_closes) {
  const bad_case bc = GetParam();
  cfg.limits.max_request_line = 1000;
  cfg.limits.max_head = 4000;
  cfg.limits.max_body = 5000;
  std::string req = bc.request;
  auto got = run([&req](pipe_end* c) { return exchange(c, req, false, 30s); });
  auto rs = split_responses(got);
  ASSERT_EQ(rs.size(), 1u) << got;
  EXPECT_EQ(rs[0].code, bc.status);
  EXPECT_EQ(rs[0].field("connection"), "close");
  EXPECT_FALSE(rs[0].body.empty());
  EXPECT_EQ(last_stats.active, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    statuses, server_errors,
    ::testing::Values(
        bad_case{"GARBAGE\r\n\r\n", 400},
        bad_case{"GET / HTTP/1.1\r\n\r\n", 400},
        bad_case{"GET / HTTP/1.1\r\nHost: h\r\nBad Field: x\r\n\r\n", 400},
        bad_case{std::string("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11), 400},
        bad_case{"GET /" + std::string(2000, 'a') + " HTTP/1.1\r\nHost: h\r\n\r\n", 414},
        bad_case{"GET / HTTP/1.1\r\nHost: h\r\nX: " + std::string(5000, 'v') + "\r\n\r\n", 431},
        bad_case{"POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 9999\r\n\r\n", 413},
        bad_case{"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                 "1000\r\n" + std::string(4096, 'c') + "\r\n1000\r\n",
                 413},
        bad_case{"POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        bad_case{"BREW /pot HTTP/1.1\r\nHost: h\r\n\r\n", 501},
        bad_case{"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        bad_case{"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505}));

TEST_F(server_fixture, slow_head_gets_408) {
  auto out = run([](pipe_end* c) -> task<std::string> {
    (void)co_await c->write(bytes::of("GET / HTTP/1.1\r\nHo"));
    // Trickle one byte per second: the head never completes in time.
    for (int i = 0; i < 10; ++i) {
      (void)co_await sleep(1s);
      auto w = co_await c->write(bytes::of("s"));
      if (!w) break;
    }
    co_return co_await read_until_quiet(c, 30s);
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_EQ(rs[0].code, 408);
  EXPECT_EQ(last_stats.header_timeouts, 1u);
}

TEST_F(server_fixture, silent_connection_is_closed_without_a_response) {
  auto out = run([](pipe_end* c) -> task<std::string> {
    co_return co_await read_until_quiet(c, 60s);
  });
  EXPECT_EQ(out, "");
  EXPECT_EQ(last_stats.idle_closes, 1u);
}

TEST_F(server_fixture, idle_keep_alive_connection_is_closed) {
  auto out = run([](pipe_end* c) -> task<std::string> {
    (void)co_await c->write(bytes::of("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
    std::string got = co_await read_until_quiet(c, 100ms);
    const mono_time before = loop::current().now();
    const bool closed = co_await closed_by_peer(c, 60s);
    const auto waited = loop::current().now() - before;
    co_return got + (closed && waited >= 19s && waited <= 21s ? "|closed" : "|open");
  });
  EXPECT_NE(out.find("|closed"), std::string::npos) << out;
}

TEST_F(server_fixture, slow_body_times_out) {
  cfg.body_timeout = 3s;
  auto out = run([](pipe_end* c) -> task<std::string> {
    (void)co_await c->write(bytes::of("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nab"));
    co_return co_await read_until_quiet(c, 30s);
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_EQ(rs[0].code, 408);
}

TEST_F(server_fixture, client_vanishing_mid_request_is_counted) {
  auto out = run([](pipe_end* c) -> task<std::string> {
    (void)co_await c->write(bytes::of("GET / HTTP/1.1\r\nHos"));
    c->abort();
    co_return "";
  });
  (void)out;
  EXPECT_EQ(last_stats.aborted, 1u);
  EXPECT_EQ(last_stats.active, 0u);
}

// --- request bodies and memory ------------------------------------------------

std::string post(std::string_view path, const std::string& body, std::string_view extra = {}) {
  return "POST " + std::string(path) + " HTTP/1.1\r\nHost: h\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + std::string(extra) + "\r\n" + body;
}

TEST_F(server_fixture, a_body_reaches_the_handler_in_bounded_pieces) {
  cfg.limits.max_body = 1 << 20;
  const std::string body(300000, 'p');
  server<test_handler, manual_pclock> srv(handler, wall, cfg);
  auto [c, s] = make_pipe();
  auto r = loop.run(drive(&srv, &s, exchange(&c, post("/pieces", body), true, 5s)));
  ASSERT_TRUE(r);
  auto rs = split_responses(*r);
  ASSERT_EQ(rs.size(), 1u) << *r;
  std::istringstream in(rs[0].body);
  std::size_t count = 0, total = 0, largest = 0;
  in >> count >> total >> largest;
  EXPECT_EQ(total, body.size());
  EXPECT_GT(count, 10u);
  EXPECT_LE(largest, fata::http::detail::connection_buffer::body_room);
  // What the connection held at its peak: its fixed cost and one body room,
  // not the body.
  EXPECT_LE(srv.connections().memory().peak(), 8 * 1024 + 17 * 1024u);
}

TEST_F(server_fixture, a_refused_body_is_not_stored_and_the_connection_goes_on) {
  const std::string body(50000, 'r');
  server<test_handler, manual_pclock> srv(handler, wall, cfg);
  auto [c, s] = make_pipe();
  auto r = loop.run(drive(&srv, &s, exchange(&c, post("/refuse", body) +
                                                     "GET /next HTTP/1.1\r\nHost: h\r\n\r\n",
                                             true, 5s)));
  ASSERT_TRUE(r);
  auto rs = split_responses(*r);
  ASSERT_EQ(rs.size(), 2u) << *r;
  EXPECT_EQ(rs[0].code, 405);
  EXPECT_NE(rs[0].field("connection"), "close");
  EXPECT_EQ(rs[1].body, "hello /next");
  EXPECT_EQ(srv.stats().bodies_discarded, 1u);
  EXPECT_LE(srv.connections().memory().peak(), 8 * 1024 + 17 * 1024u);
}

TEST_F(server_fixture, an_unread_body_beyond_max_discard_closes_after_the_answer) {
  cfg.max_discard = 1000;
  const std::string body(5000, 'r');
  auto out = run([&body](pipe_end* c) { return exchange(c, post("/refuse", body), false, 5s); });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_EQ(rs[0].code, 405);
  EXPECT_EQ(rs[0].field("connection"), "close");
}

TEST_F(server_fixture, expect_continue_unread_gets_the_answer_without_100) {
  auto out = run([](pipe_end* c) {
    return exchange(c, "POST /refuse HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n"
                       "Expect: 100-continue\r\n\r\n", false, 5s);
  });
  auto rs = split_responses(out);
  ASSERT_EQ(rs.size(), 1u) << out;
  EXPECT_EQ(rs[0].code, 405);
  EXPECT_EQ(rs[0].field("connection"), "close");
  EXPECT_EQ(out.find("100 Continue"), std::string::npos);
}

TEST_F(server_fixture, a_body_trickled_before_each_read_timeout_gets_408_at_the_request_timeout) {
  cfg.body_timeout = 5s;
  cfg.request_timeout = 20s;
  mono_time answered{};
  auto out = run([&answered](pipe_end* c) -> task<std::string> {
    const mono_time start = loop::current().now();
    (void)co_await c->write(bytes::of("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1000\r\n\r\n"));
    for (int i = 0; i < 100; ++i) {
      (void)co_await sleep(4s);
      auto w = co_await c->write(bytes::of("x"));
      if (!w) break;
    }
    std::string got = co_await read_until_quiet(c, 1s);
    answered = mono_time{} + (loop::current().now() - start);
    co_return got;
  });
  auto rs = split_responses(out);
  ASSERT_GE(rs.size(), 1u) << out;
  EXPECT_EQ(rs[0].code, 408);
  EXPECT_EQ(last_stats.request_timeouts, 1u);
}

TEST_F(server_fixture, a_long_head_moves_to_the_heap_and_gives_it_back_after_the_request) {
  server<test_handler, manual_pclock> srv(handler, wall, cfg);
  auto [c, s] = make_pipe();
  const std::string req = "GET /a HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(9000, 'l') + "\r\n\r\n";
  std::size_t used_after = 1;
  auto client = [](pipe_end* c, std::string req, memory_budget* m, std::size_t* after) -> task<std::string> {
    std::string out = co_await exchange(c, req, false, 1s);
    *after = m->used();
    co_await c->close();
    co_return out;
  };
  auto r = loop.run(drive(&srv, &s, client(&c, req, &srv.connections().memory(), &used_after)));
  ASSERT_TRUE(r);
  EXPECT_EQ(split_responses(*r).at(0).body, "hello /a");
  EXPECT_GE(srv.connections().memory().peak(), 9000u);
  // Kept alive and idle: nothing but (with a table slot) its fixed cost.
  EXPECT_EQ(used_after, 0u);
}

TEST_F(server_fixture, a_head_the_budget_cannot_hold_gets_503) {
  cfg.memory = 4096;  // less than a head of 9000 bytes needs
  server<test_handler, manual_pclock> srv(handler, wall, cfg);
  auto [c, s] = make_pipe();
  const std::string req = "GET /a HTTP/1.1\r\nHost: h\r\nX-Long: " + std::string(9000, 'l') + "\r\n\r\n";
  auto r = loop.run(drive(&srv, &s, exchange(&c, req, false, 3s)));
  ASSERT_TRUE(r);
  auto rs = split_responses(*r);
  ASSERT_EQ(rs.size(), 1u) << *r;
  EXPECT_EQ(rs[0].code, 503);
  EXPECT_EQ(srv.stats().no_memory, 1u);
  EXPECT_LE(srv.connections().memory().peak(), 4096u);
}

// --- the accept loop ----------------------------------------------------------

struct listener_run {
  std::vector<std::string> outputs;
  server_stats stats;
  static listener_run refused() { return {}; }
};

task<std::string> one_request(pipe_listener* l, std::string req) {
  pipe_end c = l->connect();
  std::string out = co_await exchange(&c, std::move(req), true, 30s);
  co_await c.close();
  co_return out;
}

task<listener_run> listener_scenario(server<test_handler, manual_pclock>* srv, pipe_listener* l) {
  task_group g;
  g.spawn(srv->serve(*l));
  listener_run run;
  run.outputs.push_back(co_await one_request(l, "GET /first HTTP/1.1\r\nHost: h\r\n\r\n"));
  run.outputs.push_back(co_await one_request(l, "NOT HTTP AT ALL\r\n\r\n"));
  run.outputs.push_back(co_await one_request(l, "GET /" + std::string(20000, 'x') + " HTTP/1.1\r\n"));
  run.outputs.push_back(co_await one_request(l, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n"));
  l->close();
  co_await g.join();
  run.stats = srv->stats();
  co_return run;
}

TEST_F(server_fixture, server_keeps_serving_after_bad_connections) {
  server<test_handler, manual_pclock> srv(handler, wall, cfg);
  pipe_listener l;
  auto r = loop.run(listener_scenario(&srv, &l));
  ASSERT_TRUE(r);
  ASSERT_EQ(r->outputs.size(), 4u);
  EXPECT_EQ(split_responses(r->outputs[0]).at(0).body, "hello /first");
  EXPECT_EQ(split_responses(r->outputs[1]).at(0).code, 400);
  EXPECT_EQ(split_responses(r->outputs[2]).at(0).code, 414);
  EXPECT_EQ(split_responses(r->outputs[3]).at(0).body, "hello /after");
  EXPECT_EQ(r->stats.connections, 4u);
  EXPECT_EQ(r->stats.active, 0u);
}

task<int> over_the_limit(server<test_handler, manual_pclock>* srv, pipe_listener* l) {
  task_group g;
  g.spawn(srv->serve(*l));
  pipe_end a = l->connect();
  pipe_end b = l->connect();
  co_await yield_now{};
  co_await yield_now{};
  // The table is full of connections that have said nothing: the oldest
  // gives way to the newcomer.
  (void)co_await sleep(10ms);
  pipe_end c = l->connect();
  const bool a_closed = co_await closed_by_peer(&a, 1s);
  std::string out = co_await exchange(&c, "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n", true, 1s);
  co_await a.close();
  co_await b.close();
  co_await c.close();
  l->close();
  co_await g.join();
  co_return (a_closed ? 1 : 0) + (split_responses(out).size() == 1 ? 2 : 0);
}

TEST_F(server_fixture, when_full_the_oldest_silent_connection_gives_way_to_a_new_one) {
  cfg.max_connections = 2;
  server<test_handler, manual_pclock> srv(handler, wall, cfg);
  pipe_listener l;
  auto r = loop.run(over_the_limit(&srv, &l));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 3);
  EXPECT_EQ(srv.connections().stats().shed_slow, 1u);
  EXPECT_EQ(srv.stats().connections_refused, 0u);
}

task<int> full_of_busy_connections(server<test_handler, manual_pclock>* srv, pipe_listener* l) {
  task_group g;
  g.spawn(srv->serve(*l));
  // Two connections whose responses (100 kB, never read) are being sent:
  // they are not shed, so the third is refused.
  pipe_end a = l->connect();
  pipe_end b = l->connect();
  (void)co_await a.write(bytes::of("GET /big HTTP/1.1\r\nHost: h\r\n\r\n"));
  (void)co_await b.write(bytes::of("GET /big HTTP/1.1\r\nHost: h\r\n\r\n"));
  (void)co_await sleep(10ms);
  pipe_end c = l->connect();
  const bool c_closed = co_await closed_by_peer(&c, 1s);
  a.abort();
  b.abort();
  co_await c.close();
  l->close();
  co_await g.join();
  co_return c_closed ? 1 : 0;
}

TEST_F(server_fixture, connections_busy_answering_are_not_shed) {
  cfg.max_connections = 2;
  server<test_handler, manual_pclock> srv(handler, wall, cfg);
  pipe_listener l;
  pipe_options o;
  auto r = loop.run(full_of_busy_connections(&srv, &l));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 1);
  EXPECT_EQ(srv.stats().connections_refused, 1u);
}

}  // namespace

// --- coroutine frames the heap cannot give ------------------------------------

void refuse_frames() { task_frames().set_limit(0); }
void allow_frames() { task_frames().set_limit(memory_budget::unlimited); }

struct starved_run {
  bool a_closed_unanswered = false;
  bool c_closed_unanswered = false;
  std::string b_answer;
  static starved_run refused() { return {}; }
};

task<starved_run> starve_then_serve(server<test_handler, manual_pclock>* srv, pipe_listener* l) {
  task_group g;
  g.spawn(srv->serve(*l));
  starved_run run;
  pipe_end a = l->connect();
  (void)co_await sleep(1ms);  // a's task waits for its head
  (void)co_await a.write(bytes::of("GET /a HTTP/1.1\r\nHost: h\r\n\r\n"));
  pipe_end c = l->connect();
  // From here until allow_frames the server runs without new frames (and
  // so does this task, which only sleeps): a's handler finds none, so a
  // is closed without an answer; c's connection task finds none, so c is
  // refused; the accept loop's next accept finds none and backs off.
  refuse_frames();
  (void)co_await sleep(100ms);
  allow_frames();
  std::string a_out = co_await read_until_quiet(&a, 1s);
  std::string c_out = co_await read_until_quiet(&c, 1s);
  run.a_closed_unanswered = a_out.empty() && co_await closed_by_peer(&a, 1s);
  run.c_closed_unanswered = c_out.empty() && co_await closed_by_peer(&c, 1s);
  allow_frames();
  pipe_end b = l->connect();
  run.b_answer = co_await exchange(&b, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n", true, 1s);
  co_await a.close();
  co_await b.close();
  co_await c.close();
  l->close();
  co_await g.join();
  co_return run;
}

TEST_F(server_fixture, a_connection_whose_frames_are_refused_is_closed_and_the_server_goes_on) {
  server<test_handler, manual_pclock> srv(handler, wall, cfg);
  pipe_listener l;
  const auto refused_before = task_frames_refused();
  auto r = loop.run(starve_then_serve(&srv, &l));
  allow_frames();
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->a_closed_unanswered);
  EXPECT_TRUE(r->c_closed_unanswered);
  auto rs = split_responses(r->b_answer);
  ASSERT_EQ(rs.size(), 1u) << r->b_answer;
  EXPECT_EQ(rs[0].body, "hello /b");
  EXPECT_EQ(srv.stats().connections_refused, 1u);
  EXPECT_GE(srv.stats().aborted, 1u);
  EXPECT_EQ(srv.stats().active, 0u);
  EXPECT_EQ(srv.connections().active(), 0u);
  EXPECT_GE(task_frames_refused(), refused_before + 2);
}
