// Seeded simulations: two TCP layers over a faulty link on a virtual
// clock. Properties checked over many seeds and fault mixes:
// - a bulk transfer in each direction delivers exactly the bytes sent, in
//   order (checked byte for byte against a seeded stream);
// - connections open and close cleanly (both sides see the end of stream,
//   nobody sees an error);
// - nothing leaks: after TIME-WAIT, no connection, connection object,
//   buffer byte or packet in flight remains;
// - a thousand concurrent connections, beyond the SYN backlog, each deliver
//   a stream of their own (tagged), intact, and no other's;
// - flows sharing one rate-limited tail-drop queue get fair shares of it;
// - throughput recovers after a partition heals.
// A failing case prints its seed and mix; the same seed replays it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <vector>

#include "sim_harness.hpp"

namespace {

using namespace fata;
using namespace fata::net::tcp;
using namespace fata::net::tcp::testing;

struct outcome {
  transfer to_a_sent, to_a_received, to_b_sent, to_b_received;
  bool timed_out = false;
  std::size_t connections_left = 0;
  std::size_t objects_left = 0;
  std::size_t storage_left = 0;
  std::size_t in_flight = 0;
  mono_time transfers_done{};
  link_stats link;
  std::uint64_t timer_spins = 0;
};

config sim_config(std::uint64_t seed) {
  config c;
  c.time_wait = 2s;
  c.send_buffer = 64 * 1024;
  c.receive_buffer = 64 * 1024;
  c.congestion = seed % 2 ? congestion_algorithm::cubic : congestion_algorithm::new_reno;
  // Odd seeds also run without SACK and timestamps, to cover NewReno's
  // recovery and Karn's rule.
  if (seed % 3 == 1) {
    c.sack = false;
    c.timestamps = false;
  }
  return c;
}

task<void> both_ways(sim_pair* p, std::size_t total, std::uint64_t seed, duration limit,
                     outcome* o) {
  auto la = p->a.listen(port(5001));
  auto lb = p->b.listen(port(5002));
  if (!la || !lb) co_return;
  {
    task_group g;
    g.spawn(accept_and_receive(&*la, seed, &o->to_a_received));
    g.spawn(connect_and_send(&p->b, p->a_at(5001), total, seed, &o->to_a_sent));
    g.spawn(accept_and_receive(&*lb, seed + 1, &o->to_b_received));
    g.spawn(connect_and_send(&p->a, p->b_at(5002), total, seed + 1, &o->to_b_sent));
    auto r = co_await with_timeout(limit, g.join());
    o->timed_out = !r;
  }
  o->transfers_done = loop::current().now();
  la->close();
  lb->close();
  // TIME-WAIT and the last retransmissions run out.
  (void)co_await sleep(p->a.configuration().time_wait + 60s);
  o->connections_left = p->a.connections() + p->b.connections();
  o->objects_left = p->a.connection_objects() + p->b.connection_objects();
  o->storage_left = p->a.buffer_storage() + p->b.buffer_storage();
  o->in_flight = p->link.in_flight();
  o->link = p->link.stats();
  o->timer_spins = p->a.counters().timer_spins + p->b.counters().timer_spins;
}

void check_direction(const transfer& sent, const transfer& received, std::size_t total) {
  EXPECT_FALSE(sent.error) << "sender: " << describe(*sent.error);
  EXPECT_FALSE(received.error) << "receiver: " << describe(*received.error);
  EXPECT_TRUE(sent.finished);
  EXPECT_TRUE(received.finished);
  EXPECT_EQ(received.bytes, total);
  EXPECT_FALSE(received.mismatch) << "the receiver got different bytes";
}

struct mix {
  const char* name;
  link_faults faults;
  bool queue_drops = false;  // the rate limit's queue must overflow
};

// FATA_TCP_SIM_SEEDS=N runs N times as many seeds (a longer soak).
int seed_factor() {
  const char* v = std::getenv("FATA_TCP_SIM_SEEDS");
  const int n = v ? std::atoi(v) : 1;
  return n > 0 ? n : 1;
}

void run_mix(const mix& m, std::uint64_t first_seed, int seeds, std::size_t total) {
  seeds *= seed_factor();
  link_stats totals;
  for (int i = 0; i < seeds; ++i) {
    const std::uint64_t seed = first_seed + std::uint64_t(i);
    SCOPED_TRACE(::testing::Message() << "mix " << m.name << ", seed " << seed);
    outcome o;
    {
      sim_pair p(seed, m.faults, sim_config(seed), sim_config(seed));
      auto r = p.loop.run(both_ways(&p, total, seed, 600s, &o));
      ASSERT_TRUE(r);
    }
    EXPECT_FALSE(o.timed_out);
    check_direction(o.to_a_sent, o.to_a_received, total);
    check_direction(o.to_b_sent, o.to_b_received, total);
    EXPECT_EQ(o.connections_left, 0u);
    EXPECT_EQ(o.objects_left, 0u);
    EXPECT_EQ(o.storage_left, 0u);
    EXPECT_EQ(o.in_flight, 0u);
    EXPECT_EQ(o.timer_spins, 0u);
    totals.lost += o.link.lost;
    totals.duplicated += o.link.duplicated;
    totals.corrupted += o.link.corrupted;
    totals.reordered += o.link.reordered;
    totals.queue_drops += o.link.queue_drops;
    if (::testing::Test::HasFailure()) return;
  }
  // The faults were really there.
  if (m.faults.loss > 0) {
    EXPECT_GT(totals.lost, 0u);
  }
  if (m.faults.duplicate > 0) {
    EXPECT_GT(totals.duplicated, 0u);
  }
  if (m.faults.corrupt > 0) {
    EXPECT_GT(totals.corrupted, 0u);
  }
  if (m.faults.reorder > 0) {
    EXPECT_GT(totals.reordered, 0u);
  }
  if (m.queue_drops) {
    EXPECT_GT(totals.queue_drops, 0u);
  }
}

link_faults faults_of(double loss, double dup, double reorder, double corrupt, duration latency,
                      duration jitter, std::uint64_t rate = 0, std::size_t queue = 1000) {
  link_faults f;
  f.loss = loss;
  f.duplicate = dup;
  f.reorder = reorder;
  f.corrupt = corrupt;
  f.latency = latency;
  f.jitter = jitter;
  f.rate_bits_per_second = rate;
  f.queue_packets = queue;
  return f;
}

constexpr std::size_t kib = 1024;

TEST(tcp_sim, a_clean_link_delivers_every_byte_both_ways_and_closes_cleanly) {
  run_mix({"clean", faults_of(0, 0, 0, 0, 1ms, 0us)}, 1, 4, 512 * kib);
}

TEST(tcp_sim, loss_is_recovered_exactly) {
  run_mix({"loss 2%", faults_of(0.02, 0, 0, 0, 2ms, 0us)}, 100, 8, 256 * kib);
}

TEST(tcp_sim, heavy_loss_and_reordering_are_recovered_exactly) {
  run_mix({"loss 8% reorder 10%", faults_of(0.08, 0, 0.10, 0, 2ms, 500us)}, 200, 6, 128 * kib);
}

TEST(tcp_sim, duplicates_and_corruption_are_filtered) {
  run_mix({"dup 5% corrupt 3%", faults_of(0, 0.05, 0, 0.03, 1ms, 1ms)}, 300, 6, 256 * kib);
}

TEST(tcp_sim, a_rate_limited_queue_with_tail_drops_is_recovered_exactly) {
  run_mix({"20 Mbit/s, 30-packet queue", faults_of(0, 0, 0, 0, 5ms, 0us, 20'000'000, 30), true}, 400, 4,
          512 * kib);
}

// --- fairness -------------------------------------------------------------

// Flows from b to a, all through b's rate-limited queue (tail drop): each
// to a port of its own, so that the receiver knows which flow it reads.
task<void> shared_queue(sim_pair* p, std::size_t flows, std::size_t each, std::vector<transfer>* sent,
                        std::vector<transfer>* received, bool* timed_out) {
  std::vector<listener> listeners;
  for (std::size_t i = 0; i < flows; ++i) {
    auto l = p->a.listen(port(std::uint16_t(5100 + i)));
    if (!l) co_return;
    listeners.push_back(std::move(*l));
  }
  task_group g;
  for (std::size_t i = 0; i < flows; ++i) {
    g.spawn(accept_and_receive(&listeners[i], 40 + i, &(*received)[i], 16 * kib));
    g.spawn(connect_and_send(&p->b, p->a_at(std::uint16_t(5100 + i)), each, 40 + i, &(*sent)[i]));
    // The flows start 100 ms apart: the later ones must win their share
    // from the earlier ones.
    (void)co_await sleep(100ms);
  }
  auto r = co_await with_timeout(600s, g.join());
  *timed_out = !r;
  for (auto& l : listeners) l.close();
}

// The bytes `t` had received by `when`.
std::size_t received_by(const transfer& t, mono_time when) {
  std::size_t n = 0;
  for (const auto& [at, bytes_so_far] : t.samples)
    if (at <= when) n = bytes_so_far;
  return n;
}

TEST(tcp_sim, flows_through_one_rate_limited_queue_get_fair_shares) {
  // Four bulk flows in one direction through a 20 Mbit/s link with a
  // 40-packet tail-drop queue (5 ms each way, up to 1 ms of jitter drawn
  // from the seed), for each congestion control. Over the 10 s after a 3 s
  // warm-up, while every flow still has data to send, each gets a fair
  // share (Jain's index at least 0.9, none below half of an equal share)
  // and together they fill the link.
  constexpr std::size_t flows = 4;
  constexpr double rate = 20e6 / 8;  // bytes per second
  for (const auto algorithm : {congestion_algorithm::cubic, congestion_algorithm::new_reno}) {
    for (std::uint64_t seed = 600; seed < 600 + 2 * std::uint64_t(seed_factor()); ++seed) {
      SCOPED_TRACE(::testing::Message() << (algorithm == congestion_algorithm::cubic ? "cubic" : "new reno")
                                        << ", seed " << seed);
      config c = sim_config(seed);
      c.congestion = algorithm;
      c.sack = true;
      c.timestamps = true;
      c.send_buffer = c.receive_buffer = 256 * kib;
      sim_pair p(seed, faults_of(0, 0, 0, 0, 5ms, 1ms, 20'000'000, 40), c, c);
      std::vector<transfer> sent(flows), received(flows);
      bool timed_out = false;
      const mono_time t0 = p.clock.now();
      // Enough for every flow to outlast the window at an equal share.
      const std::size_t each = 12 * 1024 * kib;
      ASSERT_TRUE(p.loop.run(shared_queue(&p, flows, each, &sent, &received, &timed_out)));
      EXPECT_FALSE(timed_out);
      // The window: from the warm-up's end until the first flow is done
      // (at an equal share none is before 13 s).
      const mono_time from = t0 + 3s;
      mono_time to = t0 + 13s;
      for (const transfer& r : received) to = std::min(to, r.ended);
      ASSERT_GE(to - from, 5s) << "a flow finished within " << to_ns(to - t0) / 1'000'000
                               << " ms: it took far more than its share";
      const double seconds = double(to_ns(to - from)) * 1e-9;
      double sum = 0, squares = 0, least = 1e300;
      for (std::size_t i = 0; i < flows; ++i) {
        EXPECT_FALSE(received[i].error) << "flow " << i;
        EXPECT_FALSE(received[i].mismatch) << "flow " << i;
        EXPECT_EQ(received[i].bytes, each) << "flow " << i;
        const double share = double(received_by(received[i], to) - received_by(received[i], from)) / seconds;
        sum += share;
        squares += share * share;
        least = std::min(least, share);
      }
      const double jain = sum * sum / (double(flows) * squares);
      EXPECT_GE(jain, 0.9) << "shares " << least << " (least) of " << sum << " B/s";
      EXPECT_GE(least, 0.5 * sum / double(flows)) << "a flow was starved";
      EXPECT_GE(sum, 0.85 * rate) << "the flows left the link idle";
      EXPECT_GT(p.link.stats().queue_drops, 0u) << "the queue never overflowed";
      if (::testing::Test::HasFailure()) return;
    }
  }
}

TEST(tcp_sim, every_fault_at_once_is_survived) {
  run_mix({"everything", faults_of(0.03, 0.02, 0.05, 0.01, 3ms, 1ms, 50'000'000, 100)}, 500, 8,
          192 * kib);
}

// --- replay -------------------------------------------------------------

TEST(tcp_sim, the_same_seed_replays_the_same_run) {
  const link_faults f = faults_of(0.05, 0.02, 0.05, 0.01, 2ms, 1ms);
  outcome o1, o2;
  link_stats s1, s2;
  {
    sim_pair p(77, f, sim_config(77), sim_config(77));
    ASSERT_TRUE(p.loop.run(both_ways(&p, 64 * kib, 77, 600s, &o1)));
    s1 = p.link.stats();
  }
  {
    sim_pair p(77, f, sim_config(77), sim_config(77));
    ASSERT_TRUE(p.loop.run(both_ways(&p, 64 * kib, 77, 600s, &o2)));
    s2 = p.link.stats();
  }
  EXPECT_EQ(s1.sent, s2.sent);
  EXPECT_EQ(s1.lost, s2.lost);
  EXPECT_EQ(o1.transfers_done, o2.transfers_done);
}

// --- many connections -----------------------------------------------------

// Connection `tag` sends its tag (8 bytes, big-endian), then the stream
// seeded by it; the receiver reads the tag and checks the rest against
// that stream. Whichever accept gets whichever connection, each must
// deliver its own stream, and no bytes of another.
std::uint64_t tagged_seed(std::uint64_t tag) { return 100'000 + tag; }

task<void> connect_and_send_tagged(layer* from, sig::ipv4_endpoint to, std::size_t total,
                                   std::uint64_t tag, transfer* t) {
  auto f = co_await from->connect(to);
  if (!f) {
    t->error = f.error();
    co_return;
  }
  std::byte head[8];
  for (int i = 0; i < 8; ++i) head[i] = std::byte(tag >> (56 - 8 * i));
  auto w = co_await f->write(bytes(head, sizeof head));
  if (!w) {
    t->error = w.error();
    co_return;
  }
  co_await send_stream(&*f, total, tagged_seed(tag), t);
}

task<void> accept_and_receive_tagged(listener* l, transfer* t, std::optional<std::uint64_t>* tag) {
  auto f = co_await l->accept();
  if (!f) {
    t->error = f.error();
    co_return;
  }
  std::byte head[8];
  for (std::size_t got = 0; got < sizeof head;) {
    auto n = co_await f->read(mut_bytes(head + got, sizeof head - got));
    if (!n) {
      t->error = n.error();
      co_return;
    }
    if (*n == 0) {
      t->mismatch = true;  // ended before its tag
      co_await f->close();
      co_return;
    }
    got += *n;
  }
  std::uint64_t v = 0;
  for (std::byte b : head) v = v << 8 | std::uint64_t(b);
  *tag = v;
  co_await receive_stream(&*f, tagged_seed(v), t);
}

task<void> many_connections(sim_pair* p, int count, std::size_t each, outcome* o,
                            std::vector<transfer>* sent, std::vector<transfer>* received,
                            std::vector<std::optional<std::uint64_t>>* tags) {
  auto l = p->a.listen(port(6000));
  if (!l) co_return;
  {
    task_group g;
    for (int i = 0; i < count; ++i) {
      g.spawn(accept_and_receive_tagged(&*l, &(*received)[std::size_t(i)], &(*tags)[std::size_t(i)]));
      g.spawn(connect_and_send_tagged(&p->b, p->a_at(6000), each, std::uint64_t(i), &(*sent)[std::size_t(i)]));
    }
    auto r = co_await with_timeout(600s, g.join());
    o->timed_out = !r;
  }
  l->close();
  (void)co_await sleep(p->a.configuration().time_wait + 60s);
  o->connections_left = p->a.connections() + p->b.connections();
  o->objects_left = p->a.connection_objects() + p->b.connection_objects();
  o->storage_left = p->a.buffer_storage() + p->b.buffer_storage();
}

TEST(tcp_sim, a_thousand_concurrent_connections_each_deliver_their_own_stream_and_close) {
  // More than the backlogs hold at once: the rest get in by SYN cookies,
  // some of them after losing their first data segment.
  const int count = 1000;
  config c = sim_config(2);
  c.accept_backlog = 512;
  c.syn_backlog = 512;
  for (std::uint64_t seed = 9; seed < 9 + 3 * std::uint64_t(seed_factor()); ++seed) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed);
    sim_pair p(seed, faults_of(0.01, 0.01, 0.02, 0, 2ms, 500us, 100'000'000, 2000), c, c);
    outcome o;
    std::vector<transfer> sent(count), received(count);
    std::vector<std::optional<std::uint64_t>> tags(count);
    ASSERT_TRUE(p.loop.run(many_connections(&p, count, 8 * kib, &o, &sent, &received, &tags)));
    EXPECT_FALSE(o.timed_out);
    int intact = 0;
    std::size_t total = 0;
    std::vector<int> seen(count);
    for (int i = 0; i < count; ++i) {
      const transfer& r = received[std::size_t(i)];
      if (r.finished && !r.error && !r.mismatch && r.bytes == 8 * kib) ++intact;
      total += r.bytes;
      const auto& tag = tags[std::size_t(i)];
      if (tag && *tag < std::uint64_t(count)) ++seen[std::size_t(*tag)];
      EXPECT_FALSE(sent[std::size_t(i)].error) << "sender " << i;
    }
    EXPECT_EQ(intact, count);
    EXPECT_EQ(total, count * 8 * kib);
    // Every connection's stream arrived once: none lost, none twice.
    EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), count);
    EXPECT_GT(p.a.counters().syn_cookies_accepted, 0u);
    EXPECT_EQ(o.connections_left, 0u);
    EXPECT_EQ(o.objects_left, 0u);
    EXPECT_EQ(o.storage_left, 0u);
    if (::testing::Test::HasFailure()) return;
  }
}

