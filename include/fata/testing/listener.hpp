// An in-memory listener for tests and simulations: `connect()` makes a
// pipe pair, keeps one end for the caller and queues the other for
// `accept()`, as a TCP listener would. Models sig::tcp_listener with
// testing::pipe_end flows.
//
//   fata::testing::pipe_listener l;
//   group.spawn(server.serve(l));
//   auto client = l.connect();          // the client's end, at once
//
// The accept queue holds at most `backlog` connections; connect() beyond
// that gives an end that is already reset (a refused connection).
#pragma once

#include <cstddef>
#include <cstdint>

#include <fata/core/result.hpp>
#include <fata/core/sync.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/stack.hpp>
#include <fata/testing/pipe.hpp>

namespace fata::testing {

class pipe_listener {
 public:
  using flow_type = pipe_end;

  explicit pipe_listener(pipe_options options = {}, std::size_t backlog = 128)
      : _options(options), _queue(backlog) {}
  pipe_listener(const pipe_listener&) = delete;
  pipe_listener& operator=(const pipe_listener&) = delete;

  // A new connection: returns the client's end; the server's end waits in
  // the accept queue. Each connection gets its own client port.
  pipe_end connect();

  // sig::tcp_listener
  task<result<pipe_end, sig::flow_error>> accept();
  sig::ip_endpoint local() const { return _options.second; }
  void close() { _queue.close(); }

  std::uint64_t connections() const { return _connections; }

 private:
  pipe_options _options;
  channel<pipe_end> _queue;
  std::uint64_t _connections = 0;
};

static_assert(sig::tcp_listener<pipe_listener>);

}  // namespace fata::testing
