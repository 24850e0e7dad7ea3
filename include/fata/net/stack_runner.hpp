// What the per-target stack runners (fata/net/hosted_stacks.hpp under
// platform/hosted/net and platform/virtio/net) share: the stack a boot
// argument names, and running a service for a bounded time.
//
// Guarantees: run_for_at_most returns the service's status, or 0 when
// `limit` passed first (the service is then cancelled), so tests and
// benchmarks end cleanly and still print their counters.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include <fata/core/join.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>

namespace fata::net::hosted {

// MirageOS's --net=direct|socket.
enum class stack_kind : std::uint8_t { direct, socket };

constexpr std::string_view describe(stack_kind k) noexcept {
  return k == stack_kind::direct ? "direct" : "socket";
}
constexpr std::array<stack_kind, 2> enum_values(stack_kind) {
  return {stack_kind::direct, stack_kind::socket};
}

// `limit` zero: no limit.
template <class Service, class Stack>
task<int> run_for_at_most(duration limit, Service service, Stack* stack) {
  if (limit == duration::zero()) co_return co_await service(*stack);
  auto r = co_await with_timeout(limit, service(*stack));
  co_return r ? *r : 0;
}

}  // namespace fata::net::hosted
