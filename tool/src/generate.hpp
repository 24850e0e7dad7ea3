// What `fata configure` writes into the unikernel's build folder.
#pragma once

#include <string>

#include "configuration.hpp"

namespace fata::tool {

// main.cpp: the runtime keys, fata_app_main, and the coroutine that makes
// every device (dependencies first) and runs the unikernel's start().
std::string generate_main(const configuration& c);

// CMakeLists.txt: a project that finds the fata build of the target and
// links the image from main.cpp.
std::string generate_cmake(const configuration& c);

// The CMake target of the image.
std::string image_cmake_target(const configuration& c);

}  // namespace fata::tool
