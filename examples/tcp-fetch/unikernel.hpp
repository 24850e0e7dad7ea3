// tcp-fetch: a TCP client. Connects to the server (the first of its
// addresses to answer, IPv6 and IPv4 tried in Happy Eyeballs order, RFC
// 8305: net/happy_eyeballs.hpp; each --server an address, or a host name
// whose A records, and AAAA on a dual stack, the DNS client gives), sends
// `send` bytes of a
// fixed pattern (then half-closes), reads everything the server sends until
// it closes, and prints the byte count and SHA-256 (BearSSL) of what it
// received: `received N bytes sha256 HEX`. The unikernel is a class
// template over the stack; config.cpp wires it for the fata tool, main.cpp
// builds the same code in the fata tree (tests/net/interop).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <span>
#include <vector>

#include <bearssl.h>

#include <fata/core/addr.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/join.hpp>
#include <fata/core/keys.hpp>
#include <fata/core/log.hpp>
#include <fata/core/task.hpp>
#include <fata/dns/client.hpp>
#include <fata/dns/signature.hpp>
#include <fata/net/happy_eyeballs.hpp>
#include <fata/platform/abi.hpp>
#include <fata/sig/stack.hpp>

namespace example {

inline fata::log::source tcp_fetch_log{"tcp-fetch", "The tcp-fetch example"};

// The pattern the sender and the tests agree on: byte i is (i * 31 + 7) mod 251.
inline void fill_pattern(std::vector<std::byte>& out, std::uint64_t offset) {
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

template <fata::sig::stackv4 Stack, fata::sig::dns_client Dns>
struct tcp_fetch {
  fata::task<int> start(Stack& stack, Dns& dns, const std::vector<std::string>& servers,
                        const fata::port& server_port, const std::uint64_t& send) {
    constexpr auto families =
        fata::sig::stackv4v6<Stack> ? fata::dns::address_families::ipv4_ipv6 : fata::dns::address_families::ipv4;
    std::vector<fata::sig::ip_endpoint> endpoints;
    for (const std::string& server : servers) {
      auto addresses = co_await fata::dns::resolve_addresses(dns, server, families);
      if (!addresses) {
        tcp_fetch_log.error("--server={}: {}", server, addresses.error());
        co_return addresses.error() == fata::dns::lookup_error::bad_name ? fata::usage_exit_status : 1;
      }
      for (const fata::ip_addr& a : *addresses) endpoints.push_back({a, server_port});
    }
    if (endpoints.empty()) {
      tcp_fetch_log.error("no --server to connect to");
      co_return fata::usage_exit_status;
    }
    auto flow = co_await fata::net::connect_happily(stack, std::span<const fata::sig::ip_endpoint>(endpoints));
    if (!flow) {
      tcp_fetch_log.error("connect to {} address(es) on port {}: {}", endpoints.size(), server_port, flow.error());
      co_return 1;
    }
    tcp_fetch_log.info("connected to {}", flow->remote());
    br_sha256_context sha;
    br_sha256_init(&sha);
    std::uint64_t received = 0;
    auto [sent_ok, received_ok] =
        co_await fata::when_all(send_pattern(&*flow, send), receive_all(&*flow, &sha, &received));
    co_await flow->close();
    unsigned char digest[32];
    br_sha256_out(&sha, digest);
    std::string hex;
    for (unsigned char b : digest) hex += fata::format("{:02x}", unsigned(b));
    fata::platform::console_write(fata::format("received {} bytes sha256 {}\n", received, hex));
    co_return sent_ok && received_ok ? 0 : 1;
  }
};

}  // namespace example
