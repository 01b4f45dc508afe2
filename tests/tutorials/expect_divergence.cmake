# cmake -DPROGRAM=... -DARGS=a;b -DOUT=dir -P expect_divergence.cmake
# A learning rate far too large makes the loss overflow. The tutorial must stop with exit code 1 and one
# error line naming the epoch, the step, the loss value and the first op whose output stopped being finite.
file(REMOVE_RECURSE "${OUT}")
execute_process(COMMAND "${PROGRAM}" ${ARGS} --out "${OUT}" RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1)
  message(FATAL_ERROR "expected exit code 1, got ${rc}\n${out}${err}")
endif()
set(expected "error: training stopped at epoch [0-9]+, step [0-9]+: the loss is -?(inf|nan); anomaly: '[a-z_0-9]+' produced")
if(NOT "${err}" MATCHES "${expected}")
  message(FATAL_ERROR "expected an error line matching \"${expected}\", got:\n${err}")
endif()
string(REGEX MATCH "error: [^\n]*" line "${err}")
message("${line}")
