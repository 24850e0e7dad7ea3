// TLS over in-memory pipes: fata's client against fata's server. Every
// suite with both key types, SNI, ALPN, resumption, close_notify, each way
// certificate validation fails, and hostile input (garbage, half-open
// handshakes, truncated and forged records).
#include <fata/tls/flow.hpp>

#include <fata/core/join.hpp>
#include <fata/testing/fakes.hpp>
#include <fata/testing/pipe.hpp>

#include <gtest/gtest.h>

#include "tls_test_support.hpp"

namespace {

using namespace fata;
using namespace fata::tls;
using namespace fata::tls::test;
using fata::testing::make_pipe;
using fata::testing::manual_pclock;
using fata::testing::pipe_end;
using fata::testing::seeded_random;
using sig::flow_error;

using tls_pipe = tls::flow<pipe_end>;

struct tls_fixture : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  // Real time: the test CAs are made at build time, valid from then on.
  manual_pclock wall{wall_from_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count())};
  seeded_random server_rng{1};
  seeded_random client_rng{2};
  server_options sopts;
  client_options copts;
  std::unique_ptr<server_context> server;
  std::unique_ptr<client_context> client;

  void make(bool with_rsa = true, bool with_other = true) {
    server = std::make_unique<server_context>(sopts);
    ASSERT_TRUE(server->add(chain_of("ec"), key_of("ec")));
    if (with_rsa) {
      ASSERT_TRUE(server->add(chain_of("rsa"), key_of("rsa")));
    }
    if (with_other) {
      ASSERT_TRUE(server->add(chain_of("other"), key_of("other")));
    }
    client = std::make_unique<client_context>(test_ca(), copts);
  }
  void make_with(const std::string& name) {
    server = std::make_unique<server_context>(sopts);
    ASSERT_TRUE(server->add(chain_of(name), key_of(name)));
    client = std::make_unique<client_context>(test_ca(), copts);
  }
};

struct session_report {
  std::optional<tls_error> server_error;
  std::optional<tls_error> client_error;
  std::string server_got;
  std::string client_got;
  cipher_suite suite{};
  std::string alpn_server, alpn_client;
  bool server_resumed = false;
  bool client_resumed = false;
  std::string sni;
  static session_report refused() { return {}; }
};

task<std::string> read_to_end(tls_pipe* f, std::optional<flow_error>* err) {
  std::string out;
  std::byte buf[3000];
  for (;;) {
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (!n) {
      *err = n.error();
      break;
    }
    if (*n == 0) break;
    out.append(bytes(buf, *n).chars());
  }
  co_return out;
}

// The server: accept, read one line, answer "echo:" and the line, close.
task<void> echo_server(pipe_end inner, server_context* ctx, seeded_random* rng,
                       session_report* rep) {
  auto f = co_await tls::accept(std::move(inner), *ctx, *rng);
  if (!f) {
    rep->server_error = f.error();
    co_return;
  }
  rep->suite = f->suite();
  rep->alpn_server = std::string(f->alpn());
  rep->server_resumed = f->resumed();
  rep->sni = std::string(f->server_name());
  // Read one message (up to a marker) then answer.
  std::string got;
  std::byte buf[4096];
  while (got.find('\n') == std::string::npos) {
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (!n || *n == 0) {
      if (!n) rep->server_error = f->last_error();
      co_await f->close();
      co_return;
    }
    got.append(bytes(buf, *n).chars());
  }
  rep->server_got = got;
  const std::string reply = "echo:" + got;
  (void)co_await f->write(bytes::of(reply));
  co_await f->close();
}

// The host name the client connects with; `no_check` uses tls::no_host_check.
struct client_host {
  std::string name;
  bool no_check = false;
};

task<result<tls_pipe, tls_error>> connect_as(pipe_end inner, client_context* ctx,
                                             const client_host& host, manual_pclock* wall,
                                             seeded_random* rng) {
  if (host.no_check) co_return co_await tls::connect(std::move(inner), *ctx, no_host_check, *wall, *rng);
  co_return co_await tls::connect(std::move(inner), *ctx, host.name, *wall, *rng);
}

