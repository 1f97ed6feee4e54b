# cysimDependencies.cmake: the libraries libcysim.a needs, found the same way
# by cysim's own build (CMakeLists.txt includes this file) and by a project
# that calls find_package(cysim CONFIG) (the installed cysimConfig.cmake
# includes its installed copy).  In the build a missing library is a fatal
# error; in a consumer's find_package(cysim) it makes cysim "not found" with
# a message, as find_dependency() does.
#
# Targets defined here:
#   GSL::gsl, Threads::Threads, ZLIB::ZLIB  CMake's own find modules
#   PkgConfig::cysim_libconfig              libconfig
#   PkgConfig::cysim_hdf5                   the serial HDF5
#   cysim::hdf5_hl                          its high-level library
# The pkg-config prefixes are cysim's own so that a consumer's
# find_package(HDF5) or pkg_check_modules(HDF5 ...) variables and targets
# are left alone.  cmake/cysim.pc.in lists the same libraries for
# pkg-config users.

if(CMAKE_FIND_PACKAGE_NAME STREQUAL "cysim")
  include(CMakeFindDependencyMacro)
  macro(_cysim_find_package)
    find_dependency(${ARGV})
  endmacro()
  macro(_cysim_missing what)
    set(cysim_FOUND FALSE)
    set(cysim_NOT_FOUND_MESSAGE "cysim needs ${what}, which was not found")
    return()
  endmacro()
else()
  macro(_cysim_find_package)
    find_package(${ARGV} REQUIRED)
  endmacro()
  macro(_cysim_missing what)
    message(FATAL_ERROR "cysim needs ${what}, which was not found")
  endmacro()
endif()

_cysim_find_package(GSL)
_cysim_find_package(Threads)
# zlib: the writer deflates chunks on the worker threads and hands HDF5
# finished chunks (H5Dwrite_chunk), so compression is not serialised.
_cysim_find_package(ZLIB)
_cysim_find_package(PkgConfig)

pkg_check_modules(cysim_libconfig QUIET IMPORTED_TARGET libconfig)
if(NOT cysim_libconfig_FOUND)
  _cysim_missing("libconfig (pkg-config module libconfig)")
endif()
# Pick the serial HDF5 explicitly: installing libhdf5-openmpi-dev repoints
# `pkg-config hdf5` to the MPI build, which would drag MPI into every build.
pkg_check_modules(cysim_hdf5 QUIET IMPORTED_TARGET hdf5-serial)
if(NOT cysim_hdf5_FOUND)
  _cysim_missing("the serial HDF5 (pkg-config module hdf5-serial)")
endif()
# Dimension scales (H5DS*) live in the high-level library, which the .pc file
# does not list; it sits next to libhdf5 in the serial library directory.
find_library(CYSIM_HDF5_HL NAMES hdf5_hl hdf5_serial_hl
  HINTS ${cysim_hdf5_LIBRARY_DIRS})
if(NOT CYSIM_HDF5_HL)
  _cysim_missing("the HDF5 high-level library (libhdf5_hl)")
endif()
if(NOT TARGET cysim::hdf5_hl)
  add_library(cysim::hdf5_hl UNKNOWN IMPORTED)
  set_target_properties(cysim::hdf5_hl PROPERTIES
    IMPORTED_LOCATION "${CYSIM_HDF5_HL}"
    INTERFACE_LINK_LIBRARIES PkgConfig::cysim_hdf5)
endif()
