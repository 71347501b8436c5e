# Tests of jcopsim: its command line and protocol without pcscd (label "daemon"),
# and through the real stack, each started by the rig in a private pcscd
# (label "rig": root, pcscd, vsmartcard-vpcd; skipped with code 77 otherwise).
# Every PC/SC client inside runs under `timeout`; every test has a TIMEOUT.
set(_jd_tests ${JCOPSIM_SOURCE_DIR}/simulator/tests/rig)
set(_jd_kt 404142434445464748494A4B4C4D4E4F)
set(_jd_kt1 505152535455565758595A5B5C5D5E5F)

if(JCOPSIM_TESTS)
  add_test(NAME jcopsim_cli COMMAND /bin/bash ${_jd_tests}/cli.sh $<TARGET_FILE:jcopsim>)
  add_test(NAME jcopsim_protocol
           COMMAND timeout 100 /usr/bin/python3 ${_jd_tests}/fake_vpcd.py $<TARGET_FILE:jcopsim>)
  set_tests_properties(jcopsim_cli jcopsim_protocol PROPERTIES LABELS "daemon" TIMEOUT 120
                       ENVIRONMENT "JCOPSIM_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR}")
  # The same protocol session with jcopsim under valgrind: an invalid access or
  # a definite leak turns into exit code 97, which the test reports.
  find_program(JCOPSIM_VALGRIND valgrind)
  if(JCOPSIM_VALGRIND AND NOT JCOPSIM_SANITIZE)
    add_test(NAME jcopsim_protocol_valgrind
             COMMAND timeout 300 /usr/bin/python3 ${_jd_tests}/fake_vpcd.py $<TARGET_FILE:jcopsim>)
    set_tests_properties(jcopsim_protocol_valgrind PROPERTIES LABELS "daemon;valgrind" TIMEOUT 320
      ENVIRONMENT "JCOPSIM_TEST_TMP=${CMAKE_CURRENT_BINARY_DIR};JCOPSIM_WRAPPER=${JCOPSIM_VALGRIND} -q --error-exitcode=97 --leak-check=full --errors-for-leak-kinds=definite")
  endif()
endif()

# Python test clients: every Python program of the project enables faulthandler
# (a crash in pyscard/libpcsclite shows its Python stacks in the CI log), and
# rigcard refuses PC/SC from a second thread (libpcsclite races between threads
# of one process: one process per card). Neither needs root nor pcscd.
if(JCOPSIM_TESTS)
  add_test(NAME rig_python_faulthandler
           COMMAND /bin/bash ${_jd_tests}/python_faulthandler.sh ${JCOPSIM_SOURCE_DIR})
  add_test(NAME rig_rigcard_threads COMMAND timeout 50 /usr/bin/python3 ${_jd_tests}/rigcard_threads.py)
  set_tests_properties(rig_python_faulthandler rig_rigcard_threads PROPERTIES LABELS "rig" TIMEOUT 60
                       SKIP_RETURN_CODE 77)
endif()

# The rig (tools/rig) and the trivial card (tools/bench) are targets of tools/,
# which the top level adds after simulator/: the tests name them with generator
# expressions (resolved at generation, in any folder order), so only their
# folders' presence is checked here.
if(NOT (JCOPSIM_TESTS AND JCOPSIM_RIG_TESTS AND EXISTS ${JCOPSIM_SOURCE_DIR}/tools/rig/CMakeLists.txt))
  return()
endif()
set(_jd_trivial "")
set(_jd_have_trivial OFF)
if(EXISTS ${JCOPSIM_SOURCE_DIR}/tools/bench/CMakeLists.txt)
  set(_jd_trivial --trivial $<TARGET_FILE:jcop-trivial-card>)
  set(_jd_have_trivial ON)
endif()

# jcopsim_rig_test(NAME TIMEOUT rig-args... -- command...)
function(jcopsim_rig_test name timeout)
  add_test(NAME ${name}
           COMMAND /bin/bash ${_jd_tests}/rig-test.sh ${JCOPSIM_SOURCE_DIR}/tools/rig/jcop-rig
                   --jcopsim $<TARGET_FILE:jcopsim> --probe $<TARGET_FILE:jcop-rig-probe>
                   ${_jd_trivial} --ready-timeout 30 ${ARGN})
  set_tests_properties(${name} PROPERTIES LABELS "rig" TIMEOUT ${timeout} SKIP_RETURN_CODE 77)
endfunction()

