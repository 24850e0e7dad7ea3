// HTTP over TLS over an in-memory pipe: fata's HTTP client through a
// tls::flow against fata's HTTP server through another, keep-alive across
// requests and a large body, as the website and the fetch example use them.
#include <fata/http/client.hpp>
#include <fata/http/server.hpp>
#include <fata/tls/flow.hpp>

#include <fata/core/join.hpp>
#include <fata/testing/fakes.hpp>
#include <fata/testing/pipe.hpp>

#include <gtest/gtest.h>

#include "tls_test_support.hpp"

namespace {

using namespace fata;
using fata::testing::make_pipe;
using fata::testing::manual_pclock;
using fata::testing::pipe_end;
using fata::testing::seeded_random;

struct big_handler {
  std::string big = std::string(200000, 'z');
  task<void> handle(const http::request& req, http::response& res) {
    if (req.head.path == "/big") {
      res.append_view(bytes::of(big));
    } else {
      res.append_text("secure ");
      res.append_text(req.head.path);
    }
    co_return;
  }
};

task<void> https_server(pipe_end inner, tls::server_context* ctx, seeded_random* rng,
                        big_handler* h, manual_pclock* wall) {
  auto f = co_await tls::accept(std::move(inner), *ctx, *rng);
  if (!f) co_return;
  http::server<big_handler, manual_pclock> srv(*h, *wall);
  co_await srv.serve_connection(*f, {{}, true});
}

task<std::vector<std::string>> https_client(pipe_end inner, tls::client_context* ctx,
                                            manual_pclock* wall, seeded_random* rng) {
  std::vector<std::string> out;
  auto f = co_await tls::connect(std::move(inner), *ctx, "localhost", *wall, *rng);
  if (!f) {
    out.push_back(std::string(tls::describe(f.error())));
    co_return out;
  }
  http::client_connection conn(*f);
  for (std::string_view path : {"/a", "/big", "/b"}) {
    auto s = co_await conn.send({.target = path, .host = "localhost"});
    if (!s) break;
    auto h = co_await conn.read_head();
    if (!h) break;
    auto body = co_await conn.read_body_all();
    if (!body) break;
    out.push_back(body->size() > 100 ? std::to_string(body->size()) : *body);
    if (!conn.reusable()) out.push_back("not reusable");
  }
  co_await f->close();
  co_return out;
}

task<std::vector<std::string>> run_https(tls::server_context* s, tls::client_context* c,
                                         manual_pclock* wall, big_handler* h) {
  seeded_random srng{11}, crng{12};
  auto [a, b] = make_pipe();
  auto [done, out] = co_await when_all(https_server(std::move(b), s, &srng, h, wall),
                                       https_client(std::move(a), c, wall, &crng));
  (void)done;
  co_return out;
}

TEST(https, client_and_server_keep_a_tls_connection_alive) {
  virtual_backend clock;
  fata::loop loop(clock);
  manual_pclock wall(wall_from_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count()));
  tls::server_context server;
  ASSERT_TRUE(server.add(tls::test::chain_of("ec"), tls::test::key_of("ec")));
  tls::client_context client(tls::test::test_ca());
  big_handler h;
  auto r = loop.run(run_https(&server, &client, &wall, &h));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, (std::vector<std::string>{"secure /a", "200000", "secure /b"}));
}

}  // namespace
