// The platform ABI's devices on virtio: network interfaces (virtio-net),
// disks (virtio-blk) and entropy (RDSEED/RDRAND, else virtio-rng), plus
// yield, which halts the CPU until a device interrupt or the LAPIC timer.
#include <fata/platform/abi.hpp>

#include <cstring>

#include <fata/platform/virtio.hpp>

#include "arch.hpp"
#include "kernel.hpp"
#include "pci.hpp"
#include "ring_check.hpp"
#include "virtio.hpp"

namespace fata::virtio {

namespace {

using platform::status;

// --- Handles ---------------------------------------------------------------------

constexpr std::size_t max_handles = 16;
constexpr std::size_t max_name = 32;

struct net_device;
struct block_device;

struct handle_slot {
  net_device* net = nullptr;
  block_device* block = nullptr;
  char name[max_name] = {};
};
handle_slot handles[max_handles];
std::size_t handle_count = 0;

bool name_taken(std::string_view name, bool net) {
  for (std::size_t i = 0; i < handle_count; ++i)
    if ((net ? handles[i].net != nullptr : handles[i].block != nullptr) && std::string_view(handles[i].name) == name)
      return true;
  return false;
}

// Picks the device of `type` that `resource` names: a decimal index among
// devices of that type; anything else (empty, or a host-side name such as
// the disk file or TAP interface `fata run` was given) the next unclaimed
// one. MAC addresses are matched by the caller.
transport* pick(device_type type, std::string_view resource) {
  std::size_t index = 0;
  bool by_index = !resource.empty();
  for (char c : resource) {
    if (c < '0' || c > '9') {
      by_index = false;
      break;
    }
    index = index * 10 + static_cast<std::size_t>(c - '0');
  }
  std::size_t seen = 0;
  for (transport& t : virtio_devices()) {
    if (t.type != type) continue;
    if (!by_index && !t.claimed) return &t;
    if (by_index && seen == index) return t.claimed ? nullptr : &t;
    ++seen;
  }
  return nullptr;
}

bool parse_mac(std::string_view s, std::uint8_t mac[6]) {
  if (s.size() != 17) return false;
  for (int i = 0; i < 6; ++i) {
    std::uint8_t v = 0;
    for (int j = 0; j < 2; ++j) {
      const char c = s[static_cast<std::size_t>(3 * i + j)];
      v = static_cast<std::uint8_t>(v << 4);
      if (c >= '0' && c <= '9') v |= static_cast<std::uint8_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<std::uint8_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<std::uint8_t>(c - 'A' + 10);
      else return false;
    }
    if (i < 5 && s[static_cast<std::size_t>(3 * i + 2)] != ':') return false;
    mac[i] = v;
  }
  return true;
}

platform::handle add_handle(std::string_view name, net_device* n, block_device* b) {
  handle_slot& s = handles[handle_count];
  s.net = n;
  s.block = b;
  const std::size_t len = name.size() < max_name - 1 ? name.size() : max_name - 1;
  std::memcpy(s.name, name.data(), len);
  return static_cast<platform::handle>(handle_count++);
}

bool random_hw(std::span<std::byte> out);

// --- virtio-net (virtio 1.2 section 5.1) ---------------------------------------

constexpr std::uint64_t net_f_mtu = 1ull << 3, net_f_mac = 1ull << 5;
constexpr std::size_t net_buffer = 2048;
constexpr std::uint16_t net_queue_max = 256;

struct net_device {
  transport* t = nullptr;
  virtqueue rx, tx;
  std::uint8_t* rx_buffers = nullptr;
  std::uint8_t* tx_buffers = nullptr;
  std::uint16_t* tx_free = nullptr;
  std::uint16_t tx_free_count = 0;
  std::size_t header = 12;  // virtio_net_hdr; 10 bytes on a legacy device
  bool interrupts = false;
  bool reset_done = false;  // given up (net_check_broken)
  std::uint64_t rx_bad_headers = 0;  // runts, offloads not negotiated (ring_check.hpp)
  platform::net_info info{};

