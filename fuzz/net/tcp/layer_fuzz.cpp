// Fuzz target: the TCP layer's connection table (tcp::layer with its
// coroutine glue, on a virtual clock, behind a recording IP output), fed
// segments from a few 4-tuples of both families (the odd ones IPv6), time
// steps and user actions decoded from the input. The layer listens on port 80 with a tiny table
// (max_connections 6, syn_backlog 2, accept_backlog 2), so SYN cookies,
// the accept queue, TIME-WAIT reuse (RFC 6191), orphans and their
// timeouts are all reached.
//
// Steps (one byte picks each):
//   syn        a SYN from a tuple, with options, at a new, higher or lower ISN;
//   follow     a segment that continues the peer's side as a real peer would
//              (seq = the peer's next, ack = the layer's last sequence sent,
//              its timestamp echoed), with data, FIN, RST or SYN bits added;
//   raw        any flags, sequence and acknowledgement numbers, window;
//   time       the clock moves (1 ms to 20 min), timers firing in order;
//   accept     an accept() waits on the listener;
//   act        on an accepted or connected flow: close, abort (drop the
//              handle), write, read, shutdown(write);
//   listener   close the listener, or listen again;
//   connect    an active open to a tuple's remote end.
// After each step: connections() <= max_connections, connections_by_state()
// sums to connections(), no timer spin (timer_spins, and no timer due at
// the same instant for ever), buffers within their bounds. At the end,
// with every task cancelled and every handle dropped, the only connection
// objects left are those in the table; the layer's destruction frees
// them (LeakSanitizer checks).
#include <fata/net/tcp/layer.hpp>

#include <fata/core/loop.hpp>
#include <fata/net/tcp/wire.hpp>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

#include "../fuzz_common.hpp"

namespace {

using namespace fata;
using namespace fata::net;
using namespace fata::net::tcp;

const ipv4_addr self_addr(10, 0, 0, 1);
const ipv6_addr self_addr6 = *ipv6_addr::parse("2001:db8::1");
const ipv6_addr peer_addr6 = *ipv6_addr::parse("2001:db8::3");
ip_addr self_for(const ip_addr& remote) { return remote.is_v4() ? ip_addr(self_addr) : ip_addr(self_addr6); }
// Tuples 0-3 reach the listener on port 80, 4 is where connect() goes (its
// local port is the one the layer picks), 5 reaches port 81 where nobody
// listens.
constexpr std::size_t tuples = 6;
constexpr std::size_t active_peer = 4;

using reader = fuzz_input;

// What a peer at one remote end knows: its own next sequence number, the
// layer's last sequence number and timestamp seen.
struct peer_state {
  sig::ip_endpoint remote;
  std::uint16_t local_port = 80;
  std::uint32_t next = 1000;
  std::uint32_t layer_next = 0;
  std::uint32_t layer_tsval = 0;
  std::uint32_t tsval = 1;
  bool timestamps = false;
};

// Records the layer's segments, checking each, and feeds the peers' model.
struct recorder final : ip_output {
  std::array<peer_state, tuples>* peers = nullptr;
  std::uint64_t sent = 0;
  result<void, ip_error> send(ip_addr source, ip_addr destination, std::uint8_t protocol,
                              std::span<const bytes> parts) override {
    FUZZ_CHECK(protocol == ip_protocol::tcp);
    FUZZ_CHECK(source == self_for(destination));
    std::size_t len = 0;
    for (bytes b : parts) len += b.size();
    FUZZ_CHECK(len <= 65535);
    std::vector<std::byte> raw;
    raw.reserve(len);
    for (bytes b : parts) raw.insert(raw.end(), b.begin(), b.end());
    auto p = packet::parse(bytes(raw.data(), raw.size()));
    FUZZ_CHECK(p);
    auto r = repr::parse(*p, source, destination);
    FUZZ_CHECK(r);  // the layer never sends a bad checksum
    FUZZ_CHECK(r->payload.size() <= mtu_for(destination) - 20);
    ++sent;
    // The active opens' tuple learns its ephemeral port from its SYN.
    peer_state& active = (*peers)[active_peer];
    if (r->has(flag::syn) && !r->has(flag::ack) && destination == active.remote.address &&
        r->destination_port == active.remote.number)
      active.local_port = r->source_port.value;
    for (peer_state& s : *peers) {
      if (s.remote.address != destination || s.remote.number != r->destination_port ||
          s.local_port != r->source_port.value)
        continue;
      if (!r->has(flag::rst)) s.layer_next = r->seq.value + static_cast<std::uint32_t>(r->segment_len());
      if (r->opts.ts) s.layer_tsval = r->opts.ts->value;
    }
    return {};
  }
  ip_addr source_for(ip_addr d) const override { return self_for(d); }
  // The IP payload of a 1500-byte link.
  std::size_t mtu_for(ip_addr d) const override { return d.is_v4() ? 1480 : 1460; }
};

std::uint8_t payload_bytes[2048];

// A flow as the harness holds it: the handle and how many operations run
// on it (a handle is dropped only when none does).
struct flow_slot {
  std::optional<result<flow, sig::flow_error>> f;
  bool pending = false;  // accept or connect not finished
  int busy = 0;
  std::byte buf[512];
};

task<void> accept_into(listener* l, flow_slot* s) {
  s->f = co_await l->accept();
  s->pending = false;
}

task<void> connect_into(layer* t, sig::ip_endpoint to, flow_slot* s) {
  s->f = co_await t->connect(to);
  s->pending = false;
}

task<void> do_read(flow_slot* s) {
  auto n = co_await (*s->f)->read(mut_bytes(s->buf, sizeof s->buf));
  (void)n;
  --s->busy;
}

task<void> do_write(flow_slot* s, std::size_t n) {
  auto w = co_await (*s->f)->write(bytes(reinterpret_cast<const std::byte*>(payload_bytes), n));
  (void)w;
  --s->busy;
}

task<void> do_shutdown(flow_slot* s) {
  auto r = co_await (*s->f)->shutdown(sig::shutdown_mode::write);
  (void)r;
  --s->busy;
}

task<void> do_close(flow_slot* s) {
  co_await (*s->f)->close();
  --s->busy;
}

struct harness {
  virtual_backend clock;
  fata::loop loop{clock};
  recorder out;
  std::array<peer_state, tuples> peers;
  config cfg;
  std::unique_ptr<layer> tcp;
  std::optional<listener> lst;
  std::deque<std::unique_ptr<flow_slot>> flows;
  std::vector<std::byte> raw;

