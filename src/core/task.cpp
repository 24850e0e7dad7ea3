#include <fata/core/task.hpp>

#include <new>

namespace fata {

namespace {
memory_budget frame_budget;
std::uint64_t frames_refused = 0;
}  // namespace

memory_budget& task_frames() { return frame_budget; }
std::uint64_t task_frames_refused() { return frames_refused; }

namespace detail {

void* allocate_frame(std::size_t n) noexcept {
  if (essential_frame_scopes > 0) return allocate_essential_frame(n);
  if (!frame_budget.try_charge(n)) return nullptr;
  void* p = ::operator new(n, std::nothrow);
  if (!p) frame_budget.release(n);
  return p;
}

void* allocate_essential_frame(std::size_t n) {
  frame_budget.charge(n);
  return ::operator new(n);
}

void free_frame(void* p, std::size_t n) noexcept {
  ::operator delete(p);
  frame_budget.release(n);
}

void count_refused_frame() noexcept { ++frames_refused; }

}  // namespace detail
}  // namespace fata
