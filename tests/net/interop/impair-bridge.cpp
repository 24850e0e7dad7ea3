// A userspace impairment bridge for the interop tests (the test kernel has
// no netem): forwards Ethernet frames between two TAP devices with seeded
// loss, reordering, duplication and delay.
//
//   impair-bridge --a=TAP_A --b=TAP_B [--seed=N] [--loss=0.03] [--reorder=0.05]
//                 [--duplicate=0.01] [--delay-ms=1] [--reorder-ms=5]
//
// A is the kernel side of the TAP device a unikernel holds (read and
// written with a packet socket), B is a TAP device the bridge opens itself
// (its kernel side carries Linux's address). Each frame is dropped with
// probability `loss`; otherwise it is released after `delay-ms`, plus
// `reorder-ms` with probability `reorder` (so later frames overtake it),
// and sent twice with probability `duplicate`. The same seed makes the
// same decisions for the same sequence of frames. Runs until SIGTERM or
// SIGINT, then prints its counters; a host tool, not part of an image.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/splitmix.hpp>

namespace {

volatile sig_atomic_t stopping = 0;
void on_signal(int) { stopping = 1; }

struct options {
  std::string a, b;
  std::uint64_t seed = 1;
  double loss = 0, reorder = 0, duplicate = 0;
  double delay_ms = 0, reorder_ms = 5;
};

std::int64_t now_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct pending {
  std::int64_t due;
  std::uint64_t order;  // ties keep arrival order
  int to;               // 0: towards A, 1: towards B
  std::vector<unsigned char> frame;
  bool operator>(const pending& o) const { return due != o.due ? due > o.due : order > o.order; }
};

struct counters {
  std::uint64_t in[2] = {}, out[2] = {}, lost[2] = {}, reordered[2] = {}, duplicated[2] = {};
  std::uint64_t send_errors = 0, queue_full = 0;
};

int open_tap(const std::string& name) {
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return -1;
  ifreq ifr{};
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int open_packet(const std::string& name) {
  const int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (fd < 0) return -1;
  const int one = 1;
  // Frames the bridge itself sends towards A must not come back to it.
  (void)::setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name.c_str(), IFNAMSIZ - 1);
  if (::ioctl(fd, SIOCGIFINDEX, &ifr) < 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_ll sll{};
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = htons(ETH_P_ALL);
  sll.sll_ifindex = ifr.ifr_ifindex;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sll), sizeof sll) < 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool parse(int argc, char** argv, options& o) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    const auto eq = arg.find('=');
    if (arg.substr(0, 2) != "--" || eq == std::string_view::npos) return false;
    const std::string key(arg.substr(2, eq - 2));
    const std::string value(arg.substr(eq + 1));
    if (key == "a") o.a = value;
    else if (key == "b") o.b = value;
    else if (key == "seed") o.seed = std::strtoull(value.c_str(), nullptr, 10);
    else if (key == "loss") o.loss = std::atof(value.c_str());
    else if (key == "reorder") o.reorder = std::atof(value.c_str());
    else if (key == "duplicate") o.duplicate = std::atof(value.c_str());
    else if (key == "delay-ms") o.delay_ms = std::atof(value.c_str());
    else if (key == "reorder-ms") o.reorder_ms = std::atof(value.c_str());
    else return false;
  }
  return !o.a.empty() && !o.b.empty();
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  if (!parse(argc, argv, o)) {
    std::fprintf(stderr,
                 "usage: impair-bridge --a=TAP_A --b=TAP_B [--seed=N] [--loss=P] [--reorder=P] "
                 "[--duplicate=P] [--delay-ms=MS] [--reorder-ms=MS]\n");
    return 2;
  }
  const int fd_a = open_packet(o.a);
  if (fd_a < 0) {
    std::fprintf(stderr, "impair-bridge: packet socket on %s: %s\n", o.a.c_str(), std::strerror(errno));
    return 1;
  }
  const int fd_b = open_tap(o.b);
  if (fd_b < 0) {
    std::fprintf(stderr, "impair-bridge: TAP %s: %s\n", o.b.c_str(), std::strerror(errno));
    return 1;
  }
  struct sigaction sa{};
  sa.sa_handler = &on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);

  fata::splitmix64 random{o.seed};
  counters n;
  std::priority_queue<pending, std::vector<pending>, std::greater<>> queue;
  std::uint64_t order = 0;
  const std::int64_t delay = std::int64_t(o.delay_ms * 1e6);
  const std::int64_t extra = std::int64_t(o.reorder_ms * 1e6);
  constexpr std::size_t max_queue = 4096;  // bounded: beyond it frames are dropped
  const int fds[2] = {fd_a, fd_b};
  std::vector<unsigned char> buf(65536 + 64);

  auto send_to = [&](int to, const std::vector<unsigned char>& frame) {
    const ssize_t w = ::write(fds[to], frame.data(), frame.size());
    if (w == ssize_t(frame.size())) ++n.out[to];
    else ++n.send_errors;
  };

  while (!stopping) {
    const std::int64_t now = now_ns();
    while (!queue.empty() && queue.top().due <= now) {
      send_to(queue.top().to, queue.top().frame);
      queue.pop();
    }
    int timeout = 100;
    if (!queue.empty()) {
      const std::int64_t wait = (queue.top().due - now + 999'999) / 1'000'000;
      timeout = int(std::min<std::int64_t>(wait, 100));
    }
    pollfd p[2] = {{fd_a, POLLIN, 0}, {fd_b, POLLIN, 0}};
    const int r = ::poll(p, 2, timeout);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::perror("impair-bridge: poll");
      return 1;
    }
    for (int from = 0; from < 2; ++from) {
      if (!(p[from].revents & POLLIN)) continue;
      // Drain what is there (bounded per turn so the other side gets its go).
      for (int k = 0; k < 64; ++k) {
        const ssize_t len = ::read(fds[from], buf.data(), buf.size());
        if (len <= 0) break;
        const int to = 1 - from;
        ++n.in[from];
        if (random.unit() < o.loss) {
          ++n.lost[from];
          continue;
        }
        const bool late = random.unit() < o.reorder;
        const bool twice = random.unit() < o.duplicate;
        if (late) ++n.reordered[from];
        const std::int64_t due = now_ns() + delay + (late ? extra : 0);
        std::vector<unsigned char> frame(buf.begin(), buf.begin() + len);
        if (queue.size() >= max_queue) {
          ++n.queue_full;
          continue;
        }
        if (twice) {
          ++n.duplicated[from];
          queue.push({due, order++, to, frame});
        }
        if (delay == 0 && !late && queue.empty()) {
          send_to(to, frame);  // the common case, without a copy through the queue
        } else {
          queue.push({due, order++, to, std::move(frame)});
        }
      }
    }
  }
  for (int side = 0; side < 2; ++side) {
    const char* name = side == 0 ? "a_to_b" : "b_to_a";
    std::printf("impair.%s.in %llu\nimpair.%s.lost %llu\nimpair.%s.reordered %llu\n"
                "impair.%s.duplicated %llu\n",
                name, (unsigned long long)n.in[side], name, (unsigned long long)n.lost[side], name,
                (unsigned long long)n.reordered[side], name, (unsigned long long)n.duplicated[side]);
  }
  std::printf("impair.out_to_a %llu\nimpair.out_to_b %llu\nimpair.send_errors %llu\nimpair.queue_full %llu\n",
              (unsigned long long)n.out[0], (unsigned long long)n.out[1],
              (unsigned long long)n.send_errors, (unsigned long long)n.queue_full);
  return 0;
}
