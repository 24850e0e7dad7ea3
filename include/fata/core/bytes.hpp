// Byte views that slice without copying (MirageOS's Cstruct).
//
// `bytes` is a read-only view and `mut_bytes` a writable one over memory the
// view does not own. Slicing returns a new view of the same memory. Every
// access is bounds checked: an out-of-range slice or field access is a
// contract violation (a bug in the caller), so code handling untrusted input
// checks lengths first (wire-format parsers do it once, on construction) and
// then reads fields that cannot fail. Multi-byte fields are read and written
// explicitly big-endian (`be16`) or little-endian (`le32`); there are no
// casts from bytes to structs.
//
// `buffer` is the owning counterpart: a fixed-size heap allocation that
// hands out views.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <utility>

#include <fata/core/assert.hpp>

namespace fata {

namespace detail {

template <class Byte>
class byte_view_base {
 public:
  using value_type = std::byte;
  using size_type = std::size_t;

  constexpr byte_view_base() = default;
  constexpr byte_view_base(Byte* data, std::size_t size) : _data(data), _size(size) {}

  constexpr Byte* data() const { return _data; }
  constexpr std::size_t size() const { return _size; }
  constexpr bool empty() const { return _size == 0; }
  constexpr Byte* begin() const { return _data; }
  constexpr Byte* end() const { return _data + _size; }

  constexpr Byte& operator[](std::size_t i) const {
    FATA_ASSERT(i < _size);
    return _data[i];
  }

  std::uint8_t u8(std::size_t off) const {
    FATA_ASSERT(off < _size);
    return static_cast<std::uint8_t>(_data[off]);
  }
  std::uint16_t be16(std::size_t off) const { return static_cast<std::uint16_t>(load_be(off, 2)); }
  std::uint32_t be32(std::size_t off) const { return static_cast<std::uint32_t>(load_be(off, 4)); }
  std::uint64_t be64(std::size_t off) const { return load_be(off, 8); }
  std::uint16_t le16(std::size_t off) const { return static_cast<std::uint16_t>(load_le(off, 2)); }
  std::uint32_t le32(std::size_t off) const { return static_cast<std::uint32_t>(load_le(off, 4)); }
  std::uint64_t le64(std::size_t off) const { return load_le(off, 8); }

  // The bytes as characters, for text protocols.
  std::string_view chars() const {
    return {reinterpret_cast<const char*>(_data), _size};
  }

 protected:
  std::uint64_t load_be(std::size_t off, std::size_t n) const {
    FATA_ASSERT(off <= _size && n <= _size - off);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<std::uint8_t>(_data[off + i]);
    return v;
  }
  std::uint64_t load_le(std::size_t off, std::size_t n) const {
    FATA_ASSERT(off <= _size && n <= _size - off);
    std::uint64_t v = 0;
    for (std::size_t i = n; i-- > 0;) v = (v << 8) | static_cast<std::uint8_t>(_data[off + i]);
    return v;
  }

  Byte* _data = nullptr;
  std::size_t _size = 0;
};

}  // namespace detail

// A read-only view of bytes.
class bytes : public detail::byte_view_base<const std::byte> {
 public:
  using byte_view_base::byte_view_base;
  constexpr bytes(std::span<const std::byte> s) : byte_view_base(s.data(), s.size()) {}
  bytes(const void* data, std::size_t size)
      : byte_view_base(static_cast<const std::byte*>(data), size) {}
  // Views the characters of a string (no terminator).
  static bytes of(std::string_view s) { return {s.data(), s.size()}; }

  // [off, off + len) of this view.
  constexpr bytes sub(std::size_t off, std::size_t len) const {
    FATA_ASSERT(off <= _size && len <= _size - off);
    return {_data + off, len};
  }
  // Everything from `off` on.
  constexpr bytes skip(std::size_t off) const {
    FATA_ASSERT(off <= _size);
    return {_data + off, _size - off};
  }
  constexpr bytes first(std::size_t n) const { return sub(0, n); }
  constexpr bytes last(std::size_t n) const {
    FATA_ASSERT(n <= _size);
    return {_data + _size - n, n};
  }
  constexpr std::span<const std::byte> span() const { return {_data, _size}; }
  const std::uint8_t* u8_data() const { return reinterpret_cast<const std::uint8_t*>(_data); }

  // Content equality.
  bool equals(bytes other) const {
    return _size == other._size && (_size == 0 || std::memcmp(_data, other._data, _size) == 0);
  }
  friend bool operator==(bytes a, bytes b) { return a.equals(b); }
};

// A writable view of bytes.
class mut_bytes : public detail::byte_view_base<std::byte> {
 public:
  using byte_view_base::byte_view_base;
  constexpr mut_bytes(std::span<std::byte> s) : byte_view_base(s.data(), s.size()) {}
  mut_bytes(void* data, std::size_t size) : byte_view_base(static_cast<std::byte*>(data), size) {}

  constexpr operator bytes() const { return {_data, _size}; }
  constexpr bytes as_const() const { return {_data, _size}; }

