// The description of kv_ro: the folder data/ as two read-only stores, one
// always crunched into the image, one that generic_kv_ro makes the host
// directory on hosted (try `fata configure kv_ro=crunch`).
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  auto crunched = crunch("data", "crunched");
  auto files = generic_kv_ro("data", "files");
  register_unikernel("kv_ro", "Checks that a crunched and a host-directory store agree.",
                     main<example::kv_ro>("unikernel.hpp", crunched, files));
}
