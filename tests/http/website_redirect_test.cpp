// The static website's HTTP-to-HTTPS redirect (apps/static-website's
// https_redirect) over a pipe: only a valid host[:port] from the Host
// field is echoed into the Location, the path is kept after the
// authority, and anything else gets the configured name.
#include "unikernel.hpp"

#include <fata/testing/fakes.hpp>

#include <gtest/gtest.h>

#include "http_test_support.hpp"

namespace {

using namespace fata;
using namespace fata::http;
using namespace fata::http::test;
using fata::testing::make_pipe;
using fata::testing::manual_pclock;

task<std::string> redirect_one(website::https_redirect* r, manual_pclock* wall, std::string req) {
  server<website::https_redirect, manual_pclock> srv(*r, *wall);
  auto [c, s] = make_pipe();
  auto [done, out] = co_await when_all(srv.serve_connection(s, {}), exchange(&c, req, true));
  (void)done;
  co_return out;
}

struct redirect_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  manual_pclock wall;
  website::https_redirect redirect{port(8443), "site.example"};

  // The Location answering "GET target" with `host_line` ("Host: ...").
  std::string location(std::string_view target, std::string_view host_line) {
    std::string req = "GET " + std::string(target) + " HTTP/1.1\r\n" + std::string(host_line) +
                      "\r\nConnection: close\r\n\r\n";
    auto out = loop.run(redirect_one(&redirect, &wall, std::move(req)));
    if (!out) return "<no answer>";
    auto rs = split_responses(*out);
    if (rs.size() != 1 || rs[0].code != 301) return "<not a 301>";
    return rs[0].field("location");
  }
};

TEST_F(redirect_fixture, a_valid_host_is_kept_with_the_https_port) {
  EXPECT_EQ(location("/about.html?x=1", "Host: localhost:8080"), "https://localhost:8443/about.html?x=1");
  EXPECT_EQ(location("/", "Host: [::1]"), "https://[::1]:8443/");
  EXPECT_EQ(location("/", "Host: 10.0.0.2"), "https://10.0.0.2:8443/");
}

TEST_F(redirect_fixture, a_double_slash_path_stays_after_the_authority) {
  EXPECT_EQ(location("//evil.example/x", "Host: localhost"), "https://localhost:8443//evil.example/x");
}

TEST_F(redirect_fixture, an_invalid_host_gets_the_configured_name) {
  for (std::string_view bad : {"Host: evil.example/x", "Host: user@evil.example", "Host: evil.example\\x",
                               "Host: a..b", "Host: a:99999", "Host: %65vil.example"})
    EXPECT_EQ(location("/p", bad), "https://site.example:8443/p") << bad;
}

TEST_F(redirect_fixture, no_host_gets_the_configured_name) {
  // HTTP/1.0 may omit Host.
  auto out = loop.run(redirect_one(&redirect, &wall, "GET /p HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(out);
  auto rs = split_responses(*out);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].field("location"), "https://site.example:8443/p");
}

TEST_F(redirect_fixture, the_default_https_port_is_not_written) {
  redirect.https_port = port(443);
  EXPECT_EQ(location("/p", "Host: localhost:80"), "https://localhost/p");
}

}  // namespace
