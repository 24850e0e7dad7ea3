# fata_virtio_image(NAME [PROGRAM name] SOURCES ... DEPS ...)
# Links a bootable image NAME (an x86_64 ELF with a PVH entry) from the
# sources and fata libraries given; PROGRAM is the name usage messages show
# (default NAME). Also writes NAME.stripped for size figures.
set(FATA_SOURCE_DIR_FOR_IMAGES ${CMAKE_CURRENT_LIST_DIR}/../..)
function(fata_virtio_image name)
  cmake_parse_arguments(ARG "" "PROGRAM" "SOURCES;DEPS" ${ARGN})
  if(NOT ARG_PROGRAM)
    set(ARG_PROGRAM ${name})
  endif()
  add_executable(${name} ${ARG_SOURCES})
  set_target_properties(${name} PROPERTIES OUTPUT_NAME ${ARG_PROGRAM})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} fata::entry)
  target_compile_options(${name} PRIVATE ${FATA_LIBRARY_FLAGS})
  set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${FATA_SOURCE_DIR_FOR_IMAGES}/platform/virtio/image.ld)
  add_custom_command(TARGET ${name} POST_BUILD
    COMMAND ${CMAKE_STRIP} -o $<TARGET_FILE:${name}>.stripped $<TARGET_FILE:${name}>
    VERBATIM)
endfunction()
