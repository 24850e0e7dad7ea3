// dns-serve PORT ORIGIN FILE [ORIGIN FILE...]: answers queries with
// answer_query (server.hpp) from the zones loaded from FILEs, over UDP and
// TCP on 127.0.0.1:PORT, until killed: the host's sockets around fata's
// answers, so that dig can ask fata and NSD the same questions
// (tests/dns/server-differential). One TCP connection at a time, with any
// number of queries on it. Prints "ready" once it listens.
#include <fata/core/fmt.hpp>
#include <fata/core/loop.hpp>
#include <fata/devices/hosted/kv_dir.hpp>
#include <fata/dns/server.hpp>
#include <fata/dns/zone_store.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

using namespace fata;
using namespace fata::dns;

namespace {

int bound_socket(int type, int port) {
  const int s = ::socket(AF_INET, type, 0);
  const int one = 1;
  ::setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return -1;
  if (type == SOCK_STREAM && ::listen(s, 8) != 0) return -1;
  return s;
}

bool read_all(int fd, unsigned char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t got = ::read(fd, p, n);
    if (got <= 0) return false;
    p += got;
    n -= static_cast<std::size_t>(got);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4 || argc % 2 != 0) {
    std::fprintf(stderr, "usage: dns-serve PORT ORIGIN FILE [ORIGIN FILE...]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  auto root = hosted::kv_dir::open("/");
  if (!root) return 1;
  virtual_backend clock;
  loop l(clock);
  memory_budget budget;
  std::vector<std::unique_ptr<zone>> zones;
  for (int i = 2; i + 1 < argc; i += 2) {
    auto origin = name::from_text(argv[i]);
    if (!origin) {
      std::fprintf(stderr, "dns-serve: bad origin %s\n", argv[i]);
      return 2;
    }
    zone_builder builder(*origin, budget);
    auto loaded =
        l.run(load_zone(*root, std::filesystem::absolute(argv[i + 1]).string(), builder));
    if (!loaded || !*loaded) {
      if (loaded) std::fprintf(stderr, "dns-serve: %s\n", format("{}", loaded->error()).c_str());
      return 1;
    }
    zones.push_back(std::make_unique<zone>(std::move(builder).take()));
  }
  std::vector<const zone*> served;
  for (const auto& z : zones) served.push_back(z.get());
  const server_config config;

  const int udp = bound_socket(SOCK_DGRAM, port);
  const int tcp = bound_socket(SOCK_STREAM, port);
  if (udp < 0 || tcp < 0) {
    std::fprintf(stderr, "dns-serve: cannot listen on 127.0.0.1:%d\n", port);
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);
  std::vector<unsigned char> in(65535), out(65535);
  for (;;) {
    pollfd fds[2] = {{udp, POLLIN, 0}, {tcp, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) continue;
    // Every datagram waiting, before polling again: one poll per burst
    // rather than per query.
    while (fds[0].revents & POLLIN) {
      sockaddr_in from{};
      socklen_t from_size = sizeof from;
      const ssize_t n = ::recvfrom(udp, in.data(), in.size(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < 0) break;
      query_context context{.transport = transport::udp,
                            .client_address = bytes(&from.sin_addr, 4),
                            .now = 0};
      auto r = answer_query(served, config, bytes(in.data(), std::size_t(n)), context,
                            mut_bytes(out.data(), out.size()));
      if (r) {
        ::sendto(udp, r->message.data(), r->message.size(), 0, reinterpret_cast<sockaddr*>(&from),
                 from_size);
      }
    }
    if (fds[1].revents & POLLIN) {
      const int c = ::accept(tcp, nullptr, nullptr);
      if (c < 0) continue;
      timeval idle{5, 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof idle);
      unsigned char length[2];
      while (read_all(c, length, 2)) {
        const std::size_t n = std::size_t(length[0]) << 8 | length[1];
        if (!read_all(c, in.data(), n)) break;
        query_context context{.transport = transport::tcp, .client_address = {}, .now = 0};
        auto r = answer_query(served, config, bytes(in.data(), n), context,
                              mut_bytes(out.data() + 2, out.size() - 2));
        if (!r) continue;
        const std::size_t size = r->message.size();
        out[0] = static_cast<unsigned char>(size >> 8);
        out[1] = static_cast<unsigned char>(size);
        if (::write(c, out.data(), size + 2) != static_cast<ssize_t>(size + 2)) break;
      }
      ::close(c);
    }
  }
}
