#include <fata/net/ipv6.hpp>

#include <algorithm>
#include <cstring>

#include <bearssl.h>

#include <fata/net/wire/icmpv6.hpp>
#include <fata/net/wire/ipv6.hpp>

namespace fata::net {

using wire::icmpv6_packet;
using wire::icmpv6_repr;
using wire::ipv6_packet;
using wire::ipv6_repr;
using wire::ndp_message;
using wire::ndp_writer;
namespace icmp = wire::icmpv6_type;

namespace {
const ipv6_addr all_nodes = *ipv6_addr::parse("ff02::1");
const ipv6_addr all_routers = *ipv6_addr::parse("ff02::2");
// RFC 4861 §10: RTR_SOLICITATION_INTERVAL, MAX_RTR_SOLICITATION_DELAY.
constexpr duration solicitation_interval = std::chrono::seconds(4);
constexpr std::int64_t max_solicitation_delay_ms = 1000;
// The floor under NUD timers an advertisement sets (Linux's HZ/10).
constexpr duration min_ndp_timer = std::chrono::milliseconds(100);
constexpr duration max_reachable_time = std::chrono::hours(1);  // RFC 4861 §6.2.1
// RFC 3810 §9: the robustness variable and the unsolicited report interval.
constexpr unsigned mld_robustness = 2;
constexpr duration mld_unsolicited_interval = std::chrono::seconds(1);
const ipv6_addr all_mld_routers = *ipv6_addr::parse("ff02::16");
// MLDv2 record types (RFC 3810 §5.2.12).
constexpr std::uint8_t mode_is_exclude = 2;
constexpr std::uint8_t change_to_exclude_mode = 4;
// The largest IPv6 payload length (no jumbograms: RFC 2675 needs links
// with a larger MTU).
constexpr std::size_t max_payload_len = 65535;

// The fragment Identification key: one derived from the RFC 7217 secret
// (SHA-256 under a label of its own), so the layer needs no second key.
std::array<std::byte, ip_ident::key_size> fragment_ident_key(std::span<const std::byte> secret) {
  br_sha256_context ctx;
  br_sha256_init(&ctx);
  static constexpr char label[] = "fata ipv6 fragment identification";
  br_sha256_update(&ctx, label, sizeof label - 1);
  br_sha256_update(&ctx, secret.data(), secret.size());
  std::array<std::byte, ip_ident::key_size> key{};
  static_assert(ip_ident::key_size == br_sha256_SIZE);
  br_sha256_out(&ctx, key.data());
  return key;
}

// Where the upper-layer header begins in `data`, whose first header is
// `next`: extension headers skipped unread, as Linux's ipv6_skip_exthdr
// does, a first fragment's Fragment header too; the walk stops at a later
// fragment's (its data is no header). nullopt: a header runs past `data`.
struct upper_layer {
  std::uint8_t protocol;
  std::size_t offset;
  bool fragment = false;  // behind a Fragment header
};
std::optional<upper_layer> skip_extension_headers(std::uint8_t next, bytes data) {
  std::size_t at = 0;
  bool fragment = false;
  for (unsigned i = 0; i < wire::max_extension_headers; ++i) {
    if (next == wire::ipv6_next::hop_by_hop || next == wire::ipv6_next::destination_options ||
        next == wire::ipv6_next::routing) {
      if (at + 2 > data.size()) return std::nullopt;
      const std::size_t len = (std::size_t(data.u8(at + 1)) + 1) * 8;
      next = data.u8(at);
      at += len;
    } else if (next == wire::ipv6_next::fragment) {
      if (at + wire::fragment_header::len > data.size()) return std::nullopt;
      const auto f = wire::fragment_header::parse(data.sub(at, wire::fragment_header::len));
      fragment = true;
      if (f.offset != 0) break;
      next = f.next_header;
      at += wire::fragment_header::len;
    } else {
      break;
    }
  }
  if (at > data.size()) return std::nullopt;
  return upper_layer{next, at, fragment};
}

// RFC 7112 (RFC 8200 §4.5): whether a first fragment's data, whose first
// header is `next`, holds every extension header and the upper-layer
// header. The upper-layer headers counted are those Linux counts (TCP's
// 20 bytes, UDP's 8, ICMPv6's 8); other protocols need none.
bool holds_upper_layer_header(std::uint8_t next, bytes data) {
  const auto upper = skip_extension_headers(next, data);
  if (!upper) return false;
  std::size_t need = 0;
  if (upper->protocol == wire::ipv6_next::tcp) need = 20;
  else if (upper->protocol == wire::ipv6_next::udp || upper->protocol == wire::ipv6_next::icmpv6) need = 8;
  return upper->offset + need <= data.size();
}

// RFC 4443 §2.4 (e.1): whether `p` is an ICMPv6 error message, which no
// error may answer. An ICMPv6 message too short to show its type counts
// as one, unless it is a fragment (RFC 8200 §4.5: its type may be in a
// later one), as Linux decides (is_ineligible).
bool is_icmpv6_error(const ipv6_packet& p) {
  const auto upper = skip_extension_headers(p.next_header(), p.payload());
  if (!upper || upper->protocol != wire::ipv6_next::icmpv6) return false;
  if (upper->offset >= p.payload().size()) return !upper->fragment;
  return p.payload().u8(upper->offset) < 128;
}
}  // namespace

ipv6_layer::ipv6_layer(ipv6_link& link, ipv6_config cfg)
    : _link(link),
      _cfg(std::move(cfg)),
      _addresses({_cfg.secret, link.mac()}),
      _neighbors(_cfg.ndp),
      _routes(_cfg.routes, link.mtu()),
      _hop_limit(_cfg.hop_limit),
      _echo(_cfg.echo_per_second, _cfg.echo_burst),
      _errors(_cfg.errors_per_second, _cfg.errors_burst),
      _random(_cfg.ndp.seed * 0x9e3779b97f4a7c15ull + 1),
      _reassembly(_cfg.reassembly),
      _path_mtu(_cfg.path_mtu),
      _ident(fragment_ident_key(_cfg.secret)) {}

void ipv6_layer::start(mono_time now) {
  _link.join(wire::multicast_mac(all_nodes));
  const ipv6_addr ll = _addresses.add_link_local(now).prefix.address;
  begin_dad(ll, now);
  if (_cfg.address) {
    if (auto a = _addresses.add_static(*_cfg.address)) begin_dad(a->prefix.address, now);
    wire::ndp_prefix_info on_link;
    on_link.prefix = *_cfg.address;
    on_link.on_link = true;
    on_link.valid_lifetime = on_link.preferred_lifetime = 0xffffffffu;
    _routes.on_prefix(on_link, now);
  }
  if (_cfg.gateway) _routes.add_configured_router(*_cfg.gateway);
}

std::optional<ipv6_addr> ipv6_layer::link_local() const {
  for (const auto& a : _addresses.addresses())
    if (a.prefix.address.is_link_local() && _addresses.usable(a.prefix.address)) return a.prefix.address;
  return std::nullopt;
}

void ipv6_layer::begin_dad(const ipv6_addr& a, mono_time now) {
  // RFC 4862 §5.4.2: join the solicited-node group first, so that another
  // host's DAD for the same address reaches us.
  _link.join(wire::multicast_mac(wire::solicited_node(a)));
  join_group(wire::solicited_node(a), now);
  _dad.push_back({a, 0, now});
}

bool ipv6_layer::accepts(const ipv6_addr& d) const {
  if (d == all_nodes) return true;
  if (_addresses.holds(d)) return true;
  for (const auto& a : _addresses.addresses())
    if (d == wire::solicited_node(a.prefix.address)) return true;
  return false;
}

void ipv6_layer::input(bytes packet, mac_addr link_source, mono_time now) {
  ++_stats.rx_packets;
  auto p = ipv6_packet::parse(packet);
  if (!p) {
    ++_stats.rx_malformed;
    return;
  }
  if (!accepts(p->destination()) || p->source().is_multicast()) {
    ++_stats.rx_not_for_us;
    return;
  }
  process(*p, link_source, now, false);
}

void ipv6_layer::process(const ipv6_packet& p, mac_addr link_source, mono_time now, bool defragmented) {
  auto chain = wire::walk_extension_headers(p);
  if (!chain) {
    ++_stats.rx_bad_chain;
    const wire::ipv6_chain_problem& problem = chain.error();
    if (problem.send_icmp)
      send_parameter_problem(p, problem.icmp_code, problem.pointer,
                             problem.what == wire::ipv6_chain_problem::kind::unknown_option && !problem.not_if_multicast,
                             now);
    return;
  }
  if (chain->fragment) {
    if (defragmented) {
      ++_stats.rx_nested_fragments;
      return;
    }
    on_fragment(p, *chain, link_source, now);
    return;
  }
  if (chain->protocol == wire::ipv6_next::none) {
    ++_stats.rx_no_next_header;
    return;
  }
  if (chain->protocol != wire::ipv6_next::icmpv6) {
    ip_input* in = _inputs[chain->protocol];
    if (!in) {
      // RFC 8200 §4: an unrecognised Next Header is Parameter Problem code
      // 1 at the byte that named it.
      ++_stats.rx_unknown_protocol;
      send_parameter_problem(p, 1, chain->next_pointer, false, now);
      return;
    }
    // Transports talk to hosts: only to our unicast addresses, from one.
    if (p.destination().is_multicast() || p.source().is_any() || !_addresses.usable(p.destination())) {
      ++_stats.rx_not_for_us;
      return;
    }
    ++_stats.rx_delivered;
    ip_meta meta;
    meta.source = p.source();
    meta.destination = p.destination();
    meta.protocol = chain->protocol;
    meta.ttl = p.hop_limit();
    meta.tos = p.traffic_class();
    _delivering = p;
    in->receive(meta, p.payload().skip(chain->offset), now);
    _delivering.reset();
    return;
  }
  ++_stats.rx_delivered;
  on_icmp(p.source(), p.destination(), p.hop_limit(), p.payload().skip(chain->offset), link_source, now);
}

void ipv6_layer::on_fragment(const ipv6_packet& p, const wire::ipv6_chain& chain, mac_addr link_source,
                             mono_time now) {
  ++_stats.rx_fragments;
  const wire::fragment_header& f = *chain.fragment;
  const std::size_t header_len = ipv6_packet::header_len + chain.offset;  // through the Fragment header
  const bytes data = p.payload().skip(chain.offset);
  if (f.atomic()) {
    // RFC 6946: a whole packet that happens to carry a Fragment header.
    ++_stats.rx_atomic_fragments;
    buffer copy = buffer::copy_of(p.raw());
    if (!copy.valid()) return;
    deliver_defragmented(std::move(copy), header_len, link_source, now);
    return;
  }
  // RFC 8200 §4.5's checks, each answered by the Parameter Problem it
  // names (Linux 6.18 answers the last two; it drops the first silently,
  // counting Ip6InHdrErrors).
  if (f.more && data.size() % 8 != 0) {
    ++_stats.rx_bad_fragments;
    send_parameter_problem(p, 0, ipv6_packet::field::payload_length, false, now);
    return;
  }
  if (f.offset + data.size() > max_payload_len) {
    ++_stats.rx_bad_fragments;
    send_parameter_problem(p, 0, static_cast<std::uint32_t>(header_len - wire::fragment_header::len + 2), false, now);
    return;
  }
  if (f.offset == 0 && !holds_upper_layer_header(f.next_header, data)) {
    ++_stats.rx_incomplete_first_fragment;
    send_parameter_problem(p, 3, 0, false, now);
    return;
  }
  fragment piece;
  piece.key = {p.source(), p.destination(), f.ident, 0};
  piece.offset = f.offset;
  piece.more = f.more;
  piece.data = data;
  if (f.offset == 0) piece.header = p.raw().first(header_len);
  auto whole = _reassembly.input(piece, now);
  if (!whole) return;
  deliver_defragmented(std::move(whole->packet), whole->header_len, link_source, now);
}

void ipv6_layer::deliver_defragmented(buffer packet, std::size_t header_len, mac_addr link_source, mono_time now) {
  // Find, in the first fragment's headers alone, the Next Header byte that
  // names the Fragment header and what the Fragment header names.
  const mut_bytes all = packet.view();
  all.set_be16(ipv6_packet::field::payload_length, static_cast<std::uint16_t>(header_len - ipv6_packet::header_len));
  auto headers = ipv6_packet::parse(bytes(all).first(header_len));
  if (!headers) return;
  auto chain = wire::walk_extension_headers(*headers);
  if (!chain || !chain->fragment) return;  // cannot happen: it was walked when it arrived
  // Rewrite that byte, then move the unfragmentable part up over the
  // Fragment header: the packet as it was before fragmentation.
  all.set_u8(chain->next_pointer, chain->fragment->next_header);
  const std::size_t unfragmentable = header_len - wire::fragment_header::len;
  std::memmove(all.u8_data() + wire::fragment_header::len, all.u8_data(), unfragmentable);
  const mut_bytes whole = all.skip(wire::fragment_header::len);
  const std::size_t payload = whole.size() - ipv6_packet::header_len;
  if (payload > max_payload_len) return;  // cannot happen: the checks above bound it
  whole.set_be16(ipv6_packet::field::payload_length, static_cast<std::uint16_t>(payload));
  auto p = ipv6_packet::parse(whole);
  if (!p) return;
  process(*p, link_source, now, true);
}

void ipv6_layer::on_icmp(const ipv6_addr& source, const ipv6_addr& destination, std::uint8_t hop_limit,
                         bytes message, mac_addr, mono_time now) {
  auto m = icmpv6_packet::parse(message, source, destination);
  if (!m) {
    ++_stats.rx_icmp_bad_checksum;
    return;
  }
  switch (m->type()) {
    case icmp::echo_request: {
      ++_stats.rx_echo_requests;
      if (source.is_any()) return;
      // From the address asked, or our link-local for a group.
      const ipv6_addr from = destination.is_multicast() ? link_local().value_or(ipv6_addr::any()) : destination;
      if (from.is_any() || !_addresses.usable(from)) return;
      if (!_echo.take(now)) {
        ++_stats.echo_rate_limited;
        return;
      }
      const auto reply = icmpv6_repr::echo(icmp::echo_reply, m->echo_ident(), m->echo_sequence(), m->data());
      // A request over the link MTU came in fragments; its reply, as
      // large, leaves in them from a buffer of its own.
      buffer large;
      mut_bytes out(_scratch.data(), std::min(reply.buffer_len(), _scratch.size()));
      if (reply.buffer_len() > _scratch.size()) {
        large = buffer(reply.buffer_len());
        if (!large.valid()) return;
        out = large.view();
      }
      reply.emit(out, from, source);
      const bytes parts[1] = {out};
      if (send_from(from, source, wire::ipv6_next::icmpv6, parts, now)) ++_stats.tx_echo_replies;
      return;
    }
    case icmp::neighbor_solicitation:
    case icmp::neighbor_advertisement: {
      auto n = ndp_message::parse(*m, hop_limit, source, destination);
      if (!n) {
        ++_stats.rx_bad_ndp;
        return;
      }
      if (m->type() == icmp::neighbor_solicitation) on_solicitation(source, destination, *n, now);
      else on_advertisement(*n, now);
      return;
    }
    case icmp::router_advertisement: {
      auto n = ndp_message::parse(*m, hop_limit, source, destination);
      if (!n) {
        ++_stats.rx_bad_ndp;
        return;
      }
      on_router_advertisement(source, *n, now);
      return;
    }
    case icmp::redirect: ++_stats.rx_redirects_ignored; return;
    case icmp::packet_too_big: on_packet_too_big(*m, now); return;
    case icmp::mld_query: on_mld_query(source, hop_limit, *m, now); return;
    default: return;  // router solicitations (for routers), MLD: not ours
  }
}

void ipv6_layer::on_solicitation(const ipv6_addr& source, const ipv6_addr&, const ndp_message& n, mono_time now) {
  ++_stats.rx_solicitations;
  const ipv6_addr target = n.target();
  const auto* mine = _addresses.find(target);
  if (!mine || !_addresses.holds(target)) return;
  if (mine->what == address_list::state::tentative) {
    // Another host's DAD for the address we are checking (RFC 4862 §5.4.3).
    if (source.is_any()) conflict(target, now);
    return;
  }
  if (!source.is_any())
    if (auto lla = n.link_address(wire::ndp_option::source_link_address))
      _neighbors.link_address_of(source, *lla, now, *this);
  // RFC 4861 §7.2.4: solicited and overriding, to the asker; to all nodes
  // for a DAD probe (its source cannot be answered).
  const bool dad = source.is_any();
  const ipv6_addr to = dad ? all_nodes : source;
  std::array<std::byte, 32> na{};
  const std::size_t len = ndp_writer::neighbor_advertisement(mut_bytes(na.data(), na.size()), target, _link.mac(),
                                                             false, !dad, true);
  ndp_writer::finish(mut_bytes(na.data(), na.size()), len, target, to);
  std::optional<mac_addr> dst;
  if (dad) dst = wire::multicast_mac(all_nodes);
  else dst = n.link_address(wire::ndp_option::source_link_address);
  if (!dst) dst = _neighbors.lookup(source, now);
  if (!dst) return;  // no way to answer without resolving; the asker will retry
  if (send_icmp(target, to, *dst, 255, bytes(na.data(), len))) ++_stats.tx_advertisements;
}

void ipv6_layer::on_advertisement(const ndp_message& n, mono_time now) {
  ++_stats.rx_advertisements;
  const ipv6_addr target = n.target();
  if (const auto* mine = _addresses.find(target)) {
    // Someone else answers for our address: during DAD it is theirs.
    if (mine->what == address_list::state::tentative) conflict(target, now);
    else ++_stats.dad_conflicts;
    return;
  }
  _neighbors.advertisement(target, n.link_address(wire::ndp_option::target_link_address), n.solicited_flag(),
                           n.override_flag(), now, *this);
}

void ipv6_layer::on_router_advertisement(const ipv6_addr& source, const ndp_message& n, mono_time now) {
  if (!_cfg.accept_router_advertisements) {
    ++_stats.rx_router_advertisements_ignored;
    return;
  }
  ++_stats.rx_router_advertisements;
  _next_solicitation = mono_never;  // a router answered (RFC 4861 §6.3.7)
  _routes.on_router(source, n.router_lifetime(), now);
  if (n.current_hop_limit() != 0) _hop_limit = n.current_hop_limit();
  if (n.reachable_time() != 0) {
    const duration t = std::chrono::milliseconds(n.reachable_time());
    _neighbors.set_reachable_time(std::clamp(t, min_ndp_timer, max_reachable_time));
  }
  if (n.retrans_timer() != 0)
    _neighbors.set_retrans_timer(std::max<duration>(std::chrono::milliseconds(n.retrans_timer()), min_ndp_timer));
  if (auto lla = n.link_address(wire::ndp_option::source_link_address)) _neighbors.link_address_of(source, *lla, now, *this);
  if (auto mtu = n.mtu_option()) _routes.on_mtu(*mtu);
  n.for_each_option([&](const ndp_message::option& o) {
    if (o.type == wire::ndp_option::prefix_information) {
      auto info = ndp_message::prefix_information(o.value);
      if (!info) return true;
      _routes.on_prefix(*info, now);
      if (_addresses.on_prefix(*info, now) == address_list::prefix_outcome::formed)
        begin_dad(_addresses.addresses().back().prefix.address, now);
    } else if (o.type == wire::ndp_option::rdnss) {
      _routes.on_dns_option(o.value, now);
    }
    return true;
  });
}

void ipv6_layer::on_packet_too_big(const icmpv6_packet& m, mono_time now) {
  ++_stats.rx_packet_too_big;
  // The invoking packet, as much as came back: its fixed header must be
  // there, and its source one of ours (RFC 8201 §4, RFC 5927: anyone can
  // send a Packet Too Big; only one about our own traffic counts).
  const bytes quoted = m.data();
  if (quoted.size() < ipv6_packet::header_len) {
    ++_stats.rx_packet_too_big_ignored;
    return;
  }
  ipv6_addr source, destination;
  for (std::size_t i = 0; i < 16; ++i) {
    source.octets[i] = quoted.u8(ipv6_packet::field::source + i);
    destination.octets[i] = quoted.u8(ipv6_packet::field::destination + i);
  }
  if (!_addresses.holds(source) || destination.is_multicast()) {
    ++_stats.rx_packet_too_big_ignored;
    return;
  }
  const auto mtu = _path_mtu.too_big(destination, m.mtu(), path_mtu(destination), now);
  if (!mtu) return;
  // Tell the transport that sent it, when its header came back.
  const bytes upper = quoted.skip(ipv6_packet::header_len);
  const auto layer = skip_extension_headers(quoted.u8(ipv6_packet::field::next_header), upper);
  if (!layer || layer->offset + 8 > upper.size()) return;
  ip_input* in = _inputs[layer->protocol];
  if (!in) return;
  ip_meta meta;
  meta.source = source;
  meta.destination = destination;
  meta.protocol = layer->protocol;
  in->path_mtu_reduced(meta, upper.skip(layer->offset), *mtu - ipv6_packet::header_len, now);
}

std::size_t ipv6_layer::path_mtu(const ipv6_addr& destination) const {
  const std::size_t link = _routes.mtu();
  if (destination.is_multicast()) return link;
  const auto known = _path_mtu.lookup(destination);
  return known ? std::min(*known, link) : link;
}

void ipv6_layer::join_group(const ipv6_addr& group, mono_time now) {
  if (std::find(_groups.begin(), _groups.end(), group) != _groups.end() || _groups.size() >= max_groups) return;
  _groups.push_back(group);
  if (!_cfg.mld) return;
  // RFC 3810 §6.1: report the change at once, then robustness - 1 times.
  _changed_groups.push_back(group);
  _unsolicited_left = mld_robustness;
  _next_unsolicited = now;
}

void ipv6_layer::on_mld_query(const ipv6_addr& source, std::uint8_t hop_limit, const icmpv6_packet& m,
                              mono_time now) {
  ++_stats.rx_mld_queries;
  // RFC 3810 §5.1.14: from a link-local address, hop limit 1; a v1 query
  // is 24 bytes, a v2 one at least 28.
  const bytes body = m.data();  // after the 8-byte header: the group, then v2's fields
  if (!_cfg.mld || !source.is_link_local() || hop_limit != 1 || body.size() < 16) {
    ++_stats.rx_mld_queries_ignored;
    return;
  }
  ipv6_addr group;
  for (std::size_t i = 0; i < 16; ++i) group.octets[i] = body.u8(i);
  // Maximum Response Code (§5.1.3): milliseconds, or a floating-point
  // form from 32768 on.
  const std::uint32_t code = m.rest_of_header() >> 16;
  std::uint64_t max_ms = code;
  if (code >= 32768) max_ms = std::uint64_t((code & 0x0fff) | 0x1000) << (((code >> 12) & 0x7) + 3);
  std::optional<ipv6_addr> asked;
  if (!group.is_any()) {
    if (std::find(_groups.begin(), _groups.end(), group) == _groups.end()) return;  // not ours to answer
    asked = group;
  }
  const mono_time at = saturating_add(now, random_delay(std::chrono::milliseconds(max_ms)));
  // §6.2: a pending answer to a general query covers everything; an
  // earlier one stays.
  if (_query_answer_at != mono_never) {
    if (!_query_group || _query_group == asked) {
      _query_answer_at = std::min(_query_answer_at, at);
      return;
    }
    asked.reset();  // two groups asked: answer for all
  }
  _query_group = asked;
  _query_answer_at = at;
}

duration ipv6_layer::random_delay(duration max) {
  // Steps from the configured seed: timing, not secrecy.
  const auto span = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(max).count());
  return std::chrono::microseconds(_random.below(span + 1));
}

