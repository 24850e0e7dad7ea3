// Fuzz target: the TLS record layer of fata's TLS wrapper, driven the way
// tls::flow drives it (tls::detail::session), without an event loop.
//
// The first input byte picks a mode:
//   0  a server receives the input as a client's first flight;
//   1  a client receives the input as the server's first flight;
//   2  a server and a client complete a handshake in memory, then the
//      server receives the input as records of the established session;
//   3  as 2, but the client first seals the input as application data and
//      the records reach the server cut at input-chosen points with one
//      byte flipped (fragmented, reordered-free, corrupted records).
// Properties: no crash, no sanitizer report, application data never larger
// than the room given, and a corrupted record never yields data.
#include <fata/tls/engine.hpp>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "../net/fuzz_common.hpp"
#include "fuzz_cert.hpp"

namespace {

using namespace fata;
using namespace fata::tls;
using fata::tls::detail::session;

struct contexts {
  server_context server;
  client_context client = client_context::insecure();
  contexts() {
    auto chain = certificate_chain::parse(bytes::of(fuzz_cert_pem));
    auto key = private_key::parse(bytes::of(fuzz_key_pem));
    FUZZ_CHECK(chain && key);
    FUZZ_CHECK(server.add(*chain, *key));
  }
};

contexts& ctx() {
  static contexts c;
  return c;
}

const std::byte seed_a[32] = {std::byte{1}};
const std::byte seed_b[32] = {std::byte{2}};
const wall_time when = wall_from_ns(1'900'000'000'000'000'000);

// Delivers `in` to `s` in pieces of at most `piece` bytes; discards what
// it sends; consumes application data. Returns the application bytes.
std::size_t feed(session& s, bytes in, std::size_t piece) {
  std::size_t app = 0;
  for (int guard = 0; guard < 100000; ++guard) {
    const unsigned st = s.state();
    if (st & session::closed_bit) break;
    if (st & session::sendrec_bit) {
      s.records_sent(s.records_out().size());
      continue;
    }
    if (st & session::recvapp_bit) {
      const bytes a = s.app_in();
      app += a.size();
      s.app_consumed(a.size());
      continue;
    }
    if (!(st & session::recvrec_bit) || in.empty()) break;
    mut_bytes room = s.records_room();
    FUZZ_CHECK(!room.empty());
    const std::size_t n = std::min({room.size(), in.size(), piece});
    room.copy_from(0, in.first(n));
    s.records_received(n);
    in = in.skip(n);
  }
  return app;
}

// Moves records between two engines until neither can progress.
void pump(session& a, session& b) {
  for (int guard = 0; guard < 1000; ++guard) {
    bool moved = false;
    for (auto [from, to] : {std::pair{&a, &b}, std::pair{&b, &a}}) {
      while ((from->state() & session::sendrec_bit) && (to->state() & session::recvrec_bit)) {
        const bytes out = from->records_out();
        mut_bytes room = to->records_room();
        const std::size_t n = std::min(out.size(), room.size());
        room.copy_from(0, out.first(n));
        from->records_sent(n);
        to->records_received(n);
        moved = true;
      }
    }
    if (!moved) break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const int mode = data[0] % 4;
  const std::size_t piece = std::size_t(data[1]) * 64 + 1;
  const bytes in(data + 2, size - 2);
  tls_error why{};
  auto& c = ctx();

  if (mode == 0) {
    auto s = session::server(*c.server.shared(), bytes(seed_a, 32), &why);
    FUZZ_CHECK(s);
    (void)feed(*s, in, piece);
    return 0;
  }
  if (mode == 1) {
    auto s = session::client(*c.client.shared(), "fuzz.example", true, when, bytes(seed_b, 32), &why);
    FUZZ_CHECK(s);
    (void)feed(*s, in, piece);  // first discards the ClientHello, then reads
    return 0;
  }
  auto server = session::server(*c.server.shared(), bytes(seed_a, 32), &why);
  auto client = session::client(*c.client.shared(), "fuzz.example", true, when, bytes(seed_b, 32), &why);
  FUZZ_CHECK(server && client);
  c.client.forget_sessions();
  pump(*client, *server);
  FUZZ_CHECK(client->state() & session::sendapp_bit);
  if (mode == 2) {
    (void)feed(*server, in, piece);
    return 0;
  }
  // Mode 3: seal the input as application data, then deliver the records
  // cut and with one byte flipped.
  bytes plain = in;
  while (!plain.empty() && (client->state() & session::sendapp_bit)) {
    mut_bytes room = client->app_room();
    const std::size_t n = std::min(room.size(), plain.size());
    room.copy_from(0, plain.first(n));
    client->app_put(n);
    plain = plain.skip(n);
  }
  client->flush_app();
  std::vector<std::byte> wire;
  while (client->state() & session::sendrec_bit) {
    const bytes out = client->records_out();
    wire.insert(wire.end(), out.begin(), out.end());
    client->records_sent(out.size());
  }
  const bool flip = !wire.empty() && (data[1] & 1);
  if (flip) wire[(std::size_t(data[1]) * 131) % wire.size()] ^= std::byte{0x40};
  const std::size_t app = feed(*server, bytes(wire.data(), wire.size()), piece);
  if (!flip) FUZZ_CHECK(app == in.size());
  // A corrupted record is rejected whole; only records before it deliver.
  if (flip) FUZZ_CHECK(app <= in.size());
  return 0;
}
