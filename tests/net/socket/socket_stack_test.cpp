// The socket stack against Linux peers on loopback, over IPv4 and IPv6:
// plain blocking sockets in a helper thread, and curl.
#include <fata/net/socket/stack.hpp>

#include <fata/core/join.hpp>
#include <fata/core/loop.hpp>
#include <fata/runtime/runtime.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace fata;
using fata::net::socket::stack;
using sig::flow_error;
using sig::ipv4_endpoint;
using sig::stack_error;

constexpr ipv4_addr loopback = ipv4_addr::loopback();

// --- plain Linux peers ---------------------------------------------------------

// A loopback socket of `family` (AF_INET: 127.0.0.1, AF_INET6: ::1), bound
// to a port the kernel picks (its number in *port_out), listening if asked.
int linux_socket(int family, int type, std::uint16_t* port_out, bool listen) {
  const int fd = ::socket(family, type | SOCK_CLOEXEC, 0);
  sockaddr_storage a{};
  socklen_t len = 0;
  if (family == AF_INET6) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&a);
    a6->sin6_family = AF_INET6;
    a6->sin6_addr = in6addr_loopback;
    len = sizeof *a6;
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&a);
    a4->sin_family = AF_INET;
    a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a4;
  }
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), len), 0);
  if (listen) {
    EXPECT_EQ(::listen(fd, 16), 0);
  }
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port_out = ntohs(family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&a)->sin6_port
                                       : reinterpret_cast<sockaddr_in*>(&a)->sin_port);
  return fd;
}

int linux_listener(std::uint16_t* port_out) { return linux_socket(AF_INET, SOCK_STREAM, port_out, true); }

// A connection to `port` on the loopback address of `family`, or -1.
int linux_connect(std::uint16_t port, int family = AF_INET) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_storage a{};
  socklen_t len = 0;
  if (family == AF_INET6) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&a);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(port);
    a6->sin6_addr = in6addr_loopback;
    len = sizeof *a6;
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&a);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(port);
    a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    len = sizeof *a4;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), len) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string pattern(std::size_t n, unsigned seed = 1) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 24);
  }
  return s;
}

// Whether this host has IPv6 on loopback (a container may run without).
bool has_ipv6_loopback() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

struct socket_stack_fixture : ::testing::Test {
  runtime::platform_backend backend;
  fata::loop loop{backend};
  stack net = std::move(*stack::open());
};

// --- fata coroutines used by the tests -----------------------------------------

task<result<std::string, flow_error>> read_to_end(stack::tcp_flow& f) {
  std::string out;
  std::vector<std::byte> buf(16384);
  for (;;) {
    auto n = co_await f.read(mut_bytes(buf.data(), buf.size()));
    if (!n) co_return unexpected(n.error());
    if (*n == 0) break;
    out.append(reinterpret_cast<const char*>(buf.data()), *n);
  }
  co_return out;
}

task<int> echo_one(stack* s, port* bound, std::atomic<std::uint16_t>* announce) {
  auto l = s->tcp_listen(port(0));
  if (!l) co_return 1;
  *bound = l->local().number;
  announce->store(bound->value);
  auto f = co_await l->accept();
  if (!f) co_return 2;
  auto data = co_await read_to_end(*f);
  if (!data) co_return 3;
  auto w = co_await f->write(bytes::of(*data));
  if (!w) co_return 4;
  co_await f->close();
  co_return 0;
}

TEST_F(socket_stack_fixture, accepts_a_linux_client_and_echoes_its_bytes) {
  port bound;
  std::atomic<std::uint16_t> announce{0};
  const std::string payload = pattern(300000);
  std::string echoed;
  std::thread peer([&] {
    while (announce.load() == 0) std::this_thread::yield();
    const int fd = linux_connect(announce.load());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(write_all(fd, payload));
    ::shutdown(fd, SHUT_WR);
    echoed = read_all(fd);
    ::close(fd);
  });
  auto r = loop.run(echo_one(&net, &bound, &announce));
  peer.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(echoed.size(), payload.size());
  EXPECT_TRUE(echoed == payload);
  EXPECT_EQ(net.stats().tcp_accepted, 1u);
}

