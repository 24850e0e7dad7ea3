// Benchmarks of the core: task switches through the event loop, timers,
// byte views. Each is measured next to a peer in the same run, and the
// ratios are printed at the end:
//
// - a task switch (two tasks ping-ponging through the loop) against a
//   plain function call and against a thread context switch (two
//   std::threads ping-ponging through a condition variable, and through a
//   futex, both pinned to one CPU so that every hand-over is a real
//   context switch);
// - timer arm+expire and arm+disarm among 1000 armed timers;
// - bytes slicing and big-endian field reads against raw pointer loads.
//
// Ping-pong benchmarks count one round trip (two switches) per iteration;
// the ratio table divides by two.
//
//   build/<you>/bench/core/core_bench                 (10 repetitions)
//   build/<you>/bench/core/core_bench --benchmark_filter=task
#include <fata/core/bytes.hpp>
#include <fata/core/loop.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace {

using namespace std::chrono_literals;

// The spread over repetitions, next to the median.
double minimum(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }
double maximum(const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }
#define CORE_BENCHMARK(fn) \
  BENCHMARK(fn)->ComputeStatistics("min", minimum)->ComputeStatistics("max", maximum)

// --- Task switches ------------------------------------------------------------

struct ping_pong {
  fata::wait_queue ping;
  fata::wait_queue pong;
  bool stop = false;
};

fata::task<void> pong_side(ping_pong* p) {
  for (;;) {
    auto woken = co_await p->ping.wait();
    if (!woken || p->stop) co_return;
    p->pong.notify_one();
  }
}

fata::task<void> ping_side(benchmark::State* state, ping_pong* p) {
  for (auto _ : *state) {
    p->ping.notify_one();
    (void)co_await p->pong.wait();
  }
  p->stop = true;
  p->ping.notify_one();
}

// Two tasks hand control to each other through wait queues: each
// iteration is two switches (ping -> pong -> ping) through the loop's
// ready queue.
void task_switch_wait_queue(benchmark::State& state) {
  fata::virtual_backend clock;
  fata::loop l(clock);
  ping_pong p;
  l.spawn(pong_side(&p));
  (void)l.run(ping_side(&state, &p));
}
CORE_BENCHMARK(task_switch_wait_queue);

fata::task<void> yielder(bool* stop) {
  while (!*stop) co_await fata::yield_now{};
}

fata::task<void> yield_driver(benchmark::State* state, bool* stop) {
  for (auto _ : *state) {
    co_await fata::yield_now{};  // to the other task and back: two switches
  }
  *stop = true;
}

// Two tasks yielding to each other: the bare cost of the ready queue.
void task_switch_yield(benchmark::State& state) {
  fata::virtual_backend clock;
  fata::loop l(clock);
  bool stop = false;
  l.spawn(yielder(&stop));
  (void)l.run(yield_driver(&state, &stop));
}
CORE_BENCHMARK(task_switch_yield);

fata::task<int> immediate(int x) { co_return x + 1; }

fata::task<void> await_children(benchmark::State* state) {
  int x = 0;
  for (auto _ : *state) {
    x = co_await immediate(x);
    benchmark::DoNotOptimize(x);
  }
}

// Awaiting a child task that finishes at once: frame allocation, start,
// completion and return, without the loop.
void task_await_child(benchmark::State& state) {
  fata::virtual_backend clock;
  fata::loop l(clock);
  (void)l.run(await_children(&state));
}
CORE_BENCHMARK(task_await_child);

[[gnu::noinline]] int plain_function(int x) {
  benchmark::DoNotOptimize(x);
  return x + 1;
}

// The peer: an out-of-line call.
void function_call(benchmark::State& state) {
  int x = 0;
  for (auto _ : state) {
    x = plain_function(x);
    benchmark::DoNotOptimize(x);
  }
}
CORE_BENCHMARK(function_call);

// --- Thread switches ------------------------------------------------------------

void pin_to_cpu(std::thread::native_handle_type thread, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  pthread_setaffinity_np(thread, sizeof set, &set);
}

int current_cpu() {
  const int cpu = sched_getcpu();
  return cpu < 0 ? 0 : cpu;
}

// Two threads take turns through a mutex and condition variable; both run
// on one CPU, so each hand-over is a context switch.
void thread_switch_condvar(benchmark::State& state) {
  std::mutex m;
  std::condition_variable cv;
  int turn = 0;  // 0: main's turn, 1: partner's, 2: stop
  const int cpu = current_cpu();
  cpu_set_t saved;
  pthread_getaffinity_np(pthread_self(), sizeof saved, &saved);
  pin_to_cpu(pthread_self(), cpu);
  std::thread partner([&] {
    std::unique_lock lock(m);
    for (;;) {
      cv.wait(lock, [&] { return turn != 0; });
      if (turn == 2) return;
      turn = 0;
      cv.notify_all();
    }
  });
  pin_to_cpu(partner.native_handle(), cpu);
  {
    std::unique_lock lock(m);
    for (auto _ : state) {
      turn = 1;
      cv.notify_all();
      cv.wait(lock, [&] { return turn == 0; });
    }
    turn = 2;
    cv.notify_all();
  }
  partner.join();
  pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
}
CORE_BENCHMARK(thread_switch_condvar)->UseRealTime();

