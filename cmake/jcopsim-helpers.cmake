# Small helpers shared by every folder's CMakeLists.txt.

# jcopsim_add_cmocka_test(NAME SOURCES... LIBS libs... [LABELS labels...])
# Builds a cmocka test program and registers it with ctest.
function(jcopsim_add_cmocka_test name)
  if(NOT JCOPSIM_TESTS)
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}"
                       ENVIRONMENT "JCOPSIM_SOURCE_DIR=${JCOPSIM_SOURCE_DIR}")
endfunction()

function(jcopsim_print_summary)
  message(STATUS "jcopsim ${PROJECT_VERSION}: build type ${CMAKE_BUILD_TYPE}")
  message(STATUS "  tests ${JCOPSIM_TESTS}, rig tests ${JCOPSIM_RIG_TESTS}, browser tests ${JCOPSIM_BROWSER_TESTS}")
  message(STATUS "  sanitizers ${JCOPSIM_SANITIZE}, fuzz targets ${JCOPSIM_FUZZ}, -Werror ${JCOPSIM_WERROR}")
endfunction()
