# Reliability tests (issue 8), included by simulator/fuzz/CMakeLists.txt (this
# folder has no CMakeLists.txt of its own: simulator/tests/CMakeLists.txt
# belongs to the card-core tests). The Python clients run with Debian's
# /usr/bin/python3 (pycryptodome, pyscard); all but the reconnect runs play
# vpcd's side on 127.0.0.1 themselves, so they need no pcscd.
#   reliability   crash safety (10 SIGKILLs), power-loss injection, security,
#                 valgrind on the daemon (label valgrind too)
#   rig           20 pcscd restarts and 20 card kills through a private pcscd
#                 (tools/rig/jcop-rig; root; JCOPSIM_RIG_TESTS)
#                 and SIGKILLs during an applet's transactions (kill_tx.py, txlog.jca)
#   long          100 SIGKILLs, memory and GP counter and applet transactions
#                 (JCOPSIM_LONG_TESTS)
set(JR_DIR ${JCOPSIM_SOURCE_DIR}/simulator/tests/reliability CACHE INTERNAL "reliability tests")
set(JR_PY /usr/bin/python3 CACHE INTERNAL "Debian's python3 (pycryptodome, pyscard)")

if(JCOPSIM_TESTS AND TARGET jcopsim AND EXISTS ${JR_PY})
  add_test(NAME reliability_crash_kill_10
           COMMAND ${JR_PY} ${JR_DIR}/crash_kill.py --jcopsim $<TARGET_FILE:jcopsim> --kills 10)
  set(jr_capbuild "")
  if(EXISTS ${JCOPSIM_SOURCE_DIR}/testcases/gp-host/capbuild.py)
    set(jr_capbuild --capbuild ${JCOPSIM_SOURCE_DIR}/testcases/gp-host/capbuild.py)
  endif()
  add_test(NAME reliability_power_cut
           COMMAND ${JR_PY} ${JR_DIR}/power_cut.py --jcopsim $<TARGET_FILE:jcopsim> ${jr_capbuild})
  add_test(NAME reliability_crash_kill_gp_10
           COMMAND ${JR_PY} ${JR_DIR}/crash_kill.py --jcopsim $<TARGET_FILE:jcopsim> --mode gp --kills 10)
  set_tests_properties(reliability_crash_kill_10 reliability_crash_kill_gp_10 reliability_power_cut
                       PROPERTIES LABELS "reliability" TIMEOUT 300)
  if(JCOPSIM_LONG_TESTS)
    add_test(NAME reliability_crash_kill_100
             COMMAND ${JR_PY} ${JR_DIR}/crash_kill.py --jcopsim $<TARGET_FILE:jcopsim> --kills 100 --seed 100)
    add_test(NAME reliability_crash_kill_gp_100
             COMMAND ${JR_PY} ${JR_DIR}/crash_kill.py --jcopsim $<TARGET_FILE:jcopsim> --mode gp --kills 100
                     --seed 100)
    set_tests_properties(reliability_crash_kill_100 reliability_crash_kill_gp_100 PROPERTIES
                         LABELS "reliability;long" TIMEOUT 1800)
  endif()
  find_program(JR_VALGRIND valgrind)
  if(JCOPSIM_VALGRIND_TESTS AND JR_VALGRIND AND NOT JCOPSIM_SANITIZE AND NOT JCOPSIM_FUZZ)
    add_test(NAME reliability_valgrind_daemon
             COMMAND ${JR_PY} ${JR_DIR}/valgrind_daemon.py --jcopsim $<TARGET_FILE:jcopsim>
                     --valgrind ${JR_VALGRIND})
    set_tests_properties(reliability_valgrind_daemon PROPERTIES LABELS "reliability;valgrind" TIMEOUT 600)
  endif()
  if(JCOPSIM_RIG_TESTS)
    foreach(mode pcscd card)
      add_test(NAME reliability_reconnect_${mode}_20
               COMMAND ${JCOPSIM_SOURCE_DIR}/tools/rig/jcop-rig --build ${CMAKE_BINARY_DIR}
                       --jcopsim $<TARGET_FILE:jcopsim> --new-card J2A040
                       -- ${JR_PY} ${JR_DIR}/reconnect.py ${mode} --rounds 20 --deadline 5)
      set_tests_properties(reliability_reconnect_${mode}_20 PROPERTIES
                           LABELS "reliability;rig" TIMEOUT 600 RUN_SERIAL TRUE)
    endforeach()
  endif()

  # SIGKILLs during an applet's transaction loop through the rig (issue 17): txlog.jca is
  # assembled at build time by jcop-cap (a target of tools/, added after simulator/: the
  # registration waits until every folder is read), installed over SCP02 by jcop-replay
  # inside the rig, then kill_tx.py kills and restarts the card. The split run sends
  # non-atomic updates on purpose and passes only when the checks catch one; the notxn
  # run makes the same updates without a JCSystem transaction in one APDU, which the
  # card's per-APDU commit keeps whole under a kill (FIDELITY.md).
  function(jr_add_kill_tx_tests)
    if(NOT (JCOPSIM_RIG_TESTS AND TARGET jcop-cap AND TARGET jcop-replay AND TARGET jcop-rig-probe))
      return()
    endif()
    set(cap ${CMAKE_BINARY_DIR}/reliability/txlog.cap)
    add_custom_command(OUTPUT ${cap}
                       COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/reliability
                       COMMAND $<TARGET_FILE:jcop-cap> asm -o ${cap} ${JR_DIR}/txlog.jca
                       DEPENDS jcop-cap ${JR_DIR}/txlog.jca
                       COMMENT "jcop-cap asm: the transaction-log applet txlog.jca -> reliability/txlog.cap")
    add_custom_target(jcopsim-txlog-cap ALL DEPENDS ${cap})
    set(rig /bin/bash ${JCOPSIM_SOURCE_DIR}/simulator/tests/rig/rig-test.sh ${JCOPSIM_SOURCE_DIR}/tools/rig/jcop-rig
            -q --build ${CMAKE_BINARY_DIR} --jcopsim $<TARGET_FILE:jcopsim>
            --probe $<TARGET_FILE:jcop-rig-probe> --ready-timeout 30
            --new-card J2A040 --kt 000102030405060708090A0B0C0D0E0F)
    set(client ${JR_PY} ${JR_DIR}/kill_tx.py --replay $<TARGET_FILE:jcop-replay> --cap ${cap}
               --gpsh ${JR_DIR}/install-txlog.gpsh)
    add_test(NAME reliability_rig_kill_tx_10
             COMMAND ${rig} --timeout 280 -- timeout 270 ${client} --kills 10)
    add_test(NAME reliability_rig_kill_tx_split_caught
             COMMAND ${rig} --timeout 280 -- timeout 270 ${client} --kills 30 --split)
    add_test(NAME reliability_rig_kill_tx_notxn_10
             COMMAND ${rig} --timeout 280 -- timeout 270 ${client} --kills 10 --no-transaction)
    set_tests_properties(reliability_rig_kill_tx_10 reliability_rig_kill_tx_split_caught
                         reliability_rig_kill_tx_notxn_10 PROPERTIES
                         LABELS "reliability;rig" TIMEOUT 300 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
    if(JCOPSIM_LONG_TESTS)
      add_test(NAME reliability_rig_kill_tx_100
               COMMAND ${rig} --timeout 1180 -- timeout 1170 ${client} --kills 100 --seed 100)
      set_tests_properties(reliability_rig_kill_tx_100 PROPERTIES
                           LABELS "reliability;rig;long" TIMEOUT 1200 RUN_SERIAL TRUE SKIP_RETURN_CODE 77)
    endif()
  endfunction()
  cmake_language(DEFER DIRECTORY ${JCOPSIM_SOURCE_DIR} CALL jr_add_kill_tx_tests)

  # The security checks also look at jcop-image and jcop-prepers, which the
  # top-level CMakeLists.txt adds after simulator/: register once all are read.
  function(jr_add_security_test)
    set(tools "")
    if(TARGET jcop-image)
      list(APPEND tools --jcop-image $<TARGET_FILE:jcop-image>)
    endif()
    if(TARGET jcop-prepers)
      list(APPEND tools --jcop-prepers $<TARGET_FILE:jcop-prepers>)
    endif()
    add_test(NAME reliability_security
             COMMAND ${JR_PY} ${JR_DIR}/security.py --jcopsim $<TARGET_FILE:jcopsim>
                     --source ${JCOPSIM_SOURCE_DIR} ${tools} --skip ct-compare)
    # The source review on its own, so a finding there does not hide the rest.
    add_test(NAME reliability_constant_time
             COMMAND ${JR_PY} ${JR_DIR}/security.py --jcopsim $<TARGET_FILE:jcopsim>
                     --source ${JCOPSIM_SOURCE_DIR} --only ct-compare)
    set_tests_properties(reliability_security reliability_constant_time PROPERTIES
                         LABELS "reliability;security" TIMEOUT 300)
  endfunction()
  cmake_language(DEFER DIRECTORY ${JCOPSIM_SOURCE_DIR} CALL jr_add_security_test)
endif()

# Tearing of applet persistent writes (issue 17): the project's own applet
# applets/tear.jca, assembled by jcop-cap (added after simulator/, hence the
# deferred call); an in-process walk of every VM write point
# (reliability_tearing) and the same cuts through the daemon (reliability_tear_vm).
function(jr_add_tearing_test)
  if(NOT JCOPSIM_TESTS OR NOT TARGET jcop-cap OR NOT TARGET jhcap)
    return()
  endif()
  set(cap ${CMAKE_BINARY_DIR}/tear.cap)
  add_custom_command(OUTPUT ${cap}
                     COMMAND $<TARGET_FILE:jcop-cap> asm -o ${cap} ${JR_DIR}/applets/tear.jca
                     DEPENDS jcop-cap ${JR_DIR}/applets/tear.jca
                     COMMENT "jcop-cap asm: the tearing tests' applet tear.jca")
  add_custom_target(jr_tear_cap ALL DEPENDS ${cap})
  if(JCOPSIM_TESTS)
    add_executable(reliability_tearing ${JR_DIR}/test_tearing.c)
    target_link_libraries(reliability_tearing PRIVATE jcvm jhcap PkgConfig::CMOCKA)
    target_compile_definitions(reliability_tearing PRIVATE TEAR_CAP_DEFAULT="${cap}")
    add_dependencies(reliability_tearing jr_tear_cap)
    add_test(NAME reliability_tearing COMMAND reliability_tearing)
    set_tests_properties(reliability_tearing PROPERTIES LABELS "reliability" TIMEOUT 120)
  endif()
  # The same cuts through the daemon, its image file and the card core:
  # jcopsim --cut-vm-write-at N at each VM write of INSTALL, VERIFY, a
  # transaction and DELETE (tear_vm.py, ~10 s).
  if(TARGET jcopsim AND EXISTS ${JR_PY})
    add_test(NAME reliability_tear_vm
             COMMAND ${JR_PY} ${JR_DIR}/tear_vm.py --jcopsim $<TARGET_FILE:jcopsim> --cap ${cap})
    set_tests_properties(reliability_tear_vm PROPERTIES LABELS "reliability" TIMEOUT 300)
  endif()
endfunction()
cmake_language(DEFER DIRECTORY ${JCOPSIM_SOURCE_DIR} CALL jr_add_tearing_test)
