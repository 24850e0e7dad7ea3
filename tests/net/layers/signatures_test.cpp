// The layer signatures (net/signatures.hpp) tell layers apart: each of
// fata's layers models its own concept and not its neighbours', so a layer
// passed where another is expected fails to compile, naming the concept.
#include <fata/net/signatures.hpp>

#include <gtest/gtest.h>

namespace {

using namespace fata::net;

// A transport that only receives: an ip_input, but neither UDP nor ICMP.
struct receive_only final : ip_input {
  void receive(const ip_meta&, fata::bytes, fata::mono_time) override { ++received; }
  int received = 0;
};

TEST(net_signatures, each_layer_models_only_its_own_signature) {
  static_assert(!udp_protocol<icmpv4_layer>);
  static_assert(!icmpv4_protocol<udp_layer>);
  static_assert(!udp_protocol<receive_only>);
  static_assert(!icmpv4_protocol<receive_only>);
  static_assert(!ipv4_protocol<udp_layer>);
  static_assert(!ethernet_protocol<ipv4_layer>);
  static_assert(!arp_protocol<ethernet_link>);
  static_assert(!tcp_provider<udp_layer>);
  static_assert(tcp_provider<no_tcp>);

  receive_only r;
  ip_input& as_input = r;
  as_input.receive(ip_meta{}, fata::bytes{}, fata::mono_time{});
  EXPECT_EQ(r.received, 1);
}

}  // namespace
