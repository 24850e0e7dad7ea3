// The IPv4 stack's device entries, shared by the targets: the runtime keys
// every stack has, and fata's `direct` stack, which is the same on every
// target but for its interface and its address defaults.
#pragma once

#include <string_view>

#include "../registry.hpp"

namespace fata::tool {

// --ipv4=ADDR/PREFIX (label `ipv4`), documented by `doc`.
key_template stack_address_key(std::string_view default_value, std::string_view doc);
// --net-stats (label `stats`): print the stack's counters at exit.
key_template stack_stats_key(std::string_view doc);

struct direct_stack_target {
  std::string_view target;
  std::string_view summary;
  bool is_default = false;  // the target's default `net=` choice
  std::string_view ipv4;
  std::string_view ipv4_doc;
  std::string_view gateway;
  std::string_view gateway_doc;
};

// `generic_stackv4` as fata's TCP/IP over the network interface it was
// declared over, on one target.
device_impl direct_stack_device(const direct_stack_target& t);
// `generic_stackv4v6` as the same stack with IPv6 (its keys: --ipv6,
// --ipv6-gateway, --accept-router-advertisements).
device_impl direct_stackv4v6_device(const direct_stack_target& t);

}  // namespace fata::tool
