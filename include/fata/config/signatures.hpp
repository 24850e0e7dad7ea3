// The kinds of device a unikernel description can name, for type-checking
// descriptions (config.cpp) before any code is generated.
//
// Every device signature of <fata/sig/> has here
// - an *archetype*: a type that models the signature and nothing more. Its
//   members are declared, never defined: it exists only to instantiate the
//   unikernel's class template in unevaluated contexts, so that a
//   description that passes the wrong kind of device fails where the
//   description is written, with a message naming the concept, and not
//   later inside generated code.
// - a *kind*: the tag a description's device handle carries
//   (`fata::config::device<kinds::block_device>`), naming the signature in
//   the description's output and holding the diagnostic that names the
//   concept.
//
// Guarantees: each archetype models its signature (checked below). The
// kinds are listed in `all_kinds`, simplest first; main<> tries them in
// that order to say which signature a rejected position needs.
//
// Adding a signature: write its archetype and kind next to the others, add
// the kind to `all_kinds`, and a combinator in description.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <fata/core/addr.hpp>
#include <fata/core/bytes.hpp>
#include <fata/core/result.hpp>
#include <fata/core/task.hpp>
#include <fata/core/time.hpp>
#include <fata/sig/all.hpp>
#include <fata/dns/signature.hpp>
#include <fata/sig/stack.hpp>

