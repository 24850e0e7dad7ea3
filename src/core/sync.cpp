#include <fata/core/sync.hpp>

namespace fata {

task<wait_result> event::wait() {
  while (!_set) {
    if (auto r = co_await _waiters.wait(); !r) co_return r;
  }
  co_return wait_result{};
}

task<wait_result> event::wait_until(mono_time deadline) {
  while (!_set) {
    if (auto r = co_await _waiters.wait_until(deadline); !r) co_return r;
  }
  co_return wait_result{};
}

}  // namespace fata
