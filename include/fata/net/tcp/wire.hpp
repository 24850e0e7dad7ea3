// The TCP segment on the wire (RFC 9293 §3.1) with the options this stack
// speaks: MSS (RFC 9293 §3.7.1), window scale and timestamps (RFC 7323),
// SACK-permitted and SACK blocks (RFC 2018).
//
// `packet::parse` checks the fixed header and the data offset against the
// buffer once, so no accessor can fail afterwards. `repr::parse` verifies
// the checksum over the IPv4 pseudo-header and decodes the options:
// unknown options are skipped by their length; an option whose length
// runs past the header, or a known option with the wrong length, makes the
// segment malformed (RFC 9293 §3.1 asks a receiver to survive any option
// length; dropping the segment is the safe answer). A window-scale shift
// above 14 is read as 14 (RFC 7323 §2.3).
//
// Emitting writes the header (with options, padded to 32 bits) and
// computes the checksum over caller-owned payload pieces in place; options
// that do not fit the 40-byte option space (SACK blocks beyond it) are left
// out, never truncated mid-option. No allocation, no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/fmt.hpp>
#include <fata/core/result.hpp>
#include <fata/net/tcp/seq.hpp>
#include <fata/net/wire/error.hpp>

namespace fata::net::tcp {

using wire::parse_error;

// Control bits (RFC 9293 §3.1; ECE and CWR from RFC 3168).
namespace flag {
inline constexpr std::uint8_t fin = 0x01;
inline constexpr std::uint8_t syn = 0x02;
inline constexpr std::uint8_t rst = 0x04;
inline constexpr std::uint8_t psh = 0x08;
inline constexpr std::uint8_t ack = 0x10;
inline constexpr std::uint8_t urg = 0x20;
inline constexpr std::uint8_t ece = 0x40;
inline constexpr std::uint8_t cwr = 0x80;
}  // namespace flag

// One SACK block: the bytes [left, right) the receiver holds (RFC 2018 §3).
struct sack_block {
  seq_number left;
  seq_number right;
  friend constexpr bool operator==(const sack_block&, const sack_block&) = default;
};

// The timestamps option (RFC 7323 §3).
struct timestamps {
  std::uint32_t value = 0;  // TSval
  std::uint32_t echo = 0;   // TSecr
  friend constexpr bool operator==(const timestamps&, const timestamps&) = default;
};

// The options of one segment, decoded.
struct options {
  static constexpr std::size_t max_len = 40;
  static constexpr std::size_t max_sack_blocks = 4;

  std::optional<std::uint16_t> mss;
  std::optional<std::uint8_t> window_scale;
  bool sack_permitted = false;
  std::optional<timestamps> ts;
  std::array<sack_block, max_sack_blocks> sack{};
  std::uint8_t sack_count = 0;

  std::span<const sack_block> sack_blocks() const { return {sack.data(), sack_count}; }
  // Appends a SACK block if there is room in `sack` (not necessarily on
  // the wire: emit drops what does not fit); false when full.
  bool add_sack(sack_block b) {
    if (sack_count == max_sack_blocks) return false;
    sack[sack_count++] = b;
    return true;
  }

  // Decodes the option bytes of a header (data offset past 20 bytes).
  static result<options, parse_error> parse(bytes raw);
  // Bytes the options take on the wire, padded to a multiple of 4.
  std::size_t encoded_len() const;
  // Writes encoded_len() bytes. Contract: out.size() >= encoded_len().
  std::size_t emit(mut_bytes out) const;

