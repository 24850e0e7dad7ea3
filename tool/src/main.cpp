// fata: configure, build, run and describe unikernels (see tool/README.md).
#include <string>
#include <vector>

#include "commands.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  return fata::tool::run_tool(args);
}
