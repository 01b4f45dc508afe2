# Runs COMMAND (a list) and passes when it ends within the test's timeout with a non-zero exit code and an
# output matching EXPECT: a failing rank must end the whole run, with a message, never hang.
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(code EQUAL 0)
  message(FATAL_ERROR "the run ended with exit code 0; expected a failure")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output lacks: ${EXPECT}")
endif()
