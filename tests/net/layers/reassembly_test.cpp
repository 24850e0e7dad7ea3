// IPv4 reassembly: in-order and out-of-order completion, and every limit
// and overlap rule, with explicit times.
#include <fata/net/ipv4_reassembly.hpp>

#include <fata/net/wire/ipv4.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace fata;
using namespace fata::net;
using wire::ipv4_packet;
using wire::ipv4_repr;

constexpr ipv4_addr src(10, 0, 0, 1);
constexpr ipv4_addr dst(10, 0, 0, 2);

// A fragment as a packet in its own storage.
struct fragment {
  std::vector<std::byte> bytes_;
  ipv4_packet packet() const {
    return *ipv4_packet::parse(bytes(bytes_.data(), bytes_.size()));
  }
};

fragment make(std::uint16_t ident, std::size_t offset, std::string_view data, bool more,
              ipv4_addr from = src) {
  ipv4_repr h;
  h.source = from;
  h.destination = dst;
  h.protocol = 17;
  h.ident = ident;
  h.fragment_offset = static_cast<std::uint16_t>(offset);
  h.more_fragments = more;
  h.payload_len = data.size();
  fragment f;
  f.bytes_.resize(h.total_len());
  h.emit(mut_bytes(f.bytes_.data(), f.bytes_.size()));
  mut_bytes(f.bytes_.data(), f.bytes_.size()).copy_from(20, bytes::of(data));
  return f;
}

std::string pattern(std::size_t n) {
  std::string s(n, 'a');
  for (std::size_t i = 0; i < n; ++i) s[i] = char('a' + (i * 7 + i / 8) % 26);
  return s;
}

struct reassembly_fixture : ::testing::Test {
  mono_time t0 = mono_from_ns(5'000'000'000);
  reassembly_config cfg;
  ipv4_reassembler r{cfg};
  std::optional<reassembled_datagram> feed(const fragment& f, mono_time now) {
    return r.input(f.packet(), now);
  }
};

TEST_F(reassembly_fixture, fragments_in_order_make_the_datagram) {
  const std::string data = pattern(40);
  EXPECT_FALSE(feed(make(1, 0, std::string_view(data).substr(0, 16), true), t0));
  EXPECT_FALSE(feed(make(1, 16, std::string_view(data).substr(16, 16), true), t0));
  auto whole = feed(make(1, 32, std::string_view(data).substr(32), false), t0);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->payload().chars(), data);
  EXPECT_EQ(whole->header.payload_len, 40u);
  EXPECT_FALSE(whole->header.more_fragments);
  EXPECT_EQ(whole->header.fragment_offset, 0);
  EXPECT_EQ(r.datagrams(), 0u);
  EXPECT_EQ(r.bytes_held(), 0u);
}

TEST_F(reassembly_fixture, fragments_in_any_order_make_the_same_datagram) {
  const std::string data = pattern(48);
  auto piece = [&](std::size_t off, std::size_t n, bool more) {
    return make(2, off, std::string_view(data).substr(off, n), more);
  };
  EXPECT_FALSE(feed(piece(32, 16, false), t0));
  EXPECT_FALSE(feed(piece(0, 16, true), t0));
  auto whole = feed(piece(16, 16, true), t0);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->payload().chars(), data);
}

TEST_F(reassembly_fixture, datagrams_are_kept_apart_by_source_and_identification) {
  EXPECT_FALSE(feed(make(7, 0, "AAAAAAAA", true), t0));
  EXPECT_FALSE(feed(make(7, 0, "BBBBBBBB", true, ipv4_addr(10, 0, 0, 9)), t0));
  auto a = feed(make(7, 8, "aa", false), t0);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->payload().chars(), "AAAAAAAAaa");
  EXPECT_EQ(r.datagrams(), 1u);
}

TEST_F(reassembly_fixture, an_exact_duplicate_is_ignored) {
  EXPECT_FALSE(feed(make(3, 0, "12345678", true), t0));
  EXPECT_FALSE(feed(make(3, 0, "12345678", true), t0));
  EXPECT_EQ(r.stats().duplicates, 1u);
  EXPECT_TRUE(feed(make(3, 8, "9", false), t0));
}

TEST_F(reassembly_fixture, a_partial_overlap_drops_the_whole_datagram) {
  EXPECT_FALSE(feed(make(4, 0, "1234567812345678", true), t0));
  EXPECT_FALSE(feed(make(4, 8, "XXXXXXXX", true), t0));  // inside the first
  EXPECT_EQ(r.stats().overlaps, 1u);
  EXPECT_EQ(r.datagrams(), 0u);
  EXPECT_EQ(r.bytes_held(), 0u);
  // What follows starts a new datagram, which is never completed by the
  // tail alone.
  EXPECT_FALSE(feed(make(4, 16, "end", false), t0));
}

