# Every build option of jcopsim, in one place.
option(JCOPSIM_TESTS "Build the unit tests and register ctest tests" ON)
option(JCOPSIM_WERROR "Treat warnings as errors" ON)
option(JCOPSIM_SANITIZE "Build with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(JCOPSIM_FUZZ "Build libFuzzer targets (needs clang and libclang-rt-14-dev)" OFF)
option(JCOPSIM_RIG_TESTS "Register the tests that start a private pcscd through the rig (root, pcscd, vpcd)" ON)
option(JCOPSIM_BROWSER_TESTS "Register the headless-Chromium test of the HTML report" ON)

if(JCOPSIM_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=address,undefined)
endif()
