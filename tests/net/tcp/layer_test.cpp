// The TCP layer with its coroutine glue, on a virtual clock: the test is
// the peer, injecting segments through the IP seam (of either family) and
// reading what the layer sends from a recording ip_output.
#include <fata/net/tcp/layer.hpp>

#include <fata/core/join.hpp>
#include <fata/core/loop.hpp>

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using namespace fata::net::tcp;
using sig::flow_error;

const ipv4_addr self_addr(10, 0, 0, 1);
const ipv4_addr peer_addr(10, 0, 0, 2);
const ipv6_addr self_addr6 = *ipv6_addr::parse("2001:db8::1");
const ipv6_addr peer_addr6 = *ipv6_addr::parse("2001:db8::2");

// Records (and checks) every segment the layer sends.
struct recorder final : ip_output {
  struct captured {
    ip_addr source;
    ip_addr destination;
    std::vector<std::byte> raw;
    repr r;
  };
  std::deque<captured> segments;
  bool no_route = false;

  result<void, ip_error> send(ip_addr source, ip_addr destination, std::uint8_t protocol,
                              std::span<const bytes> parts) override {
    EXPECT_EQ(protocol, ip_protocol::tcp);
    if (no_route) return unexpected(ip_error::no_route);
    captured c{source, destination, {}, {}};
    for (bytes p : parts) c.raw.insert(c.raw.end(), p.begin(), p.end());
    segments.push_back(std::move(c));
    captured& back = segments.back();
    auto p = packet::parse(bytes(back.raw.data(), back.raw.size()));
    EXPECT_TRUE(p);
    auto r = repr::parse(*p, source, destination);
    EXPECT_TRUE(r) << "the layer sent a segment with a bad checksum";
    if (r) back.r = *r;
    return {};
  }
  ip_addr source_for(ip_addr d) const override { return d.is_v4() ? ip_addr(self_addr) : ip_addr(self_addr6); }
  // An Ethernet link's: 1500 less the IP header of the family.
  std::size_t mtu_for(ip_addr d) const override { return d.is_v4() ? 1480 : 1460; }

  repr take() {
    EXPECT_FALSE(segments.empty());
    if (segments.empty()) return {};
    last = std::move(segments.front());
    segments.pop_front();
    return last.r;
  }
  captured last;
};

struct tcp_layer : ::testing::Test {
  virtual_backend clock;
  fata::loop loop{clock};
  recorder out;
  config cfg;
  std::unique_ptr<layer> tcp;
  std::deque<std::string> payloads;

  void make() {
    std::array<std::byte, layer::secret_size> key{};
    key[0] = std::byte{42};
    tcp = std::make_unique<layer>(out, key, cfg);
  }
  void TearDown() override {
    loop.shutdown();
    tcp.reset();
  }

  repr peer(std::uint8_t flags, std::uint32_t seq, std::uint32_t ack, std::string_view data = {},
            std::uint16_t from_port = 40000, std::uint16_t to_port = 80) {
    repr r;
    r.source_port = port(from_port);
    r.destination_port = port(to_port);
    r.seq = seq_number(seq);
    r.ack = seq_number(ack);
    r.flags = flags;
    r.window = 65535;
    if (!data.empty()) {
      payloads.emplace_back(data);
      r.payload = bytes::of(payloads.back());
    }
    return r;
  }
  static ip_addr self_for(const ip_addr& from) {
    return from.is_v4() ? ip_addr(self_addr) : ip_addr(self_addr6);
  }
  void inject(const repr& r, ip_addr from = peer_addr) {
    std::vector<std::byte> raw(r.total_len());
    r.emit(mut_bytes(raw.data(), raw.size()), from, self_for(from));
    inject_raw(raw, from, self_for(from));
  }
  void inject_raw(const std::vector<std::byte>& raw, ip_addr from = peer_addr, ip_addr to = self_addr) {
    ip_meta meta;
    meta.source = from;
    meta.destination = to;
    meta.protocol = ip_protocol::tcp;
    meta.ttl = 64;
    tcp->receive(meta, bytes(raw.data(), raw.size()), clock.now());
    loop.run_ready();
  }
  void advance(duration d) {
    clock.advance(d);
    loop.run_ready();
  }

  // A passive handshake on port 80 from `from_port`; returns our ISN.
  std::uint32_t handshake(std::uint16_t from_port = 40000, std::uint32_t peer_isn = 100, ip_addr from = peer_addr) {
    inject(peer(flag::syn, peer_isn, 0, {}, from_port), from);
    const repr sa = out.take();
    EXPECT_EQ(sa.flags, flag::syn | flag::ack);
    EXPECT_EQ(out.last.destination, from);
    EXPECT_EQ(out.last.source, self_for(from));
    inject(peer(flag::ack, peer_isn + 1, sa.seq.value + 1, {}, from_port), from);
    return sa.seq.value;
  }
};

task<void> accept_into(listener* l, std::optional<result<flow, flow_error>>* slot) {
  *slot = co_await l->accept();
}

task<void> read_into(flow* f, std::string* got, std::optional<flow_error>* error) {
  std::byte buf[4096];
  for (;;) {
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (!n) {
      *error = n.error();
      co_return;
    }
    if (*n == 0) co_return;
    got->append(reinterpret_cast<const char*>(buf), *n);
  }
}

