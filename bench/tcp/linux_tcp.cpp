// The Linux side of the TCP benchmarks (bench/tcp/run-bench): the same
// workloads as tcp_bench, on the host kernel's TCP through plain blocking
// sockets, run in two network namespaces joined by a veth pair, or against
// a fata stack over a TAP device. Clients print what they did and their
// own CPU time ("cpu_ns=N"); servers run until killed, and the script reads
// their CPU time from /proc/PID/schedstat around each client run.
//
//   linux_tcp sink PORT                 accept forever; read each connection to its end
//   linux_tcp source PORT BYTES         accept forever; write BYTES to each, then close
//   linux_tcp echo PORT                 accept forever; echo, one connection at a time
//   linux_tcp hold PORT                 accept forever and keep every connection
//   linux_tcp bulk HOST PORT BYTES      connect, write BYTES, half-close, wait for the end
//   linux_tcp fetch HOST PORT           connect, half-close, read to the end
//   linux_tcp crr HOST PORT N           N x (connect, 64 B out, 64 B back, close)
//   linux_tcp rr HOST PORT N            one connection, N x (64 B out, 64 B back)
//   linux_tcp idle HOST PORT N          open N connections, print "ready", sleep
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

long long cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

long long wall_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1'000'000'000LL + ts.tv_nsec;
}

// Both families: an IPv6 socket on :: with IPV6_V6ONLY off.
int listen_on(int port) {
  int s = socket(AF_INET6, SOCK_STREAM, 0);
  int one = 1, zero = 0;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
  sockaddr_in6 a{};
  a.sin6_family = AF_INET6;
  a.sin6_port = htons(std::uint16_t(port));
  if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) die("bind");
  if (listen(s, 4096) != 0) die("listen");
  return s;
}

// `host` is a dotted quad or an IPv6 address.
int connect_to(const char* host, int port, bool nodelay) {
  const bool v6 = std::strchr(host, ':') != nullptr;
  int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
  if (nodelay) {
    int one = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  int rc;
  if (v6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(std::uint16_t(port));
    if (inet_pton(AF_INET6, host, &a.sin6_addr) != 1) die("inet_pton");
    rc = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(std::uint16_t(port));
    if (inet_pton(AF_INET, host, &a.sin_addr) != 1) die("inet_pton");
    rc = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) die("connect");
  return s;
}

bool read_exact(int s, char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = read(s, p, n);
    if (r <= 0) return false;
    p += r;
    n -= std::size_t(r);
  }
  return true;
}

bool write_all(int s, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t r = write(s, p, n);
    if (r <= 0) return false;
    p += r;
    n -= std::size_t(r);
  }
  return true;
}

unsigned long long drain(int s) {
  static std::vector<char> buf(1 << 18);
  unsigned long long total = 0;
  for (;;) {
    const ssize_t r = read(s, buf.data(), buf.size());
    if (r <= 0) break;
    total += std::size_t(r);
  }
  return total;
}

void echo_loop(int c) {
  int one = 1;
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  char buf[65536];
  for (;;) {
    const ssize_t r = read(c, buf, sizeof buf);
    if (r <= 0 || !write_all(c, buf, std::size_t(r))) break;
  }
  close(c);
}

void report(const char* what, unsigned long long count, long long cpu0, long long wall0) {
  std::printf("%s count=%llu cpu_ns=%lld wall_ns=%lld\n", what, count, cpu_ns() - cpu0,
              wall_ns() - wall0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: see the comment at the top of linux_tcp.cpp\n");
    return 2;
  }
  const std::string what = argv[1];
  const long long cpu0 = cpu_ns();
  const long long wall0 = wall_ns();
  if (what == "sink") {
    int l = listen_on(std::atoi(argv[2]));
    for (;;) {
      int c = accept(l, nullptr, nullptr);
      if (c < 0) continue;
      drain(c);
      close(c);
    }
  }
  if (what == "source" && argc >= 4) {
    int l = listen_on(std::atoi(argv[2]));
    const unsigned long long total = std::strtoull(argv[3], nullptr, 10);
    std::vector<char> buf(1 << 18, 'x');
    for (;;) {
      int c = accept(l, nullptr, nullptr);
      if (c < 0) continue;
      for (unsigned long long left = total; left > 0;) {
        const std::size_t n = left < buf.size() ? std::size_t(left) : buf.size();
        if (!write_all(c, buf.data(), n)) break;
        left -= n;
      }
      shutdown(c, SHUT_WR);
      drain(c);
      close(c);
    }
  }
  if (what == "echo") {
    // One connection at a time is enough for crr and rr.
    int l = listen_on(std::atoi(argv[2]));
    for (;;) {
      int c = accept(l, nullptr, nullptr);
      if (c >= 0) echo_loop(c);
    }
  }
  if (what == "hold") {
    int l = listen_on(std::atoi(argv[2]));
    std::vector<int> held;
    for (;;) {
      int c = accept(l, nullptr, nullptr);
      if (c >= 0) held.push_back(c);
    }
  }
  if (what == "bulk" && argc >= 5) {
    int s = connect_to(argv[2], std::atoi(argv[3]), false);
    const unsigned long long total = std::strtoull(argv[4], nullptr, 10);
    std::vector<char> buf(1 << 18, 'x');
    for (unsigned long long left = total; left > 0;) {
      const std::size_t n = left < buf.size() ? std::size_t(left) : buf.size();
      if (!write_all(s, buf.data(), n)) die("write");
      left -= n;
    }
    // The receiver has read everything once it closes its side.
    shutdown(s, SHUT_WR);
    drain(s);
    close(s);
    report("bulk", total, cpu0, wall0);
    return 0;
  }
  if (what == "fetch") {
    int s = connect_to(argv[2], std::atoi(argv[3]), false);
    shutdown(s, SHUT_WR);
    const unsigned long long got = drain(s);
    close(s);
    report("fetch", got, cpu0, wall0);
    return got > 0 ? 0 : 1;
  }
  if (what == "crr" && argc >= 5) {
    const int n = std::atoi(argv[4]);
    char buf[64] = {};
    for (int i = 0; i < n; ++i) {
      int s = connect_to(argv[2], std::atoi(argv[3]), true);
      if (!write_all(s, buf, sizeof buf) || !read_exact(s, buf, sizeof buf)) die("crr");
      close(s);
    }
    report("crr", std::size_t(n), cpu0, wall0);
    return 0;
  }
  if (what == "rr" && argc >= 5) {
    const int n = std::atoi(argv[4]);
    int s = connect_to(argv[2], std::atoi(argv[3]), true);
    char buf[64] = {};
    for (int i = 0; i < n; ++i)
      if (!write_all(s, buf, sizeof buf) || !read_exact(s, buf, sizeof buf)) die("rr");
    close(s);
    report("rr", std::size_t(n), cpu0, wall0);
    return 0;
  }
  if (what == "idle" && argc >= 5) {
    const int n = std::atoi(argv[4]);
    std::vector<int> held;
    for (int i = 0; i < n; ++i) held.push_back(connect_to(argv[2], std::atoi(argv[3]), false));
    std::printf("ready\n");
    std::fflush(stdout);
    pause();
    return 0;
  }
  std::fprintf(stderr, "unknown mode %s\n", what.c_str());
  return 2;
}