void ipv6_layer::send_mld_report(std::uint8_t record_type, std::span<const ipv6_addr> groups) {
  if (groups.empty()) return;
  // From the link-local address, or :: while it is tentative (RFC 3810
  // §5.2.13); hop limit 1 with a Router Alert (RFC 2711, value 0: MLD).
  const ipv6_addr source = link_local().value_or(ipv6_addr::any());
  constexpr std::size_t record_len = 20;
  const std::size_t count = std::min(groups.size(), max_groups);
  std::array<std::byte, max_groups * record_len> records{};
  for (std::size_t i = 0; i < count; ++i) {
    const mut_bytes r = mut_bytes(records.data(), records.size()).sub(i * record_len, record_len);
    r.set_u8(0, record_type);  // aux data length and number of sources stay 0
    for (std::size_t j = 0; j < 16; ++j) r.set_u8(4 + j, groups[i].octets[j]);
  }
  const icmpv6_repr report{icmp::mldv2_report, 0, static_cast<std::uint32_t>(count),
                           bytes(records.data(), count * record_len)};
  std::array<std::byte, 8 + max_groups * record_len> icmp_message{};
  const mut_bytes message(icmp_message.data(), report.buffer_len());
  report.emit(message, source, all_mld_routers);
  static constexpr std::array<std::byte, 8> router_alert = {
      std::byte{wire::ipv6_next::icmpv6}, std::byte{0}, std::byte{5}, std::byte{2},
      std::byte{0},                       std::byte{0}, std::byte{1}, std::byte{0}};  // Router Alert, PadN
  std::array<std::byte, ipv6_packet::header_len> header{};
  ipv6_repr h;
  h.source = source;
  h.destination = all_mld_routers;
  h.next_header = wire::ipv6_next::hop_by_hop;
  h.hop_limit = 1;
  h.payload_len = router_alert.size() + message.size();
  h.emit(mut_bytes(header.data(), header.size()));
  const bytes parts[3] = {bytes(header.data(), header.size()), bytes(router_alert.data(), router_alert.size()),
                          message};
  if (_link.transmit_ipv6(wire::multicast_mac(all_mld_routers), parts)) {
    ++_stats.tx_packets;
    ++_stats.tx_mld_reports;
  } else {
    ++_stats.tx_failed;
  }
}