  bool broken() const { return rx.broken() || tx.broken(); }
};

// A queue found broken: give up on the whole device (reset, so that it
// stops writing into its buffers; they stay allocated, nothing reuses them).
void net_check_broken(net_device& d) {
  if (!d.broken() || d.reset_done) return;
  d.reset_done = true;
  // The broken queue has said why; the other one goes with it.
  (d.rx.broken() ? d.tx : d.rx).give_up("stops with the other queue");
}

void net_reclaim(net_device& d) {
  // The checker hands back only heads the device held, each once, so the
  // free list cannot overflow; the bound is kept anyway.
  while (auto e = d.tx.take_used())
    if (d.tx_free_count < d.tx.size()) d.tx_free[d.tx_free_count++] = e->head;
  net_check_broken(d);
}

status net_setup(transport& t, const std::uint8_t* want_mac, net_device* d);

// Opens the device, or frees what it took and says why not.
status net_open(transport& t, const std::uint8_t* want_mac, net_device** out) {
  void* memory = heap_alloc(sizeof(net_device), 16);
  if (!memory) return status::error;
  auto* d = new (memory) net_device;
  const status s = net_setup(t, want_mac, d);
  if (s != status::ok) {
    heap_free(d->rx_buffers);
    heap_free(d->tx_buffers);
    heap_free(d->tx_free);
    heap_free(d);
    return s;
  }
  *out = d;
  return status::ok;
}

status net_setup(transport& t, const std::uint8_t* want_mac, net_device* d) {
  bool ok;
  const std::uint64_t f = t.begin(net_f_mac | net_f_mtu, &ok);
  if (!ok) return status::error;
  d->t = &t;
  d->header = t.modern ? 12 : 10;
  if (f & net_f_mac) {
    for (std::uint32_t i = 0; i < 6; ++i) d->info.mac[i] = t.config8(i);
  } else {
    std::byte r[6];
    if (!random_hw(r)) {
      const std::uint64_t tsc = arch::rdtsc();
      std::memcpy(r, &tsc, 6);
    }
    std::memcpy(d->info.mac, r, 6);
    d->info.mac[0] = static_cast<std::uint8_t>((d->info.mac[0] & 0xfe) | 0x02);
  }
  if (want_mac && std::memcmp(want_mac, d->info.mac, 6) != 0) {
    t.fail();
    return status::unavailable;
  }
  // virtio 1.2 §5.1.4.1: an offered MTU is 68 to 65535; capped at what a
  // receive buffer holds.
  const auto mtu = net_mtu((f & net_f_mtu) != 0, (f & net_f_mtu) ? t.config16(10) : 0,
                           static_cast<std::uint16_t>(net_buffer - 64));
  if (!mtu) {
    out() << "fata: virtio-net: the device offers an MTU below 68; not used\n";
    t.fail();
    return status::error;
  }
  d->info.mtu = *mtu;
  d->interrupts = t.enable_interrupts();
  if (!d->rx.init(t, 0, net_queue_max, true) || !d->tx.init(t, 1, net_queue_max, false)) {
    t.fail();
    return status::error;
  }
  const std::uint16_t nrx = d->rx.size(), ntx = d->tx.size();
  d->rx_buffers = static_cast<std::uint8_t*>(heap_alloc(std::size_t(nrx) * net_buffer, 4096));
  d->tx_buffers = static_cast<std::uint8_t*>(heap_alloc(std::size_t(ntx) * net_buffer, 4096));
  d->tx_free = static_cast<std::uint16_t*>(heap_alloc(sizeof(std::uint16_t) * ntx, 16));
  if (!d->rx_buffers || !d->tx_buffers || !d->tx_free) {
    t.fail();
    return status::error;
  }
  for (std::uint16_t i = 0; i < nrx; ++i) {
    virtq_desc& desc = d->rx.desc(i);
    desc.addr = reinterpret_cast<std::uint64_t>(d->rx_buffers + std::size_t(i) * net_buffer);
    desc.len = net_buffer;
    desc.flags = desc_write;
    d->rx.add(i, net_buffer);
  }
  for (std::uint16_t i = 0; i < ntx; ++i) {
    d->tx.desc(i).addr = reinterpret_cast<std::uint64_t>(d->tx_buffers + std::size_t(i) * net_buffer);
    d->tx_free[d->tx_free_count++] = i;
  }
  t.driver_ok();
  d->rx.kick();
  t.claimed = true;
  return status::ok;
}

// --- virtio-blk (virtio 1.2 section 5.2) ---------------------------------------

constexpr std::uint64_t blk_f_ro = 1ull << 5, blk_f_blk_size = 1ull << 6;
constexpr std::uint32_t blk_in = 0, blk_out = 1;
constexpr std::size_t blk_chunk = 1 << 20;

// A request the device has not completed after this long is abandoned: the
// device is reset (so that it cannot write into the caller's buffer later)
// and no longer used.
constexpr std::int64_t blk_timeout_ns = 30'000'000'000;

struct block_device {
  transport* t = nullptr;
  virtqueue q;
  std::uint8_t* request = nullptr;  // 16-byte header, then the status byte
  std::uint64_t failed_requests = 0;  // status not OK, short transfers, timeouts
  platform::block_info info{};
};


status block_open(transport& t, block_device** out) {
  auto* d = new (heap_alloc(sizeof(block_device), 16)) block_device;
  if (!d) return status::error;
  bool ok;
  const std::uint64_t f = t.begin(blk_f_ro | blk_f_blk_size, &ok);
  if (!ok) return status::error;
  d->t = &t;
  const block_geometry g = block_geometry_of(t.config64(0), (f & blk_f_blk_size) != 0,
                                             (f & blk_f_blk_size) ? t.config32(20) : 0);
  d->info.capacity = g.capacity;
  d->info.block_size = g.block_size;
  d->info.read_only = (f & blk_f_ro) != 0;
  d->request = static_cast<std::uint8_t*>(heap_alloc(32, 16));
  // Requests are synchronous and polled: no interrupts.
  if (!d->request || !d->q.init(t, 0, 16, false)) {
    t.fail();
    return status::error;
  }
  t.driver_ok();
  t.claimed = true;
  *out = d;
  return status::ok;
}

status block_io(block_device& d, std::uint32_t type, std::uint64_t offset, std::uint8_t* data, std::size_t size) {
  if (d.q.broken()) return status::error;
  while (size > 0) {
    const std::size_t n = size < blk_chunk ? size : blk_chunk;
    const std::uint64_t sector = offset / 512;
    std::memcpy(d.request, &type, 4);
    std::memset(d.request + 4, 0, 4);
    std::memcpy(d.request + 8, &sector, 8);
    d.request[16] = 0xff;
    virtq_desc& h = d.q.desc(0);
    h = {reinterpret_cast<std::uint64_t>(d.request), 16, desc_next, 1};
    virtq_desc& b = d.q.desc(1);
    b = {reinterpret_cast<std::uint64_t>(data), static_cast<std::uint32_t>(n),
         static_cast<std::uint16_t>(desc_next | (type == blk_in ? desc_write : 0)), 2};
    virtq_desc& s = d.q.desc(2);
    s = {reinterpret_cast<std::uint64_t>(d.request + 16), 1, desc_write, 0};
    // The device writes the data of a read, and the status byte.
    const auto writable = static_cast<std::uint32_t>((type == blk_in ? n : 0) + 1);
    if (!d.q.submit(0, writable)) return status::error;
    const std::int64_t give_up = platform::monotonic_ns() + blk_timeout_ns;
    std::optional<used_entry> done;
    for (;;) {
      done = d.q.take_used();
      if (done) break;
      if (d.q.broken()) {
        d.q.give_up("is broken");  // it may hold the caller's buffer: reset
        return status::error;
      }
      if (platform::monotonic_ns() > give_up) {
        ++d.failed_requests;
        d.q.give_up("did not complete a request within 30 s");
        return status::error;
      }
      arch::pause();
    }
    arch::barrier();
    // The only chain in flight is head 0 (the checker returns nothing else).
    const blk_verdict v = done->length_ok ? check_blk(d.request[16], done->len, writable)
                                          : blk_verdict::short_transfer;
    if (v != blk_verdict::ok) {
      ++d.failed_requests;
      return status::error;
    }
    data += n;
    offset += n;
    size -= n;
  }
  return status::ok;
}

bool block_range_ok(const block_device& d, std::uint64_t offset, std::size_t size) {
  const std::uint64_t bs = d.info.block_size;
  return offset % bs == 0 && size % bs == 0 && offset <= d.info.capacity && size <= d.info.capacity - offset;
}

// --- Entropy -------------------------------------------------------------------

bool rdseed64(std::uint64_t* v) {
  for (int i = 0; i < 100; ++i) {
    unsigned char ok;
    asm volatile("rdseed %0; setc %1" : "=r"(*v), "=qm"(ok));
    if (ok) return true;
    arch::pause();
  }
  return false;
}

bool rdrand64(std::uint64_t* v) {
  for (int i = 0; i < 10; ++i) {
    unsigned char ok;
    asm volatile("rdrand %0; setc %1" : "=r"(*v), "=qm"(ok));
    if (ok) return true;
  }
  return false;
}

bool random_hw(std::span<std::byte> out) {
  const bool has_rdseed = arch::cpuid(0).eax >= 7 && (arch::cpuid(7).ebx & (1u << 18));
  const bool has_rdrand = arch::cpuid(1).ecx & (1u << 30);
  if (!has_rdseed && !has_rdrand) return false;
  for (std::size_t i = 0; i < out.size(); i += 8) {
    std::uint64_t v;
    if (!(has_rdseed && rdseed64(&v)) && !(has_rdrand && rdrand64(&v))) return false;
    const std::size_t n = out.size() - i < 8 ? out.size() - i : 8;
    std::memcpy(out.data() + i, &v, n);
  }
  return true;
}

// virtio-rng (§5.4) answers into a buffer of its own, never the caller's:
// a device that answers late must not write into memory since reused. A
// device that gives nothing within rng_timeout_ns (a host backend that
// never produces) is given up for good, so entropy is `unavailable` at
// once from then on rather than a wait on every call.
constexpr std::int64_t rng_timeout_ns = 1'000'000'000;
constexpr std::uint32_t rng_chunk = 64;

struct rng_device {
  transport* t = nullptr;
  virtqueue q;
  bool failed = false;
  std::uint64_t bad_answers = 0;  // lengths beyond the request
  alignas(64) std::uint8_t bounce[rng_chunk] = {};
};
rng_device rng;

void rng_give_up(const char* why) {
  rng.failed = true;
  rng.q.give_up(why);
}

bool random_virtio(std::span<std::byte> out) {
  if (rng.failed) return false;
  if (!rng.t) {
    transport* t = pick(device_type::entropy, "");
    bool ok = t != nullptr;
    if (ok) t->begin(0, &ok);
    if (!ok || !rng.q.init(*t, 0, 4, false)) {
      if (t) t->fail();
      rng.failed = true;
      return false;
    }
    t->driver_ok();
    t->claimed = true;
    rng.t = t;
  }
  // One deadline for the whole call: a device answering with 0 bytes over
  // and over must not hold it either.
  const std::int64_t give_up = platform::monotonic_ns() + rng_timeout_ns;
  std::size_t done = 0;
  while (done < out.size()) {
    if (!rng.q.holds(0)) {
      rng.q.desc(0) = {reinterpret_cast<std::uint64_t>(rng.bounce), rng_chunk, desc_write, 0};
      if (!rng.q.submit(0, rng_chunk)) return false;
    }
    std::optional<used_entry> got;
    for (;;) {
      got = rng.q.take_used();
      if (got || rng.q.broken()) break;
      if (platform::monotonic_ns() > give_up) {
        rng_give_up("gave no entropy within 1 s: no entropy source");
        return false;
      }
      arch::pause();
    }
    if (!got) {
      rng_give_up("is broken: no entropy source");
      return false;
    }
    arch::barrier();
    if (!got->length_ok) {
      ++rng.bad_answers;
    } else {
      const std::size_t n = got->len < out.size() - done ? got->len : out.size() - done;
      std::memcpy(out.data() + done, rng.bounce, n);
      done += n;
    }
    if (done < out.size() && platform::monotonic_ns() > give_up) {
      rng_give_up("gave too little entropy within 1 s: no entropy source");
      return false;
    }
  }
  std::memset(rng.bounce, 0, sizeof rng.bounce);
  return true;
}

}  // namespace

}  // namespace fata::virtio

