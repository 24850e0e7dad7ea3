#include <fata/net/tcp/config.hpp>

#include <string_view>

namespace fata::net::tcp {

namespace {

void line(format_sink& out, std::string_view name, std::uint64_t value) {
  char buf[96];
  out.append(format_into(buf, "tcp.{} {}\n", name, value));
}

}  // namespace

void format_stats(format_sink& out, const stats& s) {
#define FATA_TCP_STAT(name) line(out, #name, s.name)
  FATA_TCP_STAT(segments_in);
  FATA_TCP_STAT(segments_out);
  FATA_TCP_STAT(bytes_in);
  FATA_TCP_STAT(bytes_out);
  FATA_TCP_STAT(retransmitted_segments);
  FATA_TCP_STAT(fast_retransmits);
  FATA_TCP_STAT(timeouts);
  FATA_TCP_STAT(spurious_dupacks);
  FATA_TCP_STAT(zero_window_probes);
  FATA_TCP_STAT(keepalive_probes);
  FATA_TCP_STAT(delayed_acks);
  FATA_TCP_STAT(pure_acks_out);
  FATA_TCP_STAT(rst_out);
  FATA_TCP_STAT(rst_in);
  FATA_TCP_STAT(active_opens);
  FATA_TCP_STAT(passive_opens);
  FATA_TCP_STAT(established);
  FATA_TCP_STAT(failed_opens);
  FATA_TCP_STAT(resets_received);
  FATA_TCP_STAT(connection_timeouts);
  FATA_TCP_STAT(reassembled_segments);
  FATA_TCP_STAT(path_mtu_reductions);
  FATA_TCP_STAT(path_mtu_ignored);
  FATA_TCP_STAT(drop_malformed);
  FATA_TCP_STAT(drop_bad_checksum);
  FATA_TCP_STAT(drop_bad_flags);
  FATA_TCP_STAT(drop_not_for_us);
  FATA_TCP_STAT(drop_no_connection);
  FATA_TCP_STAT(drop_out_of_window);
  FATA_TCP_STAT(drop_paws);
  FATA_TCP_STAT(drop_bad_ack);
  FATA_TCP_STAT(drop_no_ack);
  FATA_TCP_STAT(drop_ooo_full);
  FATA_TCP_STAT(drop_no_memory);
  FATA_TCP_STAT(drop_after_close);
  FATA_TCP_STAT(drop_syn_backlog);
  FATA_TCP_STAT(drop_accept_queue);
  FATA_TCP_STAT(drop_table_full);
  FATA_TCP_STAT(rst_ignored);
  FATA_TCP_STAT(challenge_acks);
  FATA_TCP_STAT(challenge_acks_limited);
  FATA_TCP_STAT(invalid_acks_limited);
  FATA_TCP_STAT(orphan_timeouts);
  FATA_TCP_STAT(orphans_dropped);
  FATA_TCP_STAT(time_wait_dropped);
  FATA_TCP_STAT(syn_cookies_sent);
  FATA_TCP_STAT(syn_cookies_accepted);
  FATA_TCP_STAT(syn_cookies_rejected);
  FATA_TCP_STAT(timer_spins);
#undef FATA_TCP_STAT
}

}  // namespace fata::net::tcp
