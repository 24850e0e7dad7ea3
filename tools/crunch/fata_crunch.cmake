# fata_crunch(TARGET DIRECTORY dir NAME name [DEPENDS file...])
#
# Embeds the directory `dir` into a static library TARGET for
# fata::devices::kv_crunch (MirageOS's crunch). Code linking TARGET gets
#
#   #include <fata/crunched/NAME.hpp>    // declares fata::crunched::NAME
#   fata::devices::kv_crunch store(fata::crunched::NAME);
#
# The file bytes are embedded with the assembler's .incbin (fast for
# MiB-sized files) and the table is constant-initialised data, so the
# library needs no start-up code and links into freestanding images. NAME
# must be a C identifier, unique in the image. The generator reruns when
# any file or directory of the tree changes (a depfile lists them); DEPENDS
# adds build-time inputs, such as the step that produces `dir`.
#
# The generator is the host program fata-crunch: the in-tree target when
# this build has it (hosted), else FATA_CRUNCH_TOOL, the path of a hosted
# build's fata-crunch (for freestanding builds and generated projects).
# The calling project must enable the ASM language.
set(FATA_CRUNCH_TOOL "" CACHE FILEPATH "fata-crunch from a hosted build (for builds without the in-tree tool)")

function(fata_crunch target)
  cmake_parse_arguments(ARG "" "DIRECTORY;NAME" "DEPENDS" ${ARGN})
  if(NOT ARG_DIRECTORY OR NOT ARG_NAME)
    message(FATAL_ERROR "fata_crunch(${target}): DIRECTORY and NAME are required")
  endif()
  if(NOT ARG_NAME MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "fata_crunch(${target}): NAME must be a C identifier, not '${ARG_NAME}'")
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(NOT "ASM" IN_LIST languages)
    message(FATAL_ERROR "fata_crunch(${target}): the project must enable ASM (project(... LANGUAGES C CXX ASM))")
  endif()
  if(TARGET fata-crunch)
    set(tool $<TARGET_FILE:fata-crunch>)
    set(tool_dependency fata-crunch)
  elseif(FATA_CRUNCH_TOOL)
    set(tool ${FATA_CRUNCH_TOOL})
    set(tool_dependency ${FATA_CRUNCH_TOOL})
  else()
    message(FATAL_ERROR "fata_crunch(${target}): no fata-crunch; set FATA_CRUNCH_TOOL to a hosted build's tools/crunch/fata-crunch")
  endif()

  get_filename_component(directory ${ARG_DIRECTORY} ABSOLUTE)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/fata_crunch_${ARG_NAME})
  add_custom_command(
    OUTPUT ${out}/${ARG_NAME}.cpp ${out}/${ARG_NAME}.S ${out}/include/fata/crunched/${ARG_NAME}.hpp
    COMMAND ${tool} --name ${ARG_NAME} --output ${out} --depfile ${out}/${ARG_NAME}.d ${directory}
    DEPFILE ${out}/${ARG_NAME}.d
    DEPENDS ${tool_dependency} ${ARG_DEPENDS}
    COMMENT "Crunching ${directory} into ${target}"
    VERBATIM)
  add_library(${target} STATIC ${out}/${ARG_NAME}.cpp ${out}/${ARG_NAME}.S)
  target_include_directories(${target} PUBLIC ${out}/include)
  target_link_libraries(${target} PUBLIC fata::devices)
endfunction()
