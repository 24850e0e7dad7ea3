#include <fata/dns/refresh.hpp>

#include <algorithm>

namespace fata::dns {

namespace {

duration interval(std::uint32_t seconds_given) {
  return std::max<duration>(seconds(seconds_given), refresh_schedule::min_interval);
}

}  // namespace

std::optional<soa_timers> soa_timers_of(bytes soa_rdata) {
  // The five numbers end the data: serial, refresh, retry, expire, minimum.
  if (soa_rdata.size() < 22) return std::nullopt;
  const std::size_t at = soa_rdata.size() - 16;
  return soa_timers{.refresh = soa_rdata.be32(at), .retry = soa_rdata.be32(at + 4), .expire = soa_rdata.be32(at + 8)};
}

void refresh_schedule::answered(mono_time now, const soa_timers& timers) {
  _timers = timers;
  _next = saturating_add(now, interval(timers.refresh));
  _expires = saturating_add(now, interval(timers.expire));
}

void refresh_schedule::failed(mono_time now) {
  _next = saturating_add(now, _timers ? interval(_timers->retry) : first_retry);
}

}  // namespace fata::dns
