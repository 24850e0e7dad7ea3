// Floods a network interface with junk frames for the starvation tests: a
// unikernel behind a TAP device must keep serving (timers, other tasks,
// its own traffic) while frames arrive faster than it can drop them.
//
//   flood-frames --interface=IFNAME --ipv4=TARGET [--dst-mac=MAC] [--seconds=N] [--rate=PPS]
//
// Sends as fast as the kernel takes them (or `rate` frames a second), in
// batches, a rotation of frames
// that every layer must look at and drop: IPv4 with a bad header checksum,
// TCP and UDP with bad checksums, UDP to a closed port, truncated IPv4
// headers, ARP requests for other hosts, and frames of an unknown
// EtherType, to `dst-mac` (default broadcast). Prints the frames sent; a
// host tool, not part of an image.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using frame = std::vector<unsigned char>;

void put16(frame& f, std::size_t at, unsigned v) {
  f[at] = static_cast<unsigned char>(v >> 8);
  f[at + 1] = static_cast<unsigned char>(v);
}

frame ethernet(const unsigned char dst[6], unsigned ethertype, std::size_t payload) {
  frame f(14 + payload, 0);
  std::memcpy(f.data(), dst, 6);
  const unsigned char src[6] = {0x02, 0x66, 0x6c, 0x6f, 0x6f, 0x64};
  std::memcpy(f.data() + 6, src, 6);
  put16(f, 12, ethertype);
  return f;
}

// An IPv4 header at 14 with a checksum that is right unless `bad`.
void ipv4(frame& f, std::uint32_t src, std::uint32_t dst, unsigned protocol, std::size_t len,
          bool bad) {
  unsigned char* h = f.data() + 14;
  h[0] = 0x45;
  put16(f, 16, static_cast<unsigned>(len));
  h[8] = 64;
  h[9] = static_cast<unsigned char>(protocol);
  std::memcpy(h + 12, &src, 4);
  std::memcpy(h + 16, &dst, 4);
  std::uint32_t sum = 0;
  for (int i = 0; i < 20; i += 2) sum += (h[i] << 8) | h[i + 1];
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  put16(f, 24, (~sum & 0xffff) ^ (bad ? 0x1234u : 0u));
}

std::vector<frame> junk(const unsigned char dst[6], std::uint32_t target) {
  std::vector<frame> out;
  const std::uint32_t from = htonl(0x0a4e0063);  // 10.78.0.99
  {  // IPv4 with a bad header checksum
    frame f = ethernet(dst, 0x0800, 60);
    ipv4(f, from, target, 17, 60, true);
    out.push_back(f);
  }
  {  // UDP to a closed port with a bad checksum
    frame f = ethernet(dst, 0x0800, 48);
    ipv4(f, from, target, 17, 48, false);
    put16(f, 34, 4242);
    put16(f, 36, 9);
    put16(f, 38, 28);
    put16(f, 40, 0xbad0);
    out.push_back(f);
  }
  {  // TCP SYN with a bad checksum
    frame f = ethernet(dst, 0x0800, 40);
    ipv4(f, from, target, 6, 40, false);
    put16(f, 34, 4242);
    put16(f, 36, 80);
    f[46] = 0x50;
    f[47] = 0x02;
    put16(f, 50, 0xbad0);
    out.push_back(f);
  }
  {  // A truncated IPv4 header
    frame f = ethernet(dst, 0x0800, 12);
    f[14] = 0x45;
    out.push_back(f);
  }
  {  // ARP requests for somebody else
    frame f = ethernet(dst, 0x0806, 28);
    const unsigned char arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};
    std::memcpy(f.data() + 14, arp, 8);
    const std::uint32_t other = htonl(0x0a4e00fe);
    std::memcpy(f.data() + 38, &other, 4);
    out.push_back(f);
  }
  {  // An unknown EtherType
    frame f = ethernet(dst, 0x88b5, 64);
    for (std::size_t i = 14; i < f.size(); ++i) f[i] = static_cast<unsigned char>(i * 37);
    out.push_back(f);
  }
  for (frame& f : out)
    if (f.size() < 60) f.resize(60, 0);
  return out;
}

bool parse_mac(std::string_view text, unsigned char out[6]) {
  unsigned v[6];
  if (std::sscanf(std::string(text).c_str(), "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3], &v[4],
                  &v[5]) != 6)
    return false;
  for (int i = 0; i < 6; ++i) out[i] = static_cast<unsigned char>(v[i]);
  return true;
}

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

int usage() {
  std::fprintf(stderr, "usage: flood-frames --interface=IFNAME --ipv4=TARGET [--dst-mac=MAC] [--seconds=N] [--rate=PPS]\n");
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  std::string iface;
  std::uint32_t target = 0;
  unsigned char dst[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  double seconds = 10;
  double rate = 0;  // frames per second; 0: as fast as possible
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto value = [&](std::string_view name) -> std::string_view {
      return a.substr(0, name.size()) == name ? a.substr(name.size()) : std::string_view();
    };
    if (auto v = value("--interface="); !v.empty()) {
      iface = v;
    } else if (auto v = value("--ipv4="); !v.empty()) {
      if (inet_pton(AF_INET, std::string(v).c_str(), &target) != 1) return usage();
    } else if (auto v = value("--dst-mac="); !v.empty()) {
      if (!parse_mac(v, dst)) return usage();
    } else if (auto v = value("--seconds="); !v.empty()) {
      seconds = std::atof(std::string(v).c_str());
    } else if (auto v = value("--rate="); !v.empty()) {
      rate = std::atof(std::string(v).c_str());
    } else {
      return usage();
    }
  }
  if (iface.empty() || target == 0) return usage();
  const int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (fd < 0) {
    std::perror("flood-frames: packet socket");
    return 1;
  }
  sockaddr_ll at{};
  at.sll_family = AF_PACKET;
  at.sll_protocol = htons(ETH_P_ALL);
  at.sll_ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
  if (at.sll_ifindex == 0 || bind(fd, reinterpret_cast<sockaddr*>(&at), sizeof at) != 0) {
    std::perror("flood-frames: bind");
    return 1;
  }
  const std::vector<frame> frames = junk(dst, target);
  constexpr std::size_t batch = 64;
  std::array<mmsghdr, batch> msgs{};
  std::array<iovec, batch> iov{};
  for (std::size_t i = 0; i < batch; ++i) {
    const frame& f = frames[i % frames.size()];
    iov[i] = {const_cast<unsigned char*>(f.data()), f.size()};
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  std::uint64_t sent = 0;
  const double start = now_s();
  while (now_s() - start < seconds) {
    if (rate > 0 && double(sent) > (now_s() - start) * rate) {
      usleep(200);
      continue;
    }
    const int n = sendmmsg(fd, msgs.data(), batch, 0);
    if (n > 0) sent += static_cast<std::uint64_t>(n);
    // A full queue (ENOBUFS) is retried at once: the point is to keep it full.
  }
  const double took = now_s() - start;
  std::printf("flood-frames: %llu frames in %.1f s (%.0f per second)\n",
              static_cast<unsigned long long>(sent), took, double(sent) / took);
  close(fd);
  return 0;
}
