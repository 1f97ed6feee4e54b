# cysim_module(<name> <file>...)
#
# One static library per folder of sim/, from an explicit file list (adding a
# file means naming it here, so a module's contents are reviewable in one
# place).  The module's own folder is a PRIVATE include directory: its
# headers are seen by it alone.  sim/ is an INTERFACE include directory, so a
# module above may include a module below as "io/h5io.h" -- which headers a
# module offers the layers above is listed in sim/README.md and checked by
# tests/test_arch.sh.
function(cysim_module name)
  add_library(${name} STATIC ${ARGN})
  target_include_directories(${name}
    PUBLIC ${PROJECT_SOURCE_DIR}/include ${PROJECT_BINARY_DIR}/generated
    PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}
    INTERFACE ${PROJECT_SOURCE_DIR}/sim)
endfunction()
