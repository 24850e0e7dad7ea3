// The socket stack: fata::sig::stackv4v6 over the host kernel's sockets.
#include <fata/net/socket/stack.hpp>

#include <fata/core/log.hpp>
#include <fata/core/loop.hpp>
#include <fata/platform/hosted.hpp>

#include <cerrno>
#include <climits>
#include <cstring>
#include <optional>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace fata::net::socket {

using sig::flow_error;
using sig::ip_endpoint;
using sig::stack_error;

namespace {
log::source socket_log{"net.socket", "The socket stack (host kernel sockets)"};
}  // namespace

namespace detail {

struct core : std::enable_shared_from_this<core> {
  int epfd = -1;
  platform::handle handle = 0;
  bool watched = false;
  stack_config cfg;
  socket::stats counters;
  bool stack_alive = true;
  bool dispatcher_running = false;
  cancel_state* dispatcher_cancel = nullptr;

  ~core() {
    if (watched) platform::hosted::unwatch_fd(handle);
    if (epfd >= 0) ::close(epfd);
  }

  // Stops the dispatcher once nothing can wait on this stack any more.
  void release_if_unused() {
    if (!stack_alive && counters.sockets_open == 0 && dispatcher_cancel)
      dispatcher_cancel->request();
  }
};

enum class sock_kind : std::uint8_t { flow, listener, udp };

struct sock {
  std::shared_ptr<core> owner;
  int fd = -1;
  sock_kind kind = sock_kind::flow;
  bool closed = false;
  bool read_shut = false;
  bool write_shut = false;
  std::optional<flow_error> error;  // sticky
  wait_queue readers;
  wait_queue writers;
  ip_endpoint local{};
  ip_endpoint remote{};
  int family = AF_INET;  // of the host socket
};

// Builds handles, whose constructors are private.
struct access {
  static tcp_flow flow(sock* s) { return tcp_flow(s); }
  static tcp_listener listener(sock* s) { return tcp_listener(s); }
  static udp_socket udp(sock* s) { return udp_socket(s); }
};

}  // namespace detail

namespace {

using detail::access;
using detail::core;
using detail::sock;

// A socket address of one family: `e` as AF_INET, or as AF_INET6 (an IPv4
// endpoint in the IPv4-mapped form a dual-stack socket takes).
struct socket_address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
};

socket_address to_sockaddr(ip_endpoint e, int family) {
  socket_address out;
  if (family == AF_INET) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(e.number.value);
    a.sin_addr.s_addr = htonl(e.address.v4().value);
    std::memcpy(&out.storage, &a, sizeof a);
    out.length = sizeof a;
    return out;
  }
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(e.number.value);
  // Any of either family binds every address of both (IPV6_V6ONLY off).
  if (!e.address.is_any()) std::memcpy(&a.sin6_addr, e.address.octets().data(), 16);
  std::memcpy(&out.storage, &a, sizeof a);
  out.length = sizeof a;
  return out;
}

// IPv4 peers of a dual-stack socket come as ::ffff:a.b.c.d: reported as
// the IPv4 endpoints they are.
ip_endpoint from_sockaddr(const sockaddr_storage& s) {
  if (s.ss_family == AF_INET6) {
    sockaddr_in6 a;
    std::memcpy(&a, &s, sizeof a);
    ipv6_addr v6;
    std::memcpy(v6.octets.data(), &a.sin6_addr, 16);
    return {ip_addr(v6).unmapped(), port(ntohs(a.sin6_port))};
  }
  sockaddr_in a;
  std::memcpy(&a, &s, sizeof a);
  return {ipv4_addr(ntohl(a.sin_addr.s_addr)), port(ntohs(a.sin_port))};
}

ip_endpoint local_of(int fd) {
  sockaddr_storage a{};
  socklen_t len = sizeof a;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return {};
  return from_sockaddr(a);
}

// The family of the sockets that listen and bind to `bind`: IPv6 with
// IPV6_V6ONLY off (both families) for any(), unless the host has no IPv6
// (then IPv4 only); the address's own family for a specific address.
int listening_family(const ip_addr& bind) {
  if (bind.is_v6()) return AF_INET6;
  if (!bind.is_any()) return AF_INET;
  static const int family = [] {
    const int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return AF_INET;
    ::close(fd);
    return AF_INET6;
  }();
  return family;
}

