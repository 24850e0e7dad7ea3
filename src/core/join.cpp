#include <fata/core/join.hpp>

namespace fata {

task<wait_result> sleep_task(duration d) { co_return co_await sleep(d); }

task_group::task_group() : _state(&loop::current().root_cancel()) {}

task_group::task_group(cancel_state* parent) : _state(parent) {}

task_group::~task_group() { FATA_ASSERT(_live == 0); }

bool task_group::spawn(task<void> t) {
  ++_live;
  if (loop::current().spawn_under(std::move(t), &_state, &on_member_done, this)) return true;
  --_live;
  return false;
}

void task_group::on_member_done(void* self) {
  auto* g = static_cast<task_group*>(self);
  if (--g->_live == 0) g->_idle.notify_all();
}

task<void> task_group::join() {
  // GCC 12 miscompiles co_await in an if/while condition whose body
  // awaits again (the frame resumes at its start): await into variables.
  while (_live != 0) {
    auto woken = co_await _idle.wait();
    if (!woken) {
      cancel();
      while (_live != 0) {
        auto finished = co_await _idle.wait_uninterruptibly();
        (void)finished;
      }
    }
  }
}

}  // namespace fata