  constexpr mut_bytes sub(std::size_t off, std::size_t len) const {
    FATA_ASSERT(off <= _size && len <= _size - off);
    return {_data + off, len};
  }
  constexpr mut_bytes skip(std::size_t off) const {
    FATA_ASSERT(off <= _size);
    return {_data + off, _size - off};
  }
  constexpr mut_bytes first(std::size_t n) const { return sub(0, n); }
  constexpr mut_bytes last(std::size_t n) const {
    FATA_ASSERT(n <= _size);
    return {_data + _size - n, n};
  }
  constexpr std::span<std::byte> span() const { return {_data, _size}; }
  std::uint8_t* u8_data() const { return reinterpret_cast<std::uint8_t*>(_data); }

  void set_u8(std::size_t off, std::uint8_t v) const {
    FATA_ASSERT(off < _size);
    _data[off] = static_cast<std::byte>(v);
  }
  void set_be16(std::size_t off, std::uint16_t v) const { store_be(off, v, 2); }
  void set_be32(std::size_t off, std::uint32_t v) const { store_be(off, v, 4); }
  void set_be64(std::size_t off, std::uint64_t v) const { store_be(off, v, 8); }
  void set_le16(std::size_t off, std::uint16_t v) const { store_le(off, v, 2); }
  void set_le32(std::size_t off, std::uint32_t v) const { store_le(off, v, 4); }
  void set_le64(std::size_t off, std::uint64_t v) const { store_le(off, v, 8); }

  // Copies `src` to offset `off`; the destination range must fit.
  void copy_from(std::size_t off, bytes src) const {
    FATA_ASSERT(off <= _size && src.size() <= _size - off);
    if (!src.empty()) std::memmove(_data + off, src.data(), src.size());
  }
  void fill(std::byte v) const {
    if (_size != 0) std::memset(_data, static_cast<int>(v), _size);
  }

 private:
  void store_be(std::size_t off, std::uint64_t v, std::size_t n) const {
    FATA_ASSERT(off <= _size && n <= _size - off);
    for (std::size_t i = n; i-- > 0;) {
      _data[off + i] = static_cast<std::byte>(v & 0xff);
      v >>= 8;
    }
  }
  void store_le(std::size_t off, std::uint64_t v, std::size_t n) const {
    FATA_ASSERT(off <= _size && n <= _size - off);
    for (std::size_t i = 0; i < n; ++i) {
      _data[off + i] = static_cast<std::byte>(v & 0xff);
      v >>= 8;
    }
  }
};

// An owned, fixed-size, heap-allocated byte array. Moving transfers
// ownership; views taken from it are valid while it lives. Allocation
// failure yields an empty buffer (`valid()` is false), never an abort, so
// the data path can drop and count instead of crashing.
class buffer {
 public:
  buffer() = default;
  explicit buffer(std::size_t size)
      : _data(size ? new (std::nothrow) std::byte[size] : nullptr),
        _size(_data ? size : 0),
        _failed(size != 0 && !_data) {}
  buffer(buffer&& o) noexcept
      : _data(std::move(o._data)), _size(std::exchange(o._size, 0)),
        _failed(std::exchange(o._failed, false)) {}
  buffer& operator=(buffer&& o) noexcept {
    _data = std::move(o._data);
    _size = std::exchange(o._size, 0);
    _failed = std::exchange(o._failed, false);
    return *this;
  }

  // A copy of `src`.
  static buffer copy_of(bytes src) {
    buffer b(src.size());
    if (b.size() == src.size() && !src.empty()) std::memcpy(b.data(), src.data(), src.size());
    return b;
  }

  // False when the allocation failed.
  bool valid() const { return !_failed; }
  std::byte* data() const { return _data.get(); }
  std::size_t size() const { return _size; }
  bool empty() const { return _size == 0; }
  mut_bytes view() const { return {_data.get(), _size}; }
  operator mut_bytes() const { return view(); }
  operator bytes() const { return {_data.get(), _size}; }

 private:
  std::unique_ptr<std::byte[]> _data;
  std::size_t _size = 0;
  bool _failed = false;
};

// Walks a gather list (a packet as several views) in consecutive slices
// without copying: how a packet is cut into fragments.
class gather_cursor {
 public:
  explicit gather_cursor(std::span<const bytes> parts) : _parts(parts) {}
  // The next `n` bytes as views into the parts, written to `out`; returns
  // how many views. Contract: that many bytes remain, and `out` holds the
  // views they span.
  std::size_t take(std::size_t n, std::span<bytes> out) {
    std::size_t count = 0;
    while (n > 0) {
      FATA_ASSERT(_part < _parts.size() && count < out.size());
      const std::size_t take = std::min(_parts[_part].size() - _offset, n);
      if (take > 0) out[count++] = _parts[_part].sub(_offset, take);
      n -= take;
      _offset += take;
      if (_offset == _parts[_part].size()) {
        ++_part;
        _offset = 0;
      }
    }
    return count;
  }

 private:
  std::span<const bytes> _parts;
  std::size_t _part = 0;
  std::size_t _offset = 0;
};

}  // namespace fata