long futex(std::atomic<int>* word, int op, int value) {
  return ::syscall(SYS_futex, reinterpret_cast<int*>(word), op, value, nullptr, nullptr, 0);
}

// The same with a bare futex: the cheapest way one thread can wake
// another and sleep.
void thread_switch_futex(benchmark::State& state) {
  std::atomic<int> turn{0};
  const int cpu = current_cpu();
  cpu_set_t saved;
  pthread_getaffinity_np(pthread_self(), sizeof saved, &saved);
  pin_to_cpu(pthread_self(), cpu);
  auto wait_for = [&](int want) {
    for (int seen = turn.load(); seen != want && seen != 2; seen = turn.load())
      futex(&turn, FUTEX_WAIT_PRIVATE, seen);
  };
  auto hand_to = [&](int who) {
    turn.store(who);
    futex(&turn, FUTEX_WAKE_PRIVATE, 1);
  };
  std::thread partner([&] {
    for (;;) {
      wait_for(1);
      if (turn.load() == 2) return;
      hand_to(0);
    }
  });
  pin_to_cpu(partner.native_handle(), cpu);
  for (auto _ : state) {
    hand_to(1);
    wait_for(0);
  }
  hand_to(2);
  partner.join();
  pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
}
CORE_BENCHMARK(thread_switch_futex)->UseRealTime();

// --- Timers ---------------------------------------------------------------------

void count_fired(void* counter) { ++*static_cast<std::uint64_t*>(counter); }

// Arms a due timer and lets the loop fire it.
void timer_arm_expire(benchmark::State& state) {
  fata::virtual_backend clock;
  fata::loop l(clock);
  std::uint64_t fired = 0;
  fata::timer t(&count_fired, &fired);
  for (auto _ : state) {
    t.arm(clock.now());
    l.run_ready();
  }
  if (fired != static_cast<std::uint64_t>(state.iterations())) state.SkipWithError("timers lost");
}
CORE_BENCHMARK(timer_arm_expire);

// Arms and disarms a timer while 1000 others are armed (a busy TCP stack's
// retransmission timers).
void timer_arm_disarm_among_1000(benchmark::State& state) {
  fata::virtual_backend clock;
  fata::loop l(clock);
  std::uint64_t fired = 0;
  std::vector<std::unique_ptr<fata::timer>> others;
  for (int i = 0; i < 1000; ++i) {
    others.push_back(std::make_unique<fata::timer>(&count_fired, &fired));
    others.back()->arm(clock.now() + std::chrono::seconds(1 + i));
  }
  fata::timer t(&count_fired, &fired);
  std::int64_t offset = 0;
  for (auto _ : state) {
    offset = (offset * 7 + 13) % 1000;
    t.arm(clock.now() + std::chrono::milliseconds(1000 * offset + 500));
    t.disarm();
  }
}
CORE_BENCHMARK(timer_arm_disarm_among_1000);

fata::task<void> sleep_zero(benchmark::State* state) {
  for (auto _ : *state) (void)co_await fata::sleep(0ns);
}

// A task sleeping for zero time: arm, fire, resume.
void timer_sleep_round_trip(benchmark::State& state) {
  fata::virtual_backend clock;
  fata::loop l(clock);
  (void)l.run(sleep_zero(&state));
}
CORE_BENCHMARK(timer_sleep_round_trip);

// --- Byte views -----------------------------------------------------------------

// Slices an IPv4-in-Ethernet frame down to its payload, as a parser does.
void bytes_slicing(benchmark::State& state) {
  std::vector<std::byte> frame(1514, std::byte{0x45});
  fata::bytes whole(frame.data(), frame.size());
  std::size_t header = 14;
  for (auto _ : state) {
    benchmark::DoNotOptimize(header);
    fata::bytes ip = whole.skip(header);
    fata::bytes payload = ip.sub(20, ip.size() - 20);
    benchmark::DoNotOptimize(payload);
  }
}
CORE_BENCHMARK(bytes_slicing);

// Reads the fields of an IPv4 header through a checked view.
void bytes_field_access(benchmark::State& state) {
  std::vector<std::byte> header(20, std::byte{0x45});
  for (auto _ : state) {
    std::byte* p = header.data();
    benchmark::DoNotOptimize(p);
    fata::bytes h(p, header.size());
    std::uint32_t sum = h.u8(0) + h.be16(2) + h.be16(4) + h.be16(6) + h.u8(8) + h.u8(9) +
                        h.be16(10) + h.be32(12) + h.be32(16);
    benchmark::DoNotOptimize(sum);
  }
}
CORE_BENCHMARK(bytes_field_access);

std::uint16_t raw_be16(const std::byte* p) {
  std::uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
std::uint32_t raw_be32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}

