// Fuzz target: whole frames into one IPv4 host (Ethernet, ARP, IPv4 with
// reassembly, ICMP, UDP), once with a static address, once with the
// DHCP client, and once with IPv6 on the link too (NDP, DAD, echo,
// reassembly). The input is a sequence of frames, each prefixed
// by a 2-byte length and a 1-byte time step; the host must never crash,
// and its reassembly and ARP memory must stay within their limits.
#include <fata/net/host.hpp>

#include <vector>

#include "fuzz_common.hpp"

using namespace fata;
using namespace fata::net;

namespace {

struct null_device : frame_sink {
  std::size_t frames = 0;
  result<void, sig::net_error> send_frame(std::span<const bytes> parts) override {
    std::size_t size = 0;
    for (bytes p : parts) size += p.size();
    FUZZ_CHECK(size <= 1500 + 14);
    ++frames;
    return {};
  }
};

mono_time fuzz_now = mono_from_ns(1'000'000'000);
mono_time read_now(void*) { return fuzz_now; }

}  // namespace

namespace {

void run(const std::uint8_t* data, std::size_t size, bool dhcp, bool ipv6) {
  null_device dev;
  host_config cfg;
  cfg.ip.address = ipv4_prefix{ipv4_addr(10, 0, 0, 2), 24};
  cfg.ip.gateway = ipv4_addr(10, 0, 0, 1);
  // The DHCP client too: replies, ARP claims and its timers among the rest.
  cfg.dhcp = dhcp;
  cfg.dhcp_client.seed = 7;
  cfg.dhcp_client.probes = 1;
  cfg.ipv6 = ipv6;
  cfg.ipv6_cfg.secret.assign(16, std::byte{7});
  host h(mac_addr{{0x02, 0, 0, 0, 0, 0x02}}, 1500, dev, clock_ref{&read_now, nullptr}, cfg);
  h.start();
  udp_endpoint* echo = *h.udp().bind(port(7));
  const bytes in(data, size);
  std::size_t at = 0;
  while (at + 3 <= size) {
    const std::size_t len = in.be16(at) % 2048;
    fuzz_now += milliseconds(in.u8(at + 2) * 10);
    at += 3;
    const std::size_t n = std::min(len, size - at);
    h.input(in.sub(at, n), fuzz_now);
    at += n;
    h.poll(fuzz_now);
    while (auto d = echo->pop()) {
      const bytes parts[1] = {d->data};
      (void)h.udp().send(port(7), d->source, parts);
    }
    FUZZ_CHECK(h.ip().reassembler().bytes_held() <= cfg.ip.reassembly.max_bytes);
    FUZZ_CHECK(h.ip().reassembler().datagrams() <= cfg.ip.reassembly.max_datagrams);
    FUZZ_CHECK(h.link().arp().pending_bytes() <= cfg.arp.max_pending_bytes);
    FUZZ_CHECK(h.link().arp().size() <= cfg.arp.max_entries);
    if (const ipv6_layer* ip6 = h.ip6()) {
      FUZZ_CHECK(ip6->neighbors().size() <= cfg.ipv6_cfg.ndp.max_entries);
      FUZZ_CHECK(ip6->neighbors().pending_bytes() <= cfg.ipv6_cfg.ndp.max_pending_bytes);
      FUZZ_CHECK(ip6->addresses().addresses().size() <= 8);
      FUZZ_CHECK(ip6->reassembler().bytes_held() <= cfg.ipv6_cfg.reassembly.max_bytes);
      FUZZ_CHECK(ip6->reassembler().datagrams() <= cfg.ipv6_cfg.reassembly.max_datagrams);
      FUZZ_CHECK(ip6->path_mtus().size() <= cfg.ipv6_cfg.path_mtu.max_entries);
      FUZZ_CHECK(ip6->mtu_for(*ipv6_addr::parse("2001:db8::1")) >= 1280 - 40);
    }
  }
  h.udp().unbind(echo);
  h.stop();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  run(data, size, false, false);
  run(data, size, true, false);
  run(data, size, false, true);
  return 0;
}
