// UDP echo: sends every datagram back to where it came from.
//
//   udp-echo --port=7 --ipv4=10.0.0.2/24 --interface=tap0
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

fata::key<fata::port> port_key{"port", fata::port(7), "UDP port to echo on"};

struct udp_echo {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    auto socket = stack.udp_bind(*port_key);
    if (!socket) {
      fata::runtime::log_line(fata::format("cannot bind UDP port {}: {}", *port_key, socket.error()));
      co_return 1;
    }
    std::vector<std::byte> buffer(65536);
    for (;;) {
      auto d = co_await socket->receive_from(fata::mut_bytes(buffer.data(), buffer.size()));
      if (!d) co_return d.error() == fata::sig::stack_error::cancelled ? 0 : 1;
      (void)co_await socket->send_to(d->source, fata::bytes(buffer.data(), d->size));
    }
  }
};

fata::task<int> start() { return fata::net::hosted::run(udp_echo{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"udp-echo", "Echoes UDP datagrams."}, &start);
}
