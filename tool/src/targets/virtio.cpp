// The virtio target: the image is an x86_64 ELF with a PVH entry, booted by
// QEMU (or a KVM monitor that takes a PVH kernel) as a microVM. Everything
// the tool knows about virtio is here: where its libraries are built, how an
// image is linked, how `fata run` starts QEMU, and the devices whose
// resource is a virtio device (see docs/virtio.md).
//
// `fata run -t virtio -- ARGS` passes ARGS to the image, except:
//   --qemu:machine=microvm|q35|pc   the machine (default microvm, or $FATA_QEMU_MACHINE)
//   --qemu:memory=MIB               guest memory (default 64)
//   --qemu:cpu=MODEL                CPU model (default max: RDRAND, AES-NI)
//   --qemu:forward=[NET:]PROTO:HOST:GUEST
//                                   a host port forward on QEMU's user network
//                                   (tcp:8080:80 forwards 127.0.0.1:8080 to guest port 80)
//   --qemu:arg=ARG                  one more QEMU argument
//   --qemu:dry-run                  print the QEMU command and exit
// and the device keys, which fata run turns into QEMU devices:
//   --net:NAME=user|tap:IFNAME|IFNAME   how the interface is connected
//   --block:NAME=FILE[:ro]              the disk image behind a block device
// The image then gets --net:NAME=N and --block:NAME=N, the devices' indexes.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <fata/core/fmt.hpp>

#include "../configuration.hpp"
#include "../devices/stack.hpp"
#include "../files.hpp"
#include "../process.hpp"
#include "../registry.hpp"

