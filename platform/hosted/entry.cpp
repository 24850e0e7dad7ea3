// The hosted entry point: a Linux process's main hands its arguments to
// the image.
#include <fata/platform/abi.hpp>

#include <cstring>

int main(int argc, char** argv) {
  const char* program = argc > 0 ? argv[0] : "fata";
  if (const char* slash = std::strrchr(program, '/')) program = slash + 1;
  fata::platform::start_info info{};
  info.argc = argc > 0 ? argc - 1 : 0;
  info.argv = argc > 0 ? argv + 1 : argv;
  info.program = program;
  fata::platform::exit(fata_app_main(&info));
}