task<void> write_text(flow* f, std::string_view text) { (void)co_await f->write(bytes::of(text)); }

task<void> close_flow(flow* f) { co_await f->close(); }

task<void> connect_into(layer* t, sig::ip_endpoint to,
                        std::optional<result<flow, flow_error>>* slot) {
  *slot = co_await t->connect(to);
}

// --- no connection ----------------------------------------------------

TEST_F(tcp_layer, a_syn_to_a_closed_port_is_answered_with_rst_ack) {
  make();
  inject(peer(flag::syn, 100, 0));
  const repr r = out.take();
  EXPECT_EQ(r.flags, flag::rst | flag::ack);
  EXPECT_EQ(r.seq, seq_number(0));
  EXPECT_EQ(r.ack, seq_number(101));
  EXPECT_EQ(r.source_port, port(80));
  EXPECT_EQ(tcp->counters().drop_no_connection, 1u);
}

TEST_F(tcp_layer, an_ack_to_a_closed_port_is_reset_from_its_ack_number) {
  make();
  inject(peer(flag::ack, 100, 555));
  const repr r = out.take();
  EXPECT_EQ(r.flags, flag::rst);
  EXPECT_EQ(r.seq, seq_number(555));
}

TEST_F(tcp_layer, a_reset_to_a_closed_port_is_not_answered) {
  make();
  inject(peer(flag::rst, 100, 0));
  EXPECT_TRUE(out.segments.empty());
}

TEST_F(tcp_layer, a_bad_checksum_is_dropped_and_counted) {
  make();
  repr r = peer(flag::syn, 100, 0);
  std::vector<std::byte> raw(r.total_len());
  r.emit(mut_bytes(raw.data(), raw.size()), peer_addr, self_addr);
  raw[4] ^= std::byte{0x10};
  inject_raw(raw);
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(tcp->counters().drop_bad_checksum, 1u);
}

TEST_F(tcp_layer, a_truncated_segment_is_dropped_as_malformed) {
  make();
  std::vector<std::byte> raw(12);
  inject_raw(raw);
  EXPECT_EQ(tcp->counters().drop_malformed, 1u);
}

TEST_F(tcp_layer, syn_with_fin_is_dropped_as_bad_flags) {
  make();
  (void)tcp->listen(port(80));
  inject(peer(flag::syn | flag::fin, 100, 0));
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(tcp->counters().drop_bad_flags, 1u);
}

TEST_F(tcp_layer, segments_to_a_broadcast_address_are_dropped) {
  make();
  repr r = peer(flag::syn, 100, 0);
  std::vector<std::byte> raw(r.total_len());
  r.emit(mut_bytes(raw.data(), raw.size()), peer_addr, ipv4_addr::broadcast());
  inject_raw(raw, peer_addr, ipv4_addr::broadcast());
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(tcp->counters().drop_not_for_us, 1u);
}

// --- listeners --------------------------------------------------------

TEST_F(tcp_layer, a_listener_completes_the_handshake_and_accept_returns_the_flow) {
  make();
  auto l = tcp->listen(port(80));
  ASSERT_TRUE(l);
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  loop.run_ready();
  handshake();
  ASSERT_TRUE(accepted && *accepted);
  flow& f = **accepted;
  EXPECT_EQ(f.remote(), (sig::ip_endpoint{peer_addr, port(40000)}));
  EXPECT_EQ(f.local(), (sig::ip_endpoint{self_addr, port(80)}));
  EXPECT_EQ(tcp->counters().passive_opens, 1u);
  EXPECT_EQ(tcp->connections_by_state()[std::size_t(state::established)], 1u);
  loop.shutdown();
}

TEST_F(tcp_layer, the_syn_ack_announces_the_route_mss) {
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 100, 0));
  EXPECT_EQ(out.take().opts.mss, 1460);
}

TEST_F(tcp_layer, listening_twice_on_a_port_is_address_in_use) {
  make();
  auto l = tcp->listen(port(80));
  EXPECT_EQ(tcp->listen(port(80)).error(), sig::stack_error::address_in_use);
  EXPECT_EQ(tcp->listen(port(0)).error(), sig::stack_error::invalid_argument);
}

TEST_F(tcp_layer, data_flows_both_ways_through_an_accepted_flow) {
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  const std::uint32_t iss = handshake();
  ASSERT_TRUE(accepted && *accepted);
  flow& f = **accepted;
  std::string got;
  std::optional<flow_error> error;
  loop.spawn(read_into(&f, &got, &error));
  inject(peer(flag::ack | flag::psh, 101, iss + 1, "request"));
  EXPECT_EQ(got, "request");
  f.set_nodelay(true);
  loop.spawn(write_text(&f, "reply"));
  loop.run_ready();
  repr r = out.take();
  while (r.payload.empty() && !out.segments.empty()) r = out.take();
  EXPECT_EQ(r.payload.chars(), "reply");
  inject(peer(flag::ack | flag::fin, 108, iss + 6));
  EXPECT_FALSE(error);
  EXPECT_EQ(f.state()->state(), state::close_wait);
  loop.shutdown();
}

