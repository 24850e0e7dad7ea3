// The checks the virtio drivers apply to what a device returns
// (platform/virtio/ring_check.hpp), on the host: hostile used rings (ids
// out of range, not in flight, duplicated, lengths beyond the buffer, an
// index that jumps), configuration values, virtio-net headers and
// virtio-blk completions.
#include "ring_check.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace {

using namespace fata::virtio;

// A checker for a queue of 8 with chains 0..3 posted, 100 writable bytes each.
used_checker with_four_posted() {
  used_checker c;
  EXPECT_TRUE(c.reset(8));
  for (std::uint16_t h = 0; h < 4; ++h) EXPECT_TRUE(c.posted(h, 100));
  return c;
}

TEST(virtio_used_ring, a_good_entry_returns_its_head_and_length) {
  used_checker c = with_four_posted();
  ASSERT_EQ(c.pending(1), 1u);
  auto e = c.take(2, 60);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->head, 2u);
  EXPECT_EQ(e->len, 60u);
  EXPECT_TRUE(e->length_ok);
  EXPECT_EQ(c.in_flight(), 3u);
  EXPECT_FALSE(c.holds(2));
  EXPECT_EQ(c.pending(1), 0u);
}

TEST(virtio_used_ring, an_id_beyond_the_queue_is_skipped_and_counted) {
  used_checker c = with_four_posted();
  ASSERT_EQ(c.pending(2), 2u);
  EXPECT_FALSE(c.take(8, 10));
  EXPECT_FALSE(c.take(0x10000, 10));  // the high half of the 32-bit id too
  EXPECT_EQ(c.counters().bad_id, 2u);
  EXPECT_EQ(c.in_flight(), 4u);
  EXPECT_FALSE(c.broken());
}

TEST(virtio_used_ring, an_id_not_in_flight_is_skipped_and_counted) {
  used_checker c = with_four_posted();
  ASSERT_EQ(c.pending(1), 1u);
  EXPECT_FALSE(c.take(5, 10));  // in range, never posted
  EXPECT_EQ(c.counters().not_in_flight, 1u);
  EXPECT_EQ(c.in_flight(), 4u);
}

TEST(virtio_used_ring, a_duplicate_id_is_returned_once) {
  used_checker c = with_four_posted();
  ASSERT_EQ(c.pending(2), 2u);
  EXPECT_TRUE(c.take(1, 10));
  EXPECT_FALSE(c.take(1, 10));
  EXPECT_EQ(c.counters().not_in_flight, 1u);
  EXPECT_EQ(c.in_flight(), 3u);
  // Posted again, it may come back again.
  EXPECT_TRUE(c.posted(1, 100));
  ASSERT_EQ(c.pending(3), 1u);
  EXPECT_TRUE(c.take(1, 10));
}

TEST(virtio_used_ring, a_length_beyond_the_buffer_frees_the_head_but_not_the_bytes) {
  used_checker c = with_four_posted();
  ASSERT_EQ(c.pending(1), 1u);
  auto e = c.take(3, 101);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->head, 3u);
  EXPECT_FALSE(e->length_ok);
  EXPECT_EQ(e->len, 0u);
  EXPECT_EQ(c.counters().bad_length, 1u);
  EXPECT_FALSE(c.holds(3));
  // A chain the device may not write at all (a frame sent): any length is bad.
  EXPECT_TRUE(c.posted(3, 0));
  ASSERT_EQ(c.pending(2), 1u);
  EXPECT_FALSE(c.take(3, 1)->length_ok);
}

TEST(virtio_used_ring, an_index_jumping_past_what_is_in_flight_breaks_the_queue) {
  used_checker c = with_four_posted();
  EXPECT_EQ(c.pending(4), 4u);  // all four: fine
  EXPECT_EQ(c.pending(5), 0u);  // five: impossible
  EXPECT_TRUE(c.broken());
  EXPECT_EQ(c.counters().index_jumps, 1u);
  // Broken for good: even a plausible index gives nothing.
  EXPECT_EQ(c.pending(1), 0u);
}

TEST(virtio_used_ring, an_index_moving_backwards_breaks_the_queue) {
  used_checker c = with_four_posted();
  ASSERT_EQ(c.pending(2), 2u);
  ASSERT_TRUE(c.take(0, 1));
  ASSERT_TRUE(c.take(1, 1));
  EXPECT_EQ(c.pending(1), 0u);  // 1 - 2 wraps to 65535 > in flight
  EXPECT_TRUE(c.broken());
}

TEST(virtio_used_ring, indices_wrap_at_65536) {
  used_checker c;
  ASSERT_TRUE(c.reset(4));
  std::uint16_t idx = 0;
  for (int round = 0; round < 70000; ++round) {
    ASSERT_TRUE(c.posted(static_cast<std::uint16_t>(round % 4), 10));
    ++idx;
    ASSERT_EQ(c.pending(idx), 1u) << round;
    ASSERT_TRUE(c.take(static_cast<std::uint32_t>(round % 4), 10));
  }
  EXPECT_FALSE(c.broken());
  EXPECT_EQ(c.last_used(), idx);
}

TEST(virtio_used_ring, the_driver_cannot_post_a_head_twice_or_out_of_range) {
  used_checker c;
  ASSERT_TRUE(c.reset(8));
  EXPECT_TRUE(c.posted(7, 1));
  EXPECT_FALSE(c.posted(7, 1));
  EXPECT_FALSE(c.posted(8, 1));
  EXPECT_FALSE(c.reset(6));    // not a power of two
  EXPECT_FALSE(c.reset(512));  // beyond max_queue_entries
  EXPECT_FALSE(c.reset(0));
}

