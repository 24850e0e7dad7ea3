#include <fata/net/host.hpp>

namespace fata::net {

host::host(mac_addr mac, std::size_t mtu, frame_sink& out, clock_ref clock, host_config cfg)
    : _link(mac, mtu, out, clock, cfg.arp), _ip(_link, cfg.ip), _icmp(_ip, cfg.icmp),
      _udp(_output, &_icmp, cfg.udp) {}

void host::start() {
  _ip.attach(ip_protocol::icmp, &_icmp);
  _ip.attach(ip_protocol::udp, &_udp);
  _link.set_address(_ip.address());
}

void host::input(bytes frame, mono_time now) {
  if (auto packet = _link.input(frame, now)) _ip.input(*packet, now);
}

void host::poll(mono_time now) {
  _link.poll(now);
  _ip.poll(now);
}

mono_time host::poll_at() const { return std::min(_link.poll_at(), _ip.poll_at()); }

// What can add or advance a timer: ARP requests and queued packets, and
// fragments held for reassembly. When none of these counters moved, the
// earliest deadline cannot have come closer.
std::uint64_t host::timer_signature() const {
  const arp_stats& a = _link.arp().stats();
  return a.requests_out + a.queued + a.learned + a.updated + _ip.stats().rx_fragments;
}

bool host::timers_changed() {
  const std::uint64_t s = timer_signature();
  if (s == _signature) return false;
  _signature = s;
  return true;
}

result<void, ip_error> host::tracked_output::send(ipv4_addr source, ipv4_addr destination,
                                                  std::uint8_t protocol,
                                                  std::span<const bytes> parts) {
  return _host->_ip.send(source, destination, protocol, parts);
}

ipv4_addr host::tracked_output::source_for(ipv4_addr destination) const {
  return _host->_ip.source_for(destination);
}

std::size_t host::tracked_output::mtu_for(ipv4_addr destination) const {
  return _host->_ip.mtu_for(destination);
}

namespace {

void line(format_sink& out, std::string_view name, std::uint64_t value) {
  if (value == 0) return;
  format_to(out, "{:<28} {}\n", name, value);
}

}  // namespace

void host::format_stats(format_sink& out) const {
  const ethernet_stats& e = _link.stats();
  line(out, "eth.rx_frames", e.rx_frames);
  line(out, "eth.rx_bytes", e.rx_bytes);
  line(out, "eth.rx_arp", e.rx_arp);
  line(out, "eth.rx_ipv4", e.rx_ipv4);
  line(out, "eth.rx_truncated", e.rx_truncated);
  line(out, "eth.rx_not_for_us", e.rx_not_for_us);
  line(out, "eth.rx_other_vlan", e.rx_other_vlan);
  line(out, "eth.rx_unsupported", e.rx_unsupported);
  line(out, "eth.rx_bad_arp", e.rx_bad_arp);
  line(out, "eth.tx_frames", e.tx_frames);
  line(out, "eth.tx_bytes", e.tx_bytes);
  line(out, "eth.tx_dropped", e.tx_dropped);
  const arp_stats& a = _link.arp().stats();
  line(out, "arp.requests_in", a.requests_in);
  line(out, "arp.replies_in", a.replies_in);
  line(out, "arp.requests_out", a.requests_out);
  line(out, "arp.replies_out", a.replies_out);
  line(out, "arp.announcements_out", a.announcements_out);
  line(out, "arp.learned", a.learned);
  line(out, "arp.expired", a.expired);
  line(out, "arp.evicted", a.evicted);
  line(out, "arp.ignored", a.ignored);
  line(out, "arp.conflicts", a.conflicts);
  line(out, "arp.queued", a.queued);
  line(out, "arp.queue_full", a.queue_full);
  line(out, "arp.resolution_failed", a.resolution_failed);
  line(out, "arp.pending_dropped", a.pending_dropped);
  const ipv4_stats& i = _ip.stats();
  line(out, "ipv4.rx_packets", i.rx_packets);
  line(out, "ipv4.rx_delivered", i.rx_delivered);
  line(out, "ipv4.rx_truncated", i.rx_truncated);
  line(out, "ipv4.rx_malformed", i.rx_malformed);
  line(out, "ipv4.rx_bad_checksum", i.rx_bad_checksum);
  line(out, "ipv4.rx_bad_source", i.rx_bad_source);
  line(out, "ipv4.rx_not_for_us", i.rx_not_for_us);
  line(out, "ipv4.rx_unknown_protocol", i.rx_unknown_protocol);
  line(out, "ipv4.rx_fragments", i.rx_fragments);
  line(out, "ipv4.tx_packets", i.tx_packets);
  line(out, "ipv4.tx_fragments", i.tx_fragments);
  line(out, "ipv4.tx_no_route", i.tx_no_route);
  line(out, "ipv4.tx_too_big", i.tx_too_big);
  line(out, "ipv4.tx_failed", i.tx_failed);
  const reassembly_stats& r = _ip.reassembler().stats();
  line(out, "ipv4.reasm_reassembled", r.reassembled);
  line(out, "ipv4.reasm_duplicates", r.duplicates);
  line(out, "ipv4.reasm_overlaps", r.overlaps);
  line(out, "ipv4.reasm_bad_fragments", r.bad_fragments);
  line(out, "ipv4.reasm_too_many_fragments", r.too_many_fragments);
  line(out, "ipv4.reasm_evicted", r.evicted);
  line(out, "ipv4.reasm_over_memory", r.over_memory);
  line(out, "ipv4.reasm_timed_out", r.timed_out);
  const icmpv4_stats& c = _icmp.stats();
  line(out, "icmp.rx_messages", c.rx_messages);
  line(out, "icmp.rx_malformed", c.rx_malformed);
  line(out, "icmp.rx_bad_checksum", c.rx_bad_checksum);
  line(out, "icmp.rx_echo_requests", c.rx_echo_requests);
  line(out, "icmp.rx_broadcast_echo", c.rx_broadcast_echo);
  line(out, "icmp.rx_errors", c.rx_errors);
  line(out, "icmp.tx_echo_replies", c.tx_echo_replies);
  line(out, "icmp.tx_unreachable", c.tx_unreachable);
  line(out, "icmp.rate_limited", c.rate_limited);
  line(out, "icmp.tx_failed", c.tx_failed);
  const udp_stats& u = _udp.stats();
  line(out, "udp.rx_datagrams", u.rx_datagrams);
  line(out, "udp.rx_delivered", u.rx_delivered);
  line(out, "udp.rx_malformed", u.rx_malformed);
  line(out, "udp.rx_bad_checksum", u.rx_bad_checksum);
  line(out, "udp.rx_no_port", u.rx_no_port);
  line(out, "udp.rx_queue_full", u.rx_queue_full);
  line(out, "udp.tx_datagrams", u.tx_datagrams);
  line(out, "udp.tx_failed", u.tx_failed);
}

}  // namespace fata::net
