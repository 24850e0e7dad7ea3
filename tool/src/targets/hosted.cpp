// The hosted target: the image is a Linux process, built with the fata
// build the tool belongs to. Everything the tool knows about hosted is
// here: where its libraries are, how its image is linked and run, and the
// devices that exist only on it or whose resource is a host file or
// interface.
#include <unistd.h>

#include <fata/core/fmt.hpp>

#include "../configuration.hpp"
#include "../devices/stack.hpp"
#include "../files.hpp"
#include "../process.hpp"
#include "../registry.hpp"

namespace fata::tool {
namespace {

namespace fs = std::filesystem;

class hosted final : public target {
 public:
  std::string_view name() const override { return "hosted"; }
  std::string_view summary() const override { return "a Linux process (development, debugging)"; }

  result<fs::path, std::string> library_build(const installation& inst) const override {
    const fs::path config = inst.build_dir / "fata-config.cmake";
    auto text = read_file(config);
    if (!text)
      return unexpected(fata::format("no fata build at {} (build fata first: cmake --preset default && cmake --build --preset default)",
                                     inst.build_dir.string()));
    if (text->find("set(FATA_TARGET \"hosted\")") == std::string::npos)
      return unexpected(fata::format("{} is not a hosted build of fata", inst.build_dir.string()));
    return inst.build_dir;
  }

  std::vector<std::string> cmake_arguments(const installation& inst) const override {
    std::vector<std::string> args{"-DCMAKE_CXX_COMPILER=" + inst.cxx_compiler};
    if (!inst.c_compiler.empty()) {
      args.push_back("-DCMAKE_C_COMPILER=" + inst.c_compiler);
      args.push_back("-DCMAKE_ASM_COMPILER=" + inst.c_compiler);
    }
    return args;
  }

  std::vector<std::string> base_libraries() const override { return {"fata::runtime", "fata::entry"}; }

  std::string image_rule(const image_rule_input& in) const override {
    return fata::format(
        "add_executable({} {})\n"
        "target_link_libraries({} PRIVATE {})\n"
        "set_target_properties({} PROPERTIES OUTPUT_NAME {})\n",
        in.cmake_target, in.sources, in.cmake_target, in.libraries, in.cmake_target,
        cmake_string(in.program));
  }

  int run(const configuration& c, const std::vector<std::string>& args) const override {
    std::vector<std::string> argv{image_file(c).string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const std::string failure = exec_process(argv, {});
    std::fprintf(stderr, "fata: %s\n", failure.c_str());
    return 1;
  }
};

// The socket stack as `combinator`: the same device for both signatures,
// since its sockets bound to every address take both families.
device_impl socket_stack_device(std::string_view combinator, std::string_view summary) {
  return {
      .combinator = combinator,
      .choice = "socket",
      .summary = summary,
      .targets = {"hosted"},
      .default_for = {"hosted"},
      .choice_key = "net",
      .type = "fata::net::socket::stack",
      .headers = {"fata/net/socket/stack_device.hpp"},
      .libraries = {"fata::net_socket"},
      .keys = {stack_address_key("0.0.0.0/0", "IPv4 address sockets bind to (0.0.0.0/0: every address of the "
                                              "host, of both families)"),
               stack_stats_key("Print the socket stack's counters at exit")},
      .make = "fata::net::socket::open_bound({key:ipv4})",
      .fallible = true,
      // The interface it was declared over stays out of the image.
      .uses_dependencies = false,
      .at_exit = "fata::net::socket::print_stats({var}, {key:stats});",
  };
}

void register_hosted() {
  register_target(std::make_unique<hosted>());

  // A host directory, read at run time.
  device_impl dir{
      .combinator = "direct_kv_ro",
      .choice = "dir",
      .summary = "the host directory, read at run time",
      .targets = {"hosted"},
      .default_for = {"hosted"},
      .type = "fata::hosted::kv_dir",
      .headers = {"fata/devices/hosted/kv_dir.hpp"},
      .libraries = {"fata::hosted_devices"},
      .keys = {{.label = "dir",
                .name = "kv_ro:{name}",
                .type_name = "DIR",
                .default_value = "{path:directory}",
                .doc = "Host directory served by the read-only store {name}"}},
      .make = "fata::hosted::kv_dir::open({key:dir})",
      .fallible = true,
  };
  register_device(dir);
  dir.combinator = "generic_kv_ro";
  dir.choice_key = "kv_ro";
  register_device(dir);

  register_device({
      .combinator = "block",
      .choice = "file",
      .summary = "a host file (PATH, or PATH:ro for read-only)",
      .targets = {"hosted"},
      .default_for = {"hosted"},
      .type = "fata::devices::block",
      .headers = {"fata/devices/block.hpp"},
      .libraries = {"fata::devices"},
      .keys = {{.label = "file",
                .name = "block:{name}",
                .type_name = "FILE",
                .default_value = "{path:file}",
                .doc = "File backing the block device {name} (FILE or FILE:ro)"}},
      .make = "fata::devices::block::open({cpp:name}, {key:file})",
      .fallible = true,
  });

  register_device({
      .combinator = "default_network",
      .choice = "tap",
      .summary = "a TAP interface of the host",
      .targets = {"hosted"},
      .default_for = {"hosted"},
      .type = "fata::devices::netif",
      .headers = {"fata/devices/netif.hpp"},
      .libraries = {"fata::devices"},
      .keys = {{.label = "interface",
                .name = "net:{name}",
                .type_name = "TAP",
                .default_value = "tap0",
                .doc = "TAP interface of the network device {name}"}},
      .make = "fata::devices::netif::open({cpp:name}, {key:interface})",
      .fallible = true,
  });

  // The IPv4 stacks (MirageOS's --net=socket|direct), chosen with
  // `fata configure net=socket|direct`: the host's sockets by default (no
  // TAP device, no root), or fata's own TCP/IP over the TAP interface the
  // stack was declared over.
  register_device(socket_stack_device("generic_stackv4", "the host kernel's TCP/IP through its sockets"));
  const direct_stack_target direct{
      .target = "hosted",
      .summary = "fata's TCP/IP over the TAP interface",
      .ipv4 = "10.0.0.2/24",
      .ipv4_doc = "IPv4 address and prefix of the stack",
      .gateway = "0.0.0.0",
      .gateway_doc = "IPv4 gateway (0.0.0.0: none)",
  };
  register_device(direct_stack_device(direct));
  register_device(socket_stack_device("generic_stackv4v6",
                                      "the host kernel's TCP/IP through its sockets, IPv4 and IPv6"));
  register_device(direct_stackv4v6_device(direct));
}

const registrar registration(&register_hosted);

}  // namespace
}  // namespace fata::tool