namespace fata::config {

namespace archetypes {

struct console {
  result<void, sig::console_error> write(std::string_view text);
};

struct mclock {
  mono_time now();
};

struct pclock {
  wall_time now();
};

struct sleeper {
  task<wait_result> sleep(duration d);
};

struct random {
  result<void, sig::random_error> fill(mut_bytes out);
};

struct block_device {
  sig::block_info info() const;
  task<result<void, sig::block_error>> read(std::uint64_t sector, mut_bytes out);
  task<result<void, sig::block_error>> write(std::uint64_t sector, bytes in);
};

struct kv_ro {
  task<result<std::optional<sig::kv_kind>, sig::kv_error>> exists(std::string_view key);
  task<result<std::string, sig::kv_error>> get(std::string_view key);
  task<result<std::string, sig::kv_error>> get_partial(std::string_view key, std::uint64_t offset,
                                                      std::size_t length);
  task<result<std::vector<sig::kv_entry>, sig::kv_error>> list(std::string_view key);
  task<result<wall_time, sig::kv_error>> last_modified(std::string_view key);
  task<result<sig::kv_digest, sig::kv_error>> digest(std::string_view key);
  task<result<std::uint64_t, sig::kv_error>> size(std::string_view key);
};

struct kv_rw : kv_ro {
  task<result<void, sig::kv_error>> set(std::string_view key, std::string_view value);
  task<result<void, sig::kv_error>> set_partial(std::string_view key, std::uint64_t offset,
                                                std::string_view value);
  task<result<void, sig::kv_error>> remove(std::string_view key);
  task<result<void, sig::kv_error>> rename(std::string_view from, std::string_view to);
  task<result<void, sig::kv_error>> allocate(std::string_view key, std::uint64_t size);
  task<result<void, sig::kv_error>> batch(std::span<const sig::kv_op> ops);
};

struct netif {
  mac_addr mac() const;
  std::size_t mtu() const;
  result<void, sig::net_error> send(bytes frame);
  result<void, sig::net_error> send_gather(std::span<const bytes> parts);
  task<result<bytes, sig::net_error>> receive();
  const sig::netif_stats& stats() const;
};

struct tcp_flow {
  task<result<std::size_t, sig::flow_error>> read(mut_bytes out);
  task<result<void, sig::flow_error>> write(bytes data);
  task<result<void, sig::flow_error>> writev(std::span<const bytes> parts);
  task<result<void, sig::flow_error>> shutdown(sig::shutdown_mode how);
  task<void> close();
  sig::ip_endpoint local() const;
  sig::ip_endpoint remote() const;
  void set_nodelay(bool on);
};

struct tcp_listener {
  using flow_type = tcp_flow;
  task<result<tcp_flow, sig::flow_error>> accept();
  sig::ip_endpoint local() const;
  void close();
};

struct udp_socket {
  task<result<void, sig::stack_error>> send_to(sig::ip_endpoint destination, bytes data);
  task<result<sig::udp_datagram, sig::stack_error>> receive_from(mut_bytes out);
  sig::ip_endpoint local() const;
  void close();
};

struct stackv4 {
  using tcp_flow = archetypes::tcp_flow;
  using tcp_listener = archetypes::tcp_listener;
  using udp_socket = archetypes::udp_socket;
  result<tcp_listener, sig::stack_error> tcp_listen(port p);
  task<result<tcp_flow, sig::flow_error>> tcp_connect(sig::ip_endpoint remote);
  result<udp_socket, sig::stack_error> udp_bind(port p);
  ipv4_addr ipv4_address() const;
};

struct stackv4v6 : stackv4 {
  std::optional<ipv6_addr> ipv6_address() const;
};

struct dns_client {
  task<result<dns::lookup_result, dns::lookup_error>> lookup(dns::name qname, dns::rr_type qtype);
};

static_assert(sig::console<console>);
static_assert(sig::mclock<mclock>);
static_assert(sig::pclock<pclock>);
static_assert(sig::sleeper<sleeper>);
static_assert(sig::random<random>);
static_assert(sig::block_device<block_device>);
static_assert(sig::kv_ro<kv_ro>);
static_assert(sig::kv_rw<kv_rw>);
static_assert(sig::netif<netif>);
static_assert(sig::stackv4<stackv4>);
static_assert(sig::stackv4v6<stackv4v6>);
static_assert(sig::dns_client<dns_client>);

}  // namespace archetypes

// A kind names its signature (`signature`, as the description's output and
// the tool's device table spell it), its archetype, and `required<false>()`,
// whose instantiation is the compile error main<> reports when the
// unikernel's template needs this kind at a position that was given
// another.
namespace kinds {

struct console {
  static constexpr std::string_view signature = "console";
  using archetype = archetypes::console;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::console at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct mclock {
  static constexpr std::string_view signature = "mclock";
  using archetype = archetypes::mclock;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::mclock at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct pclock {
  static constexpr std::string_view signature = "pclock";
  using archetype = archetypes::pclock;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::pclock at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct sleeper {
  static constexpr std::string_view signature = "sleeper";
  using archetype = archetypes::sleeper;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::sleeper at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct random {
  static constexpr std::string_view signature = "random";
  using archetype = archetypes::random;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::random at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct block_device {
  static constexpr std::string_view signature = "block_device";
  using archetype = archetypes::block_device;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::block_device at this "
                         "position of main<>, and the device given there is not one");
  }
};

struct kv_ro {
  static constexpr std::string_view signature = "kv_ro";
  using archetype = archetypes::kv_ro;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::kv_ro at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct kv_rw {
  static constexpr std::string_view signature = "kv_rw";
  using archetype = archetypes::kv_rw;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::kv_rw at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct netif {
  static constexpr std::string_view signature = "netif";
  using archetype = archetypes::netif;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::netif at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct stackv4 {
  static constexpr std::string_view signature = "stackv4";
  using archetype = archetypes::stackv4;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::stackv4 at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct stackv4v6 {
  static constexpr std::string_view signature = "stackv4v6";
  using archetype = archetypes::stackv4v6;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::stackv4v6 at this position "
                         "of main<>, and the device given there is not one");
  }
};

struct dns_client {
  static constexpr std::string_view signature = "dns_client";
  using archetype = archetypes::dns_client;
  template <bool Given>
  static constexpr void required() {
    static_assert(Given, "the unikernel's template needs a fata::sig::dns_client at this position "
                         "of main<>, and the device given there is not one");
  }
};

}  // namespace kinds

template <class... K>
struct kind_list {};

// Every kind, simplest first (a position that accepts kv_ro also accepts
// kv_rw: kv_ro is reported; one that accepts stackv4 also stackv4v6).
using all_kinds = kind_list<kinds::console, kinds::mclock, kinds::pclock, kinds::sleeper,
                            kinds::random, kinds::block_device, kinds::kv_ro, kinds::kv_rw,
                            kinds::netif, kinds::stackv4, kinds::stackv4v6, kinds::dns_client>;

template <class K>
concept device_kind = requires {
  { K::signature } -> std::convertible_to<std::string_view>;
  typename K::archetype;
};

}  // namespace fata::config