TEST_F(tcp_layer, a_full_syn_backlog_answers_with_a_syn_cookie) {
  cfg.syn_backlog = 1;
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 100, 0, {}, 40000));
  out.take();
  inject(peer(flag::syn, 200, 0, {}, 40001));
  const repr sa = out.take();
  EXPECT_EQ(sa.flags, flag::syn | flag::ack);
  EXPECT_EQ(tcp->counters().syn_cookies_sent, 1u);
  EXPECT_EQ(tcp->connections(), 1u);  // no state kept for the second
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  inject(peer(flag::ack | flag::psh, 201, sa.seq.value + 1, "hi", 40001));
  ASSERT_TRUE(accepted && *accepted);
  EXPECT_EQ((*accepted)->remote().number, port(40001));
  EXPECT_EQ(tcp->counters().syn_cookies_accepted, 1u);
  std::string got;
  std::optional<flow_error> error;
  loop.spawn(read_into(&**accepted, &got, &error));
  loop.run_ready();
  EXPECT_EQ(got, "hi");
  loop.shutdown();
}

TEST_F(tcp_layer, a_cookie_brings_back_window_scale_and_sack_through_timestamps) {
  cfg.syn_backlog = 0;
  make();
  auto l = tcp->listen(port(80));
  repr syn = peer(flag::syn, 100, 0);
  syn.opts.mss = 1460;
  syn.opts.window_scale = 9;
  syn.opts.sack_permitted = true;
  syn.opts.ts = timestamps{5000, 0};
  inject(syn);
  const repr sa = out.take();
  ASSERT_TRUE(sa.opts.ts);
  EXPECT_EQ(sa.opts.window_scale, 3);
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  repr ack = peer(flag::ack, 101, sa.seq.value + 1);
  ack.opts.ts = timestamps{5001, sa.opts.ts->value};
  inject(ack);
  ASSERT_TRUE(accepted && *accepted);
  const connection* c = (*accepted)->state();
  EXPECT_EQ(c->snd_wscale(), 9);
  EXPECT_TRUE(c->sack_enabled());
  EXPECT_TRUE(c->timestamps_enabled());
  EXPECT_EQ(c->smss(), 1460u - 12u);
  loop.shutdown();
}

TEST_F(tcp_layer, an_ack_to_a_listener_that_sent_no_cookie_is_reset) {
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::ack, 100, 123456789));
  const repr r = out.take();
  EXPECT_EQ(r.flags, flag::rst);
  EXPECT_EQ(r.seq, seq_number(123456789));
  EXPECT_EQ(tcp->counters().drop_no_connection, 1u);
  EXPECT_EQ(tcp->counters().syn_cookies_rejected, 0u);
  EXPECT_EQ(tcp->connections(), 0u);
}

TEST_F(tcp_layer, a_forged_cookie_is_dropped_and_counted) {
  cfg.syn_backlog = 0;
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 100, 0));
  out.take();  // the cookie
  inject(peer(flag::ack, 5000, 123456789, {}, 40001));
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(tcp->counters().syn_cookies_rejected, 1u);
  EXPECT_EQ(tcp->connections(), 0u);
}

// Found by the 1000-connection simulation: the client's first data segment
// after a cookie handshake was lost, the next one failed the cookie check
// (its SEG.SEQ - 1 is not the client's ISN), and the RST it drew reset the
// client's established connection, whose later data then reset the
// server's. The failed check is now dropped silently; the retransmission
// from the client's SND.UNA passes it.
TEST_F(tcp_layer, a_cookie_connection_survives_the_loss_of_its_first_data_segment) {
  cfg.syn_backlog = 0;
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 100, 0));
  const repr sa = out.take();
  ASSERT_EQ(sa.flags, flag::syn | flag::ack);
  // The handshake's ACK and the first segment (101..105) were lost.
  inject(peer(flag::ack | flag::psh, 106, sa.seq.value + 1, "world"));
  EXPECT_TRUE(out.segments.empty()) << "answered with flags " << int(out.segments.front().r.flags);
  EXPECT_EQ(tcp->counters().rst_out, 0u);
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  inject(peer(flag::ack | flag::psh, 101, sa.seq.value + 1, "hello"));
  ASSERT_TRUE(accepted && *accepted);
  inject(peer(flag::ack | flag::psh, 106, sa.seq.value + 1, "world"));
  std::string got;
  std::optional<flow_error> error;
  loop.spawn(read_into(&**accepted, &got, &error));
  loop.run_ready();
  EXPECT_EQ(got, "helloworld");
  EXPECT_EQ(tcp->counters().rst_out, 0u);
  loop.shutdown();
}