jcopsim_rig_test(rig_opensc 120 --new-card J2A040 --arg --kt=${_jd_kt}
                 --arg --trace=${CMAKE_CURRENT_BINARY_DIR}/rig_opensc.trace
                 -- /bin/bash ${_jd_tests}/opensc.sh)
set_property(TEST rig_opensc APPEND PROPERTY ENVIRONMENT
             "JCOP_TEST_TRACE=${CMAKE_CURRENT_BINARY_DIR}/rig_opensc.trace")
# jcopsim appends to a trace: start the test from an empty one.
add_test(NAME rig_opensc_trace_reset
         COMMAND ${CMAKE_COMMAND} -E rm -f ${CMAKE_CURRENT_BINARY_DIR}/rig_opensc.trace)
set_tests_properties(rig_opensc_trace_reset PROPERTIES FIXTURES_SETUP rig_opensc_trace LABELS "rig")
set_tests_properties(rig_opensc PROPERTIES FIXTURES_REQUIRED rig_opensc_trace)
if(EXISTS ${JCOPSIM_SOURCE_DIR}/harness/CMakeLists.txt)
  # jcop-replay is defined later (harness/ comes after simulator/): a generator
  # expression resolves it at generation time.
  set_property(TEST rig_opensc APPEND PROPERTY ENVIRONMENT "JCOP_REPLAY=$<TARGET_FILE:jcop-replay>")
endif()
jcopsim_rig_test(rig_scriptor 120 --new-card J2A040 --arg --kt=${_jd_kt}
                 -- /bin/bash ${_jd_tests}/scriptor.sh)
jcopsim_rig_test(rig_pyscard_fuse 120 --new-card J2A040 --arg --kt=${_jd_kt}
                 -- timeout 100 /usr/bin/python3 ${_jd_tests}/tutorial_fuse.py)
jcopsim_rig_test(rig_kill_restart 240 --new-card J2A040 --arg --kt=${_jd_kt}
                 -- timeout 200 /usr/bin/python3 ${_jd_tests}/kill_restart.py 5)
jcopsim_rig_test(rig_stuck_reader_trap 180 --new-card J2A040 --arg --kt=${_jd_kt} --arg --no-reannounce
                 -- /bin/bash ${_jd_tests}/stuck_trap.sh)
jcopsim_rig_test(rig_pcscd_restart 240 --new-card J2A040 --arg --kt=${_jd_kt}
                 -- timeout 200 /usr/bin/python3 ${_jd_tests}/pcscd_restart.py 3)
jcopsim_rig_test(rig_two_cards 120 --new-card J2A040:0 --arg --kt=${_jd_kt}
                 --new-card J2A040:1 --arg --kt=${_jd_kt1}
                 -- timeout 100 /usr/bin/python3 ${_jd_tests}/two_cards.py)
# Three and more cards: two slots per vpcd configuration line, so these span
# two and three lines (each line gets its own copy of the vpcd driver). Card i
# has the transport key kt_of(i) of rigcard.py: 4041.., 5051.., 6061.., 7071..
set(_jd_kt2 606162636465666768696A6B6C6D6E6F)
set(_jd_kt3 707172737475767778797A7B7C7D7E7F)
jcopsim_rig_test(rig_multi_cards 120 --new-card J2A040 --kt ${_jd_kt} --new-card J2A040 --kt ${_jd_kt1}
                 --new-card J2A040 --kt ${_jd_kt2} --new-card J2A040 --kt ${_jd_kt3}
                 -- timeout 100 /usr/bin/python3 ${_jd_tests}/multi_cards.py)
jcopsim_rig_test(rig_multi_cards_3lines 120 --new-card J2A040:0 --kt ${_jd_kt}
                 --new-card J2A040:3 --kt ${_jd_kt1} --new-card J2A040:4 --kt ${_jd_kt2}
                 -- timeout 100 /usr/bin/python3 ${_jd_tests}/multi_cards.py)
# pcscd's limit: 16 readers, 8 lines of 2 slots, every card answering only to its own key;
# a 17th slot is a usage error (exit 2).
set(_jd_16 "")
foreach(i RANGE 15)
  math(EXPR _b "64 + 16 * ${i}")
  set(_k "")
  foreach(j RANGE 15)
    math(EXPR _v "(${_b} + ${j}) % 256")
    math(EXPR _hi "${_v} / 16")
    math(EXPR _lo "${_v} % 16")
    string(SUBSTRING "0123456789ABCDEF" ${_hi} 1 _h)
    string(SUBSTRING "0123456789ABCDEF" ${_lo} 1 _l)
    string(APPEND _k "${_h}${_l}")
  endforeach()
  list(APPEND _jd_16 --memory-card J2A040 --kt ${_k})