// A socket of `family` for `type`; an IPv6 one bound to any() takes IPv4
// too.
int open_socket(int family, int type, const ip_addr& bind) {
  const int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0 || family != AF_INET6) return fd;
  const int v6only = bind.is_v6() && !bind.is_any() ? 1 : 0;
  ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
  return fd;
}

flow_error flow_error_of(int err) {
  switch (err) {
    case ECONNRESET:
    case EPIPE:
    case ECONNABORTED: return flow_error::reset;
    case ETIMEDOUT: return flow_error::timed_out;
    case ECONNREFUSED: return flow_error::refused;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case EADDRNOTAVAIL: return flow_error::unreachable;
    default: return flow_error::io;
  }
}

stack_error stack_error_of(int err) {
  switch (err) {
    case EADDRINUSE: return stack_error::address_in_use;
    case EACCES:
    case EINVAL:
    case EADDRNOTAVAIL: return stack_error::invalid_argument;
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM: return stack_error::no_memory;
    case EMSGSIZE: return stack_error::too_big;
    case EHOSTUNREACH:
    case ENETUNREACH:
    case ENETDOWN:
    case ECONNREFUSED: return stack_error::unreachable;
    default: return stack_error::io;
  }
}

bool is_again(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

// Pulls every pending readiness event of the stack's epoll descriptor and
// wakes the tasks waiting on the sockets concerned. Edge-triggered: each
// event is a change, and a task that gets EAGAIN waits for the next one.
void drain(core& c) {
  epoll_event events[256];
  for (;;) {
    const int n = ::epoll_wait(c.epfd, events, 256, 0);
    if (n <= 0) return;
    ++c.counters.dispatch_rounds;
    for (int i = 0; i < n; ++i) {
      auto* s = static_cast<sock*>(events[i].data.ptr);
      const std::uint32_t ev = events[i].events;
      if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) s->readers.notify_all();
      if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR)) s->writers.notify_all();
    }
    if (n < 256) return;
  }
}

task<void> dispatch(std::shared_ptr<core> c) {
  c->dispatcher_cancel = co_await current_cancel_state();
  for (;;) {
    drain(*c);
    auto woken = co_await loop::current().io_queue(c->handle).wait();
    if (!woken) break;
  }
  c->dispatcher_cancel = nullptr;
  c->dispatcher_running = false;
}

void ensure_dispatcher(core& c) {
  if (c.dispatcher_running) return;
  c.dispatcher_running = true;
  loop::current().spawn(dispatch(c.shared_from_this()));
}

// Waits for the next readiness change of `q`'s direction on socket `s`.
wait_queue::awaiter wait_on(sock* s, wait_queue& q) {
  ensure_dispatcher(*s->owner);
  return q.wait();
}

// Makes a socket object for `fd` and registers it; closes `fd` on failure.
sock* adopt(const std::shared_ptr<core>& c, int fd, detail::sock_kind kind) {
  auto* s = new (std::nothrow) sock;
  if (!s) {
    ::close(fd);
    return nullptr;
  }
  s->owner = c;
  s->fd = fd;
  s->kind = kind;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.ptr = s;
  if (::epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    ::close(fd);
    delete s;
    return nullptr;
  }
  ++c->counters.sockets_open;
  return s;
}

// Closes the host socket and wakes every task still waiting on it.
// `abort` makes a TCP connection end with RST instead of FIN.
void close_sock(sock* s, bool abort) {
  if (s->closed) return;
  s->closed = true;
  core& c = *s->owner;
  ::epoll_ctl(c.epfd, EPOLL_CTL_DEL, s->fd, nullptr);
  if (abort) {
    linger l{1, 0};
    ::setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  }
  ::close(s->fd);
  s->fd = -1;
  s->readers.notify_all();
  s->writers.notify_all();
  --c.counters.sockets_open;
  c.release_if_unused();
}

void destroy_sock(sock* s, bool abort) {
  if (!s) return;
  close_sock(s, abort);
  delete s;
}

bool at_limit(core& c) {
  if (c.counters.sockets_open < c.cfg.max_sockets) return false;
  ++c.counters.sockets_refused;
  return true;
}

// Records a sticky error on a flow.
flow_error fail(sock* s, int err) {
  const flow_error e = flow_error_of(err);
  if (!s->error) {
    s->error = e;
    if (e == flow_error::reset) ++s->owner->counters.tcp_resets;
  }
  return e;
}

