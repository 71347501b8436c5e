# Every build option of jcopsim, in one place.
option(JCOPSIM_TESTS "Build the unit tests and register ctest tests" ON)
# -Werror: on for developers and CI (every build type but Release), off by default
# for a user's release build, where a newer compiler's new warning must not
# stop the build. CI passes -DJCOPSIM_WERROR=ON for its Release builds too.
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  set(_jcopsim_werror_default OFF)
else()
  set(_jcopsim_werror_default ON)
endif()
option(JCOPSIM_WERROR "Treat warnings as errors" ${_jcopsim_werror_default})
option(JCOPSIM_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(JCOPSIM_FUZZ "Build libFuzzer targets (needs clang and libclang-rt-14-dev)" OFF)
option(JCOPSIM_RIG_TESTS "Register the tests that start a private pcscd through the rig (root, pcscd, vpcd)" ON)
option(JCOPSIM_BROWSER_TESTS "Register the headless-Chromium test of the HTML report" ON)

if(JCOPSIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()

# Reliability (simulator/fuzz, simulator/reliability).
option(JCOPSIM_LONG_TESTS "Register the long reliability runs (100 SIGKILLs, 20x reconnects; ctest label long)" OFF)
option(JCOPSIM_VALGRIND_TESTS "Register the valgrind run of the daemon (needs valgrind)" ON)
set(JCOPSIM_FUZZ_SECONDS 60 CACHE STRING "Seconds per target of the bounded fuzzing run (ctest label fuzz)")
if(JCOPSIM_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "JCOPSIM_FUZZ needs clang: configure with -DCMAKE_C_COMPILER=clang")
  endif()
  # Coverage for libFuzzer in every library the targets link; ASan+UBSan so a
  # memory error is a crash the fuzzer sees.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