void ipv6_layer::send_parameter_problem(const ipv6_packet& offending, std::uint8_t code, std::uint32_t pointer,
                                        bool allowed_to_multicast, mono_time now) {
  if (send_error(offending, icmp::parameter_problem, code, pointer, allowed_to_multicast, now))
    ++_stats.tx_parameter_problems;
}

void ipv6_layer::port_unreachable(const ip_meta&, bytes, mono_time now) {
  if (!_delivering) return;
  if (send_error(*_delivering, icmp::destination_unreachable, wire::icmpv6_unreachable::port, 0, false, now))
    ++_stats.tx_unreachables;
}

bool ipv6_layer::send_error(const ipv6_packet& offending, std::uint8_t type, std::uint8_t code,
                            std::uint32_t parameter, bool allowed_to_multicast, mono_time now) {
  // RFC 4443 §2.4 (e): not to a source that names no single host, not
  // about a multicast packet (but for the one exception the caller says).
  const ipv6_addr to = offending.source();
  if (to.is_any() || to.is_multicast()) return false;
  if (offending.destination().is_multicast() && !allowed_to_multicast) return false;
  if (is_icmpv6_error(offending)) return false;
  if (!_errors.take(now)) {
    ++_stats.errors_rate_limited;
    return false;
  }
  std::optional<ipv6_addr> from;
  if (!offending.destination().is_multicast() && _addresses.usable(offending.destination()))
    from = offending.destination();
  else from = _addresses.source_for(to);
  if (!from) return false;
  // §2.4 (c): as much of the packet as fits in the minimum MTU.
  constexpr std::size_t max_quoted = 1280 - ipv6_packet::header_len - icmpv6_packet::header_len;
  const bytes raw = offending.raw();
  const icmpv6_repr msg{type, code, parameter, raw.sub(0, std::min(raw.size(), max_quoted))};
  mut_bytes out(_scratch.data(), msg.buffer_len());
  msg.emit(out, *from, to);
  const bytes parts[1] = {out};
  return bool(send_from(*from, to, wire::ipv6_next::icmpv6, parts, now));
}