endforeach()
jcopsim_rig_test(rig_sixteen_cards 120 ${_jd_16}
                 -- timeout 100 /usr/bin/python3 ${_jd_tests}/multi_cards.py)
add_test(NAME rig_slot_limit
         COMMAND sh -c "\"$@\"; r=$?; [ $r -eq 77 ] && exit 77; test $r -eq 2" jd /bin/bash ${_jd_tests}/rig-test.sh
                 ${JCOPSIM_SOURCE_DIR}/tools/rig/jcop-rig --jcopsim $<TARGET_FILE:jcopsim>
                 --probe $<TARGET_FILE:jcop-rig-probe> --memory-card J2A040:16 -- true)
set_tests_properties(rig_slot_limit PROPERTIES LABELS "rig" TIMEOUT 60 SKIP_RETURN_CODE 77)
jcopsim_rig_test(rig_concurrent_restart 240 --new-card J2A040 --kt ${_jd_kt} --new-card J2A040 --kt ${_jd_kt1}
                 --new-card J2A040 --kt ${_jd_kt2} --new-card J2A040 --kt ${_jd_kt3}
                 -- timeout 200 /usr/bin/python3 ${_jd_tests}/concurrent_restart.py 6)
# A command that dies by a signal is named with it by the rig (exit 128+N), and a
# Python command gets the rig's PYTHONFAULTHANDLER=1 (its stack in the log).
add_test(NAME rig_signal_report
         COMMAND /bin/bash ${_jd_tests}/rig-test.sh ${_jd_tests}/signal_report.sh
                 ${JCOPSIM_SOURCE_DIR}/tools/rig/jcop-rig --jcopsim $<TARGET_FILE:jcopsim>
                 --probe $<TARGET_FILE:jcop-rig-probe> --timeout 30 --memory-card J2A040)
set_tests_properties(rig_signal_report PROPERTIES LABELS "rig" TIMEOUT 120 SKIP_RETURN_CODE 77)
jcopsim_rig_test(rig_extended_apdu 120 --new-card J2A040 --arg --kt=${_jd_kt}
                 -- timeout 100 /usr/bin/python3 ${_jd_tests}/extended.py)
# Issue 18: a client's 1-byte C-APDU (vpcd frames it like a control) does not
# hang the reader; the rig itself: a card that ends at once, --timeout naming the
# reader that hangs, nothing left in the temporary folder.
jcopsim_rig_test(rig_one_byte_apdu 120 --memory-card J2A040
                 -- timeout 100 /usr/bin/python3 ${_jd_tests}/one_byte_apdu.py)
add_test(NAME rig_newcomer
         COMMAND /bin/bash ${_jd_tests}/rig-test.sh ${_jd_tests}/newcomer_rig.sh
                 ${JCOPSIM_SOURCE_DIR}/tools/rig/jcop-rig $<TARGET_FILE:jcopsim> $<TARGET_FILE:jcop-rig-probe>
                 ${CMAKE_CURRENT_BINARY_DIR}/rig-newcomer)
set_tests_properties(rig_newcomer PROPERTIES LABELS "rig" TIMEOUT 300 SKIP_RETURN_CODE 77 RUN_SERIAL TRUE)
if(_jd_have_trivial)
  jcopsim_rig_test(rig_trivial_card 120 --trivial-card
                   -- /bin/bash ${_jd_tests}/trivial.sh)
endif()
add_test(NAME rig_quickstart
         COMMAND /bin/bash ${_jd_tests}/rig-test.sh ${JCOPSIM_SOURCE_DIR}/tools/quickstart-run.sh
                 ${CMAKE_BINARY_DIR})
set_tests_properties(rig_quickstart PROPERTIES LABELS "rig" TIMEOUT 120 SKIP_RETURN_CODE 77)

# Issue 8's reconnect figures: 20 kills with the dead handle touched first, and
# 20 pcscd restarts under one running card (label "reliability": longer runs).
jcopsim_rig_test(rig_reconnect_kill20 600 --new-card J2A040 --arg --kt=${_jd_kt}
                 -- timeout 560 /usr/bin/python3 ${_jd_tests}/kill_restart.py 20)
jcopsim_rig_test(rig_reconnect_pcscd20 900 --new-card J2A040 --arg --kt=${_jd_kt}
                 -- timeout 860 /usr/bin/python3 ${_jd_tests}/pcscd_restart.py 20)
set_property(TEST rig_reconnect_kill20 rig_reconnect_pcscd20 APPEND PROPERTY LABELS reliability)
