// When a secondary asks its primary for a zone again (RFC 1034 §4.3.5,
// RFC 1996): the SOA's refresh, retry and expire timers as a pure
// schedule over the monotonic time the glue passes in.
//
// - With no copy, the zone is asked for at once, and after a failure
//   again after the retry interval of the last copy held (else
//   `first_retry`).
// - After a good answer (a transfer, or the answer that we are up to
//   date) the next check is a refresh interval later, and the copy
//   expires an expire interval after that answer.
// - After a failure the next check is a retry interval later; the expiry
//   does not move.
// - A NOTIFY asks for a check at once (the glue checks where it comes
//   from).
// - Intervals are bounded below by `min_interval`, so that a zone whose
//   SOA says 0 does not make the secondary ask without pause.
#pragma once

#include <cstdint>
#include <optional>

#include <fata/core/bytes.hpp>
#include <fata/core/time.hpp>

namespace fata::dns {

struct soa_timers {
  std::uint32_t refresh = 0;
  std::uint32_t retry = 0;
  std::uint32_t expire = 0;
};

// The timers of SOA data in canonical form; nothing for data too short.
std::optional<soa_timers> soa_timers_of(bytes soa_rdata);

class refresh_schedule {
 public:
  static constexpr duration first_retry = seconds(10);
  static constexpr duration min_interval = seconds(1);

  // A good answer at `now` for a zone whose SOA has `timers`.
  void answered(mono_time now, const soa_timers& timers);
  // No good answer at `now`.
  void failed(mono_time now);
  // A NOTIFY came at `now`.
  void notified(mono_time now) { _next = now; }

  mono_time next_check() const { return _next; }
  // When the copy held expires, if one is held.
  std::optional<mono_time> expires_at() const { return _expires; }
  // Whether a copy was held and is older than its expire interval.
  bool expired(mono_time now) const { return _expires && now >= *_expires; }
  // The copy expired: forget it (the next answer starts afresh).
  void drop_copy() { _expires.reset(); }

 private:
  mono_time _next{};
  std::optional<mono_time> _expires;
  std::optional<soa_timers> _timers;
};

}  // namespace fata::dns