// --- partitions -----------------------------------------------------------

task<void> partitioned_transfer(sim_pair* p, std::size_t total, mono_time cut, mono_time heal,
                                transfer* sent, transfer* received) {
  auto l = p->a.listen(port(7000));
  if (!l) co_return;
  task_group g;
  g.spawn(accept_and_receive(&*l, 5, received, 32 * kib));
  g.spawn(connect_and_send(&p->b, p->a_at(7000), total, 5, sent));
  (void)co_await sleep_until(cut);
  p->link.set_partitioned(true);
  (void)co_await sleep_until(heal);
  p->link.set_partitioned(false);
  co_await g.join();
}

double rate_between(const transfer& t, mono_time from, mono_time to) {
  std::size_t at_from = 0;
  std::size_t at_to = 0;
  for (const auto& [when, n] : t.samples) {
    if (when <= from) at_from = n;
    if (when <= to) at_to = n;
  }
  return double(at_to - at_from) / (double(to_ns(to - from)) * 1e-9);
}

TEST(tcp_sim, throughput_recovers_after_a_partition_heals) {
  config c = sim_config(0);
  c.congestion = congestion_algorithm::cubic;
  c.sack = true;
  c.timestamps = true;
  c.send_buffer = c.receive_buffer = 256 * kib;
  c.max_retransmissions = 30;
  sim_pair p(11, faults_of(0, 0, 0, 0, 5ms, 0us, 10'000'000, 100), c, c);
  transfer sent, received;
  const mono_time t0 = p.clock.now();
  const mono_time cut = t0 + 2s;
  const mono_time heal = t0 + 5s;
  ASSERT_TRUE(p.loop.run(partitioned_transfer(&p, 12 * 1024 * kib, cut, heal, &sent, &received)));
  EXPECT_TRUE(received.finished);
  EXPECT_FALSE(received.mismatch);
  EXPECT_EQ(received.bytes, 12 * 1024 * kib);
  const double before = rate_between(received, t0 + 1s, cut);
  EXPECT_GT(before, 0.9 * 10e6 / 8);  // the link was nearly full
  // The first delivery after the heal waits for the backed-off RTO
  // (RFC 6298 §5.5), which a 3 s partition doubled four or five times.
  mono_time resumed = mono_never;
  std::size_t at_heal = 0;
  for (const auto& [when, n] : received.samples) {
    if (when <= heal) at_heal = n;
    if (when > heal && n > at_heal && resumed == mono_never) resumed = when;
  }
  ASSERT_NE(resumed, mono_never);
  EXPECT_LT(resumed - heal, 2 * (heal - cut));
  const double after = rate_between(received, resumed + 1s, resumed + 3s);
  EXPECT_GT(after, 0.8 * before) << "before " << before << " B/s, after " << after << " B/s";
}

}  // namespace
