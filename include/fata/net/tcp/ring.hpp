// A bounded byte ring that allocates only what it holds: the storage under
// TCP's send and receive buffers.
//
// The ring holds at most `limit()` bytes. Storage starts empty and grows by
// doubling (at least min_storage bytes) up to the limit as data arrives, so
// an idle connection costs nothing and a busy one settles at the size its
// traffic needs; `release()` frees it when nothing is held. Allocation
// failure is reported as "no room" (fewer bytes accepted), never an abort.
// Storage is charged to a memory budget (TCP's, shared by every
// connection) when one is given: a budget that is spent is "no room" too.
//
// Besides appending at the end, bytes can be written at any offset below
// the limit (`write_at`) and made readable later (`commit`): the receive
// buffer stores out-of-order segments in place this way.
#pragma once

#include <array>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <utility>

#include <fata/core/assert.hpp>
#include <fata/core/budget.hpp>
#include <fata/core/bytes.hpp>

namespace fata::net::tcp {

class byte_ring {
 public:
  static constexpr std::size_t min_storage = 2048;

  explicit byte_ring(std::size_t limit = 0, memory_budget* budget = nullptr)
      : _limit(limit), _budget(budget) {}
  byte_ring(byte_ring&& o) noexcept { take(o); }
  byte_ring& operator=(byte_ring&& o) noexcept {
    if (this != &o) {
      free_storage();
      take(o);
    }
    return *this;
  }
  byte_ring(const byte_ring&) = delete;
  byte_ring& operator=(const byte_ring&) = delete;
  ~byte_ring() { free_storage(); }

  std::size_t size() const { return _len; }
  bool empty() const { return _len == 0; }
  // Nothing held or written ahead: release() would free the storage.
  bool idle() const { return _extent == 0; }
  std::size_t limit() const { return _limit; }
  std::size_t free() const { return _limit - _len; }
  // Bytes of storage allocated now.
  std::size_t storage() const { return _cap; }
  // Changes the limit. Contract: not below what is held or written.
  void set_limit(std::size_t limit) {
    FATA_ASSERT(limit >= _extent && limit >= _len);
    _limit = limit;
  }

  // Appends as much of `data` as fits; returns how many bytes.
  std::size_t append(bytes data) {
    std::size_t n = data.size() < free() ? data.size() : free();
    if (n == 0) return 0;
    if (!write_at(_len, data.first(n))) return 0;
    _len += n;
    return n;
  }

  // Writes `data` at offset `off` from the read position. Contract:
  // off + data.size() <= limit(). False if storage could not grow.
  bool write_at(std::size_t off, bytes data) {
    FATA_ASSERT(off <= _limit && data.size() <= _limit - off);
    if (data.empty()) return true;
    if (!reserve(off + data.size())) return false;
    const std::size_t start = (_head + off) % _cap;
    const std::size_t first = data.size() < _cap - start ? data.size() : _cap - start;
    std::memcpy(_data.get() + start, data.data(), first);
    if (first < data.size()) std::memcpy(_data.get(), data.data() + first, data.size() - first);
    if (off + data.size() > _extent) _extent = off + data.size();
    return true;
  }

  // Makes `n` more bytes readable (written before with write_at).
  void commit(std::size_t n) {
    FATA_ASSERT(_len + n <= _extent);
    _len += n;
  }

  // Copies out up to out.size() bytes and consumes them.
  std::size_t read(mut_bytes out) {
    const std::size_t n = out.size() < _len ? out.size() : _len;
    if (n == 0) return 0;
    auto parts = peek(0, n);
    std::memcpy(out.data(), parts[0].data(), parts[0].size());
    if (!parts[1].empty()) std::memcpy(out.data() + parts[0].size(), parts[1].data(), parts[1].size());
    consume(n);
    return n;
  }

  // [off, off + len) of the held (or written) bytes, in at most two pieces.
  std::array<bytes, 2> peek(std::size_t off, std::size_t len) const {
    FATA_ASSERT(off <= _extent && len <= _extent - off);
    if (len == 0) return {};
    const std::size_t start = (_head + off) % _cap;
    const std::size_t first = len < _cap - start ? len : _cap - start;
    return {bytes(_data.get() + start, first), bytes(_data.get(), len - first)};
  }

  // Drops the first n readable bytes.
  void consume(std::size_t n) {
    FATA_ASSERT(n <= _len);
    if (n == 0) return;
    _head = (_head + n) % _cap;
    _len -= n;
    _extent -= n;
    if (_extent == 0) _head = 0;
  }

  // Frees the storage if nothing is held or written.
  void release() {
    if (_extent != 0) return;
    free_storage();
  }

 private:
  bool reserve(std::size_t need) {
    if (need <= _cap) return true;
    std::size_t cap = _cap * 2 > min_storage ? _cap * 2 : min_storage;
    if (cap < need) cap = need;
    if (cap > _limit) cap = _limit;
    // The new storage is charged whole while the old one is still held:
    // both exist during the copy.
    if (_budget && !_budget->try_charge(cap)) return false;
    std::unique_ptr<std::byte[]> fresh(new (std::nothrow) std::byte[cap]);
    if (!fresh) {
      if (_budget) _budget->release(cap);
      return false;
    }
    if (_extent != 0) {
      auto parts = peek(0, _extent);
      std::memcpy(fresh.get(), parts[0].data(), parts[0].size());
      if (!parts[1].empty()) std::memcpy(fresh.get() + parts[0].size(), parts[1].data(), parts[1].size());
    }
    if (_budget) _budget->release(_cap);
    _data = std::move(fresh);
    _cap = cap;
    _head = 0;
    return true;
  }

  void free_storage() {
    if (_budget) _budget->release(_cap);
    _data.reset();
    _cap = 0;
    _head = 0;
  }

  void take(byte_ring& o) {
    _data = std::move(o._data);
    _cap = std::exchange(o._cap, 0);
    _head = std::exchange(o._head, 0);
    _len = std::exchange(o._len, 0);
    _extent = std::exchange(o._extent, 0);
    _limit = o._limit;
    _budget = o._budget;
  }

  std::unique_ptr<std::byte[]> _data;
  std::size_t _cap = 0;
  std::size_t _head = 0;
  std::size_t _len = 0;
  std::size_t _extent = 0;  // bytes written from the read position (>= _len)
  std::size_t _limit = 0;
  memory_budget* _budget = nullptr;
};

}  // namespace fata::net::tcp
