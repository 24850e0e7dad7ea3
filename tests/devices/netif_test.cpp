// The network interface against Linux, for real: the test moves itself into
// a fresh network namespace (so nothing it does is visible outside, and the
// namespace and its TAP device vanish when the process exits, even after a
// crash), opens a TAP device through the platform ABI, gives the host side
// an address, and exchanges frames with the kernel: ARP requests answered
// by Linux's ARP, and exact frames seen and injected through an AF_PACKET
// socket on the host side.
//
// Needs root and /dev/net/tun; skips, saying why, when either is missing.
#include <fata/devices/netif.hpp>

#include <fata/core/join.hpp>
#include <fata/core/loop.hpp>
#include <fata/runtime/runtime.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;
using fata::bytes;
using fata::task;
using fata::devices::netif;
using fata::sig::net_error;

constexpr const char* tap_name = "fata0";
constexpr std::uint8_t host_ip[4] = {10, 211, 0, 1};
constexpr std::uint8_t our_ip[4] = {10, 211, 0, 2};
constexpr std::uint16_t test_ethertype = 0x88b5;  // IEEE 802 local experimental

// Why the suite skips (the machine lacks root or /dev/net/tun), or fails
// (as root with /dev/net/tun, a namespace or TAP device that cannot be made
// is a failure, not a missing facility).
std::string skip_reason;
std::string fail_reason;
std::optional<netif> device;
int packet_socket = -1;

bool sh(const std::string& command) { return std::system(command.c_str()) == 0; }

using frame = std::vector<std::byte>;

frame arp_request(const fata::mac_addr& mac) {
  frame f(42);
  fata::mut_bytes b(f.data(), f.size());
  for (int i = 0; i < 6; ++i) b.set_u8(i, 0xff);
  for (int i = 0; i < 6; ++i) b.set_u8(6 + i, mac.octets[i]);
  b.set_be16(12, 0x0806);
  b.set_be16(14, 1);       // Ethernet
  b.set_be16(16, 0x0800);  // IPv4
  b.set_u8(18, 6);
  b.set_u8(19, 4);
  b.set_be16(20, 1);  // request
  for (int i = 0; i < 6; ++i) b.set_u8(22 + i, mac.octets[i]);
  for (int i = 0; i < 4; ++i) b.set_u8(28 + i, our_ip[i]);
  for (int i = 0; i < 4; ++i) b.set_u8(38 + i, host_ip[i]);
  return f;
}

bool is_arp_reply_to_us(bytes f) {
  if (f.size() < 42 || f.be16(12) != 0x0806 || f.be16(20) != 2) return false;
  for (int i = 0; i < 4; ++i)
    if (f.u8(28 + i) != host_ip[i] || f.u8(38 + i) != our_ip[i]) return false;
  for (int i = 0; i < 6; ++i)
    if (f.u8(32 + i) != device->mac().octets[i] || f.u8(i) != device->mac().octets[i]) return false;
  return true;
}

bool is_test_frame(bytes f) { return f.size() >= 14 && f.be16(12) == test_ethertype; }

frame test_frame(const fata::mac_addr& dst, const fata::mac_addr& src, std::size_t payload, int seed) {
  frame f(14 + payload);
  fata::mut_bytes b(f.data(), f.size());
  for (int i = 0; i < 6; ++i) b.set_u8(i, dst.octets[i]);
  for (int i = 0; i < 6; ++i) b.set_u8(6 + i, src.octets[i]);
  b.set_be16(12, test_ethertype);
  for (std::size_t i = 0; i < payload; ++i) b.set_u8(14 + i, static_cast<std::uint8_t>(i * 13 + seed));
  return f;
}

struct netif_test : ::testing::Test {
  static void SetUpTestSuite() {
    if (::geteuid() != 0) {
      skip_reason = "needs root (TAP devices and network namespaces)";
      return;
    }
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) {
      skip_reason = "no /dev/net/tun on this machine";
      return;
    }
    if (::unshare(CLONE_NEWNET) != 0) {
      fail_reason = std::string("cannot create a network namespace as root: ") + std::strerror(errno);
      return;
    }
    auto opened = netif::open("service", tap_name);
    if (!opened) {
      fail_reason = "the platform could not open a TAP device in the new namespace, as root";
      return;
    }
    device.emplace(std::move(*opened));
    // No IPv6 on the link: Linux would otherwise send router solicitations
    // and MLD reports of its own.
    const std::string tap = tap_name;
    ASSERT_TRUE(sh("ip link set lo up"));
    ASSERT_TRUE(sh("sysctl -q -w net.ipv6.conf." + tap + ".disable_ipv6=1"));
    ASSERT_TRUE(sh("ip addr add 10.211.0.1/24 dev " + tap));
    ASSERT_TRUE(sh("ip link set " + tap + " up"));