// Found by the 1000-connection simulation (a duplicated SYN): one SYN was
// answered with a cookie while the backlog was full and its duplicate,
// after room was made, with state. The client completed the cookie's
// handshake; SYN-RECEIVED answered that ACK with a RST, which reset the
// client. The valid cookie now replaces the half-open connection.
TEST_F(tcp_layer, a_cookie_handshake_wins_over_a_half_open_duplicate) {
  cfg.syn_backlog = 1;
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 500, 0, {}, 40001));  // fills the backlog
  const repr filler = out.take();
  inject(peer(flag::syn, 100, 0, {}, 40000));
  const repr cookie = out.take();
  ASSERT_EQ(tcp->counters().syn_cookies_sent, 1u);
  inject(peer(flag::ack, 501, filler.seq.value + 1, {}, 40001));  // room again
  inject(peer(flag::syn, 100, 0, {}, 40000));  // the duplicate
  const repr stateful = out.take();
  ASSERT_EQ(stateful.flags, flag::syn | flag::ack);
  ASSERT_NE(stateful.seq, cookie.seq);
  // The client took the cookie's SYN-ACK; its first segment comes after
  // the second.
  inject(peer(flag::ack | flag::psh, 103, cookie.seq.value + 1, "!!", 40000));
  EXPECT_EQ(tcp->counters().syn_cookies_rejected, 1u);
  inject(peer(flag::ack | flag::psh, 101, cookie.seq.value + 1, "hi", 40000));
  for (const auto& c : out.segments) EXPECT_FALSE(c.r.has(flag::rst)) << "a RST was sent";
  EXPECT_EQ(tcp->counters().rst_out, 0u);
  EXPECT_EQ(tcp->counters().syn_cookies_accepted, 1u);
  std::optional<result<flow, flow_error>> first, second;
  loop.spawn(accept_into(&*l, &first));
  loop.spawn(accept_into(&*l, &second));
  loop.run_ready();
  ASSERT_TRUE(first && *first && second && *second);
  flow& cookie_flow = (*second)->remote().number == port(40000) ? **second : **first;
  std::string got;
  std::optional<flow_error> error;
  loop.spawn(read_into(&cookie_flow, &got, &error));
  loop.run_ready();
  EXPECT_EQ(got, "hi");
  EXPECT_FALSE(error);
  loop.shutdown();
}

TEST_F(tcp_layer, without_cookies_a_full_backlog_drops_syns) {
  cfg.syn_backlog = 1;
  cfg.syn_cookies = false;
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 100, 0, {}, 40000));
  out.take();
  inject(peer(flag::syn, 200, 0, {}, 40001));
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(tcp->counters().drop_syn_backlog, 1u);
}

TEST_F(tcp_layer, a_full_accept_queue_drops_syns) {
  cfg.accept_backlog = 1;
  make();
  auto l = tcp->listen(port(80));
  handshake(40000);
  EXPECT_EQ(l->pending(), 1u);
  inject(peer(flag::syn, 200, 0, {}, 40001));
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(tcp->counters().drop_accept_queue, 1u);
}

TEST_F(tcp_layer, the_connection_table_is_bounded) {
  cfg.max_connections = 2;
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 100, 0, {}, 40000));
  inject(peer(flag::syn, 100, 0, {}, 40001));
  inject(peer(flag::syn, 100, 0, {}, 40002));
  EXPECT_EQ(tcp->connections(), 2u);
  EXPECT_EQ(tcp->counters().drop_table_full, 1u);
}

TEST_F(tcp_layer, a_syn_flood_keeps_state_bounded_and_a_real_client_gets_through) {
  cfg.syn_backlog = 64;
  make();
  auto l = tcp->listen(port(80));
  std::uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245u + 12345u;
    const ipv4_addr from(10, 1, std::uint8_t(x >> 24), std::uint8_t(x >> 16));
    inject(peer(flag::syn, x, 0, {}, std::uint16_t(1024 + (x % 60000))), from);
    out.segments.clear();
  }
  EXPECT_LE(tcp->connections(), 64u);
  EXPECT_EQ(tcp->buffer_storage(), 0u);
  EXPECT_GT(tcp->counters().syn_cookies_sent, 19000u);
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  inject(peer(flag::syn, 7, 0, {}, 50000));
  const repr sa = out.take();
  inject(peer(flag::ack, 8, sa.seq.value + 1, {}, 50000));
  ASSERT_TRUE(accepted && *accepted);
  EXPECT_EQ((*accepted)->remote().number, port(50000));
  loop.shutdown();
}

TEST_F(tcp_layer, half_open_connections_time_out_and_free_the_backlog) {
  cfg.synack_retries = 1;
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 100, 0));
  EXPECT_EQ(tcp->connections(), 1u);
  advance(1s);
  advance(2s);
  advance(4s);
  EXPECT_EQ(tcp->connections(), 0u);
}

TEST_F(tcp_layer, closing_the_listener_resets_unaccepted_connections) {
  make();
  auto l = tcp->listen(port(80));
  handshake(40000);
  out.segments.clear();
  l->close();
  loop.run_ready();
  ASSERT_FALSE(out.segments.empty());
  EXPECT_TRUE(out.take().has(flag::rst));
  EXPECT_EQ(tcp->connections(), 0u);
  inject(peer(flag::syn, 500, 0, {}, 40001));
  EXPECT_EQ(out.take().flags, flag::rst | flag::ack);
}

TEST_F(tcp_layer, a_pending_accept_returns_closed_when_the_listener_closes) {
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  loop.run_ready();
  l->close();
  loop.run_ready();
  ASSERT_TRUE(accepted);
  EXPECT_EQ(accepted->error(), flow_error::closed);
  loop.shutdown();
}

TEST_F(tcp_layer, dropping_an_open_flow_sends_rst) {
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  handshake();
  ASSERT_TRUE(accepted && *accepted);
  out.segments.clear();
  accepted.reset();
  EXPECT_TRUE(out.take().has(flag::rst));
  EXPECT_EQ(tcp->connections(), 0u);
  loop.shutdown();
}