task<void> echo_client(pipe_end inner, client_context* ctx, client_host host, manual_pclock* wall,
                       seeded_random* rng, session_report* rep, std::string message) {
  auto f = co_await connect_as(std::move(inner), ctx, host, wall, rng);
  if (!f) {
    rep->client_error = f.error();
    co_return;
  }
  rep->alpn_client = std::string(f->alpn());
  rep->client_resumed = f->resumed();
  auto w = co_await f->write(bytes::of(message));
  if (!w) {
    rep->client_error = f->last_error();
    co_return;
  }
  std::optional<flow_error> err;
  rep->client_got = co_await read_to_end(&*f, &err);
  if (err) rep->client_error = f->last_error();
  co_await f->close();
}

task<session_report> run_session(server_context* s, client_context* c, client_host host,
                                 manual_pclock* wall, seeded_random* srng, seeded_random* crng,
                                 std::string message) {
  session_report rep;
  auto [a, b] = make_pipe();
  co_await when_all(echo_server(std::move(b), s, srng, &rep),
                    echo_client(std::move(a), c, std::move(host), wall, crng, &rep, message));
  co_return rep;
}

session_report run_as(tls_fixture& f, client_host host, std::string message = "hello\n") {
  auto r = f.loop.run(run_session(f.server.get(), f.client.get(), std::move(host), &f.wall,
                                  &f.server_rng, &f.client_rng, std::move(message)));
  EXPECT_TRUE(r);
  return r ? *r : session_report{};
}

session_report run(tls_fixture& f, std::string host = "localhost",
                   std::string message = "hello\n") {
  return run_as(f, client_host{std::move(host)}, std::move(message));
}

// --- handshakes -------------------------------------------------------------------

class tls_suites : public tls_fixture, public ::testing::WithParamInterface<cipher_suite> {};

TEST_P(tls_suites, handshake_and_data_with_each_suite) {
  copts.suites = {GetParam()};
  make();
  auto rep = run(*this);
  ASSERT_FALSE(rep.server_error) << describe(*rep.server_error);
  ASSERT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_EQ(rep.suite, GetParam());
  EXPECT_EQ(rep.server_got, "hello\n");
  EXPECT_EQ(rep.client_got, "echo:hello\n");
}

INSTANTIATE_TEST_SUITE_P(all, tls_suites, ::testing::ValuesIn(all_suites()),
                         [](const auto& info) {
                           std::string n(openssl_name(info.param));
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST_F(tls_fixture, rsa_only_server_negotiates_an_rsa_suite) {
  make_with("rsa");
  auto rep = run(*this);
  ASSERT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_TRUE(rep.suite == cipher_suite::ecdhe_rsa_aes128_gcm_sha256 ||
              rep.suite == cipher_suite::ecdhe_rsa_chacha20_poly1305_sha256 ||
              rep.suite == cipher_suite::ecdhe_rsa_aes256_gcm_sha384);
}

TEST_F(tls_fixture, no_common_suite_fails_the_handshake) {
  copts.suites = {cipher_suite::ecdhe_rsa_aes128_gcm_sha256};
  make_with("ec");
  auto rep = run(*this);
  ASSERT_TRUE(rep.server_error);
  ASSERT_TRUE(rep.client_error);
}

TEST_F(tls_fixture, sni_chooses_the_chain_for_the_name) {
  make();
  auto rep = run(*this, "other.example");
  ASSERT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_EQ(rep.sni, "other.example");
  EXPECT_EQ(rep.client_got, "echo:hello\n");
}

TEST_F(tls_fixture, unknown_name_gets_the_default_chain) {
  make();
  auto rep = run(*this, "unknown.example");
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::cert_wrong_name);
}

TEST_F(tls_fixture, alpn_picks_a_common_protocol) {
  sopts.alpn = {"h2", "http/1.1"};
  copts.alpn = {"http/1.1"};
  make();
  auto rep = run(*this);
  ASSERT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_EQ(rep.alpn_server, "http/1.1");
  EXPECT_EQ(rep.alpn_client, "http/1.1");
}

TEST_F(tls_fixture, alpn_without_overlap_continues_without_protocol) {
  sopts.alpn = {"h2"};
  copts.alpn = {"http/1.1"};
  make();
  auto rep = run(*this);
  ASSERT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_EQ(rep.alpn_client, "");
}

TEST_F(tls_fixture, second_connection_resumes_the_session) {
  make();
  auto first = run(*this);
  ASSERT_FALSE(first.client_error) << describe(*first.client_error);
  EXPECT_FALSE(first.server_resumed);
  EXPECT_FALSE(first.client_resumed);
  auto second = run(*this);
  ASSERT_FALSE(second.client_error) << describe(*second.client_error);
  EXPECT_TRUE(second.server_resumed);
  EXPECT_TRUE(second.client_resumed);
  EXPECT_EQ(second.client_got, "echo:hello\n");
}

TEST_F(tls_fixture, without_a_cache_sessions_are_not_resumed) {
  sopts.session_cache_bytes = 0;
  make();
  (void)run(*this);
  auto second = run(*this);
  ASSERT_FALSE(second.client_error) << describe(*second.client_error);
  EXPECT_FALSE(second.server_resumed);
  EXPECT_FALSE(second.client_resumed);
}

// --- certificate validation ----------------------------------------------------------

TEST_F(tls_fixture, wrong_host_name_is_reported) {
  make_with("wrong");
  auto rep = run(*this);
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::cert_wrong_name);
}