    packet_socket = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    ASSERT_GE(packet_socket, 0);
    sockaddr_ll where{};
    where.sll_family = AF_PACKET;
    where.sll_protocol = htons(ETH_P_ALL);
    where.sll_ifindex = static_cast<int>(::if_nametoindex(tap_name));
    ASSERT_EQ(::bind(packet_socket, reinterpret_cast<sockaddr*>(&where), sizeof where), 0);
  }
  static void TearDownTestSuite() {
    if (packet_socket >= 0) ::close(packet_socket);
    packet_socket = -1;
    // The TAP device goes with its descriptor, which the platform holds
    // until exit; the namespace goes with the process.
  }
  void SetUp() override {
    if (!skip_reason.empty()) GTEST_SKIP() << skip_reason;
    if (!fail_reason.empty()) FAIL() << fail_reason;
    ASSERT_TRUE(device.has_value());
  }

  // Runs `t` on a loop over the real platform (epoll on the TAP).
  template <class T>
  static T run(task<T> t) {
    fata::runtime::platform_backend backend;
    fata::loop l(backend);
    auto r = l.run(std::move(t));
    EXPECT_TRUE(r.has_value()) << "the loop stalled";
    return std::move(*r);
  }
};

// Receives until a frame satisfies `wanted`; returns a copy of it.
task<std::optional<frame>> receive_until(netif* n, bool (*wanted)(bytes)) {
  for (;;) {
    auto f = co_await n->receive();
    if (!f) co_return std::nullopt;
    if (wanted(*f)) co_return frame(f->begin(), f->end());
  }
}

// Frames sent just after a TAP comes up may be lost: send, then wait a
// little for the answer, several times.
task<std::optional<frame>> exchange(netif* n, const std::vector<bytes>* parts, bool (*wanted)(bytes)) {
  for (int attempt = 0; attempt < 25; ++attempt) {
    auto sent = parts->size() == 1 ? n->send((*parts)[0]) : n->send_gather(*parts);
    EXPECT_TRUE(sent.has_value());
    auto got = co_await fata::with_timeout(200ms, receive_until(n, wanted));
    if (got && *got) co_return std::move(**got);
  }
  co_return std::nullopt;
}

// Injects `f` from the host side until the device receives it.
task<std::optional<frame>> inject(netif* n, const frame* f) {
  for (int attempt = 0; attempt < 25; ++attempt) {
    EXPECT_EQ(::send(packet_socket, f->data(), f->size(), 0), static_cast<ssize_t>(f->size()));
    auto got = co_await fata::with_timeout(200ms, receive_until(n, &is_test_frame));
    if (got && *got) co_return std::move(**got);
  }
  co_return std::nullopt;
}

// The next frame of the test ethertype the host side saw leaving it
// towards Linux, within `timeout`.
std::optional<frame> capture(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    pollfd p{packet_socket, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    frame f(4096);
    sockaddr_ll from{};
    socklen_t len = sizeof from;
    const ssize_t n = ::recvfrom(packet_socket, f.data(), f.size(), 0, reinterpret_cast<sockaddr*>(&from), &len);
    if (n <= 0 || from.sll_pkttype == PACKET_OUTGOING) continue;
    f.resize(static_cast<std::size_t>(n));
    if (is_test_frame(bytes(f.data(), f.size()))) return f;
  }
  return std::nullopt;
}

fata::mac_addr host_mac() {
  fata::mac_addr mac;
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq q{};
  std::strncpy(q.ifr_name, tap_name, IFNAMSIZ - 1);
  EXPECT_EQ(::ioctl(s, SIOCGIFHWADDR, &q), 0);
  ::close(s);
  std::memcpy(mac.octets.data(), q.ifr_hwaddr.sa_data, 6);
  return mac;
}