TEST_F(tcp_layer, a_reset_wakes_a_blocked_reader_with_reset) {
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  handshake();
  ASSERT_TRUE(accepted && *accepted);
  std::string got;
  std::optional<flow_error> error;
  loop.spawn(read_into(&**accepted, &got, &error));
  loop.run_ready();
  inject(peer(flag::rst, 101, 0));
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, flow_error::reset);
  loop.shutdown();
}

// --- orphans and memory -----------------------------------------------

// Accepts the connection from `from_port`, writes `size` bytes the peer
// never acknowledges, and closes it: an orphan in FIN-WAIT-1 holding them.
std::set<std::uint16_t> reset_ports(recorder& out);

void make_orphan(tcp_layer& t, listener& l, std::uint16_t from_port, std::size_t size,
                 std::set<std::uint16_t>* resets) {
  const auto before = reset_ports(t.out);
  resets->insert(before.begin(), before.end());
  t.out.segments.clear();
  std::optional<result<flow, flow_error>> accepted;
  t.loop.spawn(accept_into(&l, &accepted));
  t.handshake(from_port);
  ASSERT_TRUE(accepted && *accepted);
  flow f = std::move(**accepted);
  f.set_nodelay(true);
  const std::string data(size, 'x');
  t.loop.spawn(write_text(&f, data));
  t.loop.run_ready();
  t.loop.spawn(close_flow(&f));
  t.loop.run_ready();
}

std::set<std::uint16_t> reset_ports(recorder& out) {
  std::set<std::uint16_t> ports;
  for (const auto& c : out.segments)
    if (c.r.has(flag::rst)) ports.insert(c.r.destination_port.value);
  return ports;
}

TEST_F(tcp_layer, beyond_max_orphans_the_oldest_orphans_are_reset) {
  cfg.max_orphans = 3;
  make();
  auto l = tcp->listen(port(80));
  std::set<std::uint16_t> resets;
  for (std::uint16_t p = 40000; p < 40005; ++p) make_orphan(*this, *l, p, 1000, &resets);
  const auto last = reset_ports(out);
  resets.insert(last.begin(), last.end());
  EXPECT_EQ(tcp->orphans(), 3u);
  EXPECT_EQ(tcp->counters().orphans_dropped, 2u);
  EXPECT_EQ(resets, (std::set<std::uint16_t>{40000, 40001}));
  EXPECT_EQ(tcp->connections(), 3u);
  loop.shutdown();
}

TEST_F(tcp_layer, beyond_the_orphan_memory_the_oldest_orphans_are_reset) {
  // Each orphan holds 10000 unacknowledged bytes: two fit.
  cfg.orphan_memory = 25000;
  make();
  auto l = tcp->listen(port(80));
  std::set<std::uint16_t> resets;
  for (std::uint16_t p = 40000; p < 40004; ++p) make_orphan(*this, *l, p, 10000, &resets);
  const auto last = reset_ports(out);
  resets.insert(last.begin(), last.end());
  EXPECT_EQ(tcp->orphans(), 2u);
  EXPECT_EQ(tcp->counters().orphans_dropped, 2u);
  EXPECT_EQ(resets, (std::set<std::uint16_t>{40000, 40001}));
  EXPECT_LE(tcp->buffer_storage(), cfg.orphan_memory);
  loop.shutdown();
}

TEST_F(tcp_layer, an_orphan_that_finishes_leaves_the_orphan_count) {
  make();
  auto l = tcp->listen(port(80));
  std::set<std::uint16_t> resets;
  make_orphan(*this, *l, 40000, 10, &resets);
  ASSERT_EQ(tcp->orphans(), 1u);
  // The peer acknowledges the data and the FIN, then sends its own FIN.
  const repr last = out.segments.back().r;
  ASSERT_TRUE(last.has(flag::fin));
  const std::uint32_t end = last.seq.value + last.payload.size() + 1;
  inject(peer(flag::ack | flag::fin, 101, end));
  EXPECT_EQ(tcp->connections_by_state()[std::size_t(state::time_wait)], 1u);
  EXPECT_EQ(tcp->orphans(), 0u);
  loop.shutdown();
}

TEST_F(tcp_layer, beyond_max_time_wait_the_oldest_time_wait_ends) {
  cfg.max_time_wait = 2;
  make();
  auto l = tcp->listen(port(80));
  std::set<std::uint16_t> resets;
  for (std::uint16_t p = 40000; p < 40003; ++p) {
    make_orphan(*this, *l, p, 10, &resets);
    const repr fin = out.segments.back().r;
    ASSERT_TRUE(fin.has(flag::fin));
    inject(peer(flag::ack | flag::fin, 101, fin.seq.value + fin.payload.size() + 1, {}, p));
  }
  EXPECT_EQ(tcp->connections_by_state()[std::size_t(state::time_wait)], 2u);
  EXPECT_EQ(tcp->counters().time_wait_dropped, 1u);
  EXPECT_EQ(tcp->connections(), 2u);
  // The oldest went: its port answers a stray ACK with a reset now.
  out.segments.clear();
  inject(peer(flag::ack, 102, 1, {}, 40000));
  ASSERT_FALSE(out.segments.empty());
  EXPECT_TRUE(out.take().has(flag::rst));
  loop.shutdown();
}

