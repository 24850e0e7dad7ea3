// Signature: flow. A reliable, ordered, bidirectional byte stream (a TCP
// connection, a TLS session over one, a test pipe).
//
// `read` suspends until at least one byte is available and copies up to
// `out.size()` bytes; 0 means the peer finished sending (end of stream).
// `write` suspends until all of `data` has been accepted by the flow's send
// buffer (backpressure), not until the peer acknowledged it. `writev`
// writes the parts in order as one stream. `shutdown(write)` sends the end
// of stream and keeps reading possible (half-close). `close` ends both
// directions and releases the flow; reads and writes afterwards fail with
// `closed`. Errors are sticky: after `reset` or `timed_out` every operation
// fails the same way.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>

namespace fata::sig {

enum class flow_error : std::uint8_t {
  reset = 1,   // the peer aborted the connection
  timed_out,   // the peer stopped answering (retransmission or idle timeout)
  refused,     // the connection was refused (connect only)
  closed,      // the flow was closed or shut down in this direction
  cancelled,   // the calling task was cancelled
  unreachable, // no route to the peer
  protocol,    // the peer broke the protocol (TLS alert, bad record...)
  io,          // the device or host failed
  no_memory,   // an allocation failed (the flow's own, or a task frame of it)
};

constexpr std::string_view describe(flow_error e) noexcept {
  switch (e) {
    case flow_error::reset: return "connection reset by peer";
    case flow_error::timed_out: return "connection timed out";
    case flow_error::refused: return "connection refused";
    case flow_error::closed: return "flow closed";
    case flow_error::cancelled: return "cancelled";
    case flow_error::unreachable: return "peer unreachable";
    case flow_error::protocol: return "protocol error";
    case flow_error::io: return "I/O error";
    case flow_error::no_memory: return "out of memory";
  }
  return "unknown flow error";
}

enum class shutdown_mode : std::uint8_t { read, write, both };

template <class F>
concept flow = requires(F& f, mut_bytes out, bytes data, std::span<const bytes> parts,
                        shutdown_mode how) {
  { f.read(out) } -> std::same_as<task<result<std::size_t, flow_error>>>;
  { f.write(data) } -> std::same_as<task<result<void, flow_error>>>;
  { f.writev(parts) } -> std::same_as<task<result<void, flow_error>>>;
  { f.shutdown(how) } -> std::same_as<task<result<void, flow_error>>>;
  { f.close() } -> std::same_as<task<void>>;
};

}  // namespace fata::sig