// --- the host name check -------------------------------------------------------------

TEST_F(tls_fixture, empty_host_name_is_refused_before_the_handshake) {
  make();
  auto rep = run(*this, "");
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::no_host_name);
  // Nothing was sent: the server saw the transport end, not a ClientHello.
  ASSERT_TRUE(rep.server_error);
  EXPECT_EQ(*rep.server_error, tls_error::closed);
  EXPECT_EQ(rep.server_got, "");
}

TEST_F(tls_fixture, empty_host_name_is_refused_by_an_insecure_client_too) {
  make();
  client = std::make_unique<client_context>(client_context::insecure());
  auto rep = run(*this, "");
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::no_host_name);
}

TEST_F(tls_fixture, no_host_check_connects_whatever_the_certificate_names) {
  make_with("wrong");  // a valid chain for wrong.example only
  auto rep = run_as(*this, client_host{"", true});
  ASSERT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_EQ(rep.client_got, "echo:hello\n");
  EXPECT_EQ(rep.sni, "");  // no name sent either
}

TEST_F(tls_fixture, no_host_check_still_validates_the_chain) {
  make_with("rogue");
  auto rep = run_as(*this, client_host{"", true});
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::cert_unknown_ca);
}

TEST_F(tls_fixture, no_host_check_sessions_are_neither_kept_nor_offered) {
  make();
  (void)run_as(*this, client_host{"", true});
  auto second = run_as(*this, client_host{"", true});
  ASSERT_FALSE(second.client_error) << describe(*second.client_error);
  EXPECT_FALSE(second.client_resumed);
  EXPECT_FALSE(second.server_resumed);
}

TEST_F(tls_fixture, expired_certificate_is_reported) {
  make_with("expired");
  auto rep = run(*this);
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::cert_expired);
}

TEST_F(tls_fixture, validation_uses_the_clock) {
  make_with("ec");
  wall.set(wall_from_ns(2'556'057'600'000'000'000));  // 2051-01-01: after notAfter
  auto rep = run(*this);
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::cert_expired);
}

TEST_F(tls_fixture, not_yet_valid_certificate_is_reported) {
  make_with("future");
  auto rep = run(*this);
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::cert_not_yet_valid);
}

TEST_F(tls_fixture, unknown_ca_is_reported) {
  make_with("rogue");
  auto rep = run(*this);
  ASSERT_TRUE(rep.client_error);
  EXPECT_EQ(*rep.client_error, tls_error::cert_unknown_ca);
}

TEST_F(tls_fixture, insecure_client_accepts_any_certificate) {
  make_with("rogue");
  client = std::make_unique<client_context>(client_context::insecure());
  auto rep = run(*this);
  ASSERT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_EQ(rep.client_got, "echo:hello\n");
}

TEST_F(tls_fixture, server_without_certificates_refuses) {
  server = std::make_unique<server_context>();
  client = std::make_unique<client_context>(test_ca());
  auto rep = run(*this);
  ASSERT_TRUE(rep.server_error);
  EXPECT_EQ(*rep.server_error, tls_error::no_certificate);
  ASSERT_TRUE(rep.client_error);
}

task<std::optional<tls_error>> accept_with_failing_rng(server_context* ctx) {
  auto [a, b] = make_pipe();
  fata::testing::failing_random rng;
  auto f = co_await tls::accept(std::move(b), *ctx, rng);
  co_return f ? std::nullopt : std::optional<tls_error>(f.error());
}

TEST_F(tls_fixture, no_entropy_no_handshake) {
  make();
  auto r = loop.run(accept_with_failing_rng(server.get()));
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  EXPECT_EQ(**r, tls_error::no_entropy);
}

