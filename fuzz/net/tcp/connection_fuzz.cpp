// Fuzz target: one TCP connection fed hostile segments, user calls and
// time steps decoded from the input. It must never crash, never loop, and
// keep its bounds: buffers within their limits, out-of-order ranges and
// the SACK scoreboard within theirs, every segment it sends within the
// MSS, a finite burst of output per event, and no deadline left in the
// past once its output is drained.
#include <fata/net/tcp/connection.hpp>

#include <cstring>
#include <vector>

#include "../fuzz_common.hpp"

using namespace fata;
using namespace fata::net::tcp;

namespace {

using reader = fuzz_input;

std::uint8_t payload[70000];

void drain(connection& c, mono_time now, const config& cfg) {
  segment_out out;
  std::size_t count = 0;
  while (c.poll_output(now, out)) {
    FUZZ_CHECK(++count < 100000);  // a burst must end
    FUZZ_CHECK(out.payload_size() <= 65535);
    if (out.payload_size() > 0) FUZZ_CHECK(out.payload_size() <= c.smss() + 40);
  }
  // Once drained, nothing may be due now: a deadline in the past with
  // nothing to send would spin the event loop.
  FUZZ_CHECK(c.poll_at() > now);
  FUZZ_CHECK(c.recv_available() <= cfg.receive_buffer);
  FUZZ_CHECK(c.send_queued() <= cfg.send_buffer);
  FUZZ_CHECK(c.ooo_ranges() <= cfg.max_ooo_ranges);
  FUZZ_CHECK(c.scoreboard().ranges().count() <= cfg.max_sack_ranges);
  FUZZ_CHECK(c.buffer_storage() <= cfg.send_buffer + cfg.receive_buffer);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader in{data, size};
  config cfg;
  cfg.send_buffer = 8192;
  cfg.receive_buffer = 8192;
  cfg.max_ooo_ranges = 8;
  cfg.max_sack_ranges = 8;
  cfg.keepalive = (in.u8() & 1) != 0;
  cfg.keepalive_idle = 10s;
  cfg.congestion = (in.u8() & 1) ? congestion_algorithm::cubic : congestion_algorithm::new_reno;
  stats st;
  challenge_limiter limiter(100);
  const four_tuple t{{ipv4_addr(10, 0, 0, 1), port(80)}, {ipv4_addr(10, 0, 0, 2), port(4000)}};
  connection c(environment{&cfg, &st, &limiter}, t, 1460, in.u32());
  mono_time now = mono_from_ns(1'000'000'000);
  const seq_number iss(in.u32());
  const seq_number peer_isn(in.u32());
  // Open passively or actively, with the peer's options from the input.
  repr syn;
  syn.source_port = port(4000);
  syn.destination_port = port(80);
  syn.seq = peer_isn;
  syn.flags = flag::syn;
  syn.window = in.u16();
  const std::uint8_t o = in.u8();
  if (o & 1) syn.opts.mss = in.u16();
  if (o & 2) syn.opts.window_scale = in.u8() % 16;
  if (o & 4) syn.opts.sack_permitted = true;
  if (o & 8) syn.opts.ts = timestamps{in.u32(), 0};
  if (o & 16) {
    c.open_active(iss, now);
  } else {
    c.open_passive(syn, iss, now);
  }
  drain(c, now, cfg);
  std::uint32_t peer_ts = 1;
  while (!in.empty()) {
    switch (in.u8() % 8) {
      case 0:
      case 1:
      case 2: {
        // A segment near the connection's own numbers (or anywhere).
        repr s;
        s.source_port = port(4000);
        s.destination_port = port(80);
        s.flags = in.u8();
        const std::uint8_t how = in.u8();
        s.seq = how & 1 ? seq_number(in.u32()) : c.rcv_nxt() + std::int16_t(in.u16());
        s.ack = how & 2 ? seq_number(in.u32()) : c.snd_una() + std::int16_t(in.u16());
        s.window = in.u16();
        if (how & 4) s.opts.ts = timestamps{peer_ts += in.u8(), in.u32()};
        if (how & 8) {
          const std::uint8_t blocks = in.u8() % 5;
          for (std::uint8_t b = 0; b < blocks; ++b) {
            const seq_number left = c.snd_una() + std::int16_t(in.u16());
            s.opts.add_sack({left, left + in.u16()});
          }
        }
        if (how & 16) s.opts.mss = in.u16();
        const std::size_t len = how & 32 ? in.u16() % 3000 : 0;
        s.payload = bytes(payload, len);
        (void)c.on_segment(s, now);
        break;
      }
      case 3: {
        std::size_t n = in.u16() % 10000;
        (void)c.send(bytes(payload, n));
        break;
      }
      case 4: {
        std::size_t n = in.u16() % 10000;
        (void)c.recv(mut_bytes(payload, n), now);
        break;
      }
      case 5:
        now += milliseconds(in.u16());
        break;
      case 6: {
        // Jump to the connection's own next deadline.
        const mono_time at = c.poll_at();
        if (at != mono_never && at > now) now = at;
        break;
      }
      case 7:
        switch (in.u8() % 6) {
          case 0: c.close(now); break;
          case 1: c.shutdown_write(now); break;
          case 2: c.shutdown_read(); break;
          case 3: c.abort(); break;
          case 4: c.set_nodelay(true); break;
          default: break;
        }
        break;
    }
    drain(c, now, cfg);
  }
  return 0;
}
