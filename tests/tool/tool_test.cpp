// Unit tests of the fata tool's internals: the records format, argument
// parsing, the description's template-name reader, code templates, device
// resolution and code generation.
#include <gtest/gtest.h>

#include <fata/config/description.hpp>

#include "common/records.hpp"
#include "src/commands.hpp"
#include "src/configuration.hpp"
#include "src/generate.hpp"
#include "src/registry.hpp"

namespace fata::tool {
namespace {

TEST(tool_records, escaping_round_trips_tabs_newlines_and_backslashes) {
  records::record r{"device", {}};
  r.add("name", "a\tb\nc\\d\re");
  auto line = records::format(r);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  auto back = records::parse_line(line);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->type, "device");
  EXPECT_EQ(back->get("name"), "a\tb\nc\\d\re");
}

TEST(tool_records, a_field_without_equals_is_malformed) {
  std::size_t bad = 0;
  EXPECT_FALSE(records::parse("ok\tx=1\nbroken\tnovalue\n", &bad));
  EXPECT_EQ(bad, 2u);
}

TEST(tool_records, repeated_fields_keep_their_order) {
  auto r = records::parse_line("device\tdep=3\tdep=1\tparam.file=a.img");
  ASSERT_TRUE(r);
  auto deps = r->all("dep");
  ASSERT_EQ(deps.size(), 2u);
  EXPECT_EQ(deps[0], "3");
  EXPECT_EQ(deps[1], "1");
  auto params = r->with_prefix("param.");
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "file");
}

arguments parse(std::vector<std::string> argv, std::string* error) {
  return parse_arguments(argv, error);
}

TEST(tool_arguments, options_may_follow_the_command) {
  std::string error;
  auto a = parse({"configure", "-t", "hosted", "hello=Hola", "-C", "dir"}, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(a.command, command_kind::configure);
  EXPECT_EQ(a.target, "hosted");
  EXPECT_EQ(a.dir, "dir");
  ASSERT_EQ(a.words.size(), 1u);
  EXPECT_EQ(a.words[0], "hello=Hola");
}

TEST(tool_arguments, run_passes_everything_after_double_dash_to_the_image) {
  std::string error;
  auto a = parse({"run", "--", "--hello=x", "-t", "configure"}, &error);
  EXPECT_EQ(error, "");
  EXPECT_EQ(a.command, command_kind::run);
  EXPECT_EQ(a.target, "");
  ASSERT_EQ(a.image_args.size(), 3u);
  EXPECT_EQ(a.image_args[1], "-t");
}

TEST(tool_arguments, an_unknown_command_is_an_error) {
  std::string error;
  parse({"frobnicate"}, &error);
  EXPECT_NE(error.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(tool_arguments, configure_takes_only_key_value_words) {
  std::string error;
  parse({"configure", "hello"}, &error);
  EXPECT_NE(error.find("expected KEY=VALUE"), std::string::npos);
}

TEST(tool_arguments, jobs_must_be_a_positive_number) {
  std::string error;
  EXPECT_EQ(parse({"build", "-j4"}, &error).jobs, 4);
  EXPECT_EQ(error, "");
  parse({"build", "-j", "zero"}, &error);
  EXPECT_NE(error.find("invalid number of jobs"), std::string::npos);
}

TEST(tool_description, template_names_are_read_from_the_compiler_signature) {
  using config::detail::name_from_signature;
  EXPECT_EQ(name_from_signature("f() [with U = demo::hello; std::string_view = x]", "U"), "demo::hello");
  EXPECT_EQ(name_from_signature("f() [with T = std::vector<std::pair<int, char> >]", "T"),
            "std::vector<std::pair<int, char> >");
  EXPECT_EQ(config::detail::cpp_type_name<std::string>(), "std::string");
  EXPECT_EQ(config::detail::cpp_type_name<std::uint16_t>(), "short unsigned int");
}

// A description with the given devices (combinator, name) and a job over
// all of them.
description make_description(std::vector<std::pair<std::string, std::string>> devices) {
  description d;
  d.target = "hosted";
  d.source_dir = "/src/app";
  d.name = "app";
  d.header = "unikernel.hpp";
  d.unikernel = "demo::app";
  d.returns = "int";
  d.job_position = {"config.cpp", 20, 3};
  for (std::size_t i = 0; i < devices.size(); ++i) {
    device_node n;
    n.id = static_cast<std::uint32_t>(i);
    n.combinator = devices[i].first;
    n.name = devices[i].second;
    n.position = {"config.cpp", static_cast<unsigned>(10 + i), 5};
    if (n.combinator == "generic_kv_ro") n.params.emplace_back("directory", "htdocs");
    if (n.combinator == "block") n.params.emplace_back("file", "disk.img");
    d.devices.push_back(n);
    d.arguments.push_back({false, n.id});
  }
  return d;
}

const target& hosted() {
  const target* t = find_target("hosted");
  EXPECT_NE(t, nullptr);
  return *t;
}

TEST(tool_resolve, a_target_default_wins_over_the_default_for_every_target) {
  auto c = resolve(make_description({{"generic_kv_ro", "htdocs"}}), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices[0].impl->choice, "dir");
  EXPECT_EQ(c->devices[0].chosen_by, "default on hosted");
  ASSERT_EQ(c->keys.size(), 1u);
  EXPECT_EQ(c->keys[0].name, "kv_ro:htdocs");
  EXPECT_EQ(c->keys[0].default_text, "/src/app/htdocs");
}

TEST(tool_resolve, a_choice_key_picks_the_implementation) {
  auto d = make_description({{"generic_kv_ro", "htdocs"}});
  d.options.emplace_back("kv_ro", "crunch");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices[0].impl->choice, "crunch");
  EXPECT_TRUE(c->keys.empty());
  EXPECT_NE(std::find(c->languages.begin(), c->languages.end(), "ASM"), c->languages.end());
}

TEST(tool_resolve, an_unknown_choice_is_a_usage_error) {
  auto d = make_description({{"generic_kv_ro", "htdocs"}});
  d.options.emplace_back("kv_ro:htdocs", "zip");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().status, usage_status);
}

TEST(tool_resolve, a_device_without_implementation_is_reported_at_its_line) {
  auto c = resolve(make_description({{"sleeper", "sleeper"}, {"teleporter", "beam"}}), hosted(), {},
                   "/out", "/fata");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().status, 1);
  ASSERT_EQ(c.error().messages.size(), 1u);
  EXPECT_EQ(c.error().messages[0],
            "config.cpp:11:5: error: teleporter \"beam\": no implementation of teleporter in the "
            "device table");
}

