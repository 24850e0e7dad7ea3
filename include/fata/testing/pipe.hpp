// An in-memory flow pair for tests and simulations: two ends of a bounded,
// bidirectional byte pipe, each modelling fata::sig::tcp_flow (and so
// sig::flow), the way a TCP connection looks to the two programs using it.
//
//   auto [client, server] = fata::testing::make_pipe();
//   co_await client.write(bytes::of("GET / HTTP/1.1\r\n..."));
//   auto n = co_await server.read(buf);
//
// Semantics, chosen to match a TCP connection as sig::flow describes it:
// - each direction buffers at most `capacity` bytes; `write` suspends until
//   all its bytes fit (backpressure), `read` until at least one byte, the
//   end of stream (0) or an error;
// - `shutdown(write)` is a FIN: the peer reads what is buffered, then 0;
//   `shutdown(read)` discards what arrives; the peer's later writes fail
//   with `reset` (as data sent to a closed TCP socket draws a RST);
// - `close` shuts both directions; this end's later operations fail with
//   `closed`;
// - `abort()` (or destroying an end that was not closed) resets the
//   connection: every operation of both ends fails with `reset`, buffered
//   data is discarded;
// - errors are sticky per end.
// Fault injection for simulations: `max_read` caps the bytes one read
// returns (to split messages at every boundary), and `abort()` resets the
// connection at any moment.
//
// Ends are move-only and share the pipe's state (it lives while an end
// does). Everything runs on the current fata::loop: waking a peer
// schedules it, never resumes it inline. Not thread-safe (nothing is).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/sig/flow.hpp>
#include <fata/sig/stack.hpp>

namespace fata::testing {

struct pipe_options {
  // Bytes buffered in each direction before `write` suspends.
  std::size_t capacity = 64 * 1024;
  // The most bytes one `read` returns (0: no cap beyond the caller's buffer).
  std::size_t max_read = 0;
  // What local() and remote() report on the first end (the second end sees
  // them swapped).
  sig::ipv4_endpoint first{ipv4_addr(10, 0, 0, 1), port(40000)};
  sig::ipv4_endpoint second{ipv4_addr(10, 0, 0, 2), port(80)};
};

// Counters of one pipe, for tests that check what went over the wire.
struct pipe_stats {
  std::uint64_t bytes[2] = {0, 0};   // bytes written by end 0 and end 1
  std::uint64_t writes[2] = {0, 0};  // write/writev calls that moved data
  std::uint64_t reads[2] = {0, 0};   // reads that returned data
};

namespace detail {
struct pipe_state;
}

// One end of a pipe. Models sig::tcp_flow.
class pipe_end {
 public:
  pipe_end() = default;
  pipe_end(pipe_end&& other) noexcept;
  pipe_end& operator=(pipe_end&& other) noexcept;
  // Resets the connection if the end was not closed.
  ~pipe_end();

  bool valid() const { return _state != nullptr; }

  // sig::flow. Every call suspends only the calling task and honours
  // cancellation (flow_error::cancelled; the end stays usable).
  task<result<std::size_t, sig::flow_error>> read(mut_bytes out);
  task<result<void, sig::flow_error>> write(bytes data);
  task<result<void, sig::flow_error>> writev(std::span<const bytes> parts);
  task<result<void, sig::flow_error>> shutdown(sig::shutdown_mode how);
  task<void> close();

  // sig::tcp_flow
  sig::ip_endpoint local() const;
  sig::ip_endpoint remote() const;
  void set_nodelay(bool) {}

  // Resets the connection for both ends (a RST), without closing this end.
  void abort();
  // Bytes waiting to be read by this end.
  std::size_t readable() const;
  // True once the peer has shut down its sending side and everything it
  // sent has been read.
  bool at_end() const;
  const pipe_stats& stats() const;

 private:
  friend std::pair<pipe_end, pipe_end> make_pipe(const pipe_options& options);
  pipe_end(std::shared_ptr<detail::pipe_state> s, int side) : _state(std::move(s)), _side(side) {}
  result<void, sig::flow_error> check_writable() const;
  std::shared_ptr<detail::pipe_state> _state;
  int _side = 0;
};

static_assert(sig::tcp_flow<pipe_end>);

// A new connected pair: {first, second}.
std::pair<pipe_end, pipe_end> make_pipe(const pipe_options& options = {});

}  // namespace fata::testing
