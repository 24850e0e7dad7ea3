// The TCP layer's shared state, private to src/net/tcp: the connection
// table, listeners, and what handles and timers share.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <deque>
#include <memory>
#include <unordered_map>

#include <fata/core/loop.hpp>
#include <fata/core/splitmix.hpp>
#include <fata/net/tcp/layer.hpp>

namespace fata::net::tcp::detail {

struct tuple_hash {
  std::uint64_t seed = 0;
  std::size_t operator()(const four_tuple& t) const {
    // A keyed mix (SplitMix64's finaliser) so that a peer cannot aim many
    // tuples at one bucket without knowing the seed. Each 64-bit half of
    // the remote address goes through its own round: an IPv6 peer chooses
    // the 64 low bits of its address freely, and folding the halves
    // together first would let it pick colliding ones.
    constexpr auto mix = splitmix64_mix;
    auto half = [](const ip_addr& a, int i) {
      std::uint64_t v;
      std::memcpy(&v, a.octets().data() + 8 * i, 8);
      return v;
    };
    std::uint64_t x = mix(seed ^ half(t.remote.address, 1) ^
                          (std::uint64_t(t.remote.number.value) << 16 ^ t.local.number.value) << 32);
    if (t.remote.address.is_v6()) x = mix(x ^ half(t.remote.address, 0));
    x = mix(x ^ half(t.local.address, 1) ^ (seed >> 7));
    if (t.local.address.is_v6()) x = mix(x ^ half(t.local.address, 0));
    return static_cast<std::size_t>(x);
  }
};

struct entry;

// A first-in first-out list of entries, linked through them: the orphans
// and the connections in TIME-WAIT, oldest first, so that the oldest is
// the one given up when there are too many.
struct entry_list {
  entry* oldest = nullptr;
  entry* newest = nullptr;
  std::size_t count = 0;
  void push(entry* e);
  void remove(entry* e);
};

// One connection in the table.
struct entry {
  entry(core* owner, environment env, four_tuple t, std::size_t mss, std::uint32_t ts_offset);
  ~entry();
  entry(const entry&) = delete;
  entry& operator=(const entry&) = delete;

  core* owner;
  connection conn;
  timer tick;
  wait_queue readers;
  wait_queue writers;
  wait_queue opened;
  // References: the user's flow handle, each running operation, and the
  // accept queue. The entry is freed when none is left and it has left
  // the table.
  std::uint32_t refs = 0;
  bool in_table = true;
  bool handle_closed = false;  // the user called close() or dropped the flow
  bool read_shut = false;      // the user shut down reading
  bool unreachable = false;    // the IPv4 layer had no route for the SYN
  listener_state* listener = nullptr;  // until accepted
  bool queued = false;                 // in the listener's accept queue
  // The entry_list it is on (orphans or TIME-WAIT), if any.
  entry_list* list = nullptr;
  entry* older = nullptr;
  entry* newer = nullptr;
  std::size_t orphan_storage = 0;  // an orphan's buffer bytes when last counted
};

struct listener_state {
  port number;
  bool open = true;
  std::size_t half_open = 0;  // SYN-RECEIVED connections of this listener
  // When this listener last answered with a SYN cookie (mono_never: never).
  // Only while a cookie sent then can still be valid is an ACK for no
  // connection checked as one.
  mono_time last_cookie = mono_never;
  std::deque<entry*> ready;   // established, waiting for accept()
  wait_queue acceptors;
};

struct core : std::enable_shared_from_this<core> {
  core(ip_output& ip, std::span<const std::byte, secret_hash::key_size> secret, const config& c);
  ~core();

  ip_output* ip;
  config cfg;
  stats counters;
  challenge_limiter limiter;
  secret_hash secret;
  memory_budget memory;  // every connection's buffer storage (config::memory_limit)
  // Orphans (connection::orphaned) and an upper bound on the buffer bytes
  // they hold (an orphan's buffers only shrink); connections in TIME-WAIT.
  entry_list orphans;
  std::size_t orphan_storage_bound = 0;
  entry_list time_waits;
  std::size_t orphan_memory_limit = 0;
  std::unordered_map<four_tuple, entry*, tuple_hash> table;
  std::unordered_map<std::uint16_t, std::shared_ptr<listener_state>> listeners;
  std::uint32_t ephemeral_next = 0;
  std::uint64_t hash_seed = 0;
  std::size_t entries_alive = 0;  // in the table or held by handles

  // Stops the timers when the loop shuts down (see layer.hpp).
  wait_queue watch;
  bool watching = false;
  bool timers_suspended = false;
  bool alive = true;
  bool without_entropy = false;  // no secret: listen and connect refuse (layer.hpp)

  environment env() { return {&cfg, &counters, &limiter, &memory}; }

  // Input.
  void input(const ip_meta& meta, bytes payload, mono_time now);
  void path_mtu_reduced(const ip_meta& quoted, bytes quoted_segment, std::size_t mtu, mono_time now);
  void listen_input(listener_state& l, const four_tuple& t, const repr& seg, mono_time now);
  void send_cookie(const four_tuple& t, const repr& syn, mono_time now);
  // Whether an ACK for no connection may be the ACK of a cookie this
  // listener sent (it sent one within a cookie's lifetime).
  bool cookie_may_be_valid(const listener_state& l, mono_time now) const;
  void accept_cookie(listener_state& l, const four_tuple& t, const repr& ack, mono_time now);

  // Output and bookkeeping after anything happened to a connection.
  void flush(entry* e, mono_time now);
  bool emit(entry* e, const four_tuple& t, segment_out& out);
  void send_reset(const four_tuple& t, seq_number seq, seq_number ack, bool with_ack);
  void send_raw(const four_tuple& t, const repr& h, std::span<const bytes> payload);

  // Connections.
  entry* create(const four_tuple& t, mono_time now);
  std::size_t mss_for(const ip_addr& remote) const;
  void unlink(entry* e);
  void release(entry* e);
  void drop_from_listener(entry* e);
  // The user closed `e` and it finishes in the background: into the
  // orphan list, resetting the oldest orphans while there are more than
  // config::max_orphans or they hold more than the orphan memory.
  void adopt_orphan(entry* e, mono_time now);
  // Leaves whichever list `e` is on.
  void leave_list(entry* e);
  // `e` entered TIME-WAIT: onto that list, closing the oldest beyond
  // config::max_time_wait.
  void enter_time_wait(entry* e, mono_time now);
  // Records every orphan's storage anew; returns their sum.
  std::size_t recount_orphan_storage();
  std::optional<port> pick_port(const ip_addr& local, const sig::ip_endpoint& remote);
  std::uint32_t ts_clock(const four_tuple& t, mono_time now) const;

  // Timers.
  void rearm(entry* e, mono_time now);
  void ensure_watcher();
  void suspend_timers();
  void shut_down();
  static void on_tick(void* e);
};

// RAII: one reference to an entry for the duration of an operation.
class entry_ref {
 public:
  entry_ref(core* c, entry* e) : _core(c), _entry(e) {
    if (_entry) ++_entry->refs;
  }
  entry_ref(const entry_ref&) = delete;
  entry_ref& operator=(const entry_ref&) = delete;
  ~entry_ref() {
    if (_entry) _core->release(_entry);
  }

 private:
  core* _core;
  entry* _entry;
};

sig::flow_error error_of(const connection& c);

}  // namespace fata::net::tcp::detail
