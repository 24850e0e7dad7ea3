// Response rate limiting for UDP (as NSD's and Knot's RRL): a server that
// answers whatever a forged source asks is an amplifier, so each client
// network (/24 for IPv4, /56 for IPv6) gets a bucket of `rate` replies a
// second (at most `rate` at once). Beyond it, replies are dropped, but
// every `slip`-th is sent as a truncated reply with the question alone,
// so that a real client behind the address asks again over TCP, which a
// forged source cannot. TCP is never limited.
//
// A pure state machine: the time comes in as an argument. Buckets are a
// fixed table chosen by a keyed hash of the network; networks that share
// a bucket share its rate (Knot does the same), and the table never grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <fata/core/bytes.hpp>
#include <fata/core/time.hpp>

namespace fata::dns {

struct rrl_config {
  std::uint32_t rate = 200;  // replies a second to one network; 0: no limit
  std::uint32_t slip = 2;    // every slip-th limited reply goes out truncated; 0: none
  std::size_t buckets = 4096;
  std::uint64_t hash_key = 0;  // from the random device, so that no one picks collisions
};

enum class rrl_verdict : std::uint8_t { send, slip, drop };

struct rrl_stats {
  std::uint64_t limited = 0;  // replies over the rate (dropped or slipped)
  std::uint64_t slipped = 0;  // of those, sent truncated
};

class response_rate_limiter {
 public:
  explicit response_rate_limiter(const rrl_config& config);

  // What to do with a UDP reply to `client_address` (4 or 16 octets) at
  // `now`.
  rrl_verdict judge(bytes client_address, mono_time now);

  const rrl_stats& stats() const { return _stats; }

 private:
  struct bucket {
    mono_time last{};
    std::uint64_t tokens_milli = 0;  // thousandths of a reply
    std::uint32_t limited = 0;       // for the slip count
    bool used = false;
  };

  rrl_config _config;
  std::vector<bucket> _buckets;
  rrl_stats _stats;
};

// Cuts `reply` (a message this server wrote) down to its header and
// question with TC set: what a slipped reply carries. Returns the new
// message, a prefix of `reply`.
bytes truncate_to_question(mut_bytes reply);

}  // namespace fata::dns