// --- configuration values --------------------------------------------------------------

TEST(virtio_config, queue_sizes_are_capped_and_powers_of_two) {
  EXPECT_EQ(queue_entries(0, 256), 0u);
  EXPECT_EQ(queue_entries(1024, 256), 256u);
  EXPECT_EQ(queue_entries(0xffff, 256), 256u);
  EXPECT_EQ(queue_entries(0xffff, 0xffff), max_queue_entries);
  EXPECT_EQ(queue_entries(100, 256), 64u);
  EXPECT_EQ(queue_entries(3, 4), 2u);
  EXPECT_EQ(queue_entries(1, 4), 1u);
}

TEST(virtio_config, the_mtu_is_bounded) {
  EXPECT_EQ(net_mtu(false, 0, 1984), 1500);
  EXPECT_EQ(net_mtu(true, 9000, 1984), 1984);
  EXPECT_EQ(net_mtu(true, 1280, 1984), 1280);
  EXPECT_EQ(net_mtu(true, 68, 1984), 68);
  EXPECT_FALSE(net_mtu(true, 67, 1984));
  EXPECT_FALSE(net_mtu(true, 0, 1984));
}

TEST(virtio_config, block_geometry_is_bounded) {
  auto g = block_geometry_of(2048, false, 0);
  EXPECT_EQ(g.capacity, 2048u * 512);
  EXPECT_EQ(g.block_size, 512u);
  EXPECT_EQ(block_geometry_of(2048, true, 4096).block_size, 4096u);
  EXPECT_EQ(block_geometry_of(2048, true, 4095).block_size, 512u);
  EXPECT_EQ(block_geometry_of(2048, true, 1u << 20).block_size, 512u);
  EXPECT_EQ(block_geometry_of(2048, true, 0).block_size, 512u);
  // Rounded down to whole blocks.
  EXPECT_EQ(block_geometry_of(9, true, 4096).capacity, 4096u);
  // A capacity whose byte count would overflow is capped, not wrapped.
  auto huge = block_geometry_of(~std::uint64_t(0), false, 0);
  EXPECT_EQ(huge.capacity, (std::uint64_t(1) << 54) * 512);
}

// --- virtio-net headers -------------------------------------------------------------------

std::array<std::uint8_t, 64> frame_buffer() {
  std::array<std::uint8_t, 64> b{};
  return b;
}

TEST(virtio_net_rx, a_plain_frame_passes) {
  auto b = frame_buffer();
  EXPECT_EQ(check_rx(b.data(), 12 + 14, 12), rx_verdict::ok);
  EXPECT_EQ(check_rx(b.data(), 10 + 60, 10), rx_verdict::ok);
  b[10] = 1;  // num_buffers 1 is what a device without merged buffers may say
  EXPECT_EQ(check_rx(b.data(), 12 + 60, 12), rx_verdict::ok);
}

TEST(virtio_net_rx, a_runt_is_refused) {
  auto b = frame_buffer();
  EXPECT_EQ(check_rx(b.data(), 0, 12), rx_verdict::too_short);
  EXPECT_EQ(check_rx(b.data(), 12 + 13, 12), rx_verdict::too_short);
  EXPECT_EQ(check_rx(b.data(), 10 + 13, 10), rx_verdict::too_short);
}

TEST(virtio_net_rx, offloads_that_were_not_negotiated_are_refused) {
  auto b = frame_buffer();
  b[0] = 1;  // NEEDS_CSUM
  EXPECT_EQ(check_rx(b.data(), 60, 12), rx_verdict::bad_header);
  b = frame_buffer();
  b[1] = 1;  // GSO TCPv4
  EXPECT_EQ(check_rx(b.data(), 60, 12), rx_verdict::bad_header);
  b = frame_buffer();
  b[10] = 2;  // merged buffers
  EXPECT_EQ(check_rx(b.data(), 60, 12), rx_verdict::bad_header);
  b[10] = 0;
  b[11] = 1;  // 256, little-endian
  EXPECT_EQ(check_rx(b.data(), 60, 12), rx_verdict::bad_header);
  // A legacy header has no num_buffers.
  EXPECT_EQ(check_rx(b.data(), 60, 10), rx_verdict::ok);
}

// --- virtio-blk completions ---------------------------------------------------------------

TEST(virtio_blk, only_status_ok_with_the_whole_length_succeeds) {
  EXPECT_EQ(check_blk(0, 513, 513), blk_verdict::ok);
  EXPECT_EQ(check_blk(0, 1, 1), blk_verdict::ok);
  EXPECT_EQ(check_blk(1, 513, 513), blk_verdict::io_error);
  EXPECT_EQ(check_blk(2, 1, 1), blk_verdict::unsupported);
  EXPECT_EQ(check_blk(0xff, 1, 1), blk_verdict::bad_status);  // never written
  EXPECT_EQ(check_blk(3, 1, 1), blk_verdict::bad_status);
  EXPECT_EQ(check_blk(0, 512, 513), blk_verdict::short_transfer);
  EXPECT_EQ(check_blk(0, 0, 1), blk_verdict::short_transfer);
}

}  // namespace