TEST(tool_resolve, a_configure_value_sets_a_device_key_default) {
  auto d = make_description({{"block", "storage"}});
  d.options.emplace_back("block:storage", "/tmp/x.img");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->keys[0].default_text, "/tmp/x.img");
  EXPECT_TRUE(c->keys[0].configured);
}

TEST(tool_resolve, an_unknown_configure_key_is_a_usage_error) {
  auto d = make_description({{"sleeper", "sleeper"}});
  d.options.emplace_back("nope", "1");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().status, usage_status);
}

TEST(tool_resolve, devices_the_job_does_not_need_are_left_out) {
  auto d = make_description({{"sleeper", "sleeper"}, {"block", "spare"}});
  d.arguments.pop_back();
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_TRUE(c->devices[0].used);
  EXPECT_FALSE(c->devices[1].used);
  EXPECT_TRUE(c->keys.empty());
  EXPECT_EQ(generate_main(*c).find("block::open"), std::string::npos);
}

TEST(tool_expand, placeholders_are_replaced_and_quoted_on_request) {
  auto c = resolve(make_description({{"block", "my disk"}}), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  const auto& d = c->devices[0];
  EXPECT_EQ(expand("{name}|{ident}|{var}|{param:file}", *c, d), "my disk|my_disk|device_0|disk.img");
  EXPECT_EQ(expand("{cpp:path:file}", *c, d), "\"/src/app/disk.img\"");
  EXPECT_EQ(expand("{key:file}", *c, d), "*key_0");
  EXPECT_EQ(expand("T{x{name}}", *c, d), "T{xmy disk}");
}

TEST(tool_generate, main_makes_each_device_and_calls_start_in_order) {
  auto d = make_description({{"sleeper", "sleeper"}, {"block", "storage"}});
  key_node k;
  k.name = "hello";
  k.cpp_type = "std::string";
  k.default_text = "Hi \"you\"";
  k.doc = "Greeting";
  d.keys.push_back(k);
  d.arguments.push_back({true, 0});
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  const std::string main = generate_main(*c);
  EXPECT_NE(main.find("#include \"unikernel.hpp\""), std::string::npos);
  EXPECT_NE(main.find("fata::key<std::string> key_0{\"hello\", fata::wiring::default_value<std::string>(\"Hi \\\"you\\\"\"), \"Greeting\", \"APPLICATION\"};"),
            std::string::npos);
  EXPECT_NE(main.find("auto device_1_made = fata::devices::block::open(\"storage\", *key_1);"),
            std::string::npos);
  EXPECT_NE(main.find("demo::app<fata::devices::sleeper, fata::devices::block> unikernel{};"),
            std::string::npos);
  EXPECT_NE(main.find("unikernel.start(device_0, device_1, *key_0)"), std::string::npos);
  EXPECT_NE(main.find("extern \"C\" int fata_app_main"), std::string::npos);
  const std::string cmake = generate_cmake(*c);
  EXPECT_NE(cmake.find("find_package(fata CONFIG REQUIRED)"), std::string::npos);
  EXPECT_NE(cmake.find("target_link_libraries(app PRIVATE fata::runtime fata::entry fata::devices)"),
            std::string::npos);
}

}  // namespace
}  // namespace fata::tool

