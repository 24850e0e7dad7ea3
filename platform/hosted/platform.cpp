// The platform ABI on Linux: stdout console, clock_gettime, epoll-based
// yield, TAP network devices, file-backed block devices, getrandom.
#include <fata/platform/abi.hpp>
#include <fata/platform/hosted.hpp>

#include "vnet.hpp"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <fcntl.h>
#include <malloc.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <net/if_arp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

namespace fata::platform {

namespace {

enum class kind : std::uint8_t { free, net, block, watched };

struct device {
  kind what = kind::free;
  int fd = -1;
  std::string name;
  bool writable_interest = false;
  bool vnet = false;  // a TAP with IFF_VNET_HDR: every frame has a vnet::header first
  block_info block{};
};

struct state {
  int epoll_fd = -1;
  std::vector<device> devices;
  int watched_for_read = 0;  // handles that yield can report
};

state& host() {
  static state s;
  return s;
}

int epoll_fd() {
  state& s = host();
  if (s.epoll_fd < 0) s.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
  return s.epoll_fd;
}

handle add_device(device d) {
  state& s = host();
  for (handle h = 0; h < s.devices.size(); ++h) {
    if (s.devices[h].what == kind::free) {
      s.devices[h] = std::move(d);
      return h;
    }
  }
  s.devices.push_back(std::move(d));
  return static_cast<handle>(s.devices.size() - 1);
}

device* lookup(handle h, kind k) {
  state& s = host();
  if (h >= s.devices.size() || s.devices[h].what != k) return nullptr;
  return &s.devices[h];
}

bool watch(handle h, int fd, bool writable) {
  epoll_event ev{};
  ev.events = EPOLLIN | (writable ? EPOLLOUT : 0u);
  ev.data.u32 = h;
  if (epoll_ctl(epoll_fd(), EPOLL_CTL_ADD, fd, &ev) != 0) return false;
  ++host().watched_for_read;
  return true;
}

}  // namespace

void console_write(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data(), text.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

std::int64_t monotonic_ns() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::int64_t wall_ns() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

int yield(std::int64_t deadline_ns, std::span<handle> ready) {
  state& s = host();
  if (deadline_ns == INT64_MAX && s.watched_for_read == 0) return -1;
  epoll_event events[64];
  const int max = static_cast<int>(ready.size() < 64 ? ready.size() : 64);
  for (;;) {
    // epoll_pwait2 takes a nanosecond timeout, so timers are not rounded to
    // milliseconds.
    timespec timeout{};
    timespec* timeout_ptr = nullptr;
    if (deadline_ns != INT64_MAX) {
      std::int64_t left = deadline_ns - monotonic_ns();
      if (left < 0) left = 0;
      timeout.tv_sec = static_cast<time_t>(left / 1'000'000'000);
      timeout.tv_nsec = static_cast<long>(left % 1'000'000'000);
      timeout_ptr = &timeout;
    }
    const int n = epoll_pwait2(epoll_fd(), events, max, timeout_ptr, nullptr);
    if (n < 0) {
      if (errno == EINTR) continue;
      return 0;
    }
    for (int i = 0; i < n; ++i) ready[static_cast<std::size_t>(i)] = events[i].data.u32;
    return n;
  }
}

status net_acquire(std::string_view name, std::string_view resource, handle* h, net_info* info) {
  if (!h || !info) return status::invalid;
  std::string ifname(resource.empty() ? std::string_view("tap0") : resource);
  // "IFNAME:no-offload" keeps every frame within the MTU and checksummed
  // by the kernel, as without a vnet header.
  constexpr std::string_view no_offload = ":no-offload";
  const bool offload = !ifname.ends_with(no_offload);
  if (!offload) ifname.resize(ifname.size() - no_offload.size());
  if (ifname.empty() || ifname.size() >= IFNAMSIZ) return status::invalid;
  for (const device& d : host().devices)
    if (d.what == kind::net && d.name == name) return status::invalid;
  const int fd = ::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return status::unavailable;
  ifreq ifr{};
  ifr.ifr_flags = static_cast<short>(IFF_TAP | IFF_NO_PI | (offload ? IFF_VNET_HDR : 0));
  std::memcpy(ifr.ifr_name, ifname.data(), ifname.size());
  if (::ioctl(fd, TUNSETIFF, &ifr) != 0) {
    ::close(fd);
    return status::unavailable;
  }
  // Offloads: the kernel may then hand us TCP segments of up to 64 KiB,
  // over IPv4 and IPv6 (GSO, one read instead of ~44), whose checksum is
  // left partial (TUN_F_CSUM), which net_read completes. The setting outlives us on a
  // persistent TAP, so without offloads say so explicitly.
  bool vnet = false;
  if (offload) {
    int size = sizeof(vnet::header);
    vnet = ::ioctl(fd, TUNSETVNETHDRSZ, &size) == 0 &&
           ::ioctl(fd, TUNSETOFFLOAD, static_cast<unsigned long>(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6)) == 0;
    if (!vnet) {
      // An old kernel: reopen without the header rather than half-configured.
      ::close(fd);
      return net_acquire(name, std::string(ifname) + std::string(no_offload), h, info);
    }
  } else {
    ::ioctl(fd, TUNSETOFFLOAD, 0UL);
  }
  // The MTU of the host side of the TAP is the largest IP packet we may send.
  std::size_t mtu = 1500;
  const int sock = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock >= 0) {
    ifreq q{};
    std::memcpy(q.ifr_name, ifname.data(), ifname.size());
    if (::ioctl(sock, SIOCGIFMTU, &q) == 0 && q.ifr_mtu > 0) mtu = static_cast<std::size_t>(q.ifr_mtu);
    ::close(sock);
  }
  // The guest needs its own locally administered unicast MAC.
  std::uint8_t mac[6];
  if (::getrandom(mac, sizeof mac, 0) != sizeof mac) {
    ::close(fd);
    return status::error;
  }
  mac[0] = static_cast<std::uint8_t>((mac[0] & 0xfe) | 0x02);
  device d;
  d.what = kind::net;
  d.fd = fd;
  d.name = std::string(name);
  d.vnet = vnet;
  const handle nh = add_device(std::move(d));
  if (!watch(nh, fd, false)) {
    ::close(fd);
    host().devices[nh] = device{};
    return status::error;
  }
  *h = nh;
  std::memcpy(info->mac, mac, sizeof mac);
  info->mtu = mtu;
  // An IPv4 packet of at most 65535 bytes behind a tagged Ethernet header.
  info->max_receive_frame = vnet ? 65535 + 18 : 0;
  return status::ok;
}

status net_write(handle h, std::span<const std::byte> frame) {
  device* d = lookup(h, kind::net);
  if (!d) return status::invalid;
  for (;;) {
    vnet::header none{};  // no offload asked for this frame
    iovec parts[2] = {{&none, sizeof none}, {const_cast<std::byte*>(frame.data()), frame.size()}};
    const ssize_t n = d->vnet ? ::writev(d->fd, parts, 2) : ::write(d->fd, frame.data(), frame.size());
    if (n >= 0) return status::ok;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == ENOBUFS) return status::again;
    return status::error;
  }
}

status net_read(handle h, std::span<std::byte> buffer, std::size_t* size) {
  device* d = lookup(h, kind::net);
  if (!d || !size) return status::invalid;
  for (;;) {
    if (d->vnet) {
      vnet::header vh{};
      iovec parts[2] = {{&vh, sizeof vh}, {buffer.data(), buffer.size()}};
      const ssize_t n = ::readv(d->fd, parts, 2);
      if (n >= 0) {
        // Shorter than the header: an empty frame, which the caller drops.
        const std::size_t got = static_cast<std::size_t>(n) > sizeof vh ? static_cast<std::size_t>(n) - sizeof vh : 0;
        // A checksum that cannot be completed is left as it is, for the
        // stack to count as bad.
        if (vh.flags & vnet::flag_needs_csum)
          vnet::complete_checksum(buffer.first(got), vh.csum_start, vh.csum_offset);
        *size = got;
        return status::ok;
      }
    } else {
      const ssize_t n = ::read(d->fd, buffer.data(), buffer.size());
      if (n >= 0) {
        *size = static_cast<std::size_t>(n);
        return status::ok;
      }
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return status::again;
    return status::error;
  }
}

status block_acquire(std::string_view name, std::string_view resource, handle* h, block_info* info) {
  if (!h || !info || resource.empty()) return status::invalid;
  for (const device& d : host().devices)
    if (d.what == kind::block && d.name == name) return status::invalid;
  // "PATH:ro" asks for read-only access; a file we may not write is
  // read-only too.
  std::string path(resource);
  bool read_only = false;
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ":ro") == 0) {
    read_only = true;
    path.resize(path.size() - 3);
  }
  int fd = read_only ? -1 : ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0 && (read_only || errno == EACCES || errno == EROFS)) {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    read_only = true;
  }
  if (fd < 0) return errno == ENOENT ? status::unavailable : status::error;
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return status::invalid;
  }
  device d;
  d.what = kind::block;
  d.fd = fd;
  d.name = std::string(name);
  d.block.block_size = 512;
  d.block.capacity = static_cast<std::uint64_t>(st.st_size) / 512 * 512;
  d.block.read_only = read_only;
  *info = d.block;
  *h = add_device(std::move(d));
  return status::ok;
}

