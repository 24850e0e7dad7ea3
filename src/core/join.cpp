#include <fata/core/join.hpp>

namespace fata {

task<wait_result> sleep_task(duration d) { co_return co_await sleep(d); }

task_group::task_group() : state_(&loop::current().root_cancel()) {}

task_group::task_group(cancel_state* parent) : state_(parent) {}

task_group::~task_group() { FATA_ASSERT(live_ == 0); }

void task_group::spawn(task<void> t) {
  ++live_;
  loop::current().spawn_under(std::move(t), &state_, &on_member_done, this);
}

void task_group::on_member_done(void* self) {
  auto* g = static_cast<task_group*>(self);
  if (--g->live_ == 0) g->idle_.notify_all();
}

task<void> task_group::join() {
  // GCC 12 miscompiles co_await in an if/while condition whose body
  // awaits again (the frame resumes at its start): await into variables.
  while (live_ != 0) {
    auto woken = co_await idle_.wait();
    if (!woken) {
      cancel();
      while (live_ != 0) {
        auto finished = co_await idle_.wait_uninterruptibly();
        (void)finished;
      }
    }
  }
}

}  // namespace fata