TEST_F(netif_test, opens_with_the_link_mtu_and_a_local_unicast_mac) {
  EXPECT_EQ(device->mtu(), 1500u);
  EXPECT_EQ(device->max_frame_size(), 1518u);
  const fata::mac_addr mac = device->mac();
  EXPECT_FALSE(mac.is_multicast());
  EXPECT_NE(mac.octets[0] & 0x02, 0);  // locally administered
}

TEST_F(netif_test, receives_frames_of_up_to_64_kib_with_the_taps_offloads) {
  EXPECT_GE(device->max_receive_size(), 65535u + 14);
}

bool is_udp_to_port_9999(bytes f) {
  return f.size() >= 42 && f.be16(12) == 0x0800 && f.u8(23) == 17 && f.be16(36) == 9999;
}

task<std::optional<frame>> receive_udp(netif* n) {
  auto got = co_await fata::with_timeout(2s, receive_until(n, &is_udp_to_port_9999));
  if (!got || !*got) co_return std::nullopt;
  co_return std::move(**got);
}

// With TUN_F_CSUM Linux leaves its UDP checksum partial (the pseudo-header
// sum only); the device completes it before the frame goes up.
TEST_F(netif_test, a_datagram_from_linux_arrives_with_a_complete_checksum) {
  const fata::mac_addr mac = device->mac();
  char lladdr[32];
  std::snprintf(lladdr, sizeof lladdr, "%02x:%02x:%02x:%02x:%02x:%02x", mac.octets[0], mac.octets[1],
                mac.octets[2], mac.octets[3], mac.octets[4], mac.octets[5]);
  ASSERT_TRUE(sh(std::string("ip neigh replace 10.211.0.2 lladdr ") + lladdr + " nud permanent dev " + tap_name));
  const int s = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(s, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(9999);
  std::memcpy(&to.sin_addr, our_ip, 4);
  std::vector<char> payload(1001);
  for (std::size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(i * 7 + 3);
  ASSERT_EQ(::sendto(s, payload.data(), payload.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
            static_cast<ssize_t>(payload.size()));
  ::close(s);
  auto f = run(receive_udp(&*device));
  ASSERT_TRUE(f.has_value()) << "no datagram arrived";
  ASSERT_EQ(f->size(), 14 + 20 + 8 + payload.size());
  const bytes b(f->data(), f->size());
  ASSERT_NE(b.be16(40), 0) << "Linux sent no UDP checksum";
  // RFC 768: pseudo header, then the datagram, sums to 0xffff.
  std::uint32_t sum = 17 + b.be16(38);
  for (std::size_t i = 26; i < 34; i += 2) sum += b.be16(i);
  for (std::size_t i = 34; i + 1 < b.size(); i += 2) sum += b.be16(i);
  if ((b.size() - 34) % 2) sum += std::uint32_t(b.u8(b.size() - 1)) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  EXPECT_EQ(sum, 0xffffu);
}

TEST_F(netif_test, a_device_name_can_be_acquired_once) {
  auto again = netif::open("service", "fata1");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error(), net_error::device);
}

TEST_F(netif_test, linux_answers_an_arp_request) {
  const frame request = arp_request(device->mac());
  const std::vector<bytes> parts{bytes(request.data(), request.size())};
  auto reply = run(exchange(&*device, &parts, &is_arp_reply_to_us));
  ASSERT_TRUE(reply.has_value()) << "no ARP reply from Linux";
  // The reply comes from the host side's MAC.
  const fata::mac_addr host = host_mac();
  for (int i = 0; i < 6; ++i) EXPECT_EQ(static_cast<std::uint8_t>((*reply)[6 + i]), host.octets[i]);
}

TEST_F(netif_test, send_gather_sends_the_concatenation_of_its_parts) {
  const frame request = arp_request(device->mac());
  const std::vector<bytes> parts{bytes(request.data(), 14), bytes(request.data() + 14, 0),
                                 bytes(request.data() + 14, 8), bytes(request.data() + 22, 20)};
  auto reply = run(exchange(&*device, &parts, &is_arp_reply_to_us));
  EXPECT_TRUE(reply.has_value()) << "no ARP reply to a gathered request";
}

TEST_F(netif_test, sent_frames_reach_linux_byte_for_byte) {
  const frame sent = test_frame(host_mac(), device->mac(), 1000, 7);
  const std::vector<bytes> parts{bytes(sent.data(), 100), bytes(sent.data() + 100, sent.size() - 100)};
  std::optional<frame> seen;
  for (int attempt = 0; attempt < 25 && !seen; ++attempt) {
    ASSERT_TRUE(device->send_gather(parts));
    seen = capture(200ms);
  }
  ASSERT_TRUE(seen.has_value()) << "Linux never saw the frame";
  EXPECT_EQ(*seen, sent);
}

TEST_F(netif_test, frames_from_linux_are_received_byte_for_byte) {
  const frame injected = test_frame(device->mac(), host_mac(), 1500, 3);
  auto got = run(inject(&*device, &injected));
  ASSERT_TRUE(got.has_value()) << "the device never received the injected frame";
  EXPECT_EQ(*got, injected);
}

task<bool> two_receives_share_one_buffer(netif* n, const frame* f) {
  EXPECT_EQ(::send(packet_socket, f->data(), f->size(), 0), static_cast<ssize_t>(f->size()));
  EXPECT_EQ(::send(packet_socket, f->data(), f->size(), 0), static_cast<ssize_t>(f->size()));
  auto first = co_await fata::with_timeout(2s, n->receive());
  if (!first || !*first) co_return false;
  const std::byte* first_data = (**first).data();
  auto second = co_await fata::with_timeout(2s, n->receive());
  if (!second || !*second) co_return false;
  co_return first_data == (**second).data();
}

TEST_F(netif_test, receive_lends_one_buffer_that_the_next_receive_reuses) {
  // Make sure the link is up before counting on two frames arriving.
  const frame warmup = test_frame(device->mac(), host_mac(), 10, 1);
  ASSERT_TRUE(run(inject(&*device, &warmup)).has_value());
  const frame f = test_frame(device->mac(), host_mac(), 64, 2);
  EXPECT_TRUE(run(two_receives_share_one_buffer(&*device, &f)));
}

TEST_F(netif_test, too_big_frames_are_refused_and_not_counted) {
  const auto before = device->stats();
  frame big(device->max_frame_size() + 1);
  auto one = device->send(bytes(big.data(), big.size()));
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error(), net_error::too_big);
  const std::vector<bytes> parts{bytes(big.data(), 1000), bytes(big.data() + 1000, big.size() - 1000)};
  auto gathered = device->send_gather(parts);
  ASSERT_FALSE(gathered);
  EXPECT_EQ(gathered.error(), net_error::too_big);
  EXPECT_EQ(device->stats().tx_frames, before.tx_frames);
  EXPECT_EQ(device->stats().tx_dropped, before.tx_dropped);
}

TEST_F(netif_test, a_frame_of_the_largest_size_is_sent) {
  const frame largest = test_frame(host_mac(), device->mac(), device->max_frame_size() - 14, 9);
  EXPECT_TRUE(device->send(bytes(largest.data(), largest.size())));
}

TEST_F(netif_test, stats_count_frames_and_bytes) {
  const auto before = device->stats();
  const frame sent = test_frame(host_mac(), device->mac(), 50, 4);
  ASSERT_TRUE(device->send(bytes(sent.data(), sent.size())));
  EXPECT_EQ(device->stats().tx_frames, before.tx_frames + 1);
  EXPECT_EQ(device->stats().tx_bytes, before.tx_bytes + sent.size());
  const frame injected = test_frame(device->mac(), host_mac(), 80, 5);
  ASSERT_TRUE(run(inject(&*device, &injected)).has_value());
  EXPECT_GE(device->stats().rx_frames, before.rx_frames + 1);
  EXPECT_GE(device->stats().rx_bytes, before.rx_bytes + injected.size());
}

task<fata::result<fata::result<bytes, net_error>, fata::errc>> receive_for(netif* n, fata::duration d) {
  auto r = co_await fata::with_timeout(d, n->receive());
  co_return r;
}

TEST_F(netif_test, a_waiting_receive_is_cancelled_cleanly) {
  // Nothing sends on the link (no IPv6, no traffic): the receive waits in
  // the platform's yield until the timeout cancels it.
  auto r = run(receive_for(&*device, 100ms));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), fata::errc::timed_out);
  // The interface still works afterwards.
  const frame injected = test_frame(device->mac(), host_mac(), 20, 6);
  EXPECT_TRUE(run(inject(&*device, &injected)).has_value());
}

}  // namespace
