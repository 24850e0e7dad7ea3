// TCP client: connects to --server, sends --send bytes of a fixed pattern
// (then half-closes), reads everything the server sends until it closes,
// and prints the byte count and SHA-256 (BearSSL) of what it received.
//
//   tcp-fetch --server=10.0.0.1:8080 --send=0 --ipv4=10.0.0.2/24 --interface=tap0
#include <fata/net/hosted_stacks.hpp>
#include <fata/runtime/runtime.hpp>

#include <bearssl.h>

#include <vector>

namespace {

fata::key<fata::ipv4_addr> server_key{"server", fata::ipv4_addr(10, 0, 0, 1), "Server address"};
fata::key<fata::port> server_port_key{"server-port", fata::port(7), "Server TCP port"};
fata::key<std::uint64_t> send_key{"send", 0, "Bytes to send before reading (a fixed pattern)"};

// The pattern the sender and the tests agree on: byte i is (i * 31 + 7) mod 251.
void fill_pattern(std::vector<std::byte>& out, std::uint64_t offset) {
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i] = std::byte(std::uint8_t(((offset + i) * 31 + 7) % 251));
}

template <class Flow>
fata::task<bool> send_pattern(Flow* flow, std::uint64_t total) {
  std::vector<std::byte> chunk(65536);
  for (std::uint64_t sent = 0; sent < total;) {
    const std::size_t n = std::size_t(std::min<std::uint64_t>(chunk.size(), total - sent));
    chunk.resize(n);
    fill_pattern(chunk, sent);
    auto w = co_await flow->write(fata::bytes(chunk.data(), n));
    if (!w) co_return false;
    sent += n;
  }
  auto s = co_await flow->shutdown(fata::sig::shutdown_mode::write);
  co_return bool(s);
}

template <class Flow>
fata::task<bool> receive_all(Flow* flow, br_sha256_context* sha, std::uint64_t* count) {
  std::vector<std::byte> buffer(65536);
  for (;;) {
    auto n = co_await flow->read(fata::mut_bytes(buffer.data(), buffer.size()));
    if (!n) co_return false;
    if (*n == 0) co_return true;
    br_sha256_update(sha, buffer.data(), *n);
    *count += *n;
  }
}

struct tcp_fetch {
  template <fata::sig::stackv4 Stack>
  fata::task<int> operator()(Stack& stack) const {
    const fata::sig::ipv4_endpoint server{*server_key, *server_port_key};
    auto flow = co_await stack.tcp_connect(server);
    if (!flow) {
      fata::runtime::log_line(fata::format("connect to {}: {}", server, flow.error()));
      co_return 1;
    }
    br_sha256_context sha;
    br_sha256_init(&sha);
    std::uint64_t received = 0;
    auto [sent_ok, received_ok] =
        co_await fata::when_all(send_pattern(&*flow, *send_key), receive_all(&*flow, &sha, &received));
    co_await flow->close();
    unsigned char digest[32];
    br_sha256_out(&sha, digest);
    std::string hex;
    for (unsigned char b : digest) hex += fata::format("{:02x}", unsigned(b));
    fata::platform::console_write(fata::format("received {} bytes sha256 {}\n", received, hex));
    co_return sent_ok && received_ok ? 0 : 1;
  }
};

fata::task<int> start() { return fata::net::hosted::run(tcp_fetch{}); }

}  // namespace

extern "C" int fata_app_main(const fata::platform::start_info* info) {
  return fata::runtime::start(*info, {"tcp-fetch", "Fetches from a TCP server and prints a SHA-256."},
                              &start);
}