std::optional<ipv6_addr> ipv6_layer::source_for(const ipv6_addr& destination) const {
  return _addresses.source_for(destination);
}

std::size_t ipv6_layer::mtu_for(const ipv6_addr& destination) const {
  return path_mtu(destination) - ipv6_packet::header_len;
}

void ipv6_layer::send_router_solicitation() {
  // RFC 4861 §6.3.7: from the link-local address, with our link address.
  auto source = link_local();
  if (!source) return;
  std::array<std::byte, 16> rs{};
  const std::size_t len = ndp_writer::router_solicitation(mut_bytes(rs.data(), rs.size()), _link.mac());
  ndp_writer::finish(mut_bytes(rs.data(), rs.size()), len, *source, all_routers);
  if (send_icmp(*source, all_routers, wire::multicast_mac(all_routers), 255, bytes(rs.data(), len)))
    ++_stats.tx_router_solicitations;
}

std::optional<ipv6_addr> ipv6_layer::next_hop(const ipv6_addr& destination, mono_time) {
  if (_routes.on_link(destination)) return destination;
  return _routes.default_router([&](const ipv6_addr& router) {
    const auto s = _neighbors.state_of(router);
    return s && *s != neighbor_cache::state::incomplete && *s != neighbor_cache::state::failed;
  });
}

