# BearSSL for freestanding targets, compiled from Debian's source package
# with the image's own flags (the toolchain's: no red zone, no stack
# protector, no fortify). Included by platform/<target>/CMakeLists.txt,
# which then points FATA_BEARSSL_LIBRARY at the target defined here.
#
# The source is fetched once into FATA_DEPS_DIR by scripts/fetch-bearssl
# (version and checksums pinned there) and compiled once per build folder;
# it is never committed.
set(FATA_DEPS_DIR "${PROJECT_SOURCE_DIR}/build/deps" CACHE PATH
    "Where freestanding targets keep third-party sources fetched from Debian")
set(fata_bearssl_source "${FATA_DEPS_DIR}/bearssl-0.6+dfsg.1")
if(NOT EXISTS "${fata_bearssl_source}/.fata-fetched-0.6+dfsg.1-3")
  message(STATUS "Fetching BearSSL's Debian source into ${FATA_DEPS_DIR}")
  execute_process(COMMAND "${PROJECT_SOURCE_DIR}/scripts/fetch-bearssl" "${FATA_DEPS_DIR}"
                  RESULT_VARIABLE fata_fetch_result)
  if(NOT fata_fetch_result EQUAL 0)
    message(FATAL_ERROR "scripts/fetch-bearssl failed: BearSSL's source is needed for FATA_TARGET=${FATA_TARGET}")
  endif()
endif()

file(GLOB_RECURSE fata_bearssl_sources "${fata_bearssl_source}/src/*.c")
add_library(fata_bearssl_image STATIC ${fata_bearssl_sources})
target_include_directories(fata_bearssl_image
  PUBLIC "${fata_bearssl_source}/inc"
  PRIVATE "${fata_bearssl_source}/src")
# No operating system: no /dev/urandom seeder and no system clock (fata
# seeds BearSSL's DRBG from the platform and passes times explicitly).
target_compile_definitions(fata_bearssl_image PRIVATE
  BR_USE_URANDOM=0 BR_USE_WIN32_RAND=0 BR_USE_UNIX_TIME=0 BR_USE_WIN32_TIME=0)
# Third-party code: its warnings are not ours to fix; optimise it for speed
# as BearSSL's own build does.
target_compile_options(fata_bearssl_image PRIVATE -w -O2)
set_target_properties(fata_bearssl_image PROPERTIES EXPORT_NAME bearssl_image)
set_property(GLOBAL APPEND PROPERTY FATA_EXPORTED_TARGETS fata_bearssl_image)