// --- data transfer -------------------------------------------------------------------

TEST_F(tls_fixture, large_messages_cross_many_records) {
  make();
  std::string big(300000, 'x');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = char('a' + (i * 13) % 26);
  big += '\n';
  auto rep = run(*this, "localhost", big);
  ASSERT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_TRUE(rep.server_got == big);
  EXPECT_TRUE(rep.client_got == "echo:" + big);
}

// A client that writes and reads at the same time: a big upload while the
// server streams back what it receives.
task<void> streaming_server(pipe_end inner, server_context* ctx, seeded_random* rng,
                            std::size_t* echoed) {
  auto f = co_await tls::accept(std::move(inner), *ctx, *rng);
  if (!f) co_return;
  std::byte buf[5000];
  for (;;) {
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (!n || *n == 0) break;
    auto w = co_await f->write(bytes(buf, *n));
    if (!w) break;
    *echoed += *n;
  }
  co_await f->close();
}

task<bool> upload(tls_pipe* f, std::size_t total) {
  std::string chunk(7000, 'u');
  std::size_t sent = 0;
  while (sent < total) {
    auto w = co_await f->write(bytes::of(chunk));
    if (!w) co_return false;
    sent += chunk.size();
  }
  co_return true;
}

// TLS 1.2 has no half-close (a close_notify ends both directions, RFC 5246
// §7.2.1), so the client reads exactly what it sent before closing.
task<std::size_t> download(tls_pipe* f, std::size_t total) {
  std::size_t got = 0;
  std::byte buf[3000];
  while (got < total) {
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (!n || *n == 0) break;
    got += *n;
  }
  co_return got;
}

task<std::size_t> duplex_client(pipe_end inner, client_context* ctx, manual_pclock* wall,
                                seeded_random* rng) {
  auto f = co_await tls::connect(std::move(inner), *ctx, "localhost", *wall, *rng);
  if (!f) co_return 0;
  auto [ok, got] = co_await when_all(upload(&*f, 700000), download(&*f, 700000));
  co_await f->close();
  co_return ok ? got : 0;
}

task<std::pair<std::size_t, std::size_t>> duplex(server_context* s, client_context* c,
                                                 manual_pclock* wall, seeded_random* srng,
                                                 seeded_random* crng) {
  auto [a, b] = make_pipe();
  std::size_t echoed = 0;
  auto [done, got] = co_await when_all(streaming_server(std::move(b), s, srng, &echoed),
                                       duplex_client(std::move(a), c, wall, crng));
  (void)done;
  co_return std::pair{echoed, got};
}

TEST_F(tls_fixture, one_reader_and_one_writer_at_once) {
  make();
  auto r = loop.run(duplex(server.get(), client.get(), &wall, &server_rng, &client_rng));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->first, 700000u);
  EXPECT_EQ(r->second, 700000u);
}

// --- closing ----------------------------------------------------------------------------

TEST_F(tls_fixture, close_notify_ends_the_stream_cleanly_both_ways) {
  make();
  auto rep = run(*this);
  // The client read to end of stream without error: the server's
  // close_notify arrived; the server saw the client's message complete.
  EXPECT_FALSE(rep.client_error) << describe(*rep.client_error);
  EXPECT_FALSE(rep.server_error);
  EXPECT_EQ(rep.client_got, "echo:hello\n");
}

// A client that completes the handshake, then does something raw on the
// transport below; returns what the server's read ended with.
enum class raw_action { drop_transport, truncated_record, forged_record, plaintext };

task<std::optional<tls_error>> server_reads(pipe_end inner, server_context* ctx,
                                            seeded_random* rng) {
  auto f = co_await tls::accept(std::move(inner), *ctx, *rng);
  if (!f) co_return f.error();
  std::byte buf[100];
  auto n = co_await f->read(mut_bytes(buf, sizeof buf));
  std::optional<tls_error> out;
  if (!n) out = f->last_error();
  co_await f->close();
  co_return out;
}

