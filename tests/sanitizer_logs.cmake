# sanitizer_logs.cmake: the sanitized suite's first and last tests (see
# tests/CMakeLists.txt).  cmake -DDIR=dir -P: empties DIR (the sanitizers'
# log_path directory).  With -DCHECK=ON: prints every report in DIR and
# fails when there is one.
if(NOT CHECK)
  file(REMOVE_RECURSE "${DIR}")
  file(MAKE_DIRECTORY "${DIR}")
  return()
endif()
file(GLOB reports "${DIR}/*")
if(NOT reports)
  message(STATUS "no sanitizer report in ${DIR}")
  return()
endif()
foreach(f IN LISTS reports)
  file(READ "${f}" text)
  message("---- ${f}\n${text}")
endforeach()
list(LENGTH reports n)
message(FATAL_ERROR "${n} sanitizer report(s) in ${DIR}")
