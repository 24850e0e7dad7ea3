// Devices that are the same on every target: they stand on the platform
// ABI (console, clocks, entropy) or on nothing at all (in-memory and
// crunched stores). Target-specific devices, and devices whose run-time
// resource means something different per target (block, network), are
// registered by the target's own file (tool/src/targets/).
#include "../registry.hpp"

namespace fata::tool {
namespace {

void register_platform_devices() {
  register_device({
      .combinator = "default_console",
      .choice = "platform",
      .summary = "the platform console (stdout on hosted, the serial port in a VM)",
      .default_for = {"*"},
      .type = "fata::devices::console",
      .headers = {"fata/devices/console.hpp"},
      .libraries = {"fata::devices"},
      .make = "fata::devices::console{}",
  });
  register_device({
      .combinator = "mclock",
      .choice = "platform",
      .summary = "the platform's monotonic clock",
      .default_for = {"*"},
      .type = "fata::devices::mclock",
      .headers = {"fata/devices/clock.hpp"},
      .libraries = {"fata::devices"},
      .make = "fata::devices::mclock{}",
  });
  register_device({
      .combinator = "pclock",
      .choice = "platform",
      .summary = "the platform's wall clock",
      .default_for = {"*"},
      .type = "fata::devices::pclock",
      .headers = {"fata/devices/clock.hpp"},
      .libraries = {"fata::devices"},
      .make = "fata::devices::pclock{}",
  });
  register_device({
      .combinator = "sleeper",
      .choice = "platform",
      .summary = "sleeping on the event loop's timers",
      .default_for = {"*"},
      .type = "fata::devices::sleeper",
      .headers = {"fata/devices/clock.hpp"},
      .libraries = {"fata::devices"},
      .make = "fata::devices::sleeper{}",
  });
  register_device({
      .combinator = "default_random",
      .choice = "drbg",
      .summary = "HMAC-DRBG (SHA-256) seeded from the platform's entropy",
      .default_for = {"*"},
      .type = "fata::devices::random",
      .headers = {"fata/devices/random.hpp"},
      .libraries = {"fata::devices"},
      .make = "fata::devices::random::create()",
      .fallible = true,
  });
  register_device({
      .combinator = "kv_mem",
      .choice = "memory",
      .summary = "an in-memory read-write store",
      .default_for = {"*"},
      .type = "fata::devices::kv_mem",
      .headers = {"fata/devices/kv_mem.hpp"},
      .libraries = {"fata::devices"},
      .make = "fata::devices::kv_mem{{param:capacity}}",
  });
  // The crunched store: the files compiled into the image by fata_crunch().
  device_impl crunched{
      .combinator = "crunch",
      .choice = "crunch",
      .summary = "the directory's files compiled into the image",
      .default_for = {"*"},
      .type = "fata::devices::kv_crunch",
      .headers = {"fata/devices/kv_crunch.hpp", "fata/crunched/{ident}.hpp"},
      .libraries = {"fata_crunch_{ident}"},
      .make = "fata::devices::kv_crunch{fata::crunched::{ident}}",
      .cmake = "fata_crunch(fata_crunch_{ident} DIRECTORY {cmake:path:directory} NAME {ident})",
      .languages = {"ASM"},
  };
  register_device(crunched);
  // generic_kv_ro: crunched unless a target says otherwise (hosted reads
  // the directory).
  crunched.combinator = "generic_kv_ro";
  crunched.choice_key = "kv_ro";
  register_device(crunched);
}

const registrar registration(&register_platform_devices);

}  // namespace
}  // namespace fata::tool
