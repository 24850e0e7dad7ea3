// The runtime keys of the TCP layer (group TCP). They live in the layer's
// library, so every image with fata's TCP has them in its --help.
#include <fata/core/keys.hpp>
#include <fata/net/tcp/config.hpp>

namespace fata::net::tcp {

namespace {

struct tcp_keys {
  key<std::size_t> mss{"tcp-mss", 0, "TCP MSS to announce (0: the interface MTU - 40)", "TCP"};
  key<std::size_t> send_buffer{"tcp-send-buffer", config{}.send_buffer,
                               "Bytes a TCP connection queues for sending", "TCP"};
  key<std::size_t> receive_buffer{"tcp-receive-buffer", config{}.receive_buffer,
                                  "Bytes a TCP connection holds for reading (its window)", "TCP"};
  key<congestion_algorithm> congestion{"tcp-congestion", config{}.congestion,
                                       "TCP congestion control", "TCP"};
  key<bool> window_scaling{"tcp-window-scaling", true, "TCP window scaling (RFC 7323)", "TCP"};
  key<bool> timestamps{"tcp-timestamps", true, "TCP timestamps (RFC 7323)", "TCP"};
  key<bool> sack{"tcp-sack", true, "TCP selective acknowledgements (RFC 2018)", "TCP"};
  key<bool> nodelay{"tcp-nodelay", false, "Disable Nagle's algorithm on new connections", "TCP"};
  key<duration> delayed_ack{"tcp-delayed-ack", config{}.delayed_ack,
                            "Longest delay of a TCP acknowledgement", "TCP"};
  key<duration> time_wait{"tcp-time-wait", config{}.time_wait, "TCP TIME-WAIT duration (2 MSL)",
                          "TCP"};
  key<duration> fin_wait_2{"tcp-fin-wait-2-timeout", config{}.fin_wait_2_timeout,
                           "How long a closed connection waits for the peer's FIN", "TCP"};
  key<bool> keepalive{"tcp-keepalive", false, "Probe idle TCP connections", "TCP"};
  key<duration> keepalive_idle{"tcp-keepalive-idle", config{}.keepalive_idle,
                               "Idle time before the first keepalive probe", "TCP"};
  key<duration> keepalive_interval{"tcp-keepalive-interval", config{}.keepalive_interval,
                                   "Time between keepalive probes", "TCP"};
  key<std::uint32_t> keepalive_probes{"tcp-keepalive-probes", config{}.keepalive_probes,
                                      "Unanswered keepalive probes before the connection fails",
                                      "TCP"};
  key<duration> rto_min{"tcp-rto-min", config{}.rto_min, "Smallest retransmission timeout", "TCP"};
  key<duration> rto_max{"tcp-rto-max", config{}.rto_max, "Largest retransmission timeout", "TCP"};
  key<std::uint32_t> syn_retries{"tcp-syn-retries", config{}.syn_retries,
                                 "SYN retransmissions before connect fails", "TCP"};
  key<std::uint32_t> max_retransmissions{"tcp-max-retransmissions", config{}.max_retransmissions,
                                         "Retransmissions before a connection fails", "TCP"};
  key<std::size_t> max_connections{"tcp-max-connections", config{}.max_connections,
                                   "TCP connections at most, every state included", "TCP"};
  key<std::size_t> syn_backlog{"tcp-syn-backlog", config{}.syn_backlog,
                               "Half-open connections per listener", "TCP"};
  key<std::size_t> accept_backlog{"tcp-accept-backlog", config{}.accept_backlog,
                                  "Established connections waiting for accept, per listener",
                                  "TCP"};
  key<bool> syn_cookies{"tcp-syn-cookies", true, "Answer with SYN cookies when the backlog is full",
                        "TCP"};
  key<std::uint32_t> challenge_ack_limit{"tcp-challenge-ack-limit", config{}.challenge_ack_limit,
                                         "RFC 5961 challenge ACKs per second", "TCP"};
  key<duration> invalid_ack_interval{"tcp-invalid-ack-interval", config{}.invalid_ack_interval,
                                     "Per connection: shortest time between challenge ACKs or ACKs "
                                     "for out-of-window segments without data",
                                     "TCP"};
  key<std::uint32_t> orphan_retries{"tcp-orphan-retries", config{}.orphan_retries,
                                    "Retransmissions or zero-window probes of a connection its "
                                    "user closed, answered or not, before it is reset",
                                    "TCP"};
  key<duration> orphan_timeout{"tcp-orphan-timeout", config{}.orphan_timeout,
                               "The longest a connection its user closed may take to finish", "TCP"};
  key<std::size_t> max_orphans{"tcp-max-orphans", config{}.max_orphans,
                               "Connections closed by their user and still finishing, at most "
                               "(beyond: the oldest is reset)",
                               "TCP"};
  key<std::size_t> max_time_wait{"tcp-max-time-wait", config{}.max_time_wait,
                                 "Connections in TIME-WAIT at most (beyond: the oldest ends)",
                                 "TCP"};
  key<std::size_t> orphan_memory{"tcp-orphan-memory", 0,
                                 "Buffer bytes such connections may hold together (0: a quarter of "
                                 "--tcp-memory)",
                                 "TCP"};
  key<std::size_t> memory_limit{"tcp-memory", 0,
                                "Buffer bytes of every TCP connection together (0: a quarter of "
                                "the heap beyond its reserve; 256 MiB on hosted)",
                                "TCP"};
};

tcp_keys keys_instance;

}  // namespace

config config_from_keys(config base) {
  const tcp_keys& k = keys_instance;
  k.mss.apply_to(base.mss);
  k.send_buffer.apply_to(base.send_buffer);
  k.receive_buffer.apply_to(base.receive_buffer);
  k.congestion.apply_to(base.congestion);
  k.window_scaling.apply_to(base.window_scaling);
  k.timestamps.apply_to(base.timestamps);
  k.sack.apply_to(base.sack);
  k.nodelay.apply_to(base.nodelay);
  k.delayed_ack.apply_to(base.delayed_ack);
  k.time_wait.apply_to(base.time_wait);
  k.fin_wait_2.apply_to(base.fin_wait_2_timeout);
  k.keepalive.apply_to(base.keepalive);
  k.keepalive_idle.apply_to(base.keepalive_idle);
  k.keepalive_interval.apply_to(base.keepalive_interval);
  k.keepalive_probes.apply_to(base.keepalive_probes);
  k.rto_min.apply_to(base.rto_min);
  k.rto_max.apply_to(base.rto_max);
  k.syn_retries.apply_to(base.syn_retries);
  k.max_retransmissions.apply_to(base.max_retransmissions);
  k.max_connections.apply_to(base.max_connections);
  k.syn_backlog.apply_to(base.syn_backlog);
  k.accept_backlog.apply_to(base.accept_backlog);
  k.syn_cookies.apply_to(base.syn_cookies);
  k.challenge_ack_limit.apply_to(base.challenge_ack_limit);
  k.invalid_ack_interval.apply_to(base.invalid_ack_interval);
  k.orphan_retries.apply_to(base.orphan_retries);
  k.orphan_timeout.apply_to(base.orphan_timeout);
  k.max_orphans.apply_to(base.max_orphans);
  k.orphan_memory.apply_to(base.orphan_memory);
  k.max_time_wait.apply_to(base.max_time_wait);
  k.memory_limit.apply_to(base.memory_limit);
  return base;
}

}  // namespace fata::net::tcp