std::optional<flow_error> blocked(const sock* s, bool reading) {
  if (s->error) return s->error;
  if (s->closed) return flow_error::closed;
  if (reading ? s->read_shut : s->write_shut) return flow_error::closed;
  return std::nullopt;
}

// --- flows -------------------------------------------------------------------

task<result<std::size_t, flow_error>> flow_read(sock* s, mut_bytes out) {
  for (;;) {
    if (auto e = blocked(s, true)) co_return unexpected(*e);
    const ssize_t n = ::recv(s->fd, out.data(), out.size(), MSG_DONTWAIT);
    if (n >= 0) co_return static_cast<std::size_t>(n);
    const int err = errno;
    if (err == EINTR) continue;
    if (!is_again(err)) co_return unexpected(fail(s, err));
    auto woken = co_await wait_on(s, s->readers);
    if (!woken) co_return unexpected(flow_error::cancelled);
  }
}

task<result<void, flow_error>> flow_writev(sock* s, std::span<const bytes> parts) {
  std::size_t part = 0;
  std::size_t offset = 0;  // into parts[part]
  for (;;) {
    while (part < parts.size() && offset == parts[part].size()) {
      ++part;
      offset = 0;
    }
    if (part == parts.size()) co_return result<void, flow_error>{};
    if (auto e = blocked(s, false)) co_return unexpected(*e);
    iovec iov[64];
    int count = 0;
    for (std::size_t i = part; i < parts.size() && count < 64; ++i) {
      const std::size_t skip = i == part ? offset : 0;
      if (parts[i].size() == skip) continue;
      iov[count].iov_base = const_cast<std::byte*>(parts[i].data() + skip);
      iov[count].iov_len = parts[i].size() - skip;
      ++count;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<std::size_t>(count);
    const ssize_t n = ::sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) {
      auto left = static_cast<std::size_t>(n);
      while (left > 0) {
        const std::size_t here = parts[part].size() - offset;
        if (left < here) {
          offset += left;
          left = 0;
        } else {
          left -= here;
          ++part;
          offset = 0;
        }
      }
      continue;
    }
    const int err = errno;
    if (err == EINTR) continue;
    if (!is_again(err)) co_return unexpected(fail(s, err));
    auto woken = co_await wait_on(s, s->writers);
    if (!woken) co_return unexpected(flow_error::cancelled);
  }
}

task<result<void, flow_error>> flow_write(sock* s, bytes data) {
  const bytes parts[1] = {data};
  co_return co_await flow_writev(s, parts);
}

task<result<void, flow_error>> flow_shutdown(sock* s, sig::shutdown_mode how) {
  if (s->error) co_return unexpected(*s->error);
  if (s->closed) co_return unexpected(flow_error::closed);
  int mode = SHUT_RDWR;
  if (how == sig::shutdown_mode::read) mode = SHUT_RD;
  if (how == sig::shutdown_mode::write) mode = SHUT_WR;
  if (::shutdown(s->fd, mode) != 0 && errno != ENOTCONN) co_return unexpected(fail(s, errno));
  if (how != sig::shutdown_mode::write) {
    s->read_shut = true;
    s->readers.notify_all();
  }
  if (how != sig::shutdown_mode::read) {
    s->write_shut = true;
    s->writers.notify_all();
  }
  co_return result<void, flow_error>{};
}

task<void> flow_close(sock* s) {
  if (s) close_sock(s, false);
  co_return;
}

// --- listeners -----------------------------------------------------------------