// Three of our connections into TIME-WAIT (we close first), their
// buffers released.
void three_time_waits(tcp_layer& t, listener& l) {
  std::set<std::uint16_t> resets;
  for (std::uint16_t p = 40000; p < 40003; ++p) {
    make_orphan(t, l, p, 10, &resets);
    const repr fin = t.out.segments.back().r;
    ASSERT_TRUE(fin.has(flag::fin));
    t.inject(t.peer(flag::ack | flag::fin, 101, fin.seq.value + fin.payload.size() + 1, {}, p));
  }
  t.advance(2s);
}

TEST_F(tcp_layer, a_spent_budget_ends_the_oldest_time_wait_for_a_new_connection) {
  make();
  auto l = tcp->listen(port(80));
  three_time_waits(*this, *l);
  ASSERT_EQ(tcp->connections_by_state()[std::size_t(state::time_wait)], 3u);
  const std::size_t three = tcp->memory().used();
  l->close();
  loop.shutdown();
  tcp.reset();
  // The same, in a layer whose budget holds exactly those three.
  cfg.memory_limit = three;
  make();
  auto l2 = tcp->listen(port(80));
  three_time_waits(*this, *l2);
  ASSERT_EQ(tcp->connections(), 3u);
  out.segments.clear();
  inject(peer(flag::syn, 900, 0, {}, 41000));
  const repr sa = out.take();
  EXPECT_EQ(sa.flags, flag::syn | flag::ack);
  EXPECT_EQ(tcp->counters().time_wait_dropped, 1u);
  EXPECT_EQ(tcp->counters().drop_no_memory, 0u);
  EXPECT_EQ(tcp->connections_by_state()[std::size_t(state::time_wait)], 2u);
  loop.shutdown();
}

TEST_F(tcp_layer, every_connections_buffers_are_charged_to_one_budget) {
  cfg.memory_limit = 24 * 1024;
  make();
  auto l = tcp->listen(port(80));
  std::vector<flow> flows;
  for (std::uint16_t p = 40000; p < 40003; ++p) {
    std::optional<result<flow, flow_error>> accepted;
    loop.spawn(accept_into(&*l, &accepted));
    out.segments.clear();
    const std::uint32_t iss = handshake(p);
    ASSERT_TRUE(accepted && *accepted);
    flows.push_back(std::move(**accepted));
    // 10000 bytes from each peer: the third's do not fit the budget.
    inject(peer(flag::ack, 101, iss + 1, std::string(10000, 'r'), p));
  }
  EXPECT_LE(tcp->memory().used(), cfg.memory_limit);
  EXPECT_GT(tcp->memory().used(), tcp->buffer_storage());  // the connections' own state too
  EXPECT_GT(tcp->memory().refusals(), 0u);
  EXPECT_GT(tcp->counters().drop_no_memory, 0u);
  flows.clear();
  loop.run_ready();
  EXPECT_EQ(tcp->memory().used(), 0u);
  loop.shutdown();
}

// --- connecting -------------------------------------------------------

TEST_F(tcp_layer, connect_sends_a_syn_from_an_ephemeral_port_and_completes) {
  make();
  std::optional<result<flow, flow_error>> connected;
  loop.spawn(connect_into(&*tcp, {peer_addr, port(80)}, &connected));
  loop.run_ready();
  const repr syn = out.take();
  EXPECT_EQ(syn.flags, flag::syn);
  EXPECT_GE(syn.source_port.value, 49152);
  EXPECT_FALSE(connected);
  inject(peer(flag::syn | flag::ack, 900, syn.seq.value + 1, {}, 80, syn.source_port.value));
  ASSERT_TRUE(connected && *connected);
  EXPECT_EQ((*connected)->remote(), (sig::ip_endpoint{peer_addr, port(80)}));
  EXPECT_EQ(out.take().flags, flag::ack);
  loop.shutdown();
}

// --- IPv6: the same TCP, keyed by either family -------------------------

TEST_F(tcp_layer, one_listener_takes_both_families_from_the_same_port) {
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> v6, v4;
  loop.spawn(accept_into(&*l, &v6));
  handshake(40000, 100, peer_addr6);
  loop.spawn(accept_into(&*l, &v4));
  handshake(40000, 500, peer_addr);
  ASSERT_TRUE(v6 && *v6 && v4 && *v4);
  EXPECT_EQ((*v6)->remote(), (sig::ip_endpoint{peer_addr6, port(40000)}));
  EXPECT_EQ((*v6)->local(), (sig::ip_endpoint{self_addr6, port(80)}));
  EXPECT_EQ((*v4)->remote(), (sig::ip_endpoint{peer_addr, port(40000)}));
  EXPECT_EQ(tcp->connections(), 2u);
  loop.shutdown();
}

