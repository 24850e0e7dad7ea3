# fata_test(NAME SOURCES ... DEPS ... [LABELS ...])
# A GoogleTest executable registered with CTest (one CTest test per case).
include(GoogleTest)

# How long each libFuzzer target runs over its corpus under CTest (label
# `fuzz`). For a longer campaign configure with -DFATA_FUZZ_SECONDS=600
# and run `ctest -L fuzz`.
set(FATA_FUZZ_SECONDS 8 CACHE STRING "Seconds each fuzz target runs under CTest")

function(fata_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_options(${name} PRIVATE ${FATA_LIBRARY_FLAGS})
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS "unit;${ARG_LABELS}")
  set_property(GLOBAL APPEND PROPERTY FATA_UNIT_TESTS ${name})
endfunction()

# `fata_unit_tests`: every fata_test() executable, what the sanitizer
# preset needs (it runs the `unit` label only), without the tool, the
# examples and the apps. Call once, after every tests/ folder.
function(fata_unit_tests_target)
  get_property(tests GLOBAL PROPERTY FATA_UNIT_TESTS)
  add_custom_target(fata_unit_tests DEPENDS ${tests})
endfunction()