  harness() {
    for (std::size_t i = 0; i < tuples; ++i) {
      const port p(static_cast<std::uint16_t>(40000 + i / 2));
      peers[i].remote = i % 2 == 0 ? sig::ip_endpoint{ipv4_addr(10, 0, 0, 2), p} : sig::ip_endpoint{peer_addr6, p};
      peers[i].local_port = i + 1 == tuples ? 81 : 80;
    }
    peers[active_peer].local_port = 0;
    out.peers = &peers;
    cfg.max_connections = 6;
    cfg.syn_backlog = 2;
    cfg.accept_backlog = 2;
    cfg.send_buffer = 4096;
    cfg.receive_buffer = 4096;
    cfg.max_ooo_ranges = 4;
    cfg.max_sack_ranges = 4;
    cfg.synack_retries = 2;
    cfg.syn_retries = 2;
    cfg.max_retransmissions = 4;
    std::array<std::byte, layer::secret_size> key{};
    key[0] = std::byte{7};
    tcp = std::make_unique<layer>(out, key, cfg);
    auto l = tcp->listen(port(80));
    FUZZ_CHECK(l);
    lst.emplace(std::move(*l));
  }

  void inject(peer_state& s, const repr& r) {
    raw.resize(r.total_len());
    r.emit(mut_bytes(raw.data(), raw.size()), s.remote.address, self_for(s.remote.address));
    ip_meta meta;
    meta.source = s.remote.address;
    meta.destination = self_for(s.remote.address);
    meta.protocol = ip_protocol::tcp;
    meta.ttl = 64;
    tcp->receive(meta, bytes(raw.data(), raw.size()), clock.now());
    loop.run_ready();
  }

  repr base(peer_state& s, std::uint8_t flags, std::uint32_t seq, std::uint32_t ack) {
    repr r;
    r.source_port = s.remote.number;
    r.destination_port = port(s.local_port);
    r.seq = seq_number(seq);
    r.ack = seq_number(ack);
    r.flags = flags;
    r.window = 65535;
    if (s.timestamps) r.opts.ts = timestamps{s.tsval++, s.layer_tsval};
    return r;
  }

