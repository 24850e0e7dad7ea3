# Helpers for the CMake projects that `fata configure` generates (see
# tool/src/generate.cpp). fata-config.cmake includes this file after
# importing the libraries of one target, so a generated project is
#
#   find_package(fata CONFIG REQUIRED)     # fata_DIR: the target's fata build
#   fata_unikernel_setup()
#   ... the image target, linked with fata::runtime, fata::entry, devices ...
#   fata_unikernel_check_libraries(fata::runtime ...)
include_guard(GLOBAL)

# fata_crunch(): embeds a directory for fata::devices::kv_crunch. The
# generated project has no fata-crunch target: `fata build` passes
# FATA_CRUNCH_TOOL, the hosted build's generator.
if(EXISTS "${FATA_SOURCE_DIR}/tools/crunch/fata_crunch.cmake")
  include("${FATA_SOURCE_DIR}/tools/crunch/fata_crunch.cmake")
endif()

# The language level and warnings of fata's own code. The libraries'
# interface already carries -fno-exceptions and -fno-rtti.
macro(fata_unikernel_setup)
  set(CMAKE_CXX_STANDARD 23)
  set(CMAKE_CXX_STANDARD_REQUIRED ON)
  set(CMAKE_CXX_EXTENSIONS OFF)
  set(CMAKE_POSITION_INDEPENDENT_CODE OFF)
  add_compile_options(-Wall -Wextra)
  # A sanitized fata build needs sanitized images.
  if(FATA_SANITIZE)
    add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
    add_link_options(-fsanitize=address,undefined)
  endif()
endmacro()

# fata_unikernel_check_libraries(LIB...): stops with one clear message if
# an imported fata library (or one it links) was not built, rather than
# failing later at link time.
function(fata_unikernel_check_libraries)
  set(seen "")
  set(pending ${ARGN})
  while(pending)
    list(POP_FRONT pending lib)
    if(NOT TARGET "${lib}" OR lib IN_LIST seen)
      continue()
    endif()
    list(APPEND seen ${lib})
    get_target_property(imported ${lib} IMPORTED)
    if(NOT imported)
      continue()
    endif()
    get_target_property(type ${lib} TYPE)
    if(type STREQUAL "STATIC_LIBRARY")
      get_target_property(configs ${lib} IMPORTED_CONFIGURATIONS)
      set(location "")
      foreach(config IN LISTS configs)
        get_target_property(location ${lib} IMPORTED_LOCATION_${config})
        break()
      endforeach()
      if(location AND NOT EXISTS "${location}")
        message(FATAL_ERROR "${lib} is not built (${location}): build fata first, e.g. cmake --build ${FATA_BINARY_DIR}")
      endif()
    endif()
    get_target_property(deps ${lib} INTERFACE_LINK_LIBRARIES)
    if(deps)
      list(APPEND pending ${deps})
    endif()
  endwhile()
endfunction()
