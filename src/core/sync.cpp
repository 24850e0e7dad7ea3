#include <fata/core/sync.hpp>

namespace fata {

task<wait_result> event::wait() {
  while (!set_) {
    if (auto r = co_await waiters_.wait(); !r) co_return r;
  }
  co_return wait_result{};
}

task<wait_result> event::wait_until(mono_time deadline) {
  while (!set_) {
    if (auto r = co_await waiters_.wait_until(deadline); !r) co_return r;
  }
  co_return wait_result{};
}

}  // namespace fata