task<result<tcp_flow, flow_error>> listener_accept(sock* s) {
  for (;;) {
    if (s->closed) co_return unexpected(flow_error::closed);
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    const int fd = ::accept4(s->fd, reinterpret_cast<sockaddr*>(&peer), &len,
                             SOCK_NONBLOCK | SOCK_CLOEXEC);
    core& c = *s->owner;
    if (fd >= 0) {
      if (at_limit(c)) {
        linger l{1, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        ::close(fd);
        socket_log.warn("refused a connection from {}: {} sockets open", from_sockaddr(peer),
                        c.counters.sockets_open);
        continue;
      }
      sock* f = adopt(s->owner, fd, detail::sock_kind::flow);
      if (!f) continue;
      f->local = local_of(fd);
      f->remote = from_sockaddr(peer);
      ++c.counters.tcp_accepted;
      co_return access::flow(f);
    }
    const int err = errno;
    if (err == EINTR || err == ECONNABORTED || err == EPROTO) continue;
    if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
      // The connection stays queued in the kernel; try again a little later
      // rather than spin (edge-triggered readiness will not repeat).
      ++c.counters.sockets_refused;
      socket_log.warn("accept: {}; retrying in 50 ms", stack_error_of(err));
      auto slept = co_await sleep(50ms);
      if (!slept) co_return unexpected(flow_error::cancelled);
      continue;
    }
    if (!is_again(err)) co_return unexpected(flow_error_of(err));
    auto woken = co_await wait_on(s, s->readers);
    if (!woken) co_return unexpected(flow_error::cancelled);
  }
}

// --- UDP ---------------------------------------------------------------------

task<result<void, stack_error>> udp_send(sock* s, ip_endpoint dst, bytes data) {
  dst.address = dst.address.unmapped();
  if (s->family == AF_INET && dst.address.is_v6()) co_return unexpected(stack_error::unreachable);
  const socket_address to = to_sockaddr(dst, s->family);
  for (;;) {
    if (s->closed) co_return unexpected(stack_error::closed);
    const ssize_t n =
        ::sendto(s->fd, data.data(), data.size(), MSG_DONTWAIT | MSG_NOSIGNAL, to.get(), to.length);
    if (n >= 0) {
      ++s->owner->counters.udp_sent;
      co_return result<void, stack_error>{};
    }
    const int err = errno;
    if (err == EINTR || err == ECONNREFUSED) continue;  // a stale ICMP error
    if (!is_again(err)) co_return unexpected(stack_error_of(err));
    auto woken = co_await wait_on(s, s->writers);
    if (!woken) co_return unexpected(stack_error::cancelled);
  }
}

task<result<sig::udp_datagram, stack_error>> udp_receive(sock* s, mut_bytes out) {
  for (;;) {
    if (s->closed) co_return unexpected(stack_error::closed);
    sockaddr_storage from{};
    iovec iov{out.data(), out.size()};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(in6_pktinfo))];
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof from;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(s->fd, &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (n >= 0) {
      sig::udp_datagram d;
      d.source = from_sockaddr(from);
      d.destination = s->local;
      for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
          in_pktinfo info;
          std::memcpy(&info, CMSG_DATA(cm), sizeof info);
          d.destination.address = ipv4_addr(ntohl(info.ipi_addr.s_addr));
        }
        if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
          in6_pktinfo info;
          std::memcpy(&info, CMSG_DATA(cm), sizeof info);
          ipv6_addr v6;
          std::memcpy(v6.octets.data(), &info.ipi6_addr, 16);
          d.destination.address = ip_addr(v6).unmapped();
        }
      }
      const auto full = static_cast<std::size_t>(n);
      d.truncated = (msg.msg_flags & MSG_TRUNC) != 0 || full > out.size();
      d.size = full < out.size() ? full : out.size();
      ++s->owner->counters.udp_received;
      if (d.truncated) ++s->owner->counters.udp_truncated;
      co_return d;
    }
    const int err = errno;
    if (err == EINTR || err == ECONNREFUSED) continue;
    if (!is_again(err)) co_return unexpected(stack_error_of(err));
    auto woken = co_await wait_on(s, s->readers);
    if (!woken) co_return unexpected(stack_error::cancelled);
  }
}

// --- connect -----------------------------------------------------------------

