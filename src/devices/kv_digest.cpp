#include <fata/devices/kv/digest.hpp>

#include <bearssl.h>

#include <cstring>

namespace fata::devices::kv {

namespace {

br_sha256_context* context_of(std::byte* storage) {
  return reinterpret_cast<br_sha256_context*>(storage);
}

}  // namespace

sha256::sha256() {
  static_assert(sizeof(br_sha256_context) <= sizeof(_context));
  static_assert(alignof(br_sha256_context) <= alignof(sha256));
  br_sha256_init(context_of(_context));
}

void sha256::update(bytes data) {
  if (!data.empty()) br_sha256_update(context_of(_context), data.data(), data.size());
}

sig::kv_digest sha256::finish() const {
  sig::kv_digest out;
  br_sha256_out(reinterpret_cast<const br_sha256_context*>(_context), out.data());
  return out;
}

sig::kv_digest value_digest(bytes value) {
  sha256 h;
  h.update(value);
  return h.finish();
}

void dictionary_digest::add(std::string_view name, sig::kv_kind kind, const sig::kv_digest& member) {
  std::byte length[4];
  mut_bytes(length, 4).set_be32(0, static_cast<std::uint32_t>(name.size()));
  const std::byte kind_byte{kind == sig::kv_kind::value ? std::uint8_t{0} : std::uint8_t{1}};
  _hash.update(bytes(length, 4));
  _hash.update(name);
  _hash.update(bytes(&kind_byte, 1));
  _hash.update(bytes(member.data(), member.size()));
}

}  // namespace fata::devices::kv
