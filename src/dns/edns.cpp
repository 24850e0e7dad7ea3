#include <fata/dns/edns.hpp>

#include <fata/crypto/hmac.hpp>

namespace fata::dns {

namespace {

constexpr std::size_t opt_fixed_size = 11;  // root owner, type, class, TTL, data length
constexpr std::size_t option_header_size = 4;
constexpr std::uint32_t dnssec_ok_bit = 0x8000;

std::array<std::uint8_t, 8> cookie_hash(const cookie_secret& secret,
                                        const std::array<std::uint8_t, 8>& client,
                                        bytes server_head, bytes client_address) {
  const crypto::hmac_key key(crypto::hash_algorithm::sha256,
                            bytes(secret.key.data(), secret.key.size()));
  crypto::hmac h(key, 8);
  h.add(client);
  h.add(server_head);
  h.add(client_address);
  std::array<std::uint8_t, 8> out{};
  h.finish(out);
  return out;
}

}  // namespace

result<edns_request, rcode> read_edns(const record& opt) {
  if (!opt.owner.is_root()) return unexpected(rcode::formerr);
  edns_request e;
  e.udp_size = opt.rclass < min_edns_udp_size ? min_edns_udp_size : opt.rclass;
  e.extended_rcode = static_cast<std::uint8_t>(opt.ttl >> 24);
  e.version = static_cast<std::uint8_t>(opt.ttl >> 16);
  e.dnssec_ok = (opt.ttl & dnssec_ok_bit) != 0;
  // message_view checked the options' layout: code, length, value.
  const bytes options = opt.rdata;
  for (std::size_t at = 0; at < options.size();) {
    const auto code = static_cast<edns_option>(options.be16(at));
    const bytes value = options.sub(at + option_header_size, options.be16(at + 2));
    at += option_header_size + value.size();
    if (code == edns_option::padding) {
      e.padding = true;
    } else if (code == edns_option::cookie && !e.cookie) {
      // RFC 7873 §5.2.2: a client cookie alone, or with a server cookie
      // of 8 to 32 octets; any other length is FORMERR.
      if (value.size() != 8 && (value.size() < 16 || value.size() > 40)) {
        return unexpected(rcode::formerr);
      }
      dns_cookie c;
      for (std::size_t i = 0; i < 8; ++i) c.client[i] = value.u8(i);
      c.server_size = value.size() - 8;
      for (std::size_t i = 0; i < c.server_size; ++i) c.server[i] = value.u8(8 + i);
      e.cookie = c;
    }
  }
  if (e.version != 0) return unexpected(rcode::badvers);
  return e;
}

result<void, dns_error> add_edns(message_writer& w, const edns_answer& a) {
  std::array<std::uint8_t, option_header_size + 40 + option_header_size + 2 + option_header_size + 512>
      options{};
  mut_bytes out(options.data(), options.size());
  std::size_t size = 0;
  if (a.cookie) {
    out.set_be16(0, static_cast<std::uint16_t>(edns_option::cookie));
    out.set_be16(2, static_cast<std::uint16_t>(8 + a.cookie->server_size));
    out.copy_from(4, bytes(a.cookie->client.data(), 8));
    out.copy_from(12, a.cookie->server_view());
    size = option_header_size + 8 + a.cookie->server_size;
  }
  if (a.extended_error) {
    out.set_be16(size, static_cast<std::uint16_t>(edns_option::extended_error));
    out.set_be16(size + 2, 2);
    out.set_be16(size + 4, static_cast<std::uint16_t>(*a.extended_error));
    size += option_header_size + 2;
  }
  std::size_t padding_at = 0;
  if (a.pad_to_block > 0) {
    const std::size_t unpadded = w.size() + opt_fixed_size + size + option_header_size;
    std::size_t pad = (a.pad_to_block - unpadded % a.pad_to_block) % a.pad_to_block;
    pad = std::min(pad, options.size() - size - option_header_size);
    padding_at = size;
    out.set_be16(size, static_cast<std::uint16_t>(edns_option::padding));
    out.set_be16(size + 2, static_cast<std::uint16_t>(pad));
    size += option_header_size + pad;  // the padding octets are zero (§4)
  }
  const auto code = static_cast<std::uint16_t>(a.response_code);
  const std::uint32_t ttl = static_cast<std::uint32_t>(code >> 4) << 24 |
                            (a.dnssec_ok ? dnssec_ok_bit : 0);
  auto add = [&](std::size_t options_size) -> result<void, dns_error> {
    auto added = w.add_record(section::additional, name(), rr_type::opt, a.udp_size, ttl,
                              bytes(options.data(), options_size));
    if (!added) return added;
    auto header = w.header();
    header.rcode = static_cast<std::uint8_t>(code & 0xf);
    w.set_header(header);
    return {};
  };
  auto added = add(size);
  if (added || a.pad_to_block == 0) return added;
  // Less padding, as much as still fits, or none.
  const std::size_t room = w.capacity() - w.size();
  if (room < opt_fixed_size + padding_at) return added;
  const std::size_t pad_room = room - opt_fixed_size - padding_at;
  if (pad_room < option_header_size) return add(padding_at);
  out.set_be16(padding_at + 2, static_cast<std::uint16_t>(pad_room - option_header_size));
  return add(padding_at + pad_room);
}

dns_cookie make_server_cookie(const cookie_secret& secret, const std::array<std::uint8_t, 8>& client,
                              bytes client_address, std::uint32_t now) {
  dns_cookie c;
  c.client = client;
  c.server_size = 16;
  c.server[0] = 1;  // version; then three reserved octets
  for (int i = 0; i < 4; ++i) c.server[4 + i] = std::uint8_t(now >> (8 * (3 - i)));
  const auto hash = cookie_hash(secret, client, bytes(c.server.data(), 8), client_address);
  for (std::size_t i = 0; i < hash.size(); ++i) c.server[8 + i] = hash[i];
  return c;
}

bool server_cookie_is_good(const cookie_secret& secret, const dns_cookie& c, bytes client_address,
                           std::uint32_t now) {
  if (c.server_size != 16 || c.server[0] != 1) return false;
  std::uint32_t made = 0;
  for (int i = 0; i < 4; ++i) made = made << 8 | c.server[4 + i];
  // Serial arithmetic (RFC 1982): the time wraps in 2106.
  const auto age = static_cast<std::int32_t>(now - made);
  if (age > 3600 || age < -300) return false;
  const auto hash = cookie_hash(secret, c.client, bytes(c.server.data(), 8), client_address);
  std::uint8_t difference = 0;
  for (std::size_t i = 0; i < hash.size(); ++i) difference |= hash[i] ^ c.server[8 + i];
  return difference == 0;
}

}  // namespace fata::dns