task<result<tcp_flow, flow_error>> stack_connect(std::shared_ptr<core> c, ip_endpoint remote) {
  if (at_limit(*c)) co_return unexpected(flow_error::io);
  remote.address = remote.address.unmapped();
  // A stack bound to one address connects from it, so in its family only.
  if (!c->cfg.bind.is_any() && c->cfg.bind.family() != remote.address.family())
    co_return unexpected(flow_error::unreachable);
  const int family = remote.address.is_v4() ? AF_INET : AF_INET6;
  const int fd = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) co_return unexpected(family == AF_INET6 ? flow_error::unreachable : flow_error::io);
  if (!c->cfg.bind.is_any()) {
    const socket_address a = to_sockaddr({c->cfg.bind, port(0)}, family);
    if (::bind(fd, a.get(), a.length) != 0) {
      const int err = errno;
      ::close(fd);
      co_return unexpected(flow_error_of(err));
    }
  }
  const socket_address to = to_sockaddr(remote, family);
  int rc = ::connect(fd, to.get(), to.length);
  while (rc != 0 && errno == EINTR) rc = ::connect(fd, to.get(), to.length);
  if (rc != 0 && errno != EINPROGRESS) {
    const int err = errno;
    ::close(fd);
    ++c->counters.tcp_connect_failed;
    co_return unexpected(flow_error_of(err));
  }
  sock* s = adopt(c, fd, detail::sock_kind::flow);
  if (!s) co_return unexpected(flow_error::io);
  // The flow owns the socket from here: an early return closes it.
  tcp_flow out = access::flow(s);
  while (rc != 0) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      ++c->counters.tcp_connect_failed;
      co_return unexpected(flow_error_of(err));
    }
    sockaddr_storage peer{};
    socklen_t plen = sizeof peer;
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &plen) == 0) break;
    if (errno != ENOTCONN) {
      ++c->counters.tcp_connect_failed;
      co_return unexpected(flow_error::io);
    }
    auto woken = co_await wait_on(s, s->writers);
    if (!woken) {
      ++c->counters.tcp_connect_failed;
      co_return unexpected(flow_error::cancelled);
    }
  }
  s->local = local_of(fd);
  s->remote = remote;
  ++c->counters.tcp_connected;
  co_return std::move(out);
}

}  // namespace

// --- tcp_flow ------------------------------------------------------------------

tcp_flow::tcp_flow(tcp_flow&& other) noexcept : _sock(std::exchange(other._sock, nullptr)) {}

tcp_flow& tcp_flow::operator=(tcp_flow&& other) noexcept {
  if (this != &other) {
    destroy_sock(_sock, true);
    _sock = std::exchange(other._sock, nullptr);
  }
  return *this;
}

tcp_flow::~tcp_flow() { destroy_sock(_sock, true); }

task<result<std::size_t, flow_error>> tcp_flow::read(mut_bytes out) {
  FATA_ASSERT(_sock);
  return flow_read(_sock, out);
}

task<result<void, flow_error>> tcp_flow::write(bytes data) {
  FATA_ASSERT(_sock);
  return flow_write(_sock, data);
}

task<result<void, flow_error>> tcp_flow::writev(std::span<const bytes> parts) {
  FATA_ASSERT(_sock);
  return flow_writev(_sock, parts);
}

task<result<void, flow_error>> tcp_flow::shutdown(sig::shutdown_mode how) {
  FATA_ASSERT(_sock);
  return flow_shutdown(_sock, how);
}

task<void> tcp_flow::close() { return flow_close(_sock); }

ip_endpoint tcp_flow::local() const { return _sock ? _sock->local : ip_endpoint{}; }
ip_endpoint tcp_flow::remote() const { return _sock ? _sock->remote : ip_endpoint{}; }