task<result<std::string, flow_error>> fetch(stack* s, ipv4_endpoint server, std::string request) {
  auto f = co_await s->tcp_connect(server);
  if (!f) co_return unexpected(f.error());
  if (f->remote() != server) co_return unexpected(flow_error::protocol);
  if (f->local().address != loopback) co_return unexpected(flow_error::protocol);
  f->set_nodelay(true);
  const std::string_view req = request;
  const bytes parts[3] = {bytes::of(req.substr(0, 3)), bytes{}, bytes::of(req.substr(3))};
  auto w = co_await f->writev(parts);
  if (!w) co_return unexpected(w.error());
  auto sh = co_await f->shutdown(sig::shutdown_mode::write);
  if (!sh) co_return unexpected(sh.error());
  auto data = co_await read_to_end(*f);
  co_await f->close();
  co_return data;
}

TEST_F(socket_stack_fixture, connects_to_a_linux_server_writes_and_half_closes) {
  std::uint16_t p = 0;
  const int lfd = linux_listener(&p);
  std::string received;
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    received = read_all(fd);  // ends only when our half-close arrives
    write_all(fd, "reply:" + std::to_string(received.size()));
    ::close(fd);
  });
  auto r = loop.run(fetch(&net, {loopback, port(p)}, "hello, linux"));
  server.join();
  ::close(lfd);
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r) << describe(r->error());
  EXPECT_EQ(received, "hello, linux");
  EXPECT_EQ(**r, "reply:12");
}

task<result<void, flow_error>> connect_only(stack* s, ipv4_endpoint to) {
  auto f = co_await s->tcp_connect(to);
  if (!f) co_return unexpected(f.error());
  co_await f->close();
  co_return result<void, flow_error>{};
}

// A port bound but not listening, held (without SO_REUSEADDR, so that no
// other program can listen on it meanwhile) until the descriptor closes:
// a SYN to it is answered with a RST.
int bound_not_listening(std::uint16_t* port_out) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  *port_out = ntohs(a.sin_port);
  return fd;
}

TEST_F(socket_stack_fixture, connecting_to_a_closed_port_is_refused) {
  std::uint16_t p = 0;
  const int held = bound_not_listening(&p);
  auto r = loop.run(connect_only(&net, {loopback, port(p)}));
  ::close(held);
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), flow_error::refused);
  EXPECT_EQ(net.stats().tcp_connect_failed, 1u);
}

task<result<std::size_t, flow_error>> read_once(stack* s, ipv4_endpoint to) {
  auto f = co_await s->tcp_connect(to);
  if (!f) co_return unexpected(f.error());
  std::byte buf[64];
  auto n = co_await f->read(mut_bytes(buf, sizeof buf));
  if (!n) {
    // Errors are sticky: a second operation fails the same way.
    auto again = co_await f->write(bytes::of("x"));
    if (again || again.error() != n.error()) co_return unexpected(flow_error::protocol);
  }
  co_return n;
}

TEST_F(socket_stack_fixture, a_reset_from_the_peer_is_flow_error_reset_and_sticky) {
  std::uint16_t p = 0;
  const int lfd = linux_listener(&p);
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    linger l{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    ::close(fd);  // RST
  });
  auto r = loop.run(read_once(&net, {loopback, port(p)}));
  server.join();
  ::close(lfd);
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), flow_error::reset);
}

TEST_F(socket_stack_fixture, end_of_stream_reads_as_zero) {
  std::uint16_t p = 0;
  const int lfd = linux_listener(&p);
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    ::shutdown(fd, SHUT_WR);
    read_all(fd);
    ::close(fd);
  });
  auto r = loop.run(read_once(&net, {loopback, port(p)}));
  server.join();
  ::close(lfd);
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r);
  EXPECT_EQ(**r, 0u);
}

task<int> drop_flow(stack* s, ipv4_endpoint to) {
  auto f = co_await s->tcp_connect(to);
  if (!f) co_return 1;
  co_await sleep(20ms);  // let the server accept
  co_return 0;           // f dropped without close(): RST
}

