// SHA-256 digests of key-value store contents, shared by every fata store
// so that two stores holding the same tree report the same digests.
//
// A value's digest is the SHA-256 of its bytes. A dictionary's digest is
// the SHA-256 of the concatenation, over its members in name order (byte
// order, as `list` returns them), of
//     u32 big-endian length of the name | the name | kind byte (0 value,
//     1 dictionary) | the member's 32-byte digest
// so it covers the whole subtree's names, kinds and contents, but no
// timestamps. An empty dictionary's digest is the SHA-256 of nothing.
//
// The hashing is BearSSL's (br_sha256); the contexts live inside these
// objects, so hashing never allocates.
#pragma once

#include <cstddef>
#include <string_view>

#include <fata/core/bytes.hpp>
#include <fata/sig/kv.hpp>

namespace fata::devices::kv {

// An incremental SHA-256. Copyable: a copy continues independently.
class sha256 {
 public:
  sha256();
  void update(bytes data);
  void update(std::string_view text) { update(bytes::of(text)); }
  // The digest of everything given so far; the object may keep absorbing.
  sig::kv_digest finish() const;

 private:
  // br_sha256_context, kept opaque so that this header does not pull in
  // BearSSL's; the size is checked against BearSSL's in digest.cpp.
  alignas(8) std::byte _context[112];
};

// The digest of a value.
sig::kv_digest value_digest(bytes value);
inline sig::kv_digest value_digest(std::string_view value) { return value_digest(bytes::of(value)); }

// Builds a dictionary's digest from its members, which must be added in
// name order.
class dictionary_digest {
 public:
  void add(std::string_view name, sig::kv_kind kind, const sig::kv_digest& member);
  sig::kv_digest finish() const { return _hash.finish(); }

 private:
  sha256 _hash;
};

}  // namespace fata::devices::kv
