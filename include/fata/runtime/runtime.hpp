// The runtime: what every image runs between the platform's entry point
// and the unikernel's start function.
//
// It parses the boot arguments into the registered runtime keys (printing
// --help or a one-line usage error), points logging at the console with a
// wall-clock timestamp, builds the event loop over the platform (yield until
// ready-or-deadline), runs the unikernel's main task and returns its exit
// status. Generated `fata_app_main` functions call `start`.
#pragma once

#include <cstddef>
#include <string_view>

#include <fata/core/fmt.hpp>
#include <fata/core/loop.hpp>
#include <fata/platform/abi.hpp>

namespace fata::runtime {

// The event loop's backend on a real target: the platform's clocks and
// `yield`.
class platform_backend final : public loop_backend {
 public:
  mono_time now() override;
  bool wait(loop& l, mono_time deadline) override;
};

struct app_info {
  std::string_view name;     // the unikernel's name, for usage and logs
  std::string_view summary;  // one paragraph for --help
};

// Makes the unikernel's main task once the keys are parsed (devices read
// their keys when they are created, so nothing is built before).
using main_factory = task<int> (*)();

// Parses the keys, sets up logging, runs `make_main()` on a fresh loop and
// returns the exit status: main's value; 0 after --help; usage_exit_status
// after a bad argument; 70 (EX_SOFTWARE) if the image stalled.
int start(const platform::start_info& info, const app_info& app, main_factory make_main);

// The bytes the platform gave the heap (freestanding targets), 0 on hosted
// (the host's memory is the bound). For services that size their tables to
// the image's memory; valid once start() runs.
std::size_t heap_size();

// True when the heap is into its reserve (core/budget.hpp's
// heap_reserve): less than half of the reserve is free, or no free block
// of 256 KiB is left (fragmentation). Services then
// refuse or shed new work before allocations can fail. Always false where
// the heap size is unknown (hosted). Cheap.
bool memory_low();

// The platform's memory figures as "memory.name value" lines (heap size,
// in use, peak, failed allocations; resident set on hosted). An image
// prints them at exit with --memory-stats.
void format_memory_stats(format_sink& out);

// The runtime's own log source ("runtime").
void log_line(std::string_view text);

}  // namespace fata::runtime