TEST_F(socket_stack_fixture, dropping_a_flow_without_close_resets_the_connection) {
  std::uint16_t p = 0;
  const int lfd = linux_listener(&p);
  int peer_errno = 0;
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    char c;
    if (::read(fd, &c, 1) < 0) peer_errno = errno;
    ::close(fd);
  });
  auto r = loop.run(drop_flow(&net, {loopback, port(p)}));
  server.join();
  ::close(lfd);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(peer_errno, ECONNRESET);
}

task<int> listen_twice(stack* s) {
  auto a = s->tcp_listen(port(0));
  if (!a) co_return 1;
  auto b = s->tcp_listen(a->local().number);
  if (b) co_return 2;
  co_return b.error() == stack_error::address_in_use ? 0 : 3;
}

TEST_F(socket_stack_fixture, listening_on_a_taken_port_is_address_in_use) {
  auto r = loop.run(listen_twice(&net));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
}

task<result<result<stack::tcp_flow, flow_error>, errc>> accept_with_timeout(stack* s) {
  auto l = s->tcp_listen(port(0));
  if (!l) co_return unexpected(errc::io);
  auto r = co_await with_timeout(30ms, l->accept());
  if (!r) co_return unexpected(r.error());
  co_return std::move(*r);
}

TEST_F(socket_stack_fixture, a_pending_accept_honours_cancellation) {
  const mono_time start = loop.now();
  auto r = loop.run(accept_with_timeout(&net));
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), errc::timed_out);
  EXPECT_GE(loop.now() - start, 30ms);
  EXPECT_EQ(net.stats().sockets_open, 0u);
}

task<void> close_later(stack::tcp_listener* l) {
  co_await sleep(10ms);
  l->close();
}

task<flow_error> accept_then_closed(stack* s) {
  auto l = s->tcp_listen(port(0));
  if (!l) co_return flow_error::io;
  auto [accepted, nothing] = co_await when_all(l->accept(), close_later(&*l));
  (void)nothing;
  if (accepted) co_return flow_error::protocol;
  co_return accepted.error();
}

TEST_F(socket_stack_fixture, closing_a_listener_wakes_a_pending_accept_with_closed) {
  auto r = loop.run(accept_then_closed(&net));
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, flow_error::closed);
}

task<result<std::size_t, flow_error>> read_with_timeout(stack* s, ipv4_endpoint to) {
  auto f = co_await s->tcp_connect(to);
  if (!f) co_return unexpected(f.error());
  std::byte buf[16];
  auto r = co_await with_timeout(20ms, f->read(mut_bytes(buf, sizeof buf)));
  co_await f->close();
  if (!r) co_return unexpected(flow_error::cancelled);
  co_return *r;
}

TEST_F(socket_stack_fixture, a_pending_read_honours_cancellation) {
  std::uint16_t p = 0;
  const int lfd = linux_listener(&p);
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    read_all(fd);
    ::close(fd);
  });
  auto r = loop.run(read_with_timeout(&net, {loopback, port(p)}));
  server.join();
  ::close(lfd);
  ASSERT_TRUE(r);
  ASSERT_FALSE(*r);
  EXPECT_EQ(r->error(), flow_error::cancelled);
}

task<int> idle_with_unread_data(stack* s, ipv4_endpoint to, std::uint64_t* rounds_during_sleep) {
  auto f = co_await s->tcp_connect(to);
  if (!f) co_return 1;
  co_await sleep(30ms);  // the peer's bytes arrive; nobody reads them
  const std::uint64_t resumes = loop::current().stats().resumes;
  co_await sleep(100ms);
  *rounds_during_sleep = loop::current().stats().resumes - resumes;
  co_await f->close();
  co_return 0;
}

TEST_F(socket_stack_fixture, unread_data_does_not_make_the_loop_spin) {
  std::uint16_t p = 0;
  const int lfd = linux_listener(&p);
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    write_all(fd, "unread bytes");
    read_all(fd);
    ::close(fd);
  });
  std::uint64_t resumes = ~0ull;
  auto r = loop.run(idle_with_unread_data(&net, {loopback, port(p)}, &resumes));
  server.join();
  ::close(lfd);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
  EXPECT_LT(resumes, 10u);
}