namespace fata::platform {

using namespace fata::virtio;

status net_acquire(std::string_view name, std::string_view resource, handle* h, net_info* info) {
  if (!h || !info || handle_count == max_handles || name_taken(name, true)) return status::invalid;
  std::uint8_t mac[6];
  const bool by_mac = parse_mac(resource, mac);
  net_device* d = nullptr;
  if (by_mac) {
    // Try each unclaimed device until one has this MAC.
    status s = status::unavailable;
    for (transport& t : virtio_devices()) {
      if (t.type != device_type::net || t.claimed) continue;
      s = net_open(t, mac, &d);
      if (s == status::ok) break;
    }
    if (s != status::ok) return s == status::unavailable ? s : status::error;
  } else {
    transport* t = pick(device_type::net, resource);
    if (!t) return status::unavailable;
    const status s = net_open(*t, nullptr, &d);
    if (s != status::ok) return s;
  }
  *info = d->info;
  *h = add_handle(name, d, nullptr);
  return status::ok;
}

status net_write(handle h, std::span<const std::byte> frame) {
  if (h >= handle_count || !handles[h].net) return status::invalid;
  net_device& d = *handles[h].net;
  if (frame.size() + d.header > net_buffer || frame.size() < 14) return status::invalid;
  net_reclaim(d);
  if (d.broken()) return status::error;
  if (d.tx_free_count == 0) return status::again;
  const std::uint16_t i = d.tx_free[--d.tx_free_count];
  std::uint8_t* buffer = d.tx_buffers + std::size_t(i) * net_buffer;
  std::memset(buffer, 0, d.header);  // no offloads
  std::memcpy(buffer + d.header, frame.data(), frame.size());
  virtq_desc& desc = d.tx.desc(i);
  desc.len = static_cast<std::uint32_t>(d.header + frame.size());
  desc.flags = 0;
  if (!d.tx.submit(i, 0)) return status::error;  // the device writes nothing of a frame sent
  return status::ok;
}

status net_read(handle h, std::span<std::byte> buffer, std::size_t* size) {
  if (h >= handle_count || !handles[h].net || !size) return status::invalid;
  net_device& d = *handles[h].net;
  const auto e = d.rx.take_used();
  if (!e) {
    net_check_broken(d);
    return d.broken() ? status::error : status::again;
  }
  const std::uint8_t* raw = d.rx_buffers + std::size_t(e->head) * net_buffer;
  // The length is within the buffer (checked); the header must be one we
  // negotiated, the frame at least an Ethernet header. Else dropped,
  // counted, and the buffer given back.
  const bool good = e->length_ok && check_rx(raw, e->len, d.header) == rx_verdict::ok;
  const std::size_t n = good ? e->len - d.header : 0;
  status s = status::ok;
  if (!good) {
    ++d.rx_bad_headers;
    s = status::again;
  } else if (n > buffer.size()) {
    s = status::invalid;  // the caller's buffer is smaller than the ABI asks; frame dropped
  } else {
    std::memcpy(buffer.data(), raw + d.header, n);
    *size = n;
  }
  d.rx.desc(e->head).len = net_buffer;
  d.rx.desc(e->head).flags = desc_write;
  d.rx.submit(e->head, net_buffer);
  return s;
}

status block_acquire(std::string_view name, std::string_view resource, handle* h, block_info* info) {
  if (!h || !info || handle_count == max_handles || name_taken(name, false)) return status::invalid;
  transport* t = pick(device_type::block, resource);
  if (!t) return status::unavailable;
  block_device* d = nullptr;
  const status s = block_open(*t, &d);
  if (s != status::ok) return s;
  *info = d->info;
  *h = add_handle(name, nullptr, d);
  return status::ok;
}

status block_write(handle h, std::uint64_t offset, std::span<const std::byte> data) {
  if (h >= handle_count || !handles[h].block) return status::invalid;
  block_device& d = *handles[h].block;
  if (d.info.read_only || !block_range_ok(d, offset, data.size())) return status::invalid;
  return block_io(d, blk_out, offset,
                  const_cast<std::uint8_t*>(reinterpret_cast<const std::uint8_t*>(data.data())), data.size());
}

status block_read(handle h, std::uint64_t offset, std::span<std::byte> data) {
  if (h >= handle_count || !handles[h].block) return status::invalid;
  block_device& d = *handles[h].block;
  if (!block_range_ok(d, offset, data.size())) return status::invalid;
  return block_io(d, blk_in, offset, reinterpret_cast<std::uint8_t*>(data.data()), data.size());
}

status random_bytes(std::span<std::byte> out) {
  if (random_hw(out) || random_virtio(out)) return status::ok;
  return status::unavailable;
}

int yield(std::int64_t deadline_ns, std::span<handle> ready) {
  std::size_t nets = 0;
  bool polled_device = false;
  for (std::size_t i = 0; i < handle_count; ++i)
    if (handles[i].net) {
      ++nets;
      polled_device = polled_device || !handles[i].net->interrupts;
    }
  if (deadline_ns == INT64_MAX && nets == 0) return -1;
  for (;;) {
    int n = 0;
    for (std::size_t i = 0; i < handle_count && static_cast<std::size_t>(n) < ready.size(); ++i)
      if (handles[i].net && handles[i].net->rx.has_used()) ready[static_cast<std::size_t>(n++)] = static_cast<handle>(i);
    // A broken queue never reports ready (has_used is false): it is
    // reset once here so that it stops.
    for (std::size_t i = 0; i < handle_count; ++i)
      if (handles[i].net) net_check_broken(*handles[i].net);
    if (n > 0) return n;
    const std::int64_t now = monotonic_ns();
    if (now >= deadline_ns) return 0;
    std::int64_t wait = deadline_ns == INT64_MAX ? INT64_MAX : deadline_ns - now;
    // A device without interrupts is polled every millisecond.
    if (polled_device && wait > 1'000'000) wait = 1'000'000;
    if (!lapic_present()) {
      arch::pause();  // no timer to wake us: poll
      continue;
    }
    if (wait != INT64_MAX) lapic_arm(wait);
    arch::sti_hlt_cli();
  }
}

}  // namespace fata::platform

namespace fata::platform::virtio {

bool device_statistics(std::uint32_t h, device_counters* out) {
  using fata::virtio::handle_count;
  using fata::virtio::handles;
  if (!out || h >= handle_count) return false;
  device_counters c;
  auto add = [&c](const fata::virtio::virtqueue& q) {
    c.bad_used_ids += q.counters().bad_id + q.counters().not_in_flight;
    c.bad_lengths += q.counters().bad_length;
    c.broken = c.broken || q.broken();
  };
  if (const auto* n = handles[h].net) {
    add(n->rx);
    add(n->tx);
    c.bad_frames = n->rx_bad_headers;
  } else if (const auto* b = handles[h].block) {
    add(b->q);
    c.failed_requests = b->failed_requests;
  } else {
    return false;
  }
  *out = c;
  return true;
}

}  // namespace fata::platform::virtio
