// A TCP echo server on fata's TCP (net/tcp's layer) over virtio-net: every
// connection gets back what it sends until it half-closes. The examples'
// tcp-echo does the same on the direct stack's default TCP provider, which
// is still `no_tcp`; this image tests the driver under TCP traffic now.
#include <vector>

#include <fata/core/join.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/net/tcp/layer.hpp>
#include <fata/runtime/runtime.hpp>

namespace {

fata::key<fata::port> port_key{"port", fata::port(7), "TCP port to serve on"};

template <class Flow>
fata::task<void> echo_connection(Flow flow) {
  std::vector<std::byte> buffer(16384);
  for (;;) {
    auto n = co_await flow.read(fata::mut_bytes(buffer.data(), buffer.size()));
    if (!n || *n == 0) break;
    auto w = co_await flow.write(fata::bytes(buffer.data(), *n));
    if (!w) break;
  }
  co_await flow.close();
}

struct tcp_echo {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    auto listener = stack.tcp_listen(*port_key);
    if (!listener) {
      fata::runtime::log_line(fata::format("cannot listen on port {}: {}", *port_key, listener.error()));
      co_return 1;
    }
    fata::runtime::log_line(fata::format("echoing TCP on port {}", *port_key));
    fata::task_group connections;
    int status = 0;
    for (;;) {
      auto flow = co_await listener->accept();
      if (!flow) {
        if (flow.error() != fata::sig::flow_error::cancelled) status = 1;
        break;
      }
      connections.spawn(echo_connection(std::move(*flow)));
    }
    connections.cancel();
    co_await connections.join();
    co_return status;
  }
};

fata::task<int> start() { return fata::net::hosted::run<tcp_echo, fata::net::tcp::layer>(tcp_echo{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"virtio-tcp-echo", "Echoes TCP on fata's TCP."}, &start);
}
