# Reliability tests (issue 8), included by simulator/fuzz/CMakeLists.txt (this
# folder has no CMakeLists.txt of its own: simulator/tests/CMakeLists.txt
# belongs to the card-core tests). Python clients run with Debian's
# /usr/bin/python3 (pycryptodome); they play vpcd's side on 127.0.0.1, so no
# pcscd is needed except for the reconnect runs, which go through the rig.
#   reliability         crash safety (10 kills), power-loss injection, security
#   long                100 kills, 20x pcscd and card restarts (JCOPSIM_LONG_TESTS)
#   valgrind            the daemon under valgrind (JCOPSIM_VALGRIND_TESTS)
set(JR_DIR ${JCOPSIM_SOURCE_DIR}/simulator/tests/reliability)
set(JR_PY /usr/bin/python3)

if(JCOPSIM_TESTS AND TARGET jcopsim AND EXISTS ${JR_PY})
  add_test(NAME reliability_crash_kill_10
           COMMAND ${JR_PY} ${JR_DIR}/crash_kill.py --jcopsim $<TARGET_FILE:jcopsim> --kills 10)
  add_test(NAME reliability_power_cut
           COMMAND ${JR_PY} ${JR_DIR}/power_cut.py --jcopsim $<TARGET_FILE:jcopsim>)
  set_tests_properties(reliability_crash_kill_10 reliability_power_cut PROPERTIES
                       LABELS "reliability" TIMEOUT 300)
  if(JCOPSIM_LONG_TESTS)
    add_test(NAME reliability_crash_kill_100
             COMMAND ${JR_PY} ${JR_DIR}/crash_kill.py --jcopsim $<TARGET_FILE:jcopsim> --kills 100 --seed 100)
    set_tests_properties(reliability_crash_kill_100 PROPERTIES LABELS "reliability;long" TIMEOUT 1800)
  endif()
endif()