TEST_F(tcp_layer, data_flows_both_ways_over_ipv6_with_the_ipv6_mss) {
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  inject(peer(flag::syn, 100, 0), peer_addr6);
  const repr sa = out.take();
  EXPECT_EQ(sa.opts.mss, 1440);  // 1500 - 40 - 20
  inject(peer(flag::ack, 101, sa.seq.value + 1), peer_addr6);
  ASSERT_TRUE(accepted && *accepted);
  flow& f = **accepted;
  std::string got;
  std::optional<flow_error> error;
  loop.spawn(read_into(&f, &got, &error));
  inject(peer(flag::ack | flag::psh, 101, sa.seq.value + 1, "over six"), peer_addr6);
  EXPECT_EQ(got, "over six");
  f.set_nodelay(true);
  loop.spawn(write_text(&f, "and back"));
  loop.run_ready();
  repr r = out.take();
  while (r.payload.empty() && !out.segments.empty()) r = out.take();
  EXPECT_EQ(r.payload.chars(), "and back");
  EXPECT_EQ(out.last.destination, ip_addr(peer_addr6));
  loop.shutdown();
}

TEST_F(tcp_layer, a_packet_too_big_shrinks_the_segments_and_resends_what_is_in_flight) {
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  repr syn = peer(flag::syn, 100, 0);
  syn.opts.mss = 1440;
  inject(syn, peer_addr6);
  const repr sa = out.take();
  inject(peer(flag::ack, 101, sa.seq.value + 1), peer_addr6);
  ASSERT_TRUE(accepted && *accepted);
  flow& f = **accepted;
  f.set_nodelay(true);
  const std::string data(4000, 'p');
  loop.spawn(write_text(&f, data));
  loop.run_ready();
  ASSERT_GE(out.segments.size(), 3u);
  const auto first = out.segments.front();
  EXPECT_EQ(first.r.payload.size(), 1440u);
  out.segments.clear();
  ip_meta quoted;
  quoted.source = self_addr6;
  quoted.destination = peer_addr6;
  quoted.protocol = ip_protocol::tcp;
  // One about a segment not in flight (a forgery, or old): ignored.
  auto stale = first.raw;
  stale[4] = std::byte(std::to_integer<int>(stale[4]) ^ 0x80);
  tcp->path_mtu_reduced(quoted, bytes(stale.data(), stale.size()), 1240, clock.now());
  EXPECT_EQ(tcp->counters().path_mtu_ignored, 1u);
  EXPECT_TRUE(out.segments.empty());
  // The router's: the path takes 1280 - 40 bytes of payload.
  tcp->path_mtu_reduced(quoted, bytes(first.raw.data(), first.raw.size()), 1240, clock.now());
  loop.run_ready();
  EXPECT_EQ(tcp->counters().path_mtu_reductions, 1u);
  ASSERT_FALSE(out.segments.empty());
  std::size_t resent = 0;
  for (const auto& c : out.segments) {
    EXPECT_LE(c.r.payload.size(), 1220u);
    resent += c.r.payload.size();
  }
  EXPECT_EQ(out.segments.front().r.seq, first.r.seq);  // from SND.UNA again
  EXPECT_EQ(resent, data.size());
  loop.shutdown();
}

TEST_F(tcp_layer, an_ipv6_segment_checksummed_as_ipv4_is_dropped) {
  make();
  auto l = tcp->listen(port(80));
  repr r = peer(flag::syn, 100, 0);
  std::vector<std::byte> raw(r.total_len());
  r.emit(mut_bytes(raw.data(), raw.size()), peer_addr, self_addr);
  inject_raw(raw, peer_addr6, self_addr6);
  EXPECT_TRUE(out.segments.empty());
  EXPECT_EQ(tcp->counters().drop_bad_checksum, 1u);
}

TEST_F(tcp_layer, a_syn_cookie_completes_an_ipv6_handshake) {
  cfg.syn_backlog = 0;
  make();
  auto l = tcp->listen(port(80));
  inject(peer(flag::syn, 100, 0), peer_addr6);
  const repr sa = out.take();
  EXPECT_EQ(tcp->counters().syn_cookies_sent, 1u);
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  // The cookie is bound to the tuple: the same ACK from IPv4 fails it.
  inject(peer(flag::ack, 101, sa.seq.value + 1), peer_addr);
  EXPECT_FALSE(accepted);
  inject(peer(flag::ack, 101, sa.seq.value + 1), peer_addr6);
  ASSERT_TRUE(accepted && *accepted);
  EXPECT_EQ((*accepted)->remote().address, ip_addr(peer_addr6));
  EXPECT_EQ(tcp->counters().syn_cookies_accepted, 1u);
  loop.shutdown();
}

TEST_F(tcp_layer, connect_reaches_an_ipv6_endpoint) {
  make();
  std::optional<result<flow, flow_error>> connected;
  loop.spawn(connect_into(&*tcp, {peer_addr6, port(80)}, &connected));
  loop.run_ready();
  const repr syn = out.take();
  EXPECT_EQ(syn.flags, flag::syn);
  EXPECT_EQ(syn.opts.mss, 1440);
  EXPECT_EQ(out.last.source, ip_addr(self_addr6));
  EXPECT_EQ(out.last.destination, ip_addr(peer_addr6));
  inject(peer(flag::syn | flag::ack, 900, syn.seq.value + 1, {}, 80, syn.source_port.value), peer_addr6);
  ASSERT_TRUE(connected && *connected);
  EXPECT_EQ((*connected)->remote(), (sig::ip_endpoint{peer_addr6, port(80)}));
  EXPECT_EQ((*connected)->local().address, ip_addr(self_addr6));
  loop.shutdown();
}