  void syn(reader& in) {
    peer_state& s = peers[in.u8() % tuples];
    const std::uint8_t how = in.u8();
    std::uint32_t isn;
    switch (how % 3) {
      case 0: isn = in.u32(); break;
      case 1: isn = s.next + 100000; break;  // above the old incarnation: TIME-WAIT may be reused
      default: isn = s.next - 1000; break;
    }
    const std::uint8_t o = in.u8();
    s.timestamps = (o & 8) != 0;
    s.tsval += 1000;
    repr r = base(s, flag::syn, isn, 0);
    if (o & 1) r.opts.mss = static_cast<std::uint16_t>(in.u16() % 9000);
    if (o & 2) r.opts.window_scale = static_cast<std::uint8_t>(in.u8() % 16);
    r.opts.sack_permitted = (o & 4) != 0;
    if (o & 16) r.flags |= flag::ack;  // a SYN-ACK out of the blue
    s.next = isn + 1;
    inject(s, r);
  }

  void follow(reader& in) {
    peer_state& s = peers[in.u8() % tuples];
    const std::uint8_t bits = in.u8();
    std::uint8_t flags = flag::ack;
    if (bits & 1) flags |= flag::psh;
    if (bits & 2) flags |= flag::fin;
    if ((bits & 0x1c) == 0x1c) flags |= flag::rst;
    if ((bits & 0x1c) == 0x18) flags = flag::rst;
    if ((bits & 0x1c) == 0x14) flags |= flag::syn;
    std::uint32_t seq = s.next;
    if (bits & 0x20) seq += in.u8();          // ahead: out of order
    if (bits & 0x40) seq -= in.u8();          // behind: duplicate
    const std::uint32_t ack = s.layer_next - ((bits & 0x80) ? in.u8() : 0);
    std::size_t len = in.u8();
    if (len > 200) len = (len - 200) * 26;    // up to ~1400 bytes
    repr r = base(s, flags, seq, ack);
    r.window = static_cast<std::uint16_t>(in.u8() % 4 == 0 ? 0 : 65535);
    r.payload = bytes(reinterpret_cast<const std::byte*>(payload_bytes), len);
    if (seq == s.next) s.next += static_cast<std::uint32_t>(r.segment_len());
    inject(s, r);
  }

  void raw_segment(reader& in) {
    peer_state& s = peers[in.u8() % tuples];
    const std::uint8_t flags = in.u8();
    const std::uint32_t seq = in.u32(), ack = in.u32();
    repr r = base(s, flags, seq, ack);
    r.window = in.u16();
    r.payload = bytes(reinterpret_cast<const std::byte*>(payload_bytes), in.u8() % 64);
    if (in.u8() & 1) r.opts.ts.reset();
    inject(s, r);
  }

  // Moves the clock by `d`, firing timers in deadline order.
  void advance(duration d) {
    const mono_time target = clock.now() + d;
    mono_time last = clock.now();
    int same = 0;
    for (int i = 0; i < 100000; ++i) {
      const mono_time next = loop.next_deadline();
      if (next == mono_never || next > target) break;
      if (next > clock.now()) clock.advance(next - clock.now());
      // A timer due at the same instant over and over is a spin.
      same = next == last ? same + 1 : 0;
      FUZZ_CHECK(same < 1000);
      last = next;
      loop.run_ready();
      check();
    }
    if (target > clock.now()) clock.advance(target - clock.now());
    loop.run_ready();
  }

  void time_step(reader& in) {
    static constexpr duration steps[] = {1ms, 40ms, 200ms, 1s, 3s, 30s, 61s, 65s, 130s, 20min};
    const std::uint8_t b = in.u8();
    advance(steps[b % std::size(steps)] * (1 + (b >> 6)));
  }

  flow_slot* new_slot() {
    if (flows.size() >= 16) return nullptr;
    flows.push_back(std::make_unique<flow_slot>());
    return flows.back().get();
  }

  void accept() {
    if (!lst) return;
    int waiting = 0;
    for (auto& s : flows) waiting += s->pending;
    if (waiting >= 3) return;
    flow_slot* s = new_slot();
    if (!s) return;
    s->pending = true;
    loop.spawn(accept_into(&*lst, s));
    loop.run_ready();
  }