// A writer faster than its reader: write() waits on the host's buffer and
// every byte still arrives in order.
task<int> bulk_send(stack* s, ipv4_endpoint to, const std::string* data) {
  auto f = co_await s->tcp_connect(to);
  if (!f) co_return 1;
  for (std::size_t off = 0; off < data->size(); off += 100000) {
    const std::size_t n = std::min<std::size_t>(100000, data->size() - off);
    auto w = co_await f->write(bytes::of(std::string_view(*data).substr(off, n)));
    if (!w) co_return 2;
  }
  co_await f->close();
  co_return 0;
}

TEST_F(socket_stack_fixture, a_bulk_write_to_a_slow_reader_arrives_intact) {
  std::uint16_t p = 0;
  const int lfd = linux_listener(&p);
  const std::string payload = pattern(8 << 20, 7);
  std::string got;
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    // Not reading for a while fills the host's buffers (a few MiB on
    // loopback), so the writer has to wait for room.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    got = read_all(fd);
    ::close(fd);
  });
  auto r = loop.run(bulk_send(&net, {loopback, port(p)}, &payload));
  server.join();
  ::close(lfd);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(got.size(), payload.size());
  EXPECT_TRUE(got == payload);
}

// --- UDP ---------------------------------------------------------------------

int linux_udp(std::uint16_t* port_out) { return linux_socket(AF_INET, SOCK_DGRAM, port_out, false); }

void linux_send_to(int fd, std::uint16_t port, std::string_view data) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
}

struct udp_outcome {
  sig::udp_datagram first;
  std::string first_text;
  sig::udp_datagram second;
};

task<result<udp_outcome, stack_error>> udp_exchange(stack* s, std::atomic<std::uint16_t>* announce,
                                                    sig::ip_endpoint peer) {
  auto u = s->udp_bind(port(0));
  if (!u) co_return unexpected(u.error());
  announce->store(u->local().number.value);
  udp_outcome out;
  std::byte buf[8];
  auto d = co_await u->receive_from(mut_bytes(buf, sizeof buf));
  if (!d) co_return unexpected(d.error());
  out.first = *d;
  out.first_text.assign(reinterpret_cast<const char*>(buf), d->size);
  auto d2 = co_await u->receive_from(mut_bytes(buf, 4));
  if (!d2) co_return unexpected(d2.error());
  out.second = *d2;
  auto sent = co_await u->send_to(peer, bytes::of("pong"));
  if (!sent) co_return unexpected(sent.error());
  u->close();
  co_return out;
}

TEST_F(socket_stack_fixture, udp_reports_source_destination_and_truncation_and_sends_back) {
  std::uint16_t peer_port = 0;
  const int fd = linux_udp(&peer_port);
  std::atomic<std::uint16_t> announce{0};
  std::string reply;
  std::thread peer([&] {
    while (announce.load() == 0) std::this_thread::yield();
    linux_send_to(fd, announce.load(), "ping");
    linux_send_to(fd, announce.load(), "0123456789");
    char buf[64];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) reply.assign(buf, static_cast<std::size_t>(n));
  });
  auto r = loop.run(udp_exchange(&net, &announce, ipv4_endpoint{loopback, port(peer_port)}));
  peer.join();
  ::close(fd);
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r) << describe(r->error());
  const udp_outcome& o = **r;
  EXPECT_EQ(o.first_text, "ping");
  EXPECT_EQ(o.first.source, (ipv4_endpoint{loopback, port(peer_port)}));
  EXPECT_EQ(o.first.destination, (ipv4_endpoint{loopback, port(announce.load())}));
  EXPECT_FALSE(o.first.truncated);
  EXPECT_EQ(o.second.size, 4u);
  EXPECT_TRUE(o.second.truncated);
  EXPECT_EQ(reply, "pong");
  EXPECT_EQ(net.stats().udp_truncated, 1u);
}

TEST_F(socket_stack_fixture, binding_a_udp_port_twice_is_address_in_use) {
  auto a = net.udp_bind(port(0));
  ASSERT_TRUE(a);
  auto b = net.udp_bind(a->local().number);
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error(), stack_error::address_in_use);
}

