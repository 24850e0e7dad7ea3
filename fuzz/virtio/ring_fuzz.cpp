// Fuzz target: the virtio drivers' used-ring checks (platform/virtio/
// ring_check.hpp) against a hostile device. The input is a queue size and
// a program of steps, each one of:
//   post     the driver gives a chain head with some writable bytes;
//   write    the device writes any id and length into any used slot;
//   publish  the device moves its used index by any amount (back too);
//   consume  the driver takes what the index announces, as virtqueue does.
// A reference model (which heads the device holds, and their sizes)
// checks every answer: only held heads come back, each once per post,
// never with a length beyond its chain; the counters add up; a jump past
// what is in flight breaks the queue for good.
#include "ring_check.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../net/fuzz_common.hpp"

namespace {

using namespace fata::virtio;

struct reader {
  const std::uint8_t* p;
  std::size_t n;
  bool empty() const { return n == 0; }
  std::uint8_t u8() {
    if (n == 0) return 0;
    --n;
    return *p++;
  }
  std::uint16_t u16() { return static_cast<std::uint16_t>(u8() | u8() << 8); }
  std::uint32_t u32() { return u16() | std::uint32_t(u16()) << 16; }
};

struct device_ring {
  std::array<std::uint32_t, max_queue_entries> id{};
  std::array<std::uint32_t, max_queue_entries> len{};
  std::uint16_t idx = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  reader in{data, size};
  const std::uint16_t queue = static_cast<std::uint16_t>(1u << (in.u8() % 9));  // 1..256
  used_checker c;
  FUZZ_CHECK(c.reset(queue));
  device_ring dev;
  std::array<std::int64_t, max_queue_entries> model;  // writable bytes, -1: not held
  model.fill(-1);
  std::uint16_t held = 0;
  std::uint16_t consumed_slots = 0;
  bool broken = false;
  std::uint64_t good = 0, skipped = 0, bad_len = 0;

  for (int step = 0; step < 4096 && !in.empty(); ++step) {
    switch (in.u8() % 4) {
      case 0: {  // post
        const std::uint16_t head = static_cast<std::uint16_t>(in.u16() % (queue + 2));
        const std::uint32_t writable = in.u8() % 4 == 0 ? 0 : in.u16();
        const bool expect = head < queue && model[head] < 0;
        FUZZ_CHECK(c.posted(head, writable) == expect);
        if (expect) {
          model[head] = writable;
          ++held;
        }
        break;
      }
      case 1: {  // the device writes a used slot
        const std::uint16_t slot = static_cast<std::uint16_t>(in.u8() % queue);
        const std::uint8_t kind = in.u8();
        std::uint32_t id;
        if (kind % 3 == 0) id = in.u8() % queue;  // plausible
        else id = in.u32();                      // anything
        dev.id[slot] = id;
        dev.len[slot] = kind % 5 == 0 ? in.u32() : in.u16();
        break;
      }
      case 2: {  // the device publishes a used index
        const std::uint8_t how = in.u8();
        if (how % 4 == 0) dev.idx = in.u16();  // anywhere
        else dev.idx = static_cast<std::uint16_t>(dev.idx + how % 8);
        break;
      }
      case 3: {  // the driver consumes, as virtqueue::take_used does
        for (std::uint16_t guard = 0; guard <= queue; ++guard) {
          const auto announced = static_cast<std::uint16_t>(dev.idx - consumed_slots);
          const std::uint16_t n = c.pending(dev.idx);
          if (broken) {
            FUZZ_CHECK(n == 0);
            break;
          }
          if (announced > held) {
            FUZZ_CHECK(n == 0 && c.broken());
            broken = true;
            break;
          }
          FUZZ_CHECK(n == announced);
          if (n == 0) break;
          const std::uint16_t slot = static_cast<std::uint16_t>(consumed_slots % queue);
          FUZZ_CHECK(c.last_used() == consumed_slots);
          const std::uint32_t id = dev.id[slot], len = dev.len[slot];
          auto e = c.take(id, len);
          ++consumed_slots;
          if (id >= queue || model[id] < 0) {
            FUZZ_CHECK(!e);
            ++skipped;
            continue;
          }
          FUZZ_CHECK(e && e->head == id);
          const bool fits = std::int64_t(len) <= model[id];
          FUZZ_CHECK(e->length_ok == fits);
          FUZZ_CHECK(e->len == (fits ? len : 0));
          FUZZ_CHECK(e->len <= static_cast<std::uint64_t>(model[id]));
          bad_len += !fits;
          ++good;
          model[id] = -1;
          --held;
        }
        break;
      }
    }
    FUZZ_CHECK(c.in_flight() == held);
    FUZZ_CHECK(c.broken() == broken);
    for (std::uint16_t h = 0; h < queue; ++h) FUZZ_CHECK(c.holds(h) == (model[h] >= 0));
    const ring_counters& k = c.counters();
    FUZZ_CHECK(k.bad_id + k.not_in_flight == skipped);
    FUZZ_CHECK(k.bad_length == bad_len);
    FUZZ_CHECK(k.index_jumps == (broken ? 1u : 0u));
    (void)good;
  }
  return 0;
}