namespace fata::tool {
namespace {

TEST(tool_resolve, a_device_key_value_of_the_wrong_type_is_a_usage_error) {
  static bool registered = [] {
    register_device({.combinator = "test_timer",
                     .choice = "only",
                     .default_for = {"*"},
                     .type = "int",
                     .keys = {{.label = "period", .name = "period:{name}", .cpp_type = "fata::duration",
                               .type_name = "DURATION", .default_value = "1s", .doc = "Period"}},
                     .make = "{key:period}.count()"});
    return true;
  }();
  ASSERT_TRUE(registered);
  auto d = make_description({{"test_timer", "tick"}});
  d.options.emplace_back("period:tick", "soon");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().status, usage_status);
  EXPECT_NE(c.error().messages[0].find("invalid value 'soon' for key 'period:tick'"), std::string::npos);
}

}  // namespace
}  // namespace fata::tool

namespace fata::tool {
namespace {

// A description with a stack over a network interface: the netif is device
// 0, the stack device 1 (the job's only argument), as
// generic_stackv4(default_network()) declares them.
description stack_description(std::string target, std::string combinator = "generic_stackv4") {
  description d = make_description({{"default_network", "service"}, {combinator, combinator.substr(8)}});
  d.target = std::move(target);
  d.devices[1].dependencies.push_back(0);
  d.arguments.erase(d.arguments.begin());
  return d;
}

const target& virtio() {
  const target* t = find_target("virtio");
  EXPECT_NE(t, nullptr);
  return *t;
}

std::vector<std::string> key_names(const configuration& c) {
  std::vector<std::string> names;
  for (const auto& k : c.keys) names.push_back(k.name);
  return names;
}

TEST(tool_stack, the_socket_stack_is_the_default_on_hosted_and_leaves_the_interface_out) {
  auto c = resolve(stack_description("hosted"), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices[1].impl->choice, "socket");
  EXPECT_EQ(c->devices[1].chosen_by, "default on hosted");
  EXPECT_FALSE(c->devices[0].used);
  EXPECT_EQ(key_names(*c), (std::vector<std::string>{"ipv4", "net-stats"}));
  EXPECT_EQ(c->keys[0].default_text, "0.0.0.0/0");
  const std::string main = generate_main(*c);
  EXPECT_EQ(main.find("netif::open"), std::string::npos);
  EXPECT_NE(main.find("fata::net::socket::open_bound(*key_0)"), std::string::npos);
  EXPECT_NE(main.find("demo::app<fata::net::socket::stack> unikernel{};"), std::string::npos);
  EXPECT_NE(main.find("fata::net::socket::print_stats(device_1, *key_1);"), std::string::npos);
  EXPECT_NE(std::find(c->libraries.begin(), c->libraries.end(), "fata::net_socket"), c->libraries.end());
}

TEST(tool_stack, net_direct_runs_fata_tcp_ip_over_the_tap_interface) {
  auto d = stack_description("hosted");
  d.options.emplace_back("net", "direct");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices[1].impl->choice, "direct");
  EXPECT_EQ(c->devices[1].chosen_by, "net=direct");
  EXPECT_TRUE(c->devices[0].used);
  EXPECT_EQ(key_names(*c),
            (std::vector<std::string>{"net:service", "ipv4", "ipv4-gateway", "dhcp-arp-probes", "net-stats"}));
  const std::string main = generate_main(*c);
  EXPECT_NE(main.find("fata::devices::netif::open(\"service\", *key_0)"), std::string::npos);
  EXPECT_NE(main.find("fata::net::open_direct(std::move(device_0), *key_1, *key_2, *key_3)"), std::string::npos);
  // With --ipv4=dhcp the unikernel starts once leased, and the lease is
  // given back before the counters are printed.
  const std::size_t ready = main.find("fata::net::wait_for_lease(device_1)");
  EXPECT_NE(ready, std::string::npos);
  EXPECT_LT(ready, main.find("unikernel.start("));
  const std::size_t release = main.find("co_await device_1.release();");
  EXPECT_NE(release, std::string::npos);
  EXPECT_LT(release, main.find("fata::net::print_stats(device_1, *key_4);"));
  EXPECT_NE(main.find("co_return status;"), std::string::npos);
}

TEST(tool_stack, the_address_is_a_configure_time_default_and_checked) {
  auto d = stack_description("hosted");
  d.options.emplace_back("net", "direct");
  d.options.emplace_back("ipv4", "10.1.2.3/16");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->keys[1].default_text, "10.1.2.3/16");
  auto bad = stack_description("hosted");
  bad.options.emplace_back("ipv4-gateway", "10.0.0");
  bad.options.emplace_back("net", "direct");
  auto refused = resolve(std::move(bad), hosted(), {}, "/out", "/fata");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status, usage_status);
}

