// Ping responder: a unikernel that does nothing but be on the network.
// The direct stack answers ARP and ICMP echo requests (large, fragmented
// ones too); with --net=socket the host kernel does.
//
//   ping --ipv4=10.0.0.2/24 --interface=tap0 --net-stats --run-for=60s
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

struct ping_responder {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    fata::runtime::log_line(fata::format("answering pings at {}", stack.ipv4_address()));
    for (;;) {
      auto slept = co_await fata::sleep(fata::hours(24));
      if (!slept) co_return 0;
    }
  }
};

fata::task<int> start() { return fata::net::hosted::run(ping_responder{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"ping", "Answers ARP and ICMP echo requests."}, &start);
}