TEST_F(tcp_layer, an_ipv4_mapped_endpoint_connects_over_ipv4) {
  make();
  std::optional<result<flow, flow_error>> connected;
  loop.spawn(connect_into(&*tcp, {*ipv6_addr::parse("::ffff:10.0.0.2"), port(80)}, &connected));
  loop.run_ready();
  out.take();
  EXPECT_EQ(out.last.destination, ip_addr(peer_addr));
  EXPECT_EQ(out.last.source, ip_addr(self_addr));
  loop.shutdown();
}

TEST_F(tcp_layer, connect_is_refused_by_a_reset) {
  make();
  std::optional<result<flow, flow_error>> connected;
  loop.spawn(connect_into(&*tcp, {peer_addr, port(80)}, &connected));
  loop.run_ready();
  const repr syn = out.take();
  inject(peer(flag::rst | flag::ack, 0, syn.seq.value + 1, {}, 80, syn.source_port.value));
  ASSERT_TRUE(connected);
  EXPECT_EQ(connected->error(), flow_error::refused);
  EXPECT_EQ(tcp->connections(), 0u);
  loop.shutdown();
}

TEST_F(tcp_layer, connect_times_out_after_its_syn_retries) {
  cfg.syn_retries = 2;
  make();
  std::optional<result<flow, flow_error>> connected;
  loop.spawn(connect_into(&*tcp, {peer_addr, port(80)}, &connected));
  for (int i = 0; i < 10 && !connected; ++i) advance(1s);
  ASSERT_TRUE(connected);
  EXPECT_EQ(connected->error(), flow_error::timed_out);
  EXPECT_EQ(out.segments.size(), 3u);
  loop.shutdown();
}

TEST_F(tcp_layer, connect_without_a_route_is_unreachable) {
  make();
  out.no_route = true;
  std::optional<result<flow, flow_error>> connected;
  loop.spawn(connect_into(&*tcp, {peer_addr, port(80)}, &connected));
  loop.run_ready();
  ASSERT_TRUE(connected);
  EXPECT_EQ(connected->error(), flow_error::unreachable);
  loop.shutdown();
}

TEST_F(tcp_layer, a_cancelled_connect_aborts_the_attempt) {
  make();
  std::optional<result<flow, flow_error>> connected;
  loop.spawn(connect_into(&*tcp, {peer_addr, port(80)}, &connected));
  loop.run_ready();
  loop.root_cancel().request();
  loop.run_ready();
  loop.root_cancel().reset();
  ASSERT_TRUE(connected);
  EXPECT_EQ(connected->error(), flow_error::cancelled);
  EXPECT_EQ(tcp->connections(), 0u);
  loop.shutdown();
}

TEST_F(tcp_layer, concurrent_connects_get_distinct_ephemeral_ports) {
  make();
  std::vector<std::optional<result<flow, flow_error>>> slots(200);
  for (auto& s : slots) loop.spawn(connect_into(&*tcp, {peer_addr, port(80)}, &s));
  loop.run_ready();
  std::set<std::uint16_t> ports;
  while (!out.segments.empty()) ports.insert(out.take().source_port.value);
  EXPECT_EQ(ports.size(), 200u);
  EXPECT_EQ(tcp->connections_by_state()[std::size_t(state::syn_sent)], 200u);
  loop.shutdown();
}

// --- lifetime ---------------------------------------------------------

TEST_F(tcp_layer, time_wait_does_not_hold_the_loop_at_shutdown) {
  cfg.time_wait = 60s;
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  const std::uint32_t iss = handshake();
  ASSERT_TRUE(accepted && *accepted);
  loop.spawn(close_flow(&**accepted));
  loop.run_ready();
  inject(peer(flag::ack | flag::fin, 101, iss + 2));
  EXPECT_EQ(tcp->connections_by_state()[std::size_t(state::time_wait)], 1u);
  const mono_time before = clock.now();
  loop.shutdown();
  EXPECT_LT(clock.now() - before, 1s);
  loop.shutdown();
}

TEST_F(tcp_layer, flows_outliving_the_layer_fail_with_closed) {
  make();
  auto l = tcp->listen(port(80));
  std::optional<result<flow, flow_error>> accepted;
  loop.spawn(accept_into(&*l, &accepted));
  handshake();
  ASSERT_TRUE(accepted && *accepted);
  tcp.reset();
  std::string got;
  std::optional<flow_error> error;
  loop.spawn(read_into(&**accepted, &got, &error));
  loop.run_ready();
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, flow_error::closed);
  loop.shutdown();
}

TEST_F(tcp_layer, stats_print_as_name_value_lines) {
  make();
  inject(peer(flag::syn, 100, 0));
  std::string text;
  format_sink sink = string_sink(text);
  tcp->format_stats(sink);
  EXPECT_NE(text.find("tcp.segments_in 1\n"), std::string::npos);
  EXPECT_NE(text.find("tcp.drop_no_connection 1\n"), std::string::npos);
  EXPECT_NE(text.find("tcp.connections_established 0\n"), std::string::npos);
}

}  // namespace
