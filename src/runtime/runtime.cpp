#include <fata/runtime/runtime.hpp>

#include <fata/core/budget.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>

#include <climits>

namespace fata::runtime {

namespace {

key<std::string> log_key{"log", "",
                         "Log levels: a comma-separated list of SOURCE:LEVEL or LEVEL, where "
                         "SOURCE is a name, a prefix ending in *, or *, and LEVEL is quiet, "
                         "error, warning, info or debug (e.g. net.tcp:debug,*:warning)",
                         "LOGGING"};

log::source runtime_log{"runtime", "The runtime: start-up and exit"};

key<bool> memory_stats_key{"memory-stats", false,
                           "Print the memory figures (heap in use and peak, failed allocations; "
                           "resident set on hosted) at exit",
                           "LOGGING"};

key<std::size_t> task_memory_key{"task-memory", 0,
                                 "Bytes the coroutine frames of every task may hold together "
                                 "(0: half the heap beyond its reserve; no bound on hosted). A "
                                 "task whose frame is refused fails its chain, which closes its "
                                 "connection",
                                 "MEMORY"};

// The frames' share: half of what the reserve leaves, overlapping HTTP's
// half (whose 8 KiB a connection already counts its frames), so that the
// frames of connections shed and still unwinding, or of a burst of
// handshakes, cannot eat into the reserve. A quarter (the heap exactly
// divided with TCP and HTTP) refused frames to newcomers during a flood
// at -m 8, so that a normal client was no longer served
// (bench/web/capacity).
std::size_t default_task_memory(std::size_t heap_size) {
  return share_of_heap(heap_size, 1, 2, memory_budget::unlimited);
}

std::size_t heap_bytes = 0;

// memory_low() also when no free block this large is left.
constexpr std::size_t large_block_reserve = 256 * 1024;

void console_output(void*, const log::record& r) {
  char buf[1200];
  fixed_writer w(buf);
  format_sink s = w.sink();
  log::format_record(s, r);
  if (w.truncated()) {
    // Keep the line a line: end it even when the message was cut.
    platform::console_write(w.view().substr(0, w.size() - 4));
    platform::console_write("...\n");
    return;
  }
  platform::console_write(w.view());
}

wall_time platform_wall_clock(void*) { return wall_from_ns(platform::wall_ns()); }

}  // namespace

mono_time platform_backend::now() { return mono_from_ns(platform::monotonic_ns()); }

bool platform_backend::wait(loop& l, mono_time deadline) {
  platform::handle ready[64];
  const int n = platform::yield(deadline == mono_never ? INT64_MAX : to_ns(deadline), ready);
  if (n < 0) return false;
  for (int i = 0; i < n; ++i) l.notify_io(ready[i]);
  return true;
}

void log_line(std::string_view text) { runtime_log.info("{}", text); }

std::size_t heap_size() { return heap_bytes; }

bool memory_low() {
  if (heap_bytes == 0) return false;
  platform::memory_info m;
  if (platform::memory_stats(&m) != platform::status::ok || m.heap_size == 0) return false;
  const std::size_t free = m.heap_in_use < m.heap_size ? m.heap_size - m.heap_in_use : 0;
  // Free bytes are not enough: a fragmented heap must still have a block
  // for the large allocations of a new connection (a TLS engine is 41 KiB).
  return m.reserve_spent || free < heap_reserve(m.heap_size) / 2 ||
         m.largest_free < large_block_reserve;
}

void format_memory_stats(format_sink& out) {
  platform::memory_info m;
  if (platform::memory_stats(&m) != platform::status::ok) return;
  char buf[96];
  auto line = [&](std::string_view name, std::uint64_t v) {
    out.append(format_into(buf, "memory.{} {}\n", name, v));
  };
  line("heap_size", m.heap_size);
  line("heap_in_use", m.heap_in_use);
  line("heap_peak", m.heap_peak);
  line("failed_allocations", m.failed_allocations);
  line("largest_free", m.largest_free);
  line("reserve_spent", m.reserve_spent ? 1 : 0);
  line("resident", m.resident);
  line("resident_peak", m.resident_peak);
  line("task_frames_in_use", task_frames().used());
  line("task_frames_peak", task_frames().peak());
  if (task_frames().limit() != memory_budget::unlimited) line("task_frames_limit", task_frames().limit());
  line("task_frames_refused", task_frames_refused());
}

int start(const platform::start_info& info, const app_info& app, main_factory make_main) {
  heap_bytes = info.heap_size;
  const char* program = info.program ? info.program : "fata";
  auto parsed = parse_keys(std::span<const char* const>(info.argv, static_cast<std::size_t>(info.argc)),
                           program, app.summary);
  switch (parsed.what) {
    case key_parse_outcome::action::show_help:
      platform::console_write(parsed.message);
      return 0;
    case key_parse_outcome::action::usage_error: {
      std::string line = format("{}: {}\n", program, parsed.message);
      platform::console_write(line);
      return usage_exit_status;
    }
    case key_parse_outcome::action::run:
      break;
  }
  if (auto r = log::configure(*log_key); !r) {
    platform::console_write(format("{}: invalid value for '--log': {}\n", program, r.error()));
    return usage_exit_status;
  }
  log::set_clock(&platform_wall_clock, nullptr);
  log::set_output(&console_output, nullptr);
  task_frames().set_limit(*task_memory_key != 0 ? *task_memory_key : default_task_memory(heap_bytes));

  platform_backend backend;
  loop l(backend);
  auto status = l.run(make_main());
  if (*memory_stats_key) {
    std::string text;
    format_sink sink = string_sink(text);
    format_memory_stats(sink);
    platform::console_write(text);
  }
  if (!status) {
    runtime_log.error("{}: {}", app.name, status.error());
    return 70;
  }
  return *status;
}

}  // namespace fata::runtime