TEST(tool_stack, an_unknown_stack_is_a_usage_error_listing_the_choices) {
  auto d = stack_description("hosted");
  d.options.emplace_back("net", "carrier-pigeon");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().status, usage_status);
  EXPECT_NE(c.error().messages[0].find("unknown choice 'carrier-pigeon' for net (on hosted: socket, direct)"),
            std::string::npos);
}

TEST(tool_stack, virtio_has_only_the_direct_stack_over_virtio_net) {
  auto c = resolve(stack_description("virtio"), virtio(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices[0].impl->choice, "virtio-net");
  EXPECT_EQ(c->devices[1].impl->choice, "direct");
  EXPECT_EQ(c->keys[1].default_text, "dhcp");  // QEMU's user network leases 10.0.2.15
  auto d = stack_description("virtio");
  d.options.emplace_back("net", "socket");
  auto refused = resolve(std::move(d), virtio(), {}, "/out", "/fata");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status, usage_status);
}

TEST(tool_stack, the_dual_stack_has_the_ipv6_keys_and_waits_for_duplicate_address_detection) {
  auto d = stack_description("hosted", "generic_stackv4v6");
  d.options.emplace_back("net", "direct");
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->devices[1].impl->choice, "direct");
  EXPECT_EQ(key_names(*c), (std::vector<std::string>{"net:service", "ipv4", "ipv4-gateway", "dhcp-arp-probes", "ipv6",
                                                     "ipv6-gateway", "accept-router-advertisements", "net-stats"}));
  EXPECT_EQ(c->keys[4].default_text, "auto");
  const std::string main = generate_main(*c);
  EXPECT_NE(main.find("fata::net::open_direct(std::move(device_0), *key_1, *key_2, *key_3, *key_4, *key_5, *key_6)"),
            std::string::npos);
  const std::size_t settled = main.find("fata::net::wait_for_ipv6(device_1)");
  EXPECT_NE(settled, std::string::npos);
  EXPECT_LT(main.find("fata::net::wait_for_lease(device_1)"), settled);
  EXPECT_LT(settled, main.find("unikernel.start("));
  // The socket stack serves both signatures; virtio has the direct one.
  auto socket = resolve(stack_description("hosted", "generic_stackv4v6"), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(socket);
  EXPECT_EQ(socket->devices[1].impl->choice, "socket");
  auto vm = resolve(stack_description("virtio", "generic_stackv4v6"), virtio(), {}, "/out", "/fata");
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->devices[1].impl->choice, "direct");
  // A bad IPv6 address is refused at configure time.
  auto bad = stack_description("hosted", "generic_stackv4v6");
  bad.options.emplace_back("net", "direct");
  bad.options.emplace_back("ipv6", "fd00::1");  // no prefix length
  auto refused = resolve(std::move(bad), hosted(), {}, "/out", "/fata");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().status, usage_status);
}

TEST(tool_stack, libraries_the_description_names_are_linked_after_the_devices) {
  auto d = stack_description("hosted");
  d.libraries = {"fata::http", "fata::tls"};
  auto c = resolve(std::move(d), hosted(), {}, "/out", "/fata");
  ASSERT_TRUE(c);
  ASSERT_GE(c->libraries.size(), 2u);
  EXPECT_EQ(c->libraries[c->libraries.size() - 2], "fata::http");
  EXPECT_EQ(c->libraries.back(), "fata::tls");
}

}  // namespace
}  // namespace fata::tool
