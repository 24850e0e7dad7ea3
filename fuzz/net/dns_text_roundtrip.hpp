// Shared by the DNS fuzz targets: record data printed in presentation
// form reads back to the same octets.
#pragma once

#include <fata/dns/message.hpp>
#include <fata/dns/text.hpp>
#include <fata/dns/zone_file.hpp>

#include <string>
#include <vector>

#include "fuzz_common.hpp"

// Prints canonical `rdata` of `type`, requires one line of printable
// ASCII, reads it back and requires the same octets. Meta types (OPT,
// TSIG, AXFR, IXFR, ANY) print but are refused in zones by design.
inline void check_text_round_trip(fata::dns::rr_type type, fata::bytes rdata) {
  using namespace fata;
  using namespace fata::dns;
  std::string text;
  format_sink sink = string_sink(text);
  write_rdata_text(sink, type, rdata);
  for (const char c : text) FUZZ_CHECK(c >= 0x20 && c <= 0x7e);
  if (type == rr_type::opt || type == rr_type::tsig || type == rr_type::axfr ||
      type == rr_type::ixfr || type == rr_type::any) {
    return;
  }
  zone_lexer lexer(text);
  FUZZ_CHECK(lexer.next_entry().value());
  // Allocated once: zeroing 64 KiB per record would be most of the run.
  static std::vector<std::uint8_t> again(max_rdata_size);
  auto size = parse_rdata_text(type, lexer, name(), mut_bytes(again.data(), again.size()));
  FUZZ_CHECK(size.has_value());
  FUZZ_CHECK(*size == rdata.size());
  for (std::size_t i = 0; i < rdata.size(); ++i) FUZZ_CHECK(again[i] == rdata.u8(i));
}
