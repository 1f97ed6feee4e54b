# The install rules (CYSIM_INSTALL; on when cysim is the top-level project).
#
#   bin/cysim                              the program
#   lib/libcysim.a                         the library
#   include/cysim/*.h                      its headers, cy_version.h included
#   lib/cmake/cysim/                       find_package(cysim CONFIG):
#                                          imported target cysim::cysim
#   lib/pkgconfig/cysim.pc                 pkg-config --static cysim
#
# (lib is CMAKE_INSTALL_LIBDIR.)  Both packages find their files relative to
# where they are installed, so an installed tree may be moved; both are
# checked by tests/test_install.sh.
include(CMakePackageConfigHelpers)

set(CYSIM_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/cysim CACHE STRING
  "Where to install cysim's CMake package, under the prefix")
set(CYSIM_INSTALL_PKGCONFIGDIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig CACHE STRING
  "Where to install cysim.pc, under the prefix")

install(TARGETS cysim_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS cysim EXPORT cysimTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}) # for CMake < 3.23

# The CMake package: the exported target, the dependencies it needs found
# first, and the version (0.x: a minor version may break the interface).
install(EXPORT cysimTargets NAMESPACE cysim::
  DESTINATION ${CYSIM_INSTALL_CMAKEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/cysimConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cysimConfig.cmake
  INSTALL_DESTINATION ${CYSIM_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cysimConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cysimConfig.cmake
  ${PROJECT_BINARY_DIR}/cysimConfigVersion.cmake
  ${PROJECT_SOURCE_DIR}/cmake/cysimDependencies.cmake
  DESTINATION ${CYSIM_INSTALL_CMAKEDIR})

# The pkg-config file.  Its prefix is found from the file's own location
# (${pcfiledir}), so it holds wherever `cmake --install --prefix` puts it.
# The serial HDF5's high-level library is not in hdf5-serial.pc: name the
# one the build found.
function(_cysim_pc_dir var dir)
  if(IS_ABSOLUTE "${dir}")
    set(${var} "${dir}" PARENT_SCOPE)
  else()
    set(${var} "\${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
if(IS_ABSOLUTE "${CYSIM_INSTALL_PKGCONFIGDIR}")
  set(CYSIM_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _up "/root/${CYSIM_INSTALL_PKGCONFIGDIR}" "/root")
  string(REGEX REPLACE "/$" "" _up "${_up}")
  set(CYSIM_PC_PREFIX "\${pcfiledir}/${_up}")
endif()
_cysim_pc_dir(CYSIM_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
_cysim_pc_dir(CYSIM_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
get_filename_component(_hl_dir "${CYSIM_HDF5_HL}" DIRECTORY)
get_filename_component(_hl_name "${CYSIM_HDF5_HL}" NAME_WE)
string(REGEX REPLACE "^lib" "" _hl_name "${_hl_name}")
set(CYSIM_PC_LIBS_PRIVATE "-L${_hl_dir} -l${_hl_name} -lm ${CMAKE_THREAD_LIBS_INIT}")
string(STRIP "${CYSIM_PC_LIBS_PRIVATE}" CYSIM_PC_LIBS_PRIVATE)
configure_file(${PROJECT_SOURCE_DIR}/cmake/cysim.pc.in ${PROJECT_BINARY_DIR}/cysim.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cysim.pc
  DESTINATION ${CYSIM_INSTALL_PKGCONFIGDIR})