void ipv6_layer::conflict(const ipv6_addr& a, mono_time now) {
  ++_stats.dad_conflicts;
  std::erase_if(_dad, [&](const dad_run& d) { return d.address == a; });
  if (auto next = _addresses.dad_failed(a)) begin_dad(*next, now);
}

result<void, ip_error> ipv6_layer::send_icmp(const ipv6_addr& source, const ipv6_addr& destination, mac_addr to,
                                             std::uint8_t hop_limit, bytes icmp_message) {
  std::array<std::byte, ipv6_packet::header_len> header{};
  ipv6_repr h;
  h.source = source;
  h.destination = destination;
  h.next_header = wire::ipv6_next::icmpv6;
  h.hop_limit = hop_limit;
  h.payload_len = icmp_message.size();
  h.emit(mut_bytes(header.data(), header.size()));
  const bytes parts[2] = {bytes(header.data(), header.size()), icmp_message};
  auto r = _link.transmit_ipv6(to, parts);
  if (r) ++_stats.tx_packets;
  else ++_stats.tx_failed;
  return r;
}

result<void, ip_error> ipv6_layer::send(const ipv6_addr& destination, std::uint8_t next_header,
                                        std::span<const bytes> parts, mono_time now) {
  auto source = _addresses.source_for(destination);
  if (!source) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  return send_from(*source, destination, next_header, parts, now);
}