  friend bool operator==(const options& a, const options& b) {
    if (a.mss != b.mss || a.window_scale != b.window_scale || a.sack_permitted != b.sack_permitted ||
        a.ts != b.ts || a.sack_count != b.sack_count)
      return false;
    for (std::size_t i = 0; i < a.sack_count; ++i)
      if (a.sack[i] != b.sack[i]) return false;
    return true;
  }
};

// Option kinds (IANA).
namespace option_kind {
inline constexpr std::uint8_t end = 0;
inline constexpr std::uint8_t nop = 1;
inline constexpr std::uint8_t mss = 2;
inline constexpr std::uint8_t window_scale = 3;
inline constexpr std::uint8_t sack_permitted = 4;
inline constexpr std::uint8_t sack = 5;
inline constexpr std::uint8_t timestamps = 8;
}  // namespace option_kind

// A checked view of a TCP segment: header, options and payload.
class packet {
 public:
  struct field {
    static constexpr std::size_t source_port = 0;
    static constexpr std::size_t destination_port = 2;
    static constexpr std::size_t seq = 4;
    static constexpr std::size_t ack = 8;
    static constexpr std::size_t data_offset = 12;
    static constexpr std::size_t flags = 13;
    static constexpr std::size_t window = 14;
    static constexpr std::size_t checksum = 16;
    static constexpr std::size_t urgent = 18;
  };
  static constexpr std::size_t min_header_len = 20;
  static constexpr std::size_t max_header_len = 60;

  // truncated: shorter than 20 bytes or than the data offset says;
  // malformed: a data offset below 5 words.
  static result<packet, parse_error> parse(bytes data);

  port source_port() const { return port(_data.be16(field::source_port)); }
  port destination_port() const { return port(_data.be16(field::destination_port)); }
  seq_number seq() const { return seq_number(_data.be32(field::seq)); }
  seq_number ack() const { return seq_number(_data.be32(field::ack)); }
  std::size_t header_len() const { return std::size_t(_data.u8(field::data_offset) >> 4) * 4; }
  std::uint8_t flags() const { return _data.u8(field::flags); }
  std::uint16_t window() const { return _data.be16(field::window); }
  std::uint16_t checksum() const { return _data.be16(field::checksum); }
  std::uint16_t urgent() const { return _data.be16(field::urgent); }
  bytes options_raw() const { return _data.sub(min_header_len, header_len() - min_header_len); }
  bytes payload() const { return _data.skip(header_len()); }
  bytes raw() const { return _data; }
  // Verifies the checksum over the pseudo-header of (source, destination).
  bool checksum_valid(const ip_addr& source, const ip_addr& destination) const;

 private:
  explicit packet(bytes data) : _data(data) {}
  bytes _data;
};

// A validated segment, its payload borrowed from the packet or the sender.
struct repr {
  port source_port;
  port destination_port;
  seq_number seq;
  seq_number ack;  // meaningful when flags has flag::ack
  std::uint8_t flags = 0;
  std::uint16_t window = 0;  // as on the wire (unscaled)
  std::uint16_t urgent = 0;
  options opts;
  bytes payload;

  bool has(std::uint8_t f) const { return (flags & f) != 0; }
  // The sequence space the segment occupies: payload, SYN and FIN.
  std::size_t segment_len() const {
    return payload.size() + (has(flag::syn) ? 1 : 0) + (has(flag::fin) ? 1 : 0);
  }

  // Verifies the checksum, then decodes the options.
  static result<repr, parse_error> parse(const packet& p, const ip_addr& source, const ip_addr& destination);
  // Header bytes with options (20 to 60).
  std::size_t header_len() const { return packet::min_header_len + opts.encoded_len(); }
  std::size_t total_len() const { return header_len() + payload.size(); }
  // Writes the header for a payload made of `parts` (sent from where they
  // lie; `payload` is ignored), checksum included. Returns its length.
  // Contract: header.size() >= header_len().
  std::size_t emit_header(mut_bytes header, const ip_addr& source, const ip_addr& destination,
                          std::span<const bytes> parts) const;
  // Writes header and payload into `out` (total_len() bytes).
  void emit(mut_bytes out, const ip_addr& source, const ip_addr& destination) const;

  friend bool operator==(const repr& a, const repr& b) {
    return a.source_port == b.source_port && a.destination_port == b.destination_port &&
           a.seq == b.seq && a.ack == b.ack && a.flags == b.flags && a.window == b.window &&
           a.urgent == b.urgent && a.opts == b.opts && a.payload == b.payload;
  }
};

// "SYN,ACK seq=1 ack=2 win=3 len=4", for logs and test failures.
void format_value(format_sink& sink, const format_spec& spec, const repr& r);

}  // namespace fata::net::tcp