namespace {

bool block_range_ok(const device& d, std::uint64_t offset, std::size_t size) {
  const std::uint64_t bs = d.block.block_size;
  return offset % bs == 0 && size % bs == 0 && offset <= d.block.capacity &&
         size <= d.block.capacity - offset;
}

}  // namespace

status block_write(handle h, std::uint64_t offset, std::span<const std::byte> data) {
  device* d = lookup(h, kind::block);
  if (!d || d->block.read_only || !block_range_ok(*d, offset, data.size())) return status::invalid;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pwrite(d->fd, data.data() + done, data.size() - done,
                               static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return status::error;
    done += static_cast<std::size_t>(n);
  }
  return status::ok;
}

status block_read(handle h, std::uint64_t offset, std::span<std::byte> data) {
  device* d = lookup(h, kind::block);
  if (!d || !block_range_ok(*d, offset, data.size())) return status::invalid;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::pread(d->fd, data.data() + done, data.size() - done,
                              static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return status::error;
    done += static_cast<std::size_t>(n);
  }
  return status::ok;
}

status random_bytes(std::span<std::byte> out) {
  std::size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno == ENOSYS ? status::unavailable : status::error;
    done += static_cast<std::size_t>(n);
  }
  return status::ok;
}

status memory_stats(memory_info* out) {
  if (!out) return status::invalid;
  *out = memory_info{};
  const struct mallinfo2 m = ::mallinfo2();
  out->heap_in_use = m.uordblks + m.hblkhd;
  // VmRSS and VmHWM from /proc/self/status, read without allocating.
  const int fd = ::open("/proc/self/status", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return status::ok;
  char text[4096];
  ssize_t n = ::read(fd, text, sizeof text - 1);
  ::close(fd);
  if (n <= 0) return status::ok;
  text[n] = '\0';
  auto kib_after = [&](const char* field) -> std::size_t {
    const char* at = std::strstr(text, field);
    if (!at) return 0;
    return static_cast<std::size_t>(std::strtoull(at + std::strlen(field), nullptr, 10)) * 1024;
  };
  out->resident = kib_after("VmRSS:");
  out->resident_peak = kib_after("VmHWM:");
  return status::ok;
}

void exit(int status_code) {
  std::fflush(stdout);
  std::_Exit(status_code);
}

void abort(std::string_view message) {
  std::string line = "fata: panic: ";
  line.append(message);
  line += '\n';
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  std::abort();
}

namespace hosted {

status watch_fd(int fd, bool writable, handle* h) {
  if (fd < 0 || !h) return status::invalid;
  device d;
  d.what = kind::watched;
  d.fd = fd;
  d.writable_interest = writable;
  const handle nh = add_device(std::move(d));
  if (!watch(nh, fd, writable)) {
    host().devices[nh] = device{};
    return status::error;
  }
  *h = nh;
  return status::ok;
}

status set_write_interest(handle h, bool writable) {
  device* d = lookup(h, kind::watched);
  if (!d) return status::invalid;
  if (d->writable_interest == writable) return status::ok;
  epoll_event ev{};
  ev.events = EPOLLIN | (writable ? EPOLLOUT : 0u);
  ev.data.u32 = h;
  if (epoll_ctl(epoll_fd(), EPOLL_CTL_MOD, d->fd, &ev) != 0) return status::error;
  d->writable_interest = writable;
  return status::ok;
}

void unwatch_fd(handle h) {
  device* d = lookup(h, kind::watched);
  if (!d) return;
  epoll_ctl(epoll_fd(), EPOLL_CTL_DEL, d->fd, nullptr);
  --host().watched_for_read;
  *d = device{};
}

}  // namespace hosted

}  // namespace fata::platform
