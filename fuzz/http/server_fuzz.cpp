// Fuzz target: the HTTP server's request loop (not only its parser). The
// input is a client: pieces of bytes written to one connection with pauses
// between them (virtual time), read splits chosen by the input, and an
// optional half-close. Handlers stream bodies, read them whole, refuse
// them, or answer at once. Properties:
// - the connection always ends (the loop never stalls: every wait has a
//   deadline), and the server counts no connection still active;
// - the memory charged for the connection never exceeds its bound (the
//   head limit plus one body room) and is all given back at the end;
// - what the server sent parses as a sequence of complete responses, no
//   more than one per request head the client could have sent, each with
//   a status from 100 to 599.
#include <fata/core/join.hpp>
#include <fata/core/loop.hpp>
#include <fata/http/server.hpp>
#include <fata/testing/fakes.hpp>
#include <fata/testing/pipe.hpp>

#include <string>
#include <vector>

#include "../net/fuzz_common.hpp"

namespace fata::runtime {
// The server sizes defaults from the heap; a fuzz build has none.
std::size_t heap_size() { return 0; }
bool memory_low() { return false; }
}  // namespace fata::runtime

namespace {

using namespace fata;
using namespace fata::http;
using fata::testing::pipe_end;

struct fuzz_handler {
  task<void> handle(const request& req, response& res) {
    const std::string_view path = req.head.path;
    if (path.starts_with("/echo")) {
      auto body = co_await read_all(req.body, 2000);
      if (body) res.append_text(*body);
    } else if (path.starts_with("/pieces")) {
      std::size_t total = 0;
      for (;;) {
        auto piece = co_await req.body.read();
        if (!piece || piece->empty()) break;
        FUZZ_CHECK(piece->size() <= http::detail::connection_buffer::body_room);
        total += piece->size();
      }
      res.append_text(std::to_string(total));
    } else if (path.starts_with("/refuse")) {
      res.status = status::method_not_allowed;
    } else if (path.starts_with("/slow")) {
      co_await sleep(2s);
      res.append_text("late");
    } else {
      res.append_text("ok");
    }
  }
};

struct script {
  std::vector<std::pair<duration, std::string>> pieces;
  bool half_close = false;
};

task<void> client_writes(pipe_end* c, const script* s) {
  for (const auto& [pause, data] : s->pieces) {
    if (pause > duration::zero()) {
      auto slept = co_await sleep(pause);
      if (!slept) co_return;
    }
    auto w = co_await c->write(bytes::of(data));
    if (!w) co_return;
  }
  if (s->half_close) (void)co_await c->shutdown(sig::shutdown_mode::write);
}

task<void> client_reads(pipe_end* c, std::string* out) {
  std::byte buf[4096];
  for (;;) {
    auto n = co_await c->read(mut_bytes(buf, sizeof buf));
    if (!n || *n == 0) break;
    out->append(bytes(buf, *n).chars());
  }
}

task<void> client(pipe_end* c, const script* s, std::string* out) {
  co_await when_all(client_writes(c, s), client_reads(c, out));
  co_await c->close();
}

task<int> run(server<fuzz_handler, testing::manual_pclock>* srv, pipe_end* server_end,
              pipe_end* client_end, const script* s, std::string* out) {
  co_await when_all(srv->serve_connection(*server_end, {}), client(client_end, s, out));
  co_return 0;
}

// Counts complete responses; false if the bytes are not a sequence of them.
bool responses_parse(std::string_view all, std::size_t* count) {
  std::size_t pos = 0;
  *count = 0;
  while (pos < all.size()) {
    response_head h;
    auto r = parse_response(bytes::of(all.substr(pos)), {}, method::get, h);
    if (!r || *r == 0) return false;
    if (h.code < 100 || h.code > 599) return false;
    pos += *r;
    if (h.body == body_kind::length) {
      if (all.size() - pos < h.content_length) return false;
      pos += h.content_length;
    } else if (h.body != body_kind::none) {
      // The handlers above only send known lengths; HEAD has none.
      return false;
    }
    ++*count;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  script s;
  testing::pipe_options po;
  po.max_read = data[0] % 17;          // 0: reads take what is there
  po.capacity = 512u << (data[1] % 6);  // 512 B to 16 KiB in flight
  s.half_close = (data[1] & 0x80) != 0;
  // The rest: pieces of [length byte][pause byte (x 100 ms)][bytes].
  std::size_t pos = 2;
  std::size_t heads = 0;
  while (pos + 2 <= size && s.pieces.size() < 64) {
    const std::size_t len = std::min<std::size_t>(data[pos], size - pos - 2);
    const duration pause = milliseconds(100 * (data[pos + 1] % 40));
    std::string piece(reinterpret_cast<const char*>(data + pos + 2), len);
    for (std::size_t i = 0; i + 1 < piece.size(); ++i)
      if (piece[i] == '\n') ++heads;  // an upper bound on request heads
    s.pieces.emplace_back(pause, std::move(piece));
    pos += 2 + len;
  }

  virtual_backend clock;
  loop l(clock);
  testing::manual_pclock wall;
  fuzz_handler handler;
  server_config cfg;
  cfg.limits.max_request_line = 256;
  cfg.limits.max_head = 1024;
  cfg.limits.max_headers = 16;
  cfg.limits.max_body = 4000;
  cfg.limits.max_chunk_line = 64;
  cfg.limits.max_trailer = 128;
  cfg.header_timeout = 3s;
  cfg.request_timeout = 5s;
  cfg.idle_timeout = 2s;
  cfg.body_timeout = 1s;
  cfg.send_timeout = 1s;
  cfg.linger_timeout = 500ms;
  cfg.max_discard = 1000;
  cfg.memory = 64 * 1024;
  std::string out;
  {
    server<fuzz_handler, testing::manual_pclock> srv(handler, wall, cfg);
    auto [c, server_end] = testing::make_pipe(po);
    auto r = l.run(run(&srv, &server_end, &c, &s, &out));
    FUZZ_CHECK(r.has_value());  // never stalled
    FUZZ_CHECK(srv.stats().active == 0);
    const memory_budget& m = srv.connections().memory();
    FUZZ_CHECK(m.used() == 0);
    const std::size_t head_capacity = cfg.limits.max_head + cfg.limits.max_request_line / 2 + 16 * 1024;
    FUZZ_CHECK(m.peak() <= head_capacity + http::detail::connection_buffer::body_room);
  }
  // Responses to HEAD carry a length but no body, which a reader cannot
  // tell without the requests: check the framing when there are none.
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (input.find("HEAD") == std::string_view::npos) {
    std::size_t responses = 0;
    FUZZ_CHECK(responses_parse(out, &responses));
    FUZZ_CHECK(responses <= heads + 1);
  }
  return 0;
}