TEST(socket_stack, the_socket_limit_is_enforced) {
  runtime::platform_backend backend;
  fata::loop loop{backend};
  auto s = stack::open({.max_sockets = 2});
  ASSERT_TRUE(s);
  auto a = s->udp_bind(port(0));
  auto b = s->tcp_listen(port(0));
  auto c = s->udp_bind(port(0));
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error(), stack_error::no_memory);
  EXPECT_EQ(s->stats().sockets_refused, 1u);
}

// --- Linux tools -------------------------------------------------------------

task<int> serve_http_once(stack* s, std::atomic<std::uint16_t>* announce) {
  auto l = s->tcp_listen(port(0));
  if (!l) co_return 1;
  announce->store(l->local().number.value);
  auto f = co_await l->accept();
  if (!f) co_return 2;
  std::string request;
  std::byte buf[4096];
  while (request.find("\r\n\r\n") == std::string::npos) {
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (!n || *n == 0) co_return 3;
    request.append(reinterpret_cast<const char*>(buf), *n);
  }
  const std::string body = "served by fata's socket stack\n";
  const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) +
                           "\r\nConnection: close\r\n\r\n";
  const bytes parts[2] = {bytes::of(head), bytes::of(body)};
  auto w = co_await f->writev(parts);
  if (!w) co_return 4;
  co_await f->close();
  co_return 0;
}

struct socket_stack_curl : socket_stack_fixture, ::testing::WithParamInterface<const char*> {};

TEST_P(socket_stack_curl, curl_fetches_a_page_served_over_the_socket_stack) {
  const char* curl_host = GetParam();
  if (std::string_view(curl_host) == "[::1]" && !has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this host";
  // scripts/install-deps installs curl: without it this is a failure.
  ASSERT_EQ(::system("command -v curl >/dev/null 2>&1"), 0) << "curl is not installed";
  std::atomic<std::uint16_t> announce{0};
  std::string body;
  std::thread client([&] {
    while (announce.load() == 0) std::this_thread::yield();
    const std::string cmd = "curl -s --max-time 10 http://" + std::string(curl_host) + ":" +
                            std::to_string(announce.load()) + "/";
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[256];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) body.append(buf, n);
    ::pclose(p);
  });
  auto r = loop.run(serve_http_once(&net, &announce));
  client.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(body, "served by fata's socket stack\n");
}

// One listener, both families: curl over IPv4 and over IPv6.
INSTANTIATE_TEST_SUITE_P(families, socket_stack_curl, ::testing::Values("127.0.0.1", "[::1]"));

// --- IPv6 (the default bind takes both families) ---------------------------------

const ipv6_addr loopback6 = ipv6_addr::loopback();

task<int> echo_two_and_report(stack* s, std::atomic<std::uint16_t>* announce, std::vector<sig::ip_endpoint>* peers) {
  auto l = s->tcp_listen(port(0));
  if (!l) co_return 1;
  announce->store(l->local().number.value);
  for (int i = 0; i < 2; ++i) {
    auto f = co_await l->accept();
    if (!f) co_return 2;
    peers->push_back(f->remote());
    auto data = co_await read_to_end(*f);
    if (!data) co_return 3;
    auto w = co_await f->write(bytes::of(*data));
    if (!w) co_return 4;
    co_await f->close();
  }
  co_return 0;
}

TEST_F(socket_stack_fixture, one_listener_takes_ipv6_and_ipv4_clients_and_reports_each_family) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this host";
  EXPECT_EQ(net.ipv6_address(), ipv6_addr::any());
  std::atomic<std::uint16_t> announce{0};
  std::vector<sig::ip_endpoint> peers;
  std::string echoed6, echoed4;
  std::thread peer([&] {
    while (announce.load() == 0) std::this_thread::yield();
    const int fd6 = linux_connect(announce.load(), AF_INET6);
    ASSERT_GE(fd6, 0);
    ASSERT_TRUE(write_all(fd6, "over IPv6"));
    ::shutdown(fd6, SHUT_WR);
    echoed6 = read_all(fd6);
    ::close(fd6);
    const int fd4 = linux_connect(announce.load());
    ASSERT_GE(fd4, 0);
    ASSERT_TRUE(write_all(fd4, "over IPv4"));
    ::shutdown(fd4, SHUT_WR);
    echoed4 = read_all(fd4);
    ::close(fd4);
  });
  auto r = loop.run(echo_two_and_report(&net, &announce, &peers));
  peer.join();
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, 0);
  EXPECT_EQ(echoed6, "over IPv6");
  EXPECT_EQ(echoed4, "over IPv4");
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0].address, ip_addr(loopback6));
  // An IPv4 client of the dual-stack socket is an IPv4 endpoint, not ::ffff:127.0.0.1.
  EXPECT_EQ(peers[1].address, ip_addr(loopback));
}

