# What the expect_*.cmake scripts share: include(${CMAKE_CURRENT_LIST_DIR}/run_program.cmake).

# run_program(<what> <expected exit code> <command> [arguments...]): runs the command and stops the test,
# naming <what> and showing all the output, unless it exits with the expected code. Leaves what it
# printed in `stdout` and `stderr`.
function(run_program what expected_rc)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL expected_rc)
    message(FATAL_ERROR "${what}: expected exit code ${expected_rc}, got ${rc}\n${out}${err}")
  endif()
  set(stdout "${out}" PARENT_SCOPE)
  set(stderr "${err}" PARENT_SCOPE)
endfunction()

# expect_match(<what> <text> <regex>): stops the test unless the text matches the regex.
function(expect_match what text regex)
  if(NOT text MATCHES "${regex}")
    message(FATAL_ERROR "${what}: expected output matching \"${regex}\", got:\n${text}")
  endif()
endfunction()

# expect_no_work(<what>): the last run_program printed nothing on stdout, so it stopped before any work.
function(expect_no_work what)
  if(NOT stdout STREQUAL "")
    message(FATAL_ERROR "${what}: the program did some work before stopping:\n${stdout}")
  endif()
endfunction()