void tcp_flow::set_nodelay(bool on) {
  if (!_sock || _sock->closed) return;
  const int v = on ? 1 : 0;
  ::setsockopt(_sock->fd, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
}

// --- tcp_listener --------------------------------------------------------------

tcp_listener::tcp_listener(tcp_listener&& other) noexcept
    : _sock(std::exchange(other._sock, nullptr)) {}

tcp_listener& tcp_listener::operator=(tcp_listener&& other) noexcept {
  if (this != &other) {
    destroy_sock(_sock, false);
    _sock = std::exchange(other._sock, nullptr);
  }
  return *this;
}

tcp_listener::~tcp_listener() { destroy_sock(_sock, false); }

task<result<tcp_flow, flow_error>> tcp_listener::accept() {
  FATA_ASSERT(_sock);
  return listener_accept(_sock);
}

ip_endpoint tcp_listener::local() const { return _sock ? _sock->local : ip_endpoint{}; }

void tcp_listener::close() {
  if (_sock) close_sock(_sock, false);
}

// --- udp_socket ----------------------------------------------------------------

udp_socket::udp_socket(udp_socket&& other) noexcept : _sock(std::exchange(other._sock, nullptr)) {}

udp_socket& udp_socket::operator=(udp_socket&& other) noexcept {
  if (this != &other) {
    destroy_sock(_sock, false);
    _sock = std::exchange(other._sock, nullptr);
  }
  return *this;
}

udp_socket::~udp_socket() { destroy_sock(_sock, false); }

task<result<void, stack_error>> udp_socket::send_to(ip_endpoint destination, bytes data) {
  FATA_ASSERT(_sock);
  return udp_send(_sock, destination, data);
}

task<result<sig::udp_datagram, stack_error>> udp_socket::receive_from(mut_bytes out) {
  FATA_ASSERT(_sock);
  return udp_receive(_sock, out);
}

ip_endpoint udp_socket::local() const { return _sock ? _sock->local : ip_endpoint{}; }

void udp_socket::close() {
  if (_sock) close_sock(_sock, false);
}

// --- stack -------------------------------------------------------------------

stack::stack(std::shared_ptr<detail::core> c) : _core(std::move(c)) {}
stack::stack(stack&&) noexcept = default;

stack& stack::operator=(stack&& other) noexcept {
  if (this != &other) {
    if (_core) {
      _core->stack_alive = false;
      _core->release_if_unused();
    }
    _core = std::move(other._core);
  }
  return *this;
}

stack::~stack() {
  if (_core) {
    _core->stack_alive = false;
    _core->release_if_unused();
  }
}

result<stack, stack_error> stack::open(const config& cfg) {
  auto c = std::make_shared<core>();
  c->cfg = cfg;
  c->epfd = ::epoll_create1(EPOLL_CLOEXEC);
  if (c->epfd < 0) return unexpected(stack_error_of(errno));
  if (platform::hosted::watch_fd(c->epfd, false, &c->handle) != platform::status::ok)
    return unexpected(stack_error::io);
  c->watched = true;
  return stack(std::move(c));
}

result<tcp_listener, stack_error> stack::tcp_listen(port p) {
  core& c = *_core;
  if (at_limit(c)) return unexpected(stack_error::no_memory);
  const int family = listening_family(c.cfg.bind);
  const int fd = open_socket(family, SOCK_STREAM, c.cfg.bind);
  if (fd < 0) return unexpected(stack_error_of(errno));
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const socket_address a = to_sockaddr({c.cfg.bind, p}, family);
  if (::bind(fd, a.get(), a.length) != 0 ||
      ::listen(fd, c.cfg.backlog) != 0) {
    const int err = errno;
    ::close(fd);
    return unexpected(stack_error_of(err));
  }
  sock* s = adopt(_core, fd, detail::sock_kind::listener);
  if (!s) return unexpected(stack_error::no_memory);
  s->local = local_of(fd);
  return access::listener(s);
}

task<result<tcp_flow, flow_error>> stack::tcp_connect(ip_endpoint remote) {
  return stack_connect(_core, remote);
}

result<udp_socket, stack_error> stack::udp_bind(port p) {
  core& c = *_core;
  if (at_limit(c)) return unexpected(stack_error::no_memory);
  const int family = listening_family(c.cfg.bind);
  const int fd = open_socket(family, SOCK_DGRAM, c.cfg.bind);
  if (fd < 0) return unexpected(stack_error_of(errno));
  const int one = 1;
  ::setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  // A dual-stack socket reports the destination of both families here.
  if (family == AF_INET6) ::setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  const socket_address a = to_sockaddr({c.cfg.bind, p}, family);
  if (::bind(fd, a.get(), a.length) != 0) {
    const int err = errno;
    ::close(fd);
    return unexpected(stack_error_of(err));
  }
  sock* s = adopt(_core, fd, detail::sock_kind::udp);
  if (!s) return unexpected(stack_error::no_memory);
  s->family = family;
  s->local = local_of(fd);
  return access::udp(s);
}

ipv4_addr stack::ipv4_address() const {
  return _core->cfg.bind.is_v4() ? _core->cfg.bind.v4() : ipv4_addr::any();
}

std::optional<ipv6_addr> stack::ipv6_address() const {
  if (_core->cfg.bind.is_v6()) return _core->cfg.bind.v6();
  if (!_core->cfg.bind.is_any() || listening_family(_core->cfg.bind) != AF_INET6) return std::nullopt;
  return ipv6_addr::any();
}

const socket::stats& stack::stats() const { return _core->counters; }

static_assert(sig::stackv4v6<stack>);

}  // namespace fata::net::socket