result<void, ip_error> ipv6_layer::send_from(const ipv6_addr& source, const ipv6_addr& destination,
                                             std::uint8_t next_header, std::span<const bytes> parts, mono_time now) {
  // Multicast beyond the link would need MLD and a multicast router.
  if (destination.is_multicast() && (destination.octets[1] & 0x0f) > 2) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  std::optional<ipv6_addr> hop = destination;
  if (!destination.is_multicast()) hop = next_hop(destination, now);
  if (!hop) {
    ++_stats.tx_no_route;
    return unexpected(ip_error::no_route);
  }
  std::size_t payload = 0;
  for (bytes b : parts) payload += b.size();
  if (payload > max_payload_len || parts.size() > 32) {
    ++_stats.tx_failed;
    return unexpected(ip_error::too_big);
  }
  std::array<std::byte, ipv6_packet::header_len> header{};
  ipv6_repr h;
  h.source = source;
  h.destination = destination;
  h.next_header = next_header;
  h.hop_limit = destination.is_multicast() ? 1 : _hop_limit;
  h.payload_len = payload;
  const std::size_t mtu = path_mtu(destination);
  std::array<bytes, 34> all{};  // the headers and UDP's 32 parts
  if (ipv6_packet::header_len + payload <= mtu) {
    h.emit(mut_bytes(header.data(), header.size()));
    all[0] = bytes(header.data(), header.size());
    std::copy(parts.begin(), parts.end(), all.begin() + 1);
    return transmit(destination, *hop, std::span<const bytes>(all.data(), parts.size() + 1), now);
  }
  // RFC 8200 §4.5: fragments of the largest multiple of 8 that fits the
  // MTU beside the two headers, each slicing the caller's parts.
  const std::size_t per_fragment = (mtu - ipv6_packet::header_len - wire::fragment_header::len) & ~std::size_t(7);
  wire::fragment_header f;
  f.next_header = next_header;
  f.ident = _ident.next(source, destination);
  h.next_header = wire::ipv6_next::fragment;
  std::array<std::byte, wire::fragment_header::len> fragment{};
  gather_cursor cursor(parts);
  for (std::size_t offset = 0; offset < payload; offset += per_fragment) {
    const std::size_t n = std::min(per_fragment, payload - offset);
    h.payload_len = wire::fragment_header::len + n;
    h.emit(mut_bytes(header.data(), header.size()));
    f.offset = static_cast<std::uint16_t>(offset);
    f.more = offset + n < payload;
    f.emit(mut_bytes(fragment.data(), fragment.size()));
    all[0] = bytes(header.data(), header.size());
    all[1] = bytes(fragment.data(), fragment.size());
    const std::size_t count = cursor.take(n, std::span<bytes>(all).subspan(2));
    ++_stats.tx_fragments;
    // A fragment queued behind resolution is a copy; the rest follow it.
    auto r = transmit(destination, *hop, std::span<const bytes>(all.data(), count + 2), now);
    if (!r) return r;
  }
  return {};
}

