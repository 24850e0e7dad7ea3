// TCP benchmarks of fata's TCP alone: two tcp::layer over the in-memory
// link (tests/net/tcp/sim_link.hpp) on a virtual clock, so every figure is
// CPU work, not waiting. Prints one line per figure:
//
//   tcp_bench bulk MTU BYTES      bulk transfer, bytes per CPU-second
//   tcp_bench crr COUNT           connections opened and closed per CPU-second
//   tcp_bench rr COUNT            64-byte request/response round trips per CPU-second
//   tcp_bench idle COUNT          heap bytes per idle established connection (per endpoint)
//   tcp_bench table SECONDS       goodput under loss (simulated time), as a markdown table
//
// CPU time is the process's (CLOCK_PROCESS_CPUTIME_ID): the stack, the
// link's copies and the checks of the byte stream are all counted.
#include <fata/core/join.hpp>
#include <fata/core/loop.hpp>
#include <fata/net/tcp/layer.hpp>

#include <malloc.h>
#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "sim_harness.hpp"

namespace {

using namespace fata;
using namespace fata::net::tcp;
using namespace fata::net::tcp::testing;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

config bench_config() {
  config c;
  c.send_buffer = 1 << 20;
  c.receive_buffer = 1 << 20;
  c.time_wait = 1s;
  return c;
}

// --- bulk -----------------------------------------------------------------

task<void> sink(flow* f, std::size_t* got) {
  std::vector<std::byte> buf(1 << 18);
  for (;;) {
    auto n = co_await f->read(mut_bytes(buf.data(), buf.size()));
    if (!n || *n == 0) break;
    *got += *n;
  }
  co_await f->close();
}

task<void> accept_sink(listener* l, std::size_t* got) {
  auto f = co_await l->accept();
  if (f) co_await sink(&*f, got);
}

task<void> source(layer* from, sig::ipv4_endpoint to, std::size_t total) {
  auto f = co_await from->connect(to);
  if (!f) co_return;
  std::vector<std::byte> buf(1 << 18, std::byte{0x5a});
  for (std::size_t done = 0; done < total;) {
    const std::size_t n = total - done < buf.size() ? total - done : buf.size();
    auto w = co_await f->write(bytes(buf.data(), n));
    if (!w) co_return;
    done += n;
  }
  co_await f->close();
}

task<void> bulk_run(sim_pair* p, std::size_t total, std::size_t* got) {
  auto l = p->a.listen(port(5001));
  task_group g;
  g.spawn(accept_sink(&*l, got));
  g.spawn(source(&p->b, p->a_at(5001), total));
  co_await g.join();
}

int bulk(std::size_t mtu, std::size_t total) {
  link_faults f;
  f.latency = 50us;
  sim_pair p(1, f, bench_config(), bench_config(), mtu);
  std::size_t got = 0;
  const double t0 = cpu_seconds();
  (void)p.loop.run(bulk_run(&p, total, &got));
  const double cpu = cpu_seconds() - t0;
  std::printf("bulk mtu=%zu bytes=%zu cpu_s=%.3f bytes_per_cpu_s=%.0f segments=%lu\n", mtu, got,
              cpu, double(got) / cpu, (unsigned long)p.b.counters().segments_out);
  return got == total ? 0 : 1;
}

// --- connect/request/response/close ---------------------------------------

task<void> crr_server(listener* l, int count) {
  std::byte buf[64];
  for (int i = 0; i < count; ++i) {
    auto f = co_await l->accept();
    if (!f) co_return;
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (n && *n > 0) (void)co_await f->write(bytes(buf, *n));
    co_await f->close();
  }
}

task<void> crr_client(layer* from, sig::ipv4_endpoint to, int count, int* done) {
  std::byte buf[64] = {};
  for (int i = 0; i < count; ++i) {
    auto f = co_await from->connect(to);
    if (!f) co_return;
    f->set_nodelay(true);
    (void)co_await f->write(bytes(buf, sizeof buf));
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (!n) co_return;
    co_await f->close();
    ++*done;
  }
}

task<void> crr_run(sim_pair* p, int count, int* done) {
  auto l = p->a.listen(port(5002));
  task_group g;
  g.spawn(crr_server(&*l, count));
  g.spawn(crr_client(&p->b, p->a_at(5002), count, done));
  co_await g.join();
}

int crr(int count) {
  link_faults f;
  f.latency = 50us;
  config c = bench_config();
  c.send_buffer = c.receive_buffer = 64 * 1024;
  c.time_wait = 100ms;
  sim_pair p(2, f, c, c);
  int done = 0;
  const double t0 = cpu_seconds();
  (void)p.loop.run(crr_run(&p, count, &done));
  const double cpu = cpu_seconds() - t0;
  std::printf("crr connections=%d cpu_s=%.3f per_cpu_s=%.0f\n", done, cpu, double(done) / cpu);
  return done == count ? 0 : 1;
}

// --- request/response on one connection -----------------------------------

task<void> rr_server(listener* l) {
  auto f = co_await l->accept();
  if (!f) co_return;
  f->set_nodelay(true);
  std::byte buf[64];
  for (;;) {
    auto n = co_await f->read(mut_bytes(buf, sizeof buf));
    if (!n || *n == 0) break;
    (void)co_await f->write(bytes(buf, *n));
  }
  co_await f->close();
}

task<void> rr_client(layer* from, sig::ipv4_endpoint to, int count, int* done) {
  auto f = co_await from->connect(to);
  if (!f) co_return;
  f->set_nodelay(true);
  std::byte buf[64] = {};
  for (int i = 0; i < count; ++i) {
    (void)co_await f->write(bytes(buf, sizeof buf));
    std::size_t got = 0;
    while (got < sizeof buf) {
      auto n = co_await f->read(mut_bytes(buf + got, sizeof buf - got));
      if (!n || *n == 0) co_return;
      got += *n;
    }
    ++*done;
  }
  co_await f->close();
}

task<void> rr_run(sim_pair* p, int count, int* done) {
  auto l = p->a.listen(port(5003));
  task_group g;
  g.spawn(rr_server(&*l));
  g.spawn(rr_client(&p->b, p->a_at(5003), count, done));
  co_await g.join();
}

int rr(int count) {
  link_faults f;
  f.latency = 50us;
  sim_pair p(3, f, bench_config(), bench_config());
  int done = 0;
  const double t0 = cpu_seconds();
  (void)p.loop.run(rr_run(&p, count, &done));
  const double cpu = cpu_seconds() - t0;
  std::printf("rr round_trips=%d cpu_s=%.3f per_cpu_s=%.0f\n", done, cpu, double(done) / cpu);
  return done == count ? 0 : 1;
}

// --- memory per idle connection -------------------------------------------

std::size_t heap_in_use() { return mallinfo2().uordblks; }

task<void> hold_accepted(listener* l, int count, std::vector<flow>* held) {
  for (int i = 0; i < count; ++i) {
    auto f = co_await l->accept();
    if (!f) co_return;
    held->push_back(std::move(*f));
  }
}

task<void> hold_connected(layer* from, sig::ipv4_endpoint to, int count, std::vector<flow>* held) {
  for (int i = 0; i < count; ++i) {
    auto f = co_await from->connect(to);
    if (!f) co_return;
    held->push_back(std::move(*f));
  }
}

task<void> idle_run(sim_pair* p, int count, std::size_t* per_endpoint) {
  auto l = p->a.listen(port(5004));
  std::vector<flow> accepted, connected;
  accepted.reserve(std::size_t(count));
  connected.reserve(std::size_t(count));
  const std::size_t before = heap_in_use();
  {
    task_group g;
    g.spawn(hold_accepted(&*l, count, &accepted));
    g.spawn(hold_connected(&p->b, p->a_at(5004), count, &connected));
    co_await g.join();
  }
  (void)co_await sleep(1s);  // delayed ACKs and timers settle
  const std::size_t after = heap_in_use();
  *per_endpoint = (after - before) / (accepted.size() + connected.size());
  std::printf("idle connections=%zu heap_bytes_per_endpoint=%zu connection_object=%zu established=%zu\n",
              accepted.size() + connected.size(), *per_endpoint, sizeof(connection),
              p->a.connections_by_state()[std::size_t(state::established)] +
                  p->b.connections_by_state()[std::size_t(state::established)]);
  for (auto& f : connected) co_await f.close();
  for (auto& f : accepted) co_await f.close();
}

int idle(int count) {
  link_faults f;
  config c = bench_config();
  c.max_connections = std::size_t(count) + 16;
  c.accept_backlog = std::size_t(count) + 16;
  sim_pair p(4, f, c, c);
  std::size_t per = 0;
  (void)p.loop.run(idle_run(&p, count, &per));
  return per > 0 ? 0 : 1;
}

// --- goodput under loss ---------------------------------------------------

task<void> timed_bulk(sim_pair* p, duration length, std::size_t* got) {
  auto l = p->a.listen(port(5005));
  task_group g;
  g.spawn(accept_sink(&*l, got));
  g.spawn(source(&p->b, p->a_at(5005), std::size_t(1) << 40));
  (void)co_await sleep(length);
  g.cancel();
  co_await g.join();
}

double goodput_mbps(double loss, congestion_algorithm cc, bool sack, duration length,
                    std::uint64_t seed) {
  link_faults f;
  f.loss = loss;
  f.latency = 10ms;  // 20 ms RTT
  f.rate_bits_per_second = 100'000'000;
  f.queue_packets = 250;  // one bandwidth-delay product
  config c = bench_config();
  c.congestion = cc;
  c.sack = sack;
  c.timestamps = sack;
  c.max_retransmissions = 60;
  sim_pair p(seed, f, c, c);
  std::size_t got = 0;
  (void)p.loop.run(timed_bulk(&p, length, &got));
  return double(got) * 8 / (double(to_ns(length)) * 1e-9) / 1e6;
}

int table(int seconds) {
  const double losses[] = {0, 0.0001, 0.001, 0.005, 0.01, 0.02, 0.05};
  struct variant {
    const char* name;
    congestion_algorithm cc;
    bool sack;
  } variants[] = {{"CUBIC+SACK", congestion_algorithm::cubic, true},
                  {"NewReno+SACK", congestion_algorithm::new_reno, true},
                  {"CUBIC, no SACK", congestion_algorithm::cubic, false},
                  {"NewReno, no SACK", congestion_algorithm::new_reno, false}};
  std::printf("| loss |");
  for (const variant& v : variants) std::printf(" %s |", v.name);
  std::printf("\n|-----:|");
  for (std::size_t i = 0; i < std::size(variants); ++i) std::printf("-----:|");
  std::printf("\n");
  for (double loss : losses) {
    std::printf("| %.2f%% |", loss * 100);
    for (const variant& v : variants) {
      double sum = 0;
      for (std::uint64_t seed = 1; seed <= 3; ++seed)
        sum += goodput_mbps(loss, v.cc, v.sack, seconds * 1s, seed);
      std::printf(" %.1f |", sum / 3);
    }
    std::printf("\n");
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tcp_bench bulk MTU BYTES | crr N | rr N | idle N | table SECONDS\n");
    return 2;
  }
  const std::string what = argv[1];
  auto arg = [&](int i, long long d) { return argc > i ? std::atoll(argv[i]) : d; };
  if (what == "bulk") return bulk(std::size_t(arg(2, 1500)), std::size_t(arg(3, 1 << 30)));
  if (what == "crr") return crr(int(arg(2, 20000)));
  if (what == "rr") return rr(int(arg(2, 200000)));
  if (what == "idle") return idle(int(arg(2, 10000)));
  if (what == "table") return table(int(arg(2, 20)));
  std::fprintf(stderr, "unknown benchmark %s\n", what.c_str());
  return 2;
}
