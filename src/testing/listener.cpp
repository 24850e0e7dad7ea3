#include <fata/testing/listener.hpp>

namespace fata::testing {

pipe_end pipe_listener::connect() {
  pipe_options o = _options;
  o.first.number = port(static_cast<std::uint16_t>(40000 + _connections % 20000));
  ++_connections;
  auto [client, server] = make_pipe(o);
  if (!_queue.try_push(std::move(server))) client.abort();
  return std::move(client);
}

task<result<pipe_end, sig::flow_error>> pipe_listener::accept() {
  auto r = co_await _queue.pop();
  if (!r) {
    co_return unexpected(r.error() == errc::closed ? sig::flow_error::closed
                                                   : sig::flow_error::cancelled);
  }
  co_return std::move(*r);
}

}  // namespace fata::testing