TEST_F(reassembly_fixture, an_overlap_from_below_drops_the_datagram_too) {
  EXPECT_FALSE(feed(make(5, 8, "BBBBBBBB", true), t0));
  EXPECT_FALSE(feed(make(5, 0, "AAAAAAAAAAAAAAAA", true), t0));
  EXPECT_EQ(r.stats().overlaps, 1u);
  EXPECT_EQ(r.datagrams(), 0u);
}

TEST_F(reassembly_fixture, a_fragment_past_the_known_end_drops_the_datagram) {
  EXPECT_FALSE(feed(make(6, 8, "end", false), t0));
  EXPECT_FALSE(feed(make(6, 16, "XXXXXXXX", true), t0));
  EXPECT_EQ(r.stats().bad_fragments, 1u);
  EXPECT_EQ(r.datagrams(), 0u);
}

TEST_F(reassembly_fixture, two_different_ends_drop_the_datagram) {
  EXPECT_FALSE(feed(make(8, 8, "end", false), t0));
  EXPECT_FALSE(feed(make(8, 16, "later", false), t0));
  EXPECT_EQ(r.stats().bad_fragments, 1u);
}

TEST_F(reassembly_fixture, a_middle_fragment_not_a_multiple_of_8_is_rejected) {
  EXPECT_FALSE(feed(make(9, 0, "1234567", true), t0));
  EXPECT_EQ(r.stats().bad_fragments, 1u);
  EXPECT_EQ(r.datagrams(), 0u);
}

TEST_F(reassembly_fixture, an_incomplete_datagram_times_out_and_frees_its_bytes) {
  EXPECT_FALSE(feed(make(10, 0, "12345678", true), t0));
  EXPECT_EQ(r.poll_at(), t0 + cfg.timeout);
  r.poll(t0 + cfg.timeout - 1ms);
  EXPECT_EQ(r.datagrams(), 1u);
  r.poll(t0 + cfg.timeout);
  EXPECT_EQ(r.datagrams(), 0u);
  EXPECT_EQ(r.bytes_held(), 0u);
  EXPECT_EQ(r.stats().timed_out, 1u);
  EXPECT_EQ(r.poll_at(), mono_never);
}

TEST_F(reassembly_fixture, datagrams_in_flight_are_bounded_by_evicting_the_oldest) {
  for (std::uint16_t id = 0; id < cfg.max_datagrams + 5; ++id)
    EXPECT_FALSE(feed(make(id, 0, "12345678", true), t0 + milliseconds(id)));
  EXPECT_EQ(r.datagrams(), cfg.max_datagrams);
  EXPECT_EQ(r.stats().evicted, 5u);
  // The newest survive.
  EXPECT_TRUE(feed(make(std::uint16_t(cfg.max_datagrams + 4), 8, "x", false), t0 + 1s));
}

TEST_F(reassembly_fixture, fragments_per_datagram_are_bounded) {
  reassembly_config small;
  small.max_fragments = 4;
  ipv4_reassembler rr(small);
  for (std::size_t i = 0; i < 4; ++i)
    EXPECT_FALSE(rr.input(make(11, i * 8, "12345678", true).packet(), t0));
  EXPECT_FALSE(rr.input(make(11, 32, "12345678", true).packet(), t0));
  EXPECT_EQ(rr.stats().too_many_fragments, 1u);
  EXPECT_EQ(rr.datagrams(), 0u);
}

TEST_F(reassembly_fixture, total_bytes_held_are_bounded) {
  // Room for two first fragments, their 20-byte headers counted.
  reassembly_config small;
  small.max_bytes = 2 * (32 + 20);
  ipv4_reassembler rr(small);
  const std::string block(32, 'z');
  EXPECT_FALSE(rr.input(make(12, 0, block, true).packet(), t0));
  EXPECT_FALSE(rr.input(make(13, 0, block, true).packet(), t0));
  EXPECT_FALSE(rr.input(make(14, 0, block, true).packet(), t0));
  EXPECT_EQ(rr.stats().over_memory, 1u);
  EXPECT_LE(rr.bytes_held(), small.max_bytes);
}

TEST_F(reassembly_fixture, an_endless_stream_of_fragments_keeps_memory_bounded) {
  // Fragments that never complete anything, with ever new identifiers.
  for (std::uint32_t i = 0; i < 20000; ++i) {
    (void)feed(make(std::uint16_t(i), (i % 100) * 8, "12345678", true), t0 + milliseconds(i));
    ASSERT_LE(r.bytes_held(), cfg.max_bytes);
    ASSERT_LE(r.datagrams(), cfg.max_datagrams);
  }
}

TEST_F(reassembly_fixture, a_largest_datagram_of_65515_bytes_reassembles) {
  const std::string data = pattern(65515);
  std::optional<reassembled_datagram> whole;
  for (std::size_t off = 0; off < data.size(); off += 1480) {
    const std::size_t n = std::min<std::size_t>(1480, data.size() - off);
    whole = feed(make(15, off, std::string_view(data).substr(off, n), off + n < data.size()), t0);
  }
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->payload().chars(), data);
}

}  // namespace
