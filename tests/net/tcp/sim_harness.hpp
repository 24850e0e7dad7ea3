// Two TCP layers joined by a sim_link on a virtual clock, and the tasks
// the simulations and benchmarks run over them: a sender writing a seeded
// byte stream and a receiver checking it byte for byte.
#pragma once

#include <fata/core/join.hpp>
#include <fata/core/loop.hpp>
#include <fata/net/tcp/layer.hpp>

#include <array>
#include <optional>
#include <vector>

#include "sim_link.hpp"

namespace fata::net::tcp::testing {

// A reproducible byte stream (xorshift64).
struct byte_stream {
  std::uint64_t state;
  explicit byte_stream(std::uint64_t seed) : state(seed * 0x9e3779b97f4a7c15ull | 1) {}
  void fill(std::byte* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      p[i] = std::byte(state >> 24);
    }
  }
};

inline std::array<std::byte, layer::secret_size> test_key(std::uint8_t k) {
  std::array<std::byte, layer::secret_size> key{};
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = std::byte(k * 31 + i);
  return key;
}

struct sim_pair {
  virtual_backend clock;
  fata::loop loop{clock};
  sim_link link;
  layer a;
  layer b;

  sim_pair(std::uint64_t seed, const link_faults& f, const config& cfg_a, const config& cfg_b,
           std::size_t mtu = 1500)
      : link(seed, f, mtu),
        a(link.a(), test_key(std::uint8_t(seed)), cfg_a),
        b(link.b(), test_key(std::uint8_t(seed + 1)), cfg_b) {
    link.a().attach(&a);
    link.b().attach(&b);
  }
  ~sim_pair() { loop.shutdown(); }
  sig::ipv4_endpoint a_at(std::uint16_t p) const { return {ipv4_addr(10, 0, 0, 1), port(p)}; }
  sig::ipv4_endpoint b_at(std::uint16_t p) const { return {ipv4_addr(10, 0, 0, 2), port(p)}; }
};

// What one direction of a transfer did.
struct transfer {
  std::size_t bytes = 0;
  bool mismatch = false;
  bool finished = false;  // sender: wrote and closed; receiver: saw the end of stream
  std::optional<sig::flow_error> error;
  mono_time started{};
  mono_time ended{};
  // (time, bytes so far) every `sample_every` bytes, for throughput plots.
  std::vector<std::pair<mono_time, std::size_t>> samples;
};

inline task<void> send_stream(flow* f, std::size_t total, std::uint64_t seed, transfer* t,
                              std::size_t chunk = 16384) {
  byte_stream gen(seed);
  std::vector<std::byte> buf(chunk);
  t->started = loop::current().now();
  while (t->bytes < total) {
    const std::size_t n = total - t->bytes < chunk ? total - t->bytes : chunk;
    gen.fill(buf.data(), n);
    auto w = co_await f->write(bytes(buf.data(), n));
    if (!w) {
      t->error = w.error();
      co_return;
    }
    t->bytes += n;
  }
  co_await f->close();
  t->ended = loop::current().now();
  t->finished = true;
}

inline task<void> receive_stream(flow* f, std::uint64_t seed, transfer* t,
                                 std::size_t sample_every = 0) {
  byte_stream gen(seed);
  std::vector<std::byte> buf(65536);
  std::vector<std::byte> expect(65536);
  t->started = loop::current().now();
  std::size_t next_sample = sample_every;
  for (;;) {
    auto n = co_await f->read(mut_bytes(buf.data(), buf.size()));
    if (!n) {
      t->error = n.error();
      co_return;
    }
    if (*n == 0) break;
    gen.fill(expect.data(), *n);
    if (std::memcmp(buf.data(), expect.data(), *n) != 0) t->mismatch = true;
    t->bytes += *n;
    if (sample_every && t->bytes >= next_sample) {
      t->samples.emplace_back(loop::current().now(), t->bytes);
      next_sample += sample_every;
    }
  }
  t->ended = loop::current().now();
  t->finished = true;
  co_await f->close();
}

inline task<void> connect_and_send(layer* from, sig::ipv4_endpoint to, std::size_t total,
                                   std::uint64_t seed, transfer* t) {
  auto f = co_await from->connect(to);
  if (!f) {
    t->error = f.error();
    co_return;
  }
  co_await send_stream(&*f, total, seed, t);
}

inline task<void> accept_and_receive(listener* l, std::uint64_t seed, transfer* t,
                                     std::size_t sample_every = 0) {
  auto f = co_await l->accept();
  if (!f) {
    t->error = f.error();
    co_return;
  }
  co_await receive_stream(&*f, seed, t, sample_every);
}

}  // namespace fata::net::tcp::testing
