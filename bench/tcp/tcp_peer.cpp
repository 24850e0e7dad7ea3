// The fata end of the TAP benchmarks (bench/tcp/run-bench): a small
// unikernel on the stack --net names (hosted_stacks.hpp; the direct stack
// over --interface=TAP for the figures) serving three ports at once, so a
// Linux client in the TAP's namespace drives each workload:
//
//   port 5001  sink    reads each connection to its end, then closes
//   port 5002  source  writes --bytes to each connection, then closes
//   port 5003  echo    echoes (Nagle off), for connection and round-trip rates
//
//   tcp_peer --net=direct --interface=btap0 --ipv4=10.77.0.2/24 --bytes=1000000000
#include <fata/core/join.hpp>
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include <vector>

namespace {

fata::key<std::uint64_t> bytes_key{"bytes", 1'000'000'000, "Bytes the source port writes"};

template <class Flow>
fata::task<void> drain(Flow* flow) {
  std::vector<std::byte> buffer(1 << 18);
  for (;;) {
    auto n = co_await flow->read(fata::mut_bytes(buffer.data(), buffer.size()));
    if (!n || *n == 0) break;
  }
}

template <class Flow>
fata::task<void> sink(Flow flow) {
  co_await drain(&flow);
  co_await flow.close();
}

template <class Flow>
fata::task<void> source(Flow flow, std::uint64_t total) {
  std::vector<std::byte> chunk(1 << 18, std::byte{0x5a});
  for (std::uint64_t sent = 0; sent < total;) {
    const std::size_t n = std::size_t(std::min<std::uint64_t>(chunk.size(), total - sent));
    auto w = co_await flow.write(fata::bytes(chunk.data(), n));
    if (!w) break;
    sent += n;
  }
  auto s = co_await flow.shutdown(fata::sig::shutdown_mode::write);
  if (s) co_await drain(&flow);
  co_await flow.close();
}

template <class Flow>
fata::task<void> echo(Flow flow) {
  flow.set_nodelay(true);
  std::vector<std::byte> buffer(65536);
  for (;;) {
    auto n = co_await flow.read(fata::mut_bytes(buffer.data(), buffer.size()));
    if (!n || *n == 0) break;
    auto w = co_await flow.write(fata::bytes(buffer.data(), *n));
    if (!w) break;
  }
  co_await flow.close();
}

enum class role { sink, source, echo };

template <class Listener>
fata::task<void> serve(Listener* listener, role r) {
  fata::task_group connections;
  for (;;) {
    auto flow = co_await listener->accept();
    if (!flow) break;
    if (r == role::sink) connections.spawn(sink(std::move(*flow)));
    if (r == role::source) connections.spawn(source(std::move(*flow), *bytes_key));
    if (r == role::echo) connections.spawn(echo(std::move(*flow)));
  }
  connections.cancel();
  co_await connections.join();
}

struct service {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    auto l_sink = stack.tcp_listen(fata::port(5001));
    auto l_source = stack.tcp_listen(fata::port(5002));
    auto l_echo = stack.tcp_listen(fata::port(5003));
    if (!l_sink || !l_source || !l_echo) co_return 1;
    fata::task_group g;
    g.spawn(serve(&*l_sink, role::sink));
    g.spawn(serve(&*l_source, role::source));
    g.spawn(serve(&*l_echo, role::echo));
    co_await g.join();
    co_return 0;
  }
};

fata::task<int> start() { return fata::net::hosted::run(service{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"tcp_peer", "Sink, source and echo ports for the TCP benchmarks."},
                              &start);
}