result<void, ip_error> ipv6_layer::transmit(const ipv6_addr& destination, const ipv6_addr& hop,
                                            std::span<const bytes> packet, mono_time now) {
  if (destination.is_multicast()) {
    auto r = _link.transmit_ipv6(wire::multicast_mac(destination), packet);
    if (r) ++_stats.tx_packets;
    return r;
  }
  if (auto mac = _neighbors.lookup(hop, now)) {
    auto r = _link.transmit_ipv6(*mac, packet);
    if (r) ++_stats.tx_packets;
    else ++_stats.tx_failed;
    return r;
  }
  return _neighbors.enqueue(hop, packet, now, *this);
}

void ipv6_layer::send_solicitation(const ipv6_addr& target, std::optional<mac_addr> to) {
  auto source = _addresses.source_for(target);
  if (!source) return;  // nothing usable to ask from yet
  std::array<std::byte, 32> ns{};
  const std::size_t len = ndp_writer::neighbor_solicitation(mut_bytes(ns.data(), ns.size()), target, _link.mac());
  const ipv6_addr destination = to ? target : wire::solicited_node(target);
  ndp_writer::finish(mut_bytes(ns.data(), ns.size()), len, *source, destination);
  const mac_addr mac = to ? *to : wire::multicast_mac(destination);
  if (send_icmp(*source, destination, mac, 255, bytes(ns.data(), len))) ++_stats.tx_solicitations;
}