namespace fata::tool {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view qemu = "qemu-system-x86_64";

bool is_virtio_build(const fs::path& dir) {
  auto text = read_file(dir / "fata-config.cmake");
  return text && text->find("set(FATA_TARGET \"virtio\")") != std::string::npos;
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=./:,@") ==
                        std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct vm_options {
  std::string machine = "microvm";
  std::string memory = "64";
  std::string cpu = "max";
  std::vector<std::string> forwards;  // [NET:]PROTO:HOST:GUEST
  std::vector<std::string> extra;
  bool dry_run = false;
};

// Splits `--key=value` into key and value ("" without '=').
std::pair<std::string_view, std::string_view> split_option(std::string_view arg) {
  arg.remove_prefix(2);
  const std::size_t eq = arg.find('=');
  if (eq == std::string_view::npos) return {arg, {}};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

// The status in the console's last line, `fata: exit status N`, or -1.
int exit_line_status(std::string_view console) {
  while (!console.empty() && (console.back() == '\n' || console.back() == '\r' || console.back() == ' '))
    console.remove_suffix(1);
  const std::size_t start = console.find_last_of('\n');
  std::string_view line = start == std::string_view::npos ? console : console.substr(start + 1);
  while (!line.empty() && (line.front() == '\r' || line.front() == ' ')) line.remove_prefix(1);
  constexpr std::string_view prefix = "fata: exit status ";
  if (!line.starts_with(prefix)) return -1;
  line.remove_prefix(prefix.size());
  if (line.empty() || line.size() > 3) return -1;
  int v = 0;
  for (char c : line) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

class virtio final : public target {
 public:
  std::string_view name() const override { return "virtio"; }
  std::string_view summary() const override {
    return "an x86_64 microVM image (PVH) for QEMU/KVM, with virtio devices";
  }

  result<fs::path, std::string> library_build(const installation& inst) const override {
    std::vector<fs::path> candidates;
    if (const char* env = std::getenv("FATA_VIRTIO_BUILD"); env && *env) candidates.emplace_back(env);
    // The hosted build makes one (tests/virtio), else a build by hand.
    candidates.push_back(inst.build_dir / "virtio-target");
    candidates.push_back(inst.source_dir / "build" / "virtio");
    for (const auto& dir : candidates)
      if (is_virtio_build(dir)) return dir;
    return unexpected(fata::format(
        "no virtio build of fata (looked in {}): build the hosted tree, which makes one, or run\n"
        "  cmake -S {} -B {}/build/virtio -G Ninja -DCMAKE_TOOLCHAIN_FILE={}/cmake/toolchains/virtio.cmake\n"
        "  ninja -C {}/build/virtio\n"
        "or point FATA_VIRTIO_BUILD at one",
        (inst.build_dir / "virtio-target").string(), inst.source_dir.string(), inst.source_dir.string(),
        inst.source_dir.string(), inst.source_dir.string()));
  }

  std::vector<std::string> cmake_arguments(const installation& inst) const override {
    return {"-DCMAKE_TOOLCHAIN_FILE=" + (inst.source_dir / "cmake" / "toolchains" / "virtio.cmake").string()};
  }

  std::vector<std::string> base_libraries() const override { return {"fata::runtime", "fata::entry"}; }

  // fata::entry carries the linker script and flags that make any
  // executable a bootable image.
  std::string image_rule(const image_rule_input& in) const override {
    return fata::format(
        "add_executable({} {})\n"
        "target_link_libraries({} PRIVATE {})\n"
        "set_target_properties({} PROPERTIES OUTPUT_NAME {})\n"
        "add_custom_command(TARGET {} POST_BUILD\n"
        "  COMMAND ${{CMAKE_STRIP}} -o $<TARGET_FILE:{}>.stripped $<TARGET_FILE:{}> VERBATIM)\n",
        in.cmake_target, in.sources, in.cmake_target, in.libraries, in.cmake_target,
        cmake_string(in.program), in.cmake_target, in.cmake_target, in.cmake_target);
  }

  int run(const configuration& c, const std::vector<std::string>& args) const override {
    vm_options vm;
    if (const char* env = std::getenv("FATA_QEMU_MACHINE"); env && *env) vm.machine = env;
    std::vector<std::string> image_args;
    // Device keys given on the command line, by key name.
    std::vector<std::pair<std::string, std::string>> given;
    for (const std::string& a : args) {
      if (!a.starts_with("--")) {
        image_args.push_back(a);
        continue;
      }
      auto [key, value] = split_option(a);
      if (key.starts_with("qemu:")) {
        key.remove_prefix(5);
        if (key == "machine") vm.machine = value;
        else if (key == "memory") vm.memory = value;
        else if (key == "cpu") vm.cpu = value;
        else if (key == "forward") vm.forwards.emplace_back(value);
        else if (key == "arg") vm.extra.emplace_back(value);
        else if (key == "dry-run") vm.dry_run = true;
        else {
          std::fprintf(stderr, "fata: unknown option --qemu:%.*s (machine, memory, cpu, forward, arg, dry-run)\n",
                       static_cast<int>(key.size()), key.data());
          return 64;
        }
        continue;
      }
      if (key.starts_with("net:") || key.starts_with("block:")) {
        given.emplace_back(std::string(key), std::string(value));
        continue;
      }
      image_args.push_back(a);
    }
    if (vm.machine != "microvm" && vm.machine != "q35" && vm.machine != "pc") {
      std::fprintf(stderr, "fata: --qemu:machine=%s: use microvm, q35 or pc\n", vm.machine.c_str());
      return 64;
    }
    const bool mmio = vm.machine == "microvm";
    const std::string bus = mmio ? "device" : "pci";

    std::vector<std::string> cmd{std::string(qemu), "-M", vm.machine, "-m", vm.memory + "M", "-cpu", vm.cpu,
                                 "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
                                 "-serial", "stdio", "-monitor", "none",
                                 "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
                                 "-kernel", image_file(c).string()};
    cmd.insert(cmd.end(), {"-device", "virtio-rng-" + bus});

    // Network and block devices, in the description's order.
    int nics = 0, disks = 0;
    bool forwarded = false;
    for (const resolved_device& d : c.devices) {
      if (!d.used || !d.impl || d.keys.empty()) continue;
      const bool net = d.impl->choice == "virtio-net";
      const bool block = d.impl->choice == "virtio-blk";
      if (!net && !block) continue;
      const resolved_key& k = c.keys[d.keys[0]];
      std::string value = k.default_text;
      for (const auto& [name, v] : given)
        if (name == k.name) value = v;
      if (net) {
        const int i = nics++;
        std::string netdev;
        if (value.empty() || value == "user") {
          netdev = fata::format("user,id=net{}", i);
          for (const std::string& f : vm.forwards) {
            // [NET:]PROTO:HOST:GUEST
            std::vector<std::string> parts;
            std::size_t start = 0;
            for (std::size_t p = 0; p <= f.size(); ++p)
              if (p == f.size() || f[p] == ':') parts.push_back(f.substr(start, p - start)), start = p + 1;
            if (parts.size() == 4 && parts[0] != d.node->name) continue;
            if (parts.size() == 4) parts.erase(parts.begin());
            else if (forwarded) continue;  // unnamed forwards go to the first user network
            if (parts.size() != 3) {
              std::fprintf(stderr, "fata: --qemu:forward=%s: expected [NET:]PROTO:HOSTPORT:GUESTPORT\n", f.c_str());
              return 64;
            }
            netdev += fata::format(",hostfwd={}:127.0.0.1:{}-:{}", parts[0], parts[1], parts[2]);
          }
          forwarded = true;
        } else {
          const std::string ifname = value.starts_with("tap:") ? value.substr(4) : value;
          netdev = fata::format("tap,id=net{},ifname={},script=no,downscript=no", i, ifname);
        }
        cmd.insert(cmd.end(), {"-netdev", netdev, "-device",
                               fata::format("virtio-net-{},netdev=net{},mac=52:54:00:fa:7a:{:02x}", bus, i, i)});
        image_args.push_back(fata::format("--{}={}", k.name, i));
      } else {
        const int i = disks++;
        std::string file = value;
        const bool ro = file.size() > 3 && file.ends_with(":ro");
        if (ro) file.resize(file.size() - 3);
        cmd.insert(cmd.end(), {"-drive", fata::format("file={},format=raw,if=none,id=disk{}{}", file, i,
                                                      ro ? ",readonly=on" : ""),
                               "-device", fata::format("virtio-blk-{},drive=disk{}", bus, i)});
        image_args.push_back(fata::format("--{}={}", k.name, i));
      }
    }
    cmd.insert(cmd.end(), vm.extra.begin(), vm.extra.end());
    if (!image_args.empty()) {
      std::string line;
      for (const std::string& a : image_args) line += (line.empty() ? "" : " ") + shell_quote(a);
      cmd.insert(cmd.end(), {"-append", line});
    }

    std::string shown;
    for (const std::string& a : cmd) shown += (shown.empty() ? "" : " ") + shell_quote(a);
    std::fprintf(stderr, "fata: %s\n", shown.c_str());
    if (vm.dry_run) return 0;
    if (!have_program(std::string(qemu))) {
      std::fprintf(stderr, "fata: %s is not installed (apt-get install qemu-system-x86)\n", qemu.data());
      return 1;
    }
    // The console (QEMU's stdout) passes through, its end kept: the image's
    // last line is `fata: exit status N` (platform/virtio/power.cpp).
    auto r = run_process(cmd, {}, output_mode::tee, output_mode::inherit);
    if (!r) {
      std::fprintf(stderr, "fata: %s\n", r.error().c_str());
      return 1;
    }
    // 0: ACPI power-off after exit(0); (s << 1) | 1: exit(s) through
    // isa-debug-exit; anything else is QEMU's own failure or a signal.
    // Under -no-reboot QEMU also exits 0 when the VM resets (a triple
    // fault): only the image's exit line tells the two apart.
    const int status = r->status;
    int decoded = -1;
    if (status == 0) decoded = 0;
    else if (status % 2 == 1 && status > 1 && status < 256) decoded = (status - 1) / 2;
    if (decoded < 0) {
      std::fprintf(stderr, "fata: %s failed (status %d)\n", qemu.data(), status);
      return status == 1 ? 1 : status;
    }
    const int said = exit_line_status(r->out);
    if (said < 0) {
      std::fprintf(stderr,
                   "fata: the VM stopped (%s status %d) without the image's exit line "
                   "('fata: exit status N'): it reset or triple-faulted\n",
                   qemu.data(), status);
      return 1;
    }
    if (said != decoded) {
      std::fprintf(stderr, "fata: the image said it exited with %d, but %s's status %d says %d\n", said,
                   qemu.data(), status, decoded);
      return 1;
    }
    return decoded;
  }
};

void register_virtio() {
  register_target(std::make_unique<virtio>());

  register_device({
      .combinator = "block",
      .choice = "virtio-blk",
      .summary = "a virtio-blk disk (fata run attaches FILE, or FILE:ro read-only)",
      .targets = {"virtio"},
      .default_for = {"virtio"},
      .type = "fata::devices::block",
      .headers = {"fata/devices/block.hpp"},
      .libraries = {"fata::devices"},
      .keys = {{.label = "disk",
                .name = "block:{name}",
                .type_name = "FILE|INDEX",
                .default_value = "{path:file}",
                .doc = "Disk of the block device {name}: fata run attaches FILE (FILE:ro read-only) and "
                       "passes its index; in the VM a virtio-blk index (a name: the next disk)"}},
      .make = "fata::devices::block::open({cpp:name}, {key:disk})",
      .fallible = true,
  });

  register_device({
      .combinator = "default_network",
      .choice = "virtio-net",
      .summary = "a virtio-net interface (fata run connects it to QEMU's user network or a TAP)",
      .targets = {"virtio"},
      .default_for = {"virtio"},
      .type = "fata::devices::netif",
      .headers = {"fata/devices/netif.hpp"},
      .libraries = {"fata::devices"},
      .keys = {{.label = "interface",
                .name = "net:{name}",
                .type_name = "NIC",
                .default_value = "user",
                .doc = "Network device {name}: fata run connects `user` (QEMU's user network, "
                       "--qemu:forward=PROTO:HOST:GUEST) or tap:IFNAME; in the VM a virtio-net index or "
                       "MAC (anything else: the next interface)"}},
      .make = "fata::devices::netif::open({cpp:name}, {key:interface})",
      .fallible = true,
  });

  // The only IPv4 stack in a VM: fata's TCP/IP over the virtio-net
  // interface. The address comes from DHCP by default (QEMU's user network
  // leases 10.0.2.15, so `fata run --qemu:forward=...` works as it is);
  // the gateway key is for static addresses.
  const direct_stack_target direct{
      .target = "virtio",
      .summary = "fata's TCP/IP over the virtio-net interface",
      .is_default = true,
      .ipv4 = "dhcp",
      .ipv4_doc = "IPv4 address and prefix of the stack, or dhcp",
      .gateway = "10.0.2.2",
      .gateway_doc = "IPv4 gateway (0.0.0.0: none; default: QEMU's user network)",
  };
  register_device(direct_stack_device(direct));
  register_device(direct_stackv4v6_device(direct));
}

const registrar registration(&register_virtio);

}  // namespace
}  // namespace fata::tool