// The peer: the same fields with unchecked pointer loads.
void raw_field_access(benchmark::State& state) {
  std::vector<std::byte> header(20, std::byte{0x45});
  for (auto _ : state) {
    std::byte* p = header.data();
    benchmark::DoNotOptimize(p);
    std::uint32_t sum = static_cast<std::uint8_t>(p[0]) + raw_be16(p + 2) + raw_be16(p + 4) +
                        raw_be16(p + 6) + static_cast<std::uint8_t>(p[8]) +
                        static_cast<std::uint8_t>(p[9]) + raw_be16(p + 10) + raw_be32(p + 12) +
                        raw_be32(p + 16);
    benchmark::DoNotOptimize(sum);
  }
}
CORE_BENCHMARK(raw_field_access);

// --- Reporting ------------------------------------------------------------------

// Prints the usual console output, and remembers each benchmark's median,
// minimum and maximum time per iteration for the ratio table.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  // Colours only on a terminal, so that saved output stays readable.
  ratio_reporter() : ConsoleReporter(::isatty(STDOUT_FILENO) ? OO_Defaults : OO_Tabular) {}

  struct figures {
    double median = 0, min = 0, max = 0;
  };

  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) continue;
      std::string name = r.run_name.str();
      if (const auto at = name.find("/real_time"); at != std::string::npos) name.erase(at);
      const double ns = r.GetAdjustedRealTime() * to_ns(r.time_unit);
      if (r.run_type == Run::RT_Iteration && r.repetitions <= 1) {
        _results[name] = {ns, ns, ns};
      } else if (r.aggregate_name == "median") {
        _results[name].median = ns;
      } else if (r.aggregate_name == "min") {
        _results[name].min = ns;
      } else if (r.aggregate_name == "max") {
        _results[name].max = ns;
      }
    }
  }

  void print_ratios() const {
    std::printf("\nPer operation (median, [min - max] over repetitions), and ratios:\n");
    line("task switch, wait queue", "task_switch_wait_queue", 0.5);
    line("task switch, yield", "task_switch_yield", 0.5);
    line("await of a finished child task", "task_await_child", 1);
    line("plain function call", "function_call", 1);
    line("thread switch, condvar (1 CPU)", "thread_switch_condvar", 0.5);
    line("thread switch, futex (1 CPU)", "thread_switch_futex", 0.5);
    line("timer arm + expire", "timer_arm_expire", 1);
    line("timer arm + disarm among 1000", "timer_arm_disarm_among_1000", 1);
    line("sleep(0) round trip", "timer_sleep_round_trip", 1);
    line("bytes: slice frame to payload", "bytes_slicing", 1);
    line("bytes: read 9 IPv4 header fields", "bytes_field_access", 1);
    line("raw loads: same 9 fields", "raw_field_access", 1);
    std::printf("\n");
    ratio("task switch (wait queue) / function call", "task_switch_wait_queue", 0.5, "function_call", 1);
    ratio("task switch (yield) / function call", "task_switch_yield", 0.5, "function_call", 1);
    ratio("thread switch (condvar) / task switch (wait queue)", "thread_switch_condvar", 0.5,
          "task_switch_wait_queue", 0.5);
    ratio("thread switch (futex) / task switch (wait queue)", "thread_switch_futex", 0.5,
          "task_switch_wait_queue", 0.5);
    ratio("checked field reads / raw loads", "bytes_field_access", 1, "raw_field_access", 1);
  }

 private:
  static double to_ns(benchmark::TimeUnit unit) {
    switch (unit) {
      case benchmark::kNanosecond: return 1;
      case benchmark::kMicrosecond: return 1e3;
      case benchmark::kMillisecond: return 1e6;
      case benchmark::kSecond: return 1e9;
    }
    return 1;
  }
  void line(const char* what, const std::string& name, double scale) const {
    auto it = _results.find(name);
    if (it == _results.end()) return;
    const figures& f = it->second;
    std::printf("  %-38s %9.2f ns  [%.2f - %.2f]\n", what, f.median * scale, f.min * scale,
                f.max * scale);
  }
  void ratio(const char* what, const std::string& a, double scale_a, const std::string& b,
             double scale_b) const {
    auto ia = _results.find(a);
    auto ib = _results.find(b);
    if (ia == _results.end() || ib == _results.end() || ib->second.median == 0) return;
    std::printf("  %-52s %8.2fx\n", what, ia->second.median * scale_a / (ib->second.median * scale_b));
  }

  std::map<std::string, figures> _results;
};

}  // namespace

int main(int argc, char** argv) {
  // Ten repetitions, aggregates only, unless the command line says
  // otherwise.
  std::vector<char*> args(argv, argv + argc);
  bool repetitions_given = false;
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--benchmark_repetitions", 23) == 0) repetitions_given = true;
  static char repetitions[] = "--benchmark_repetitions=10";
  static char aggregates[] = "--benchmark_report_aggregates_only=true";
  if (!repetitions_given) {
    args.push_back(repetitions);
    args.push_back(aggregates);
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 1;
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_ratios();
  benchmark::Shutdown();
  return 0;
}