TEST_F(socket_stack_fixture, connects_to_a_linux_server_over_ipv6) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this host";
  std::uint16_t p = 0;
  const int lfd = linux_socket(AF_INET6, SOCK_STREAM, &p, true);
  std::string got;
  std::thread server([&] {
    const int fd = ::accept(lfd, nullptr, nullptr);
    got = read_all(fd);
    write_all(fd, "six back");
    ::close(fd);
  });
  auto r = loop.run([](stack* s, std::uint16_t port_number) -> task<result<std::string, flow_error>> {
    const sig::ip_endpoint server{ipv6_addr::loopback(), port(port_number)};
    auto f = co_await s->tcp_connect(server);
    if (!f) co_return unexpected(f.error());
    if (f->remote() != server || f->local().address != ip_addr(ipv6_addr::loopback()))
      co_return unexpected(flow_error::protocol);
    auto w = co_await f->write(bytes::of("six out"));
    if (!w) co_return unexpected(w.error());
    auto sh = co_await f->shutdown(sig::shutdown_mode::write);
    if (!sh) co_return unexpected(sh.error());
    auto data = co_await read_to_end(*f);
    co_await f->close();
    co_return data;
  }(&net, p));
  server.join();
  ::close(lfd);
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r) << describe(r->error());
  EXPECT_EQ(**r, "six back");
  EXPECT_EQ(got, "six out");
}

TEST_F(socket_stack_fixture, udp_over_ipv6_reports_both_ends_and_answers) {
  if (!has_ipv6_loopback()) GTEST_SKIP() << "no ::1 on this host";
  std::uint16_t peer_port = 0;
  const int fd = linux_socket(AF_INET6, SOCK_DGRAM, &peer_port, false);
  std::atomic<std::uint16_t> announce{0};
  std::string reply;
  std::thread peer([&] {
    while (announce.load() == 0) std::this_thread::yield();
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(announce.load());
    a.sin6_addr = in6addr_loopback;
    for (std::string_view text : {"ping", "0123456789"})
      ::sendto(fd, text.data(), text.size(), 0, reinterpret_cast<sockaddr*>(&a), sizeof a);
    char buf[64];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) reply.assign(buf, static_cast<std::size_t>(n));
  });
  auto r = loop.run(udp_exchange(&net, &announce, sig::ip_endpoint{loopback6, port(peer_port)}));
  peer.join();
  ::close(fd);
  ASSERT_TRUE(r);
  ASSERT_TRUE(*r) << describe(r->error());
  EXPECT_EQ((*r)->first_text, "ping");
  EXPECT_EQ((*r)->first.source, (sig::ip_endpoint{loopback6, port(peer_port)}));
  EXPECT_EQ((*r)->first.destination, (sig::ip_endpoint{loopback6, port(announce.load())}));
  EXPECT_TRUE((*r)->second.truncated);
  EXPECT_EQ(reply, "pong");
}

TEST(socket_stack_bound, a_stack_bound_to_an_ipv4_address_does_not_connect_over_ipv6) {
  runtime::platform_backend backend;
  fata::loop loop{backend};
  net::socket::stack_config cfg;
  cfg.bind = loopback;
  auto s = stack::open(cfg);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->ipv6_address());
  auto r = loop.run([](stack* st) -> task<result<void, flow_error>> {
    auto f = co_await st->tcp_connect(sig::ip_endpoint{ipv6_addr::loopback(), port(9)});
    if (f) co_return result<void, flow_error>{};
    co_return unexpected(f.error());
  }(&*s));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->error(), flow_error::unreachable);
}

}  // namespace
