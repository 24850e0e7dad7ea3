#include <fata/net/tcp/wire.hpp>

#include <fata/net/transport.hpp>
#include <fata/net/wire/checksum.hpp>

namespace fata::net::tcp {

result<packet, parse_error> packet::parse(bytes data) {
  if (data.size() < min_header_len) return unexpected(parse_error::truncated);
  const std::size_t offset = std::size_t(data.u8(field::data_offset) >> 4) * 4;
  if (offset < min_header_len) return unexpected(parse_error::malformed);
  if (offset > data.size()) return unexpected(parse_error::truncated);
  return packet(data);
}

bool packet::checksum_valid(const ip_addr& source, const ip_addr& destination) const {
  if (_data.size() > 65535) return false;
  wire::checksum_accumulator acc;
  acc.add_pseudo_header(source, destination, ip_protocol::tcp, static_cast<std::uint32_t>(_data.size()));
  acc.add(_data);
  return acc.finish() == 0;
}

result<options, parse_error> options::parse(bytes raw) {
  options o;
  std::size_t i = 0;
  while (i < raw.size()) {
    const std::uint8_t kind = raw.u8(i);
    if (kind == option_kind::end) break;
    if (kind == option_kind::nop) {
      ++i;
      continue;
    }
    if (i + 1 >= raw.size()) return unexpected(parse_error::malformed);
    const std::size_t len = raw.u8(i + 1);
    if (len < 2 || len > raw.size() - i) return unexpected(parse_error::malformed);
    const bytes body = raw.sub(i + 2, len - 2);
    switch (kind) {
      case option_kind::mss:
        if (len != 4) return unexpected(parse_error::malformed);
        o.mss = body.be16(0);
        break;
      case option_kind::window_scale:
        if (len != 3) return unexpected(parse_error::malformed);
        // RFC 7323 §2.3: a shift above 14 is used as 14.
        o.window_scale = body.u8(0) > 14 ? std::uint8_t(14) : body.u8(0);
        break;
      case option_kind::sack_permitted:
        if (len != 2) return unexpected(parse_error::malformed);
        o.sack_permitted = true;
        break;
      case option_kind::sack: {
        if (len < 10 || (len - 2) % 8 != 0) return unexpected(parse_error::malformed);
        o.sack_count = 0;
        for (std::size_t b = 0; b + 8 <= body.size(); b += 8)
          o.add_sack({seq_number(body.be32(b)), seq_number(body.be32(b + 4))});
        break;
      }
      case option_kind::timestamps:
        if (len != 10) return unexpected(parse_error::malformed);
        o.ts = timestamps{body.be32(0), body.be32(4)};
        break;
      default:
        break;  // RFC 9293 §3.1: unknown options are skipped by length
    }
    i += len;
  }
  return o;
}

namespace {

// Writes the options into `out` (at least 40 bytes) and returns the padded
// length. The order is the one Linux uses, which packs a SYN's options
// into 20 bytes: MSS, SACK-permitted + timestamps, NOP + window scale,
// then SACK blocks.
std::size_t write_options(const options& o, mut_bytes out) {
  std::size_t n = 0;
  if (o.mss) {
    out.set_u8(n, option_kind::mss);
    out.set_u8(n + 1, 4);
    out.set_be16(n + 2, *o.mss);
    n += 4;
  }
  if (o.ts) {
    if (o.sack_permitted) {
      out.set_u8(n, option_kind::sack_permitted);
      out.set_u8(n + 1, 2);
    } else {
      out.set_u8(n, option_kind::nop);
      out.set_u8(n + 1, option_kind::nop);
    }
    out.set_u8(n + 2, option_kind::timestamps);
    out.set_u8(n + 3, 10);
    out.set_be32(n + 4, o.ts->value);
    out.set_be32(n + 8, o.ts->echo);
    n += 12;
  } else if (o.sack_permitted) {
    out.set_u8(n, option_kind::nop);
    out.set_u8(n + 1, option_kind::nop);
    out.set_u8(n + 2, option_kind::sack_permitted);
    out.set_u8(n + 3, 2);
    n += 4;
  }
  if (o.window_scale) {
    out.set_u8(n, option_kind::nop);
    out.set_u8(n + 1, option_kind::window_scale);
    out.set_u8(n + 2, 3);
    out.set_u8(n + 3, *o.window_scale);
    n += 4;
  }
  if (o.sack_count > 0 && n + 12 <= options::max_len) {
    // NOP NOP, kind, length, then as many 8-byte blocks as fit.
    const std::size_t room = (options::max_len - n - 4) / 8;
    const std::size_t blocks = o.sack_count < room ? o.sack_count : room;
    out.set_u8(n, option_kind::nop);
    out.set_u8(n + 1, option_kind::nop);
    out.set_u8(n + 2, option_kind::sack);
    out.set_u8(n + 3, static_cast<std::uint8_t>(2 + 8 * blocks));
    n += 4;
    for (std::size_t b = 0; b < blocks; ++b) {
      out.set_be32(n, o.sack[b].left.value);
      out.set_be32(n + 4, o.sack[b].right.value);
      n += 8;
    }
  }
  while (n % 4 != 0) out.set_u8(n++, option_kind::end);
  return n;
}

}  // namespace

std::size_t options::encoded_len() const {
  std::byte scratch[max_len];
  return write_options(*this, mut_bytes(scratch, max_len));
}

std::size_t options::emit(mut_bytes out) const {
  std::byte scratch[max_len];
  const std::size_t n = write_options(*this, mut_bytes(scratch, max_len));
  out.copy_from(0, bytes(scratch, n));
  return n;
}

result<repr, parse_error> repr::parse(const packet& p, const ip_addr& source, const ip_addr& destination) {
  if (!p.checksum_valid(source, destination)) return unexpected(parse_error::bad_checksum);
  auto o = options::parse(p.options_raw());
  if (!o) return unexpected(o.error());
  repr r;
  r.source_port = p.source_port();
  r.destination_port = p.destination_port();
  r.seq = p.seq();
  r.ack = p.ack();
  r.flags = p.flags();
  r.window = p.window();
  r.urgent = p.urgent();
  r.opts = *o;
  r.payload = p.payload();
  return r;
}

std::size_t repr::emit_header(mut_bytes header, const ip_addr& source, const ip_addr& destination,
                              std::span<const bytes> parts) const {
  using f = packet::field;
  const std::size_t opt_len = opts.emit(header.skip(packet::min_header_len));
  const std::size_t hlen = packet::min_header_len + opt_len;
  std::size_t length = hlen;
  for (bytes part : parts) length += part.size();
  FATA_ASSERT(length <= 65535);
  header.set_be16(f::source_port, source_port.value);
  header.set_be16(f::destination_port, destination_port.value);
  header.set_be32(f::seq, seq.value);
  header.set_be32(f::ack, has(flag::ack) ? ack.value : 0);
  header.set_u8(f::data_offset, static_cast<std::uint8_t>((hlen / 4) << 4));
  header.set_u8(f::flags, flags);
  header.set_be16(f::window, window);
  header.set_be16(f::checksum, 0);
  header.set_be16(f::urgent, urgent);
  wire::checksum_accumulator acc;
  acc.add_pseudo_header(source, destination, ip_protocol::tcp, static_cast<std::uint32_t>(length));
  acc.add(header.first(hlen));
  for (bytes part : parts) acc.add(part);
  header.set_be16(f::checksum, acc.finish());
  return hlen;
}

void repr::emit(mut_bytes out, const ip_addr& source, const ip_addr& destination) const {
  const std::size_t hlen = header_len();
  FATA_ASSERT(out.size() >= hlen + payload.size());
  out.copy_from(hlen, payload);
  const bytes parts[1] = {payload};
  emit_header(out, source, destination, parts);
}

}  // namespace fata::net::tcp
