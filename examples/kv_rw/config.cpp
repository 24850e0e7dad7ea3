// The description of kv_rw: an in-memory store of at most 1 MiB.
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("kv_rw", "Writes, renames and removes keys of an in-memory store.",
                     main<example::kv_rw>("unikernel.hpp", kv_mem("store", 1 << 20)));
}
