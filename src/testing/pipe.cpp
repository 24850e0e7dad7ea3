#include <fata/testing/pipe.hpp>

#include <algorithm>
#include <vector>

#include <fata/core/loop.hpp>

namespace fata::testing {

namespace detail {

// One direction: a bounded ring written by one end and read by the other.
struct direction {
  std::vector<std::byte> ring;
  std::size_t head = 0;
  std::size_t count = 0;
  bool eof = false;          // the writer shut down its sending side
  bool reader_gone = false;  // the reader shut down its receiving side
  wait_queue readable;
  wait_queue writable;

  std::size_t room() const { return ring.size() - count; }

  std::size_t push(bytes data) {
    const std::size_t n = std::min(data.size(), room());
    const std::size_t cap = ring.size();
    std::size_t tail = (head + count) % cap;
    const std::size_t first = std::min(n, cap - tail);
    if (first) std::memcpy(ring.data() + tail, data.data(), first);
    if (n > first) std::memcpy(ring.data(), data.data() + first, n - first);
    count += n;
    return n;
  }

  std::size_t pop(mut_bytes out) {
    const std::size_t n = std::min(out.size(), count);
    const std::size_t cap = ring.size();
    const std::size_t first = std::min(n, cap - head);
    if (first) std::memcpy(out.data(), ring.data() + head, first);
    if (n > first) std::memcpy(out.data() + first, ring.data(), n - first);
    head = (head + n) % cap;
    count -= n;
    return n;
  }

  void discard() {
    head = 0;
    count = 0;
  }
};

struct pipe_state {
  explicit pipe_state(const pipe_options& o) : options(o) {
    for (auto& d : dir) d.ring.resize(o.capacity ? o.capacity : 1);
  }
  pipe_options options;
  // dir[i] carries the bytes written by end i.
  direction dir[2];
  bool reset = false;
  bool closed[2] = {false, false};
  bool write_shut[2] = {false, false};
  pipe_stats stats;

  void wake_all() {
    for (auto& d : dir) {
      d.readable.notify_all();
      d.writable.notify_all();
    }
  }
};

}  // namespace detail

namespace {
sig::flow_error from_wait(errc e) {
  return e == errc::timed_out ? sig::flow_error::timed_out : sig::flow_error::cancelled;
}
}  // namespace

std::pair<pipe_end, pipe_end> make_pipe(const pipe_options& options) {
  auto s = std::make_shared<detail::pipe_state>(options);
  return {pipe_end(s, 0), pipe_end(s, 1)};
}

pipe_end::pipe_end(pipe_end&& other) noexcept
    : _state(std::move(other._state)), _side(other._side) {}

pipe_end& pipe_end::operator=(pipe_end&& other) noexcept {
  if (this != &other) {
    if (_state && !_state->closed[_side]) abort();
    _state = std::move(other._state);
    _side = other._side;
  }
  return *this;
}

pipe_end::~pipe_end() {
  if (_state && !_state->closed[_side]) abort();
}

void pipe_end::abort() {
  if (!_state) return;
  _state->reset = true;
  for (auto& d : _state->dir) d.discard();
  _state->wake_all();
}

std::size_t pipe_end::readable() const { return _state ? _state->dir[1 - _side].count : 0; }

bool pipe_end::at_end() const {
  if (!_state) return true;
  const auto& in = _state->dir[1 - _side];
  return in.eof && in.count == 0;
}

const pipe_stats& pipe_end::stats() const { return _state->stats; }

sig::ip_endpoint pipe_end::local() const {
  return _side == 0 ? _state->options.first : _state->options.second;
}

sig::ip_endpoint pipe_end::remote() const {
  return _side == 0 ? _state->options.second : _state->options.first;
}

task<result<std::size_t, sig::flow_error>> pipe_end::read(mut_bytes out) {
  FATA_ASSERT(_state);
  auto& s = *_state;
  auto& in = s.dir[1 - _side];
  for (;;) {
    if (s.closed[_side]) co_return unexpected(sig::flow_error::closed);
    if (s.reset) co_return unexpected(sig::flow_error::reset);
    if (out.empty()) co_return std::size_t(0);
    if (in.count > 0) {
      mut_bytes dst = out;
      if (s.options.max_read && dst.size() > s.options.max_read)
        dst = dst.first(s.options.max_read);
      const std::size_t n = in.pop(dst);
      ++s.stats.reads[_side];
      in.writable.notify_all();
      co_return n;
    }
    if (in.eof || in.reader_gone) co_return std::size_t(0);
    auto w = co_await in.readable.wait();
    if (!w) co_return unexpected(from_wait(w.error()));
  }
}

result<void, sig::flow_error> pipe_end::check_writable() const {
  const auto& s = *_state;
  if (s.closed[_side] || s.write_shut[_side]) return unexpected(sig::flow_error::closed);
  if (s.reset) return unexpected(sig::flow_error::reset);
  if (s.dir[_side].reader_gone) return unexpected(sig::flow_error::reset);
  return {};
}

task<result<void, sig::flow_error>> pipe_end::write(bytes data) {
  FATA_ASSERT(_state);
  auto& s = *_state;
  auto& outdir = s.dir[_side];
  bool moved = false;
  for (;;) {
    if (auto ok = check_writable(); !ok) co_return unexpected(ok.error());
    if (data.empty()) break;
    const std::size_t n = outdir.push(data);
    if (n) {
      s.stats.bytes[_side] += n;
      moved = true;
      outdir.readable.notify_all();
      data = data.skip(n);
      continue;
    }
    auto w = co_await outdir.writable.wait();
    if (!w) co_return unexpected(from_wait(w.error()));
  }
  if (moved) ++s.stats.writes[_side];
  co_return result<void, sig::flow_error>{};
}

task<result<void, sig::flow_error>> pipe_end::writev(std::span<const bytes> parts) {
  for (const bytes& p : parts) {
    auto r = co_await write(p);
    if (!r) co_return r;
  }
  co_return result<void, sig::flow_error>{};
}

task<result<void, sig::flow_error>> pipe_end::shutdown(sig::shutdown_mode how) {
  FATA_ASSERT(_state);
  auto& s = *_state;
  if (s.closed[_side]) co_return unexpected(sig::flow_error::closed);
  if (s.reset) co_return unexpected(sig::flow_error::reset);
  if (how != sig::shutdown_mode::read) {
    s.write_shut[_side] = true;
    s.dir[_side].eof = true;
    s.dir[_side].readable.notify_all();
  }
  if (how != sig::shutdown_mode::write) {
    auto& in = s.dir[1 - _side];
    in.reader_gone = true;
    in.discard();
    in.writable.notify_all();
    in.readable.notify_all();
  }
  co_return result<void, sig::flow_error>{};
}

task<void> pipe_end::close() {
  if (!_state || _state->closed[_side]) co_return;
  auto& s = *_state;
  if (!s.reset) {
    s.write_shut[_side] = true;
    s.dir[_side].eof = true;
    auto& in = s.dir[1 - _side];
    in.reader_gone = true;
    in.discard();
  }
  s.closed[_side] = true;
  s.wake_all();
  co_return;
}

}  // namespace fata::testing