  void connect(reader& in) {
    flow_slot* s = new_slot();
    if (!s) return;
    s->pending = true;
    (void)in;
    loop.spawn(connect_into(tcp.get(), peers[active_peer].remote, s));
    loop.run_ready();
  }

  void act(reader& in) {
    if (flows.empty()) return;
    flow_slot& s = *flows[in.u8() % flows.size()];
    const std::uint8_t what = in.u8();
    if (s.pending || !s.f || !*s.f) return;
    switch (what % 6) {
      case 0:
        ++s.busy;
        loop.spawn(do_close(&s));
        break;
      case 1:
        // Dropping the handle aborts the connection (RST); only when no
        // operation of the harness still refers to it.
        if (s.busy == 0) s.f.reset();
        break;
      case 2:
        ++s.busy;
        loop.spawn(do_write(&s, 1 + in.u8() * 7u));
        break;
      case 3:
      case 4:
        ++s.busy;
        loop.spawn(do_read(&s));
        break;
      default:
        ++s.busy;
        loop.spawn(do_shutdown(&s));
        break;
    }
    loop.run_ready();
  }

  void listener_step() {
    if (lst) {
      lst->close();
      // Accepts still waiting hold a pointer to it: keep it until the end.
      return;
    }
  }

  void check() const {
    FUZZ_CHECK(tcp->connections() <= cfg.max_connections);
    std::size_t sum = 0;
    for (std::size_t n : tcp->connections_by_state()) sum += n;
    FUZZ_CHECK(sum == tcp->connections());
    FUZZ_CHECK(tcp->counters().timer_spins == 0);
    // Objects beyond the table are closed ones that handles still hold, or
    // that were reset while waiting in the accept queue (accept() hands
    // them out; their reads fail, as on Linux).
    FUZZ_CHECK(tcp->connection_objects() <=
               tcp->connections() + flows.size() + (lst ? lst->pending() : 0));
    FUZZ_CHECK(!lst || lst->pending() <= cfg.accept_backlog);
    FUZZ_CHECK(tcp->buffer_storage() <= tcp->connections() * 2 * (cfg.send_buffer + cfg.receive_buffer));
  }

  // FATA_TCP_FUZZ_VERBOSE=1: what an input reached (to check the seeds).
  void report() const {
    const stats& c = tcp->counters();
    std::fprintf(stderr,
                 "passive %llu active %llu established %llu cookies sent %llu accepted %llu "
                 "rejected %llu table_full %llu accept_queue %llu rst_out %llu segments_out %llu\nby state:",
                 (unsigned long long)c.passive_opens, (unsigned long long)c.active_opens,
                 (unsigned long long)c.established, (unsigned long long)c.syn_cookies_sent,
                 (unsigned long long)c.syn_cookies_accepted, (unsigned long long)c.syn_cookies_rejected,
                 (unsigned long long)c.drop_table_full, (unsigned long long)c.drop_accept_queue,
                 (unsigned long long)c.rst_out, (unsigned long long)c.segments_out);
    for (std::size_t n : tcp->connections_by_state()) std::fprintf(stderr, " %zu", n);
    std::fprintf(stderr, "\n");
  }

  // Every task cancelled, every handle dropped: what remains is the table.
  void finish() {
    static const bool verbose = std::getenv("FATA_TCP_FUZZ_VERBOSE") != nullptr;
    if (verbose) report();
    loop.shutdown();
    for (auto& s : flows) FUZZ_CHECK(s->busy == 0 && !s->pending);
    flows.clear();
    lst.reset();
    FUZZ_CHECK(tcp->connection_objects() == tcp->connections());
    check();
    tcp.reset();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static bool filled = [] {
    for (std::size_t i = 0; i < sizeof payload_bytes; ++i) payload_bytes[i] = std::uint8_t(i * 7);
    return true;
  }();
  (void)filled;
  reader in{data, size};
  harness h;
  for (int step = 0; step < 512 && !in.empty(); ++step) {
    switch (in.u8() % 12) {
      case 0:
      case 1: h.syn(in); break;
      case 2:
      case 3:
      case 4: h.follow(in); break;
      case 5: h.raw_segment(in); break;
      case 6:
      case 7: h.time_step(in); break;
      case 8: h.accept(); break;
      case 9: h.act(in); break;
      case 10: h.listener_step(); break;
      default: h.connect(in); break;
    }
    h.check();
  }
  h.finish();
  return 0;
}