void ipv6_layer::send_resolved(mac_addr destination, bytes packet) {
  const bytes parts[1] = {packet};
  if (_link.transmit_ipv6(destination, parts)) ++_stats.tx_packets;
  else ++_stats.tx_failed;
}

void ipv6_layer::poll(mono_time now) {
  if (now >= _next_unsolicited) {
    send_mld_report(change_to_exclude_mode, _changed_groups);
    if (--_unsolicited_left > 0) {
      _next_unsolicited = saturating_add(now, random_delay(mld_unsolicited_interval));
    } else {
      _next_unsolicited = mono_never;
      _changed_groups.clear();
    }
  }
  if (now >= _query_answer_at) {
    _query_answer_at = mono_never;
    if (_query_group) send_mld_report(mode_is_exclude, std::span<const ipv6_addr>(&*_query_group, 1));
    else send_mld_report(mode_is_exclude, _groups);
  }
  _reassembly.poll(now);
  _path_mtu.poll(now);
  _neighbors.poll(now, *this);
  _addresses.poll(now);
  _routes.poll(now);
  if (now >= _next_solicitation) {
    send_router_solicitation();
    ++_solicitations_sent;
    _next_solicitation =
        _solicitations_sent < _cfg.router_solicitations ? saturating_add(now, solicitation_interval) : mono_never;
  }
  for (std::size_t i = 0; i < _dad.size();) {
    dad_run& d = _dad[i];
    if (now < d.next) {
      ++i;
      continue;
    }
    if (d.sent < _cfg.dad_transmits) {
      // RFC 4862 §5.4.2: from the unspecified address to the
      // solicited-node group, without a link-layer address.
      std::array<std::byte, 24> ns{};
      const ipv6_addr group = wire::solicited_node(d.address);
      const std::size_t len = ndp_writer::neighbor_solicitation(mut_bytes(ns.data(), ns.size()), d.address, std::nullopt);
      ndp_writer::finish(mut_bytes(ns.data(), ns.size()), len, ipv6_addr::any(), group);
      if (send_icmp(ipv6_addr::any(), group, wire::multicast_mac(group), 255, bytes(ns.data(), len)))
        ++_stats.tx_solicitations;
      ++d.sent;
      d.next = saturating_add(now, _cfg.ndp.retrans_timer);
      ++i;
      continue;
    }
    _addresses.dad_succeeded(d.address, now);
    if (d.address.is_link_local() && _cfg.accept_router_advertisements && _cfg.router_solicitations > 0 &&
        _solicitations_sent == 0) {
      // RFC 4861 §6.3.7: after a random delay of up to a second, so that
      // hosts booting together do not all solicit at once.
      const auto delay = static_cast<std::int64_t>(_cfg.ndp.seed % max_solicitation_delay_ms);
      _next_solicitation = saturating_add(now, std::chrono::milliseconds(delay));
    }
    _dad.erase(_dad.begin() + static_cast<std::ptrdiff_t>(i));
  }
}

mono_time ipv6_layer::poll_at() const {
  mono_time at = std::min(
      {_neighbors.poll_at(), _addresses.poll_at(), _routes.poll_at(), _next_solicitation, _reassembly.poll_at(),
       _path_mtu.poll_at(), _next_unsolicited, _query_answer_at});
  for (const dad_run& d : _dad) at = std::min(at, d.next);
  return at;
}

}  // namespace fata::net