task<void> misbehaving_client(pipe_end inner, client_context* ctx, manual_pclock* wall,
                              seeded_random* rng, raw_action action) {
  auto f = co_await tls::connect(std::move(inner), *ctx, "localhost", *wall, *rng);
  if (!f) co_return;
  pipe_end& raw = f->inner();
  switch (action) {
    case raw_action::drop_transport:
      break;
    case raw_action::truncated_record: {
      const unsigned char part[] = {0x17, 0x03, 0x03, 0x00, 0x40, 1, 2, 3, 4, 5};
      (void)co_await raw.write(bytes(part, sizeof part));
      break;
    }
    case raw_action::forged_record: {
      unsigned char rec[5 + 40] = {0x17, 0x03, 0x03, 0x00, 40};
      for (int i = 5; i < 45; ++i) rec[i] = static_cast<unsigned char>(i * 7);
      (void)co_await raw.write(bytes(rec, sizeof rec));
      (void)co_await sleep(1s);
      break;
    }
    case raw_action::plaintext:
      (void)co_await raw.write(bytes::of("GET / HTTP/1.1\r\n\r\n"));
      (void)co_await sleep(1s);
      break;
  }
  co_await raw.close();
}

std::optional<tls_error> misbehave(tls_fixture& fx, raw_action action) {
  auto r = fx.loop.run([](tls_fixture* fx, raw_action action) -> task<std::optional<tls_error>> {
    auto [a, b] = make_pipe();
    auto [err, done] = co_await when_all(
        server_reads(std::move(b), fx->server.get(), &fx->server_rng),
        misbehaving_client(std::move(a), fx->client.get(), &fx->wall, &fx->client_rng, action));
    (void)done;
    co_return err;
  }(&fx, action));
  return r ? *r : std::optional<tls_error>(tls_error::internal);
}

TEST_F(tls_fixture, transport_ending_without_close_notify_is_truncation) {
  make();
  auto e = misbehave(*this, raw_action::drop_transport);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, tls_error::truncated);
}

TEST_F(tls_fixture, truncated_record_is_an_error) {
  make();
  auto e = misbehave(*this, raw_action::truncated_record);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, tls_error::truncated);
}

TEST_F(tls_fixture, forged_record_fails_authentication) {
  make();
  auto e = misbehave(*this, raw_action::forged_record);
  ASSERT_TRUE(e);
  EXPECT_EQ(*e, tls_error::bad_mac);
}

TEST_F(tls_fixture, plaintext_after_the_handshake_is_not_a_record) {
  make();
  auto e = misbehave(*this, raw_action::plaintext);
  ASSERT_TRUE(e);
  EXPECT_TRUE(*e == tls_error::bad_record || *e == tls_error::unsupported_version) << describe(*e);
}

// --- hostile handshakes ------------------------------------------------------------------

task<std::optional<tls_error>> accept_raw(server_context* ctx, seeded_random* rng,
                                          std::string first_bytes, bool then_close) {
  auto [a, b] = make_pipe();
  task_group g;
  g.spawn([](pipe_end* a, std::string data, bool close) -> task<void> {
    (void)co_await a->write(bytes::of(data));
    if (close) (void)co_await a->shutdown(sig::shutdown_mode::write);
    // Otherwise hold the connection open, saying nothing more.
    (void)co_await sleep(1h);
  }(&a, std::move(first_bytes), then_close));
  auto f = co_await tls::accept(std::move(b), *ctx, *rng);
  g.cancel();
  co_await g.join();
  co_return f ? std::nullopt : std::optional<tls_error>(f.error());
}

TEST_F(tls_fixture, garbage_instead_of_client_hello_fails_at_once) {
  make();
  const mono_time before = loop.now();
  auto r = loop.run(accept_raw(server.get(), &server_rng, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", false));
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  EXPECT_TRUE(**r == tls_error::bad_record || **r == tls_error::unsupported_version)
      << describe(**r);
  EXPECT_LT(loop.now() - before, 1s);
}

TEST_F(tls_fixture, half_open_handshake_times_out) {
  sopts.handshake_timeout = 3s;
  make();
  const mono_time before = loop.now();
  // The first bytes of a ClientHello record, then silence.
  auto r = loop.run(accept_raw(server.get(), &server_rng, std::string("\x16\x03\x01\x00\xc8\x01", 6), false));
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  EXPECT_EQ(**r, tls_error::timed_out);
  EXPECT_GE(loop.now() - before, 3s);
  EXPECT_LT(loop.now() - before, 4s);
}

TEST_F(tls_fixture, client_leaving_mid_handshake_is_closed) {
  make();
  auto r = loop.run(accept_raw(server.get(), &server_rng, std::string("\x16\x03\x01\x00\xc8\x01", 6), true));
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  EXPECT_EQ(**r, tls_error::closed);
}

}  // namespace
