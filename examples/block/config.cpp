// The description of block: one block device, "storage". On hosted it is
// the file disk.img of this folder, or the one given at boot with
// --block:storage=FILE (create one with `truncate -s 1M disk.img`).
#include <fata/config/description.hpp>

#include "unikernel.hpp"

using namespace fata::config;

void configure() {
  register_unikernel("block", "Writes sectors of a block device and reads them back.",
                     main<example::block>("unikernel.hpp", block("storage", "disk.img")));
}
